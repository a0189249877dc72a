from flask import Blueprint

from . import groups, responses, submission, views

bp = Blueprint("filing", __name__, url_prefix="/notices")

bp.add_url_rule("/", "dashboard", views.dashboard)
bp.add_url_rule("/new", "new_notice", views.new_notice, methods=["GET", "POST"])
bp.add_url_rule("/<int:notice_id>", "show", submission.show)
bp.add_url_rule("/<int:notice_id>/edit", "edit", views.edit)
bp.add_url_rule("/<int:notice_id>/edit/<key>", "section", views.section, methods=["GET", "POST"])
bp.add_url_rule("/<int:notice_id>/clients", "add_client", groups.add_client, methods=["POST"])
bp.add_url_rule(
    "/<int:notice_id>/subcontractors",
    "add_subcontractor",
    groups.add_subcontractor,
    methods=["POST"],
)
bp.add_url_rule(
    "/<int:notice_id>/certifications",
    "add_certification",
    groups.add_certification,
    methods=["POST"],
)
bp.add_url_rule(
    "/<int:notice_id>/<group>/<int:item_id>/remove",
    "remove_item",
    groups.remove_item,
    methods=["POST"],
)
bp.add_url_rule(
    "/<int:notice_id>/attachments",
    "upload_attachment",
    groups.upload_attachment,
    methods=["POST"],
)
bp.add_url_rule(
    "/<int:notice_id>/attachments/<int:attachment_id>",
    "download_attachment",
    groups.download_attachment,
)
bp.add_url_rule(
    "/<int:notice_id>/attachments/<int:attachment_id>/remove",
    "remove_attachment",
    groups.remove_attachment,
    methods=["POST"],
)
bp.add_url_rule("/<int:notice_id>/submit", "submit", submission.submit, methods=["GET", "POST"])
bp.add_url_rule("/<int:notice_id>/receipt", "receipt", submission.receipt)
bp.add_url_rule("/<int:notice_id>/delete", "delete", submission.delete, methods=["POST"])
bp.add_url_rule(
    "/<int:notice_id>/withdraw", "withdraw", submission.withdraw, methods=["GET", "POST"]
)
bp.add_url_rule("/<int:notice_id>/respond", "respond", responses.respond, methods=["POST"])
bp.add_url_rule("/<int:notice_id>/file-again", "file_again", views.file_again, methods=["POST"])
