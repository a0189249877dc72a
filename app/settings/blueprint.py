from flask import Blueprint

from . import views

bp = Blueprint("settings", __name__)

bp.add_url_rule("/admin/settings", "index", views.index)
