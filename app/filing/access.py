"""Loading a notice for the signed-in provider: another organisation's is simply not found."""

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from ..core.logs import refusal
from ..extensions import db
from .models import Notice


def own_notice(notice_id: int, *, for_update: bool = False) -> Notice:
    query = select(Notice).where(
        Notice.id == notice_id, Notice.organisation_id == current_user.organisation_id
    )
    notice = db.session.scalar(query)
    if notice is None:
        # Not found to the user either way; the log tells a probe from a stale link.
        if db.session.get(Notice, notice_id) is not None:
            refusal(404, "notice of another organisation")
        abort(404)
    return notice
