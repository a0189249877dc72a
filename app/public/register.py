"""The public register of accepted notices: what anyone may read, and nothing internal."""

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, tuple_

from ..accounts.models import Organisation
from ..domain.calendar import to_jst
from ..domain.workflow import Status
from ..extensions import db
from ..filing.models import Notice

# Stable field names for CSV and JSON; change only with a new format version.
FIELDS = (
    "receipt_number",
    "provider_name_ja",
    "provider_name_en",
    "corporate_number",
    "lei",
    "system_name",
    "system_version",
    "categories",
    "accepted_on",
)


@dataclass(frozen=True)
class Entry:
    receipt_number: str
    provider_name_ja: str
    provider_name_en: str
    corporate_number: str | None
    lei: str | None
    system_name: str
    system_version: str
    categories: list
    accepted_on: str

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in FIELDS}


def _query(q: str):
    query = (
        select(
            Notice.id,
            Notice.receipt_number,
            Notice.system_name,
            Notice.system_version,
            Notice.categories,
            Notice.decided_at,
            Organisation.name_ja,
            Organisation.name_en,
            Organisation.corporate_number,
            Organisation.lei,
        )
        .join(Organisation, Notice.organisation_id == Organisation.id)
        .where(Notice.status == Status.ACCEPTED)
    )
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                Notice.receipt_number.ilike(pattern, escape="\\"),
                Notice.system_name.ilike(pattern, escape="\\"),
                Organisation.name_ja.ilike(pattern, escape="\\"),
                Organisation.name_en.ilike(pattern, escape="\\"),
                Organisation.corporate_number.ilike(pattern, escape="\\"),
                Organisation.lei.ilike(pattern, escape="\\"),
            )
        )
    return query.order_by(Notice.decided_at.desc(), Notice.id.desc())


def _entry(row) -> Entry:
    return Entry(
        receipt_number=row.receipt_number,
        provider_name_ja=row.name_ja,
        provider_name_en=row.name_en,
        corporate_number=row.corporate_number,
        lei=row.lei,
        system_name=row.system_name,
        system_version=row.system_version,
        categories=list(row.categories or []),
        accepted_on=to_jst(row.decided_at).date().isoformat(),
    )


def _cursor(row) -> str:
    raw = json.dumps([row.decided_at.isoformat(), row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse_cursor(cursor: str):
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        moment, notice_id = json.loads(raw)
        return datetime.fromisoformat(moment), int(notice_id)
    except (ValueError, TypeError):
        return None


def page(q: str, after: str, size: int) -> tuple[list[Entry], str | None]:
    query = _query(q)
    cursor = _parse_cursor(after) if after else None
    if cursor is not None:
        query = query.where(tuple_(Notice.decided_at, Notice.id) < cursor)
    rows = db.session.execute(query.limit(size + 1)).all()
    more = len(rows) > size
    rows = rows[:size]
    return [_entry(r) for r in rows], (_cursor(rows[-1]) if more and rows else None)


def every_entry(q: str = ""):
    """All entries, streamed, for the downloads."""
    for row in db.session.execute(_query(q).execution_options(yield_per=1000)):
        yield _entry(row)
