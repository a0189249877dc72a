"""The provider's dashboard: its own notices by status as the provider sees it, a search of
receipt numbers and system names, most recently changed first, paged by keyset; beside a
notice awaiting the provider's answer, the reply-by date of the information request."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import load_only

from ..domain.workflow import ProviderStatus, provider_status, statuses_shown_as
from ..extensions import db
from ..forms import search_text
from ..paging import cursor_arg, decode_cursor, page_of, text_matches
from ..review.models import OPEN_REQUEST_REPLY_BY
from .models import Notice

# What a row shows: not the notice's long texts.
ROW_COLUMNS = (
    Notice.receipt_number,
    Notice.system_name,
    Notice.notice_type,
    Notice.status,
    Notice.submitted_at,
    Notice.updated_at,
)
FACES = tuple(ProviderStatus)


@dataclass(frozen=True)
class ReplyBy:
    """When the provider's answer to an information request is due, and whether that day
    has passed (the day itself is still in time)."""

    day: date
    passed: bool


@dataclass
class DashboardFilters:
    status: str = ""  # a ProviderStatus, or "" for every notice
    q: str = ""
    after: str = ""

    @classmethod
    def from_args(cls, args) -> "DashboardFilters":
        status = args.get("status", "")
        return cls(
            status=status if status in FACES else "",
            q=search_text(args.get("q")),
            after=cursor_arg(args),
        )

    def args(self, **changes) -> dict:
        values = {"status": self.status, "q": self.q, **changes}
        return {k: v for k, v in values.items() if v}


def face_counts(organisation_id: int) -> dict[str, int]:
    """The organisation's notices per status as it sees them, and ``"all"``: one grouped
    count that the (organisation_id, status) index answers alone."""
    rows = db.session.execute(
        select(Notice.status, func.count())
        .where(Notice.organisation_id == organisation_id)
        .group_by(Notice.status)
    ).all()
    counts = dict.fromkeys(FACES, 0)
    for status, count in rows:
        counts[provider_status(status)] += count
    return {**{str(face): n for face, n in counts.items()}, "all": sum(counts.values())}


def dashboard_page(filters: DashboardFilters, organisation_id: int, *, size: int, today: date):
    """One page of the organisation's notices, each with its ``ReplyBy`` (or None), and the
    cursor of the next page (or None); ``today`` is the day in Japan."""
    query = (
        select(Notice, OPEN_REQUEST_REPLY_BY)
        .where(Notice.organisation_id == organisation_id)
        .options(load_only(*ROW_COLUMNS))
    )
    if filters.status:
        query = query.where(Notice.status.in_(statuses_shown_as(filters.status)))
    if filters.q:
        query = query.where(text_matches(filters.q, Notice.receipt_number, Notice.system_name_key))
    cursor = decode_cursor(filters.after, datetime.fromisoformat) if filters.after else None
    if cursor is not None:
        query = query.where(tuple_(Notice.updated_at, Notice.id) < cursor)
    rows = db.session.execute(
        query.order_by(Notice.updated_at.desc(), Notice.id.desc()).limit(size + 1)
    ).all()
    rows = [(notice, _reply_by(reply_by, today)) for notice, reply_by in rows]
    return page_of(rows, size, lambda last: (last[0].updated_at, last[0].id))


def _reply_by(day: date | None, today: date) -> ReplyBy | None:
    return ReplyBy(day, day < today) if day else None
