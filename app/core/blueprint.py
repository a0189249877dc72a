from flask import Blueprint

from . import views

bp = Blueprint("core", __name__)

bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/language", "set_language", views.set_language, methods=["POST"])
bp.add_url_rule("/healthz", "healthz", views.healthz)
bp.add_url_rule("/readyz", "readyz", views.readyz)
