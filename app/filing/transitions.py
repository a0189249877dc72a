"""Applying a workflow transition: check it, write it guarded by the version, record it."""

from sqlalchemy import select, update

from ..domain.workflow import Action, Status, check_transition
from ..extensions import db
from ..history.models import NoticeEvent
from ..history.operations import record_event, seen_by_provider
from .models import Notice


class StaleNotice(Exception):
    """Someone else changed the notice since the form was rendered."""

    def __init__(self, notice_id: int, last_event: NoticeEvent | None):
        super().__init__(f"notice {notice_id} changed since it was read")
        self.notice_id = notice_id
        self.last_event = last_event

    @property
    def last_event_seen_by_provider(self) -> NoticeEvent | None:
        """The last change, if the provider's history lists it: a proposed decision or a
        send-back stays with staff, even on the page that says the form was out of date."""
        if self.last_event is not None and seen_by_provider(self.last_event):
            return self.last_event
        return None


def apply_transition(
    notice: Notice,
    action: Action,
    actor,
    *,
    expected_version: int,
    target: Status | None = None,
    values: dict | None = None,
    comment: str = "",
) -> NoticeEvent:
    """UPDATE ... WHERE version = :seen; nothing is written when another change came first."""
    ensure_current(notice, expected_version)
    transition = check_transition(action, Status(notice.status))
    to_status = target or transition.target
    from_status = notice.status
    result = db.session.execute(
        update(Notice)
        .where(
            Notice.id == notice.id,
            Notice.version == expected_version,
            Notice.status == from_status,
        )
        .values(status=to_status, version=Notice.version + 1, **(values or {}))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise StaleNotice(notice.id, last_event(notice.id))
    db.session.refresh(notice)
    return record_event(
        notice, actor, action, from_status=from_status, to_status=to_status, comment=comment
    )


def ensure_current(notice: Notice, expected_version: int) -> None:
    """A form rendered from an older version is told who changed the notice, before any
    other judgement is made on a notice its author never saw."""
    if notice.version != expected_version:
        db.session.rollback()
        raise StaleNotice(notice.id, last_event(notice.id))


def last_event(notice_id: int) -> NoticeEvent | None:
    return db.session.scalar(
        select(NoticeEvent)
        # Notes change nothing a form was rendered from, and are staff-only.
        .where(NoticeEvent.notice_id == notice_id, NoticeEvent.internal.is_(False))
        .order_by(NoticeEvent.sequence.desc())
        .limit(1)
    )
