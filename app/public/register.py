"""The public register of accepted notices: what anyone may read, and nothing internal.

Everything comes from the notices as filed (the provider too, copied at submission), never
from a provider's profile as it is today."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import aliased

from ..domain.calendar import to_jst
from ..domain.workflow import Status
from ..extensions import db
from ..filing.models import Notice, NoticeType
from ..paging import decode_cursor, page_of, text_matches

# PostgreSQL only, made by migration e2f3a4b5c6d7 (the models cannot declare them): with
# the queue's (app.review.queue.SEARCH_INDEXES), every column the search compares has a
# trigram index, so a search reads the matches instead of every accepted notice.
SEARCH_INDEXES = frozenset(
    {
        "ix_notices_provider_name_key_trgm",
        "ix_notices_provider_corporate_number_trgm",
        "ix_notices_provider_lei_trgm",
    }
)

# What a search compares: the notice as filed, never the provider's profile of today.
SEARCHED = (
    Notice.receipt_number,
    Notice.system_name_key,
    Notice.provider_name_key,
    Notice.provider_corporate_number,
    Notice.provider_lei,
)

# Stable field names for CSV and JSON; change only with a new format version (new fields
# go at the end).
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
    "notice_type",
    "refers_to",
    "planned_date",
    "discontinued_by",
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
    # new, change or discontinuation (NoticeType); a change or discontinuation names the
    # earlier notice it refers to.
    notice_type: str
    refers_to: str | None
    # The planned start of the service (of the change), or for a discontinuation its end.
    planned_date: str | None
    # The accepted discontinuation that ended this service, if any (the first filed).
    discontinued_by: str | None

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in FIELDS}

    @property
    def ends_service(self) -> bool:
        return self.notice_type == NoticeType.DISCONTINUATION


# Made once: an alias adapts each column it is asked for, which costs more than running the
# page's statement when done afresh for every request.
_EARLIER = aliased(Notice, name="earlier")
_LATER = aliased(Notice, name="later")
_LATER_ACCEPTED_DISCONTINUATION = (
    _LATER.status == Status.ACCEPTED,
    _LATER.notice_type == NoticeType.DISCONTINUATION,
)


def _discontinued_by_row():
    """For a page: each row's first accepted discontinuation, looked up by the row
    (ix_notices_refers_to_id) in the page's own statement."""
    return (
        select(func.min(_LATER.receipt_number))
        .where(_LATER.refers_to_id == Notice.id, *_LATER_ACCEPTED_DISCONTINUATION)
        .scalar_subquery()
    )


def _discontinued_by_all():
    """For the downloads: every notice's first accepted discontinuation, found once and
    joined (a lookup a row would cost more than the rows themselves)."""
    return (
        select(_LATER.refers_to_id, func.min(_LATER.receipt_number).label("receipt_number"))
        .where(*_LATER_ACCEPTED_DISCONTINUATION)
        .group_by(_LATER.refers_to_id)
        .subquery()
    )


def _query(q: str, *, whole: bool = False):
    query = (
        select(
            Notice.id,
            Notice.receipt_number,
            Notice.system_name,
            Notice.system_version,
            Notice.categories,
            Notice.decided_at,
            Notice.provider_name_ja,
            Notice.provider_name_en,
            Notice.provider_corporate_number,
            Notice.provider_lei,
            Notice.notice_type,
            Notice.planned_date,
            _EARLIER.receipt_number.label("refers_to"),
        )
        .outerjoin(_EARLIER, Notice.refers_to_id == _EARLIER.id)
        .where(Notice.status == Status.ACCEPTED)
    )
    if whole:
        ended = _discontinued_by_all()
        query = query.add_columns(ended.c.receipt_number.label("discontinued_by")).outerjoin(
            ended, ended.c.refers_to_id == Notice.id
        )
    else:
        query = query.add_columns(_discontinued_by_row().label("discontinued_by"))
    if q:
        query = query.where(text_matches(q, *SEARCHED))
    return query.order_by(Notice.decided_at.desc(), Notice.id.desc())


def _entry(row) -> Entry:
    return Entry(
        receipt_number=row.receipt_number,
        provider_name_ja=row.provider_name_ja,
        provider_name_en=row.provider_name_en,
        corporate_number=row.provider_corporate_number,
        lei=row.provider_lei,
        system_name=row.system_name,
        system_version=row.system_version,
        categories=list(row.categories or []),
        accepted_on=to_jst(row.decided_at).date().isoformat(),
        notice_type=NoticeType(row.notice_type).value,
        refers_to=row.refers_to,
        planned_date=row.planned_date.isoformat() if row.planned_date else None,
        discontinued_by=row.discontinued_by,
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
    for row in db.session.execute(_query(q, whole=True).execution_options(yield_per=1000)):
        yield _entry(row)
