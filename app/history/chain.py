"""Hashes that chain a notice's events: plain Python, shared by writer and verifier."""

import hashlib
from datetime import UTC, datetime

from ..domain.fingerprint import canonical_json

GENESIS = "0" * 64


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def event_hash(event, prev_hash: str) -> str:
    body = {
        "notice_id": event.notice_id,
        "sequence": event.sequence,
        "action": event.action,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "created_at": _utc_text(event.created_at),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "comment": event.comment,
        "notice_version": event.notice_version,
        "internal": bool(event.internal),
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()


def first_break(events) -> object | None:
    """The first event whose hash or link does not hold, or None when the chain is whole."""
    prev = GENESIS
    for expected_sequence, event in enumerate(events, start=1):
        if (
            event.sequence != expected_sequence
            or event.prev_hash != prev
            or event.hash != event_hash(event, prev)
        ):
            return event
        prev = event.hash
    return None
