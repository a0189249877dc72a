"""The review queue: filters, text search, an allowlist of sorts and keyset paging."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, or_, select, tuple_
from sqlalchemy.orm import aliased, contains_eager, load_only

from ..accounts.models import Organisation, User
from ..domain import calendar
from ..domain.workflow import CLOCK_RUNNING, OPEN, Status
from ..extensions import db
from ..filing.models import Notice, NoticeType
from ..forms import search_text
from ..paging import cursor_arg, decode_cursor, page_of, text_matches
from .models import NoticeStatusCount

# PostgreSQL only, made by migration c4d5e6f7a8b9 (the models cannot declare them).
SEARCH_INDEXES = frozenset({"ix_notices_receipt_number_trgm", "ix_notices_system_name_key_trgm"})
FILED = tuple(s for s in Status if s != Status.DRAFT)


@dataclass(frozen=True)
class Sort:
    key: str
    column: object
    descending: bool
    parse: object


SORTS = {
    "deadline": Sort("deadline", Notice.review_deadline, False, date.fromisoformat),
    "received": Sort("received", Notice.submitted_at, True, datetime.fromisoformat),
    "provider": Sort("provider", Organisation.name_ja, False, str),
}
HANDLERS = ("", "mine", "unassigned")


@dataclass
class QueueFilters:
    status: str = "open"
    notice_type: str = ""
    handler: str = ""
    overdue: bool = False
    due_within: int | None = None
    q: str = ""
    sort: str = "deadline"
    after: str = ""

    @classmethod
    def from_args(cls, args) -> "QueueFilters":
        status = args.get("status", "open")
        if status not in ("open", "all", *(s.value for s in FILED)):
            status = "open"
        notice_type = args.get("type", "")
        if notice_type not in ("", *(t.value for t in NoticeType)):
            notice_type = ""
        handler = args.get("handler", "")
        due = args.get("due_within", type=int)
        return cls(
            status=status,
            notice_type=notice_type,
            handler=handler if handler in HANDLERS else "",
            overdue=args.get("overdue") == "1",
            due_within=due if due is not None and 0 <= due <= 365 else None,
            q=search_text(args.get("q")),
            sort=args.get("sort") if args.get("sort") in SORTS else "deadline",
            after=cursor_arg(args),
        )

    def args(self, **changes) -> dict:
        values = {
            "status": self.status,
            "type": self.notice_type,
            "handler": self.handler,
            "overdue": "1" if self.overdue else "",
            "due_within": self.due_within,
            "q": self.q,
            "sort": self.sort,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


def status_in(statuses):
    """``status IN (...)`` with the values written into the SQL, not bound: only then can
    the planners (PostgreSQL's and SQLite's) see that the open-notices partial index
    applies. The values are the workflow's own constants, never user input."""
    values = [Status(s) for s in sorted(statuses, key=list(Status).index)]
    return Notice.status.in_(bindparam(None, values, expanding=True, literal_execute=True))


def _matches(term: str):
    """The search: receipt number or system name contains the term, or the provider's
    names, corporate number or LEI do. The providers are looked up first (a small table), so
    that the notices' condition is three index lookups PostgreSQL can combine: trigram
    indexes on the two columns (migration c4d5e6f7a8b9) and the provider index. SQLite
    has no trigram index and reads the notices in order instead."""
    providers = db.session.scalars(
        select(Organisation.id).where(
            text_matches(
                term, Organisation.name_key, Organisation.corporate_number, Organisation.lei
            )
        )
    ).all()
    return or_(
        text_matches(term, Notice.receipt_number, Notice.system_name_key),
        Notice.organisation_id.in_(
            bindparam(None, list(providers), expanding=True, literal_execute=True)
        ),
    )


# What a row of the queue shows: not the notice's long texts, nor anyone's password hash.
ROW_COLUMNS = (
    Notice.receipt_number,
    Notice.organisation_id,
    Notice.system_name,
    Notice.notice_type,
    Notice.status,
    Notice.submitted_at,
    Notice.review_deadline,
    Notice.handler_id,
)


def _filtered(filters: QueueFilters, user, today: date):
    handler = aliased(User)
    query = (
        select(Notice)
        .join(Notice.organisation)
        .outerjoin(handler, Notice.handler_id == handler.id)
        .options(
            load_only(*ROW_COLUMNS),
            contains_eager(Notice.organisation).load_only(
                Organisation.name_ja, Organisation.name_en
            ),
            contains_eager(Notice.handler.of_type(handler)).load_only(handler.name),
        )
    )
    if filters.status == "open":
        query = query.where(status_in(OPEN))
    elif filters.status == "all":
        query = query.where(status_in(FILED))
    else:
        query = query.where(Notice.status == filters.status)
    if filters.notice_type:
        query = query.where(Notice.notice_type == filters.notice_type)
    if filters.handler == "mine":
        query = query.where(Notice.handler_id == user.id)
    elif filters.handler == "unassigned":
        query = query.where(Notice.handler_id.is_(None))
    if filters.overdue:
        query = query.where(status_in(CLOCK_RUNNING), Notice.review_deadline < today)
    if filters.due_within is not None:
        limit = calendar.add_business_days(today, filters.due_within)
        query = query.where(status_in(CLOCK_RUNNING), Notice.review_deadline <= limit)
    if filters.q:
        query = query.where(_matches(filters.q))
    return query


def queue_page(filters: QueueFilters, user, *, today: date, size: int):
    """One page of rows (with provider and handler loaded) and the cursor of the next."""
    sort = SORTS[filters.sort]
    query = _filtered(filters, user, today)
    key = tuple_(sort.column, Notice.id)
    cursor = decode_cursor(filters.after, sort.parse) if filters.after else None
    if cursor is not None:
        query = query.where(key < cursor if sort.descending else key > cursor)
    if sort.descending:
        query = query.order_by(sort.column.desc(), Notice.id.desc())
    else:
        query = query.order_by(sort.column.asc(), Notice.id.asc())
    rows = db.session.scalars(query.limit(size + 1)).unique().all()
    return page_of(rows, size, lambda last: (_sort_value(last, sort), last.id))


def _sort_value(notice: Notice, sort: Sort):
    return {
        "deadline": notice.review_deadline,
        "received": notice.submitted_at,
        "provider": notice.organisation.name_ja,
    }[sort.key]


def status_counts() -> dict[str, int]:
    """Notices per filed status, from the trigger-kept counters (seven rows, not a scan)."""
    rows = db.session.execute(select(NoticeStatusCount.status, NoticeStatusCount.count)).all()
    counts = {str(status): count for status, count in rows}
    counts["open"] = sum(counts.get(str(s), 0) for s in OPEN)
    counts["all"] = sum(counts.get(str(s), 0) for s in FILED)
    return counts


def days_left(notice: Notice, today: date) -> int | None:
    """Business days to the deadline; None while the clock stands still or after the end."""
    if notice.status not in CLOCK_RUNNING or notice.review_deadline is None:
        return None
    return calendar.business_days_left(notice.review_deadline, today)
