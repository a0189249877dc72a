"""The review queue: filters, text search, an allowlist of sorts and keyset paging."""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, bindparam, exists, or_, select, tuple_
from sqlalchemy.orm import aliased, contains_eager, load_only

from ..accounts.models import REVIEW_ROLES, Organisation, User
from ..domain import calendar
from ..domain.workflow import CLOCK_RUNNING, OPEN, Status
from ..extensions import db
from ..filing.models import Notice, NoticeType
from ..forms import search_text
from ..paging import cursor_arg, decode_cursor, page_of, text_matches
from .models import OPEN_REQUEST_REPLY_BY, InformationRequest, NoticeStatusCount

# PostgreSQL only, made by migration c4d5e6f7a8b9 (the models cannot declare them).
SEARCH_INDEXES = frozenset({"ix_notices_receipt_number_trgm", "ix_notices_system_name_key_trgm"})
FILED = tuple(s for s in Status if s != Status.DRAFT)
FILED_VALUES = tuple(s.value for s in FILED)


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
HANDLERS = ("", "mine", "unassigned")  # or a review-staff member's id


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
    # The query arguments given with a value the queue does not know, and so left out.
    ignored: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_args(cls, args, staff_ids=frozenset()) -> "QueueFilters":
        """``staff_ids``: the review staff a handler filter may name (see review_staff)."""
        ignored = []

        def known(name, value, allowed, default=""):
            if value in allowed:
                return value
            if value not in ("", None):
                ignored.append(name)
            return default

        due = args.get("due_within", type=int)
        if due is not None and not 0 <= due <= 365:
            due = None
        if due is None and args.get("due_within", ""):
            ignored.append("due_within")
        staff = {str(i) for i in staff_ids}
        filters = cls(
            status=known(
                "status", args.get("status", "open"), ("open", "all", *FILED_VALUES), "open"
            ),
            notice_type=known("type", args.get("type", ""), ("", *(t.value for t in NoticeType))),
            handler=known("handler", args.get("handler", ""), (*HANDLERS, *staff)),
            overdue=known("overdue", args.get("overdue", ""), ("", "1")) == "1",
            due_within=due,
            q=search_text(args.get("q")),
            sort=known("sort", args.get("sort", ""), ("", *SORTS)) or "deadline",
            after=cursor_arg(args),
        )
        filters.ignored = tuple(ignored)
        return filters

    @property
    def handler_id(self) -> int | None:
        """The staff member named by the handler filter, if it names one."""
        return int(self.handler) if self.handler.isdigit() else None

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


def past_review_deadline(today: date):
    """The clock runs and the review deadline has passed (the index on status, deadline)."""
    return and_(status_in(CLOCK_RUNNING), Notice.review_deadline < today)


def past_reply_by(today: date):
    """Information is requested and the open request's reply-by date has passed: the
    notices by the same index's status, each request found by its notice's index."""
    return and_(
        status_in([Status.INFORMATION_REQUESTED]),
        exists().where(
            InformationRequest.notice_id == Notice.id,
            InformationRequest.response.is_(None),
            InformationRequest.reply_by < today,
        ),
    )


@dataclass(frozen=True)
class QueueRow:
    notice: Notice
    days_left: int | None  # business days to the deadline while the clock runs
    reply_overdue: date | None  # the reply-by date of an unanswered request, once passed


# Made once: an alias adapts each column it is asked for, and one made per request would
# pay that (and a statement compiled afresh) on every page.
_HANDLER = aliased(User, name="handler")


def _filtered(filters: QueueFilters, user, today: date):
    handler = _HANDLER
    query = (
        select(Notice)
        .join(Notice.organisation)
        .outerjoin(handler, Notice.handler_id == handler.id)
        .options(
            load_only(*ROW_COLUMNS),
            contains_eager(Notice.organisation).load_only(
                Organisation.name_ja, Organisation.name_en
            ),
            contains_eager(Notice.handler.of_type(handler)).load_only(handler.name, handler.active),
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
    elif filters.handler_id is not None:
        query = query.where(Notice.handler_id == filters.handler_id)
    if filters.overdue:
        query = query.where(or_(past_review_deadline(today), past_reply_by(today)))
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
    fetched = db.session.execute(query.add_columns(OPEN_REQUEST_REPLY_BY).limit(size + 1))
    rows = [
        QueueRow(
            notice,
            days_left(notice, today),
            reply_by if reply_by is not None and reply_by < today else None,
        )
        for notice, reply_by in fetched.unique().all()
    ]
    return page_of(rows, size, lambda last: (_sort_value(last.notice, sort), last.notice.id))


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


def review_staff(including: int | None = None) -> list[User]:
    """The review staff the handler filter offers: every active reviewer and supervisor,
    those disabled who still handle open notices (so that a supervisor finds what to
    reassign), and the one ``including`` names if they are review staff at all."""
    wanted = [User.active.is_(True), exists().where(Notice.handler_id == User.id, status_in(OPEN))]
    if including is not None:
        wanted.append(User.id == including)
    return db.session.scalars(
        select(User)
        .options(load_only(User.name, User.active))
        .where(User.role.in_(list(REVIEW_ROLES)), or_(*wanted))
        .order_by(User.active.desc(), User.name, User.id)
    ).all()


def days_left(notice: Notice, today: date) -> int | None:
    """Business days to the deadline; None while the clock stands still or after the end."""
    if notice.status not in CLOCK_RUNNING or notice.review_deadline is None:
        return None
    return calendar.business_days_left(notice.review_deadline, today)
