"""The public register of accepted notices: what anyone may read, and nothing internal."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_

from ..accounts.models import Organisation
from ..domain.calendar import to_jst
from ..domain.workflow import Status
from ..extensions import db
from ..filing.models import Notice
from ..paging import decode_cursor, page_of, text_matches

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
        query = query.where(
            text_matches(
                q,
                Notice.receipt_number,
                Notice.system_name_key,
                Organisation.name_key,
                Organisation.corporate_number,
                Organisation.lei,
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


def page(q: str, after: str, size: int) -> tuple[list[Entry], str | None]:
    query = _query(q)
    cursor = decode_cursor(after, datetime.fromisoformat) if after else None
    if cursor is not None:
        query = query.where(tuple_(Notice.decided_at, Notice.id) < cursor)
    rows = db.session.execute(query.limit(size + 1)).all()
    rows, next_cursor = page_of(rows, size, lambda last: (last.decided_at, last.id))
    return [_entry(r) for r in rows], next_cursor


def every_entry(q: str = ""):
    """All entries, streamed, for the downloads."""
    for row in db.session.execute(_query(q).execution_options(yield_per=1000)):
        yield _entry(row)
