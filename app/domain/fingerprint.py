"""Canonical JSON and the content fingerprint of a filed notice."""

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal


def _default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def canonical_json(data) -> bytes:
    """One byte sequence per content: sorted keys, no spaces, UTF-8, NFC left to the caller."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    ).encode("utf-8")


def fingerprint(snapshot_json: bytes) -> str:
    """SHA-256 of the canonical snapshot; the snapshot lists every attachment's SHA-256."""
    return hashlib.sha256(snapshot_json).hexdigest()
