from flask import Blueprint

from . import views

bp = Blueprint("filing", __name__, url_prefix="/notices")

bp.add_url_rule("/", "dashboard", views.dashboard)
