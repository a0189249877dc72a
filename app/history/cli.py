from itertools import groupby

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..domain.workflow import Status
from ..extensions import db
from .chain import first_break
from .models import NoticeEvent

audit_cli = AppGroup("audit", help="Check the history of every notice.")


@audit_cli.command("verify")
def verify():
    """Recompute every notice's hash chain, and check that each filed notice's status and
    version are those its last transition recorded (so deleting the newest events, or a
    whole chain, is noticed too); exit 1 naming the first problem."""
    events = db.session.scalars(
        select(NoticeEvent)
        .order_by(NoticeEvent.notice_id, NoticeEvent.sequence)
        .execution_options(yield_per=2000)
    )
    chains = checked = 0
    broken = None
    last_transition = {}
    try:
        for notice_id, chain in groupby(events, key=lambda event: event.notice_id):
            chain = list(chain)
            broken = first_break(chain)
            if broken is not None:
                break
            transitions = [e for e in chain if e.to_status and not e.internal]
            if transitions:
                last_transition[notice_id] = (transitions[-1].to_status, chain[-1].notice_version)
            chains += 1
            checked += len(chain)
    finally:
        events.close()  # a server-side cursor on PostgreSQL
    if broken is not None:
        _fail(
            f"BROKEN: notice {broken.notice_id}, event id {broken.id} "
            f"(sequence {broken.sequence}, action {broken.action})"
        )
    _check_notices_match_their_history(last_transition)
    click.echo(f"ok: {checked} events in {chains} chains verified")


def _check_notices_match_their_history(last_transition: dict) -> None:
    from ..filing.models import Notice

    rows = db.session.execute(
        select(Notice.id, Notice.status, Notice.version)
        .where(Notice.status != Status.DRAFT)
        .order_by(Notice.id)
        .execution_options(yield_per=5000)
    )
    try:
        for notice_id, status, version in rows:
            recorded = last_transition.get(notice_id)
            if recorded is None:
                _fail(f"BROKEN: notice {notice_id} is {status} but has no history")
            if recorded != (str(status), version):
                _fail(
                    f"BROKEN: notice {notice_id} is {status} (version {version}) but its last "
                    f"recorded event says {recorded[0]} (version {recorded[1]})"
                )
    finally:
        rows.close()


def _fail(message: str):
    click.echo(message, err=True)
    raise SystemExit(1)
