"""Appending to a notice's history. Nothing here updates or deletes an event."""

from sqlalchemy import select

from ..extensions import db
from ..models import utcnow
from .chain import GENESIS, event_hash
from .models import NoticeEvent


def record_event(
    notice, actor, action, *, from_status=None, to_status=None, comment="", internal=False
) -> NoticeEvent:
    """Append one event. The caller holds the notice's row (its version UPDATE), which
    serialises appends per notice; the unique (notice, sequence) pair refuses any fork."""
    _lock_notice(notice.id)
    last = db.session.execute(
        select(NoticeEvent.sequence, NoticeEvent.hash)
        .where(NoticeEvent.notice_id == notice.id)
        .order_by(NoticeEvent.sequence.desc())
        .limit(1)
    ).first()
    sequence, prev_hash = (last.sequence + 1, last.hash) if last else (1, GENESIS)
    event = NoticeEvent(
        notice_id=notice.id,
        sequence=sequence,
        action=str(action),
        actor_id=actor.id,
        actor_role=str(actor.role),
        created_at=utcnow(),
        from_status=str(from_status) if from_status else None,
        to_status=str(to_status) if to_status else None,
        comment=comment or "",
        notice_version=notice.version,
        internal=internal,
        prev_hash=prev_hash,
    )
    event.hash = event_hash(event, prev_hash)
    db.session.add(event)
    db.session.flush()
    return event


# Staff's own steps: notes, and the maker-checker exchange before a decision is final
# (the provider sees "under review" until it is confirmed).
STAFF_ONLY_ACTIONS = ("note", "propose_decision", "send_back")


def seen_by_provider(event) -> bool:
    """Whether the provider's history lists ``event`` (the filter of ``events_for``)."""
    return not event.internal and event.action not in STAFF_ONLY_ACTIONS


def events_for(notice, *, include_internal: bool):
    query = select(NoticeEvent).where(NoticeEvent.notice_id == notice.id)
    if not include_internal:
        query = query.where(
            NoticeEvent.internal.is_(False), NoticeEvent.action.not_in(STAFF_ONLY_ACTIONS)
        )
    return db.session.scalars(query.order_by(NoticeEvent.sequence)).all()


def _lock_notice(notice_id: int) -> None:
    """Serialise appends per notice (a no-op on SQLite, whose writers hold the database lock)."""
    from ..filing.models import Notice

    db.session.execute(select(Notice.id).where(Notice.id == notice_id).with_for_update())
