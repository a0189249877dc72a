from flask import Blueprint

from . import views

bp = Blueprint("acknowledgements", __name__)

bp.add_url_rule(
    "/notices/<int:notice_id>/acknowledgements/<int:acknowledgement_id>",
    "provider_download",
    views.provider_download,
)
bp.add_url_rule(
    "/review/notices/<int:notice_id>/acknowledgements/<int:acknowledgement_id>",
    "staff_download",
    views.staff_download,
)
bp.add_url_rule("/verify", "verify", views.verify)
bp.add_url_rule("/verify/upload", "verify_upload", views.verify_upload, methods=["POST"])
