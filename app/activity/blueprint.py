from flask import Blueprint

from . import views

bp = Blueprint("activity", __name__)

bp.add_url_rule("/account/activity", "own", views.own)
bp.add_url_rule("/organisation/activity", "organisation", views.organisation)
bp.add_url_rule("/admin/activity", "everyone", views.everyone)
