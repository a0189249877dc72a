from flask import Blueprint

from . import views

bp = Blueprint("public", __name__)

bp.add_url_rule("/register", "register", views.register)
bp.add_url_rule("/register.csv", "register_csv", views.register_csv)
bp.add_url_rule("/register.json", "register_json", views.register_json)
