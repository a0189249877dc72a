"""A new draft's answers copied from an earlier notice (a change from what was accepted,
a notice filed again from what was returned or withdrawn), and what was filed again."""

import copy

from sqlalchemy import inspect, select

from ..domain.workflow import OPEN, Status
from ..extensions import db
from ..files import discard_unless_committed
from .models import Attachment, Notice, Refiling
from .sections import SECURITY_FIELDS, SYSTEM_FIELDS


def copy_answers(notice: Notice, earlier: Notice, user, storage) -> None:
    """Start from an earlier notice's answers, so the provider edits only what changes:
    the system and security sections, the clients, subcontractors and certifications,
    and the documents (stored again: each notice owns its files). Not copied: the
    planned date and the declaration, which a filing states afresh."""
    for name in SYSTEM_FIELDS + SECURITY_FIELDS:
        setattr(notice, name, copy.deepcopy(getattr(earlier, name)))
    notice.clients = _copies(earlier.clients)
    notice.subcontractors = _copies(earlier.subcontractors)
    notice.certifications = _copies(earlier.certifications)
    for document in earlier.attachments:
        stored = storage.put(storage.get(document.storage_key))
        discard_unless_committed(storage, stored.key)
        notice.attachments.append(
            Attachment(
                category=document.category,
                display_name=document.display_name,
                storage_key=stored.key,
                size=stored.size,
                sha256=stored.sha256,
                page_count=document.page_count,
                uploaded_by_id=user.id,
            )
        )


# What ties a row of a notice's list to its place, not what the provider wrote.
_PLACE = frozenset({"id", "notice_id"})


def _copies(rows) -> list:
    """New rows holding what ``rows`` (clients, subcontractors, certifications) hold: every
    column but the row's id and its notice, so that a column added later is copied too."""
    return [
        type(row)(
            **{
                column.key: getattr(row, column.key)
                for column in inspect(type(row)).column_attrs
                if column.key not in _PLACE
            }
        )
        for row in rows
    ]


def filed_again_as(earlier: Notice, *, drafts: bool) -> list[Notice]:
    """The notices started from ``earlier`` with "File it again", oldest first; drafts
    only for the provider (staff see a notice once it is filed)."""
    query = (
        select(Notice)
        .join(Refiling, Refiling.notice_id == Notice.id)
        .where(Refiling.earlier_id == earlier.id)
        .order_by(Notice.id)
    )
    if not drafts:
        query = query.where(Notice.status != Status.DRAFT)
    return list(db.session.scalars(query))


def changes_in_review(accepted: Notice) -> list[Notice]:
    """The filed, undecided notices that refer to ``accepted`` (a change or its
    discontinuation), oldest first. A new draft starts from ``accepted`` as it was
    accepted, so it does not carry what those would change: the provider is told."""
    return list(
        db.session.scalars(
            select(Notice)
            .where(Notice.refers_to_id == accepted.id, Notice.status.in_(OPEN))
            .order_by(Notice.id)
        )
    )
