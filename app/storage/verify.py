"""``flask storage verify``: the database's references against what the storage holds.

Three kinds of problem:

* **missing**: a row names a key the storage does not have;
* **hash mismatch**: the stored bytes are not those the row recorded (size or SHA-256);
* **orphan**: a stored object no row names.

Uploads and removals run while this reads, so each candidate is looked at again before it
is reported: a missing file whose row has since been deleted (an attachment removed) is no
problem, and an unreferenced object younger than the grace period (``grace``, one hour by
default) is not called an orphan, because an upload stores its file a moment before its row
is committed. An orphan found this way is at least that old, which no upload in progress
is, so ``--delete-orphans`` may remove it safely.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .base import Storage
from .references import Reference

MISSING = "missing"
MISMATCH = "hash mismatch"
ORPHAN = "orphan"
DEFAULT_GRACE = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str
    key: str
    reference: Reference | None
    detail: str


@dataclass
class Report:
    referenced: int = 0  # rows naming a stored file
    stored: int = 0  # objects in the storage
    hashed: int = 0  # objects read and hashed
    too_young: int = 0  # unreferenced objects within the grace period, not judged
    problems: list[Problem] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for p in self.problems if p.kind == kind)

    @property
    def orphans(self) -> list[str]:
        return [p.key for p in self.problems if p.kind == ORPHAN]


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify(
    storage: Storage,
    references: Iterable[Reference],
    *,
    is_referenced: Callable[[str], bool],
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
) -> Report:
    """Compare; ``references`` are read before the storage is listed, ``is_referenced``
    asks the database again (in a new transaction) about one key."""
    by_key: dict[str, list[Reference]] = {}
    for reference in references:
        by_key.setdefault(reference.key, []).append(reference)
    report = Report(referenced=sum(len(refs) for refs in by_key.values()))
    stored = set(storage.keys())
    report.stored = len(stored)

    for key, refs in sorted(by_key.items()):
        try:
            data = storage.get(key) if key in stored else None
        except KeyError:
            data = None
        if data is None:
            if is_referenced(key) and not storage.exists(key):
                report.problems += [Problem(MISSING, key, r, "no stored object") for r in refs]
            continue
        report.hashed += 1
        actual = sha256_of(data)
        for ref in refs:
            if (len(data), actual) != (ref.size, ref.sha256):
                detail = (
                    f"stored {len(data)} bytes, sha256 {actual}; "
                    f"the row says {ref.size} bytes, sha256 {ref.sha256}"
                )
                report.problems.append(Problem(MISMATCH, key, ref, detail))

    for key in sorted(stored - by_key.keys()):
        try:
            written = storage.stored_at(key)
        except KeyError:
            continue  # deleted meanwhile (a removed attachment)
        if now - written < grace:
            report.too_young += 1
        elif not is_referenced(key):
            detail = f"no row refers to it; stored {written:%Y-%m-%d %H:%M} UTC"
            report.problems.append(Problem(ORPHAN, key, None, detail))
    return report
