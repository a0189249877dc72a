from flask import Blueprint

from . import actions, views

bp = Blueprint("review", __name__, url_prefix="/review")

bp.add_url_rule("/", "queue", views.queue)
bp.add_url_rule("/overview", "overview", views.overview)
bp.add_url_rule("/notices/<int:notice_id>", "notice", views.notice)
bp.add_url_rule(
    "/notices/<int:notice_id>/attachments/<int:attachment_id>",
    "download_attachment",
    views.download_attachment,
)
for name in actions.ACTIONS:
    bp.add_url_rule(
        f"/notices/<int:notice_id>/{name.replace('_', '-')}",
        name,
        actions.view_for(name),
        methods=["POST"],
    )
