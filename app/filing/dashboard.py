"""The provider's dashboard: its own notices by status as the provider sees it, a search of
receipt numbers and system names, most recently changed first, paged by keyset."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import load_only

from ..domain.workflow import ProviderStatus, provider_status, statuses_shown_as
from ..extensions import db
from ..forms import search_text
from ..paging import contains, decode_cursor, page_of
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
            after=(args.get("after") or "")[:200],
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


def dashboard_page(filters: DashboardFilters, organisation_id: int, *, size: int):
    """One page of the organisation's notices and the cursor of the next page (or None)."""
    query = (
        select(Notice)
        .where(Notice.organisation_id == organisation_id)
        .options(load_only(*ROW_COLUMNS))
    )
    if filters.status:
        query = query.where(Notice.status.in_(statuses_shown_as(filters.status)))
    if filters.q:
        pattern = contains(filters.q)
        query = query.where(
            or_(
                Notice.receipt_number.ilike(pattern, escape="\\"),
                Notice.system_name.ilike(pattern, escape="\\"),
            )
        )
    cursor = decode_cursor(filters.after, datetime.fromisoformat) if filters.after else None
    if cursor is not None:
        query = query.where(tuple_(Notice.updated_at, Notice.id) < cursor)
    rows = db.session.scalars(
        query.order_by(Notice.updated_at.desc(), Notice.id.desc()).limit(size + 1)
    ).all()
    return page_of(rows, size, lambda last: (last.updated_at, last.id))
