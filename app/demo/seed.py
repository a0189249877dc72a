"""Volume for performance work: many realistic notices, written in bulk.

`seed_notices(n)` writes n notices in the statuses a registry a few years old would hold
(most accepted, some returned or withdrawn, a few hundred open per 10,000, some of those
overdue, a few drafts), received over the last three years. It does not go through the
named operations, which would take hours for 100,000 notices; instead it writes what they
would have written, so that the data holds together:

* receipt numbers AN-YYYY-NNNNNN continue each year's `receipt_counters` row, and the row
  is moved to the last number used, so later real submissions never collide;
* each filed notice has version 1 (and one more after each answer to an information
  request) with a snapshot made by the filing code's own `build_snapshot` and its
  fingerprint;
* each notice's history is a hash chain made with `app.history.chain.event_hash`, so
  `flask audit verify` holds; maker and checker of every decision are different people;
* open information requests and pending decisions have their rows, so the seeded notices
  can be carried on through the web pages; review deadlines come from the calendar module.

Seeded notices have no attachments (their snapshots say so) and send no mail.

Rows go in with SQLAlchemy Core `insert()` in batches of 5,000, or with COPY on PostgreSQL
through psycopg, all in one transaction. Ids of notices, organisations and users are
reserved up front (a sequence on PostgreSQL; on SQLite the transaction starts with
BEGIN IMMEDIATE, so max(id) cannot move under us). Seed organisations and staff are found
by their e-mail addresses and reused by later runs, which add more notices.
"""

import gc
import json
import random
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import accumulate
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import JSON, Date, DateTime, func, select, text, update

from ..accounts.models import Organisation, Role, User
from ..accounts.operations import new_session_nonce
from ..accounts.passwords import hash_password
from ..database import write_intent
from ..domain import calendar
from ..domain.fingerprint import canonical_json, fingerprint
from ..domain.workflow import Action, Status
from ..extensions import db
from ..filing.models import Notice, NoticeClient, NoticeVersion, ReceiptCounter
from ..filing.numbering import format_receipt_number
from ..filing.snapshot import build_snapshot
from ..history.chain import GENESIS, event_hash
from ..history.models import NoticeEvent
from ..reference import load_exchanges
from ..review.models import Decision, InformationRequest
from . import data

BATCH = 5_000
MAX_RECEIPT_NUMBER = 999_999
YEARS_BACK = 3

# Shares of the statuses; the open ones add up to 3 % (300 per 10,000).
STATUS_MIX = (
    (Status.ACCEPTED, 0.848),
    (Status.RETURNED, 0.060),
    (Status.WITHDRAWN, 0.050),
    (Status.DRAFT, 0.012),
    (Status.SUBMITTED, 0.006),
    (Status.UNDER_REVIEW, 0.012),
    (Status.INFORMATION_REQUESTED, 0.006),
    (Status.DECISION_PROPOSED, 0.006),
)
OPEN_MAX_AGE_DAYS = {
    Status.SUBMITTED: 10,
    Status.UNDER_REVIEW: 45,
    Status.INFORMATION_REQUESTED: 45,
    Status.DECISION_PROPOSED: 45,
}
SEED_REVIEWERS = 12
SEED_SUPERVISORS = 4
STAFF_DOMAIN = "fsa-seed.example.com"
# Hours between two steps of a review, low and high.
GAPS = {
    "take": (4, 120),
    "request_information": (24, 240),
    "respond": (24, 300),
    "propose_decision": (24, 400),
    "send_back": (4, 48),
    "confirm_decision": (2, 96),
    "withdraw": (24, 600),
}
ACTIONS = {
    "submit": (Action.SUBMIT, Status.SUBMITTED),
    "take": (Action.TAKE, Status.UNDER_REVIEW),
    "request_information": (Action.REQUEST_INFORMATION, Status.INFORMATION_REQUESTED),
    "respond": (Action.RESPOND, Status.UNDER_REVIEW),
    "propose_decision": (Action.PROPOSE_DECISION, Status.DECISION_PROPOSED),
    "send_back": (Action.SEND_BACK, Status.UNDER_REVIEW),
    "confirm_decision": (Action.CONFIRM_DECISION, None),  # accepted or returned
    "withdraw": (Action.WITHDRAW, Status.WITHDRAWN),
}


@dataclass
class SeedResult:
    notices: int = 0
    organisations: int = 0
    new_organisations: int = 0
    events: int = 0
    versions: int = 0
    statuses: Counter = field(default_factory=Counter)


def seed_notices(count: int, *, organisations: int = 100, random_seed=None) -> SeedResult:
    """Add ``count`` notices spread over ``organisations`` seed providers; commits."""
    token = write_intent.set(True)  # SQLite: BEGIN IMMEDIATE, the database is ours
    # Millions of short-lived dicts and no cycles: the cyclic collector would only rescan
    # the rows waiting for their batch, again and again (a third of the run time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        rng = random.Random(random_seed)  # noqa: S311 - not for secrets
        result = _Seeder(rng).run(count, organisations)
        db.session.commit()
        return result
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if collecting:
            gc.enable()
        write_intent.reset(token)


# --- calendar, cached: the same few thousand dates come up again and again ----------------


@cache
def _add_business_days(start: date, n: int) -> date:
    return calendar.add_business_days(start, n)


@cache
def _business_day_on_or_after(day: date) -> date:
    return calendar.business_day_on_or_after(day)


@cache
def _business_days_between(start: date, end: date) -> int:
    return calendar.business_days_between(start, end)


@cache
def _is_business_day(day: date) -> bool:
    return calendar.is_business_day(day)


def _receipt_date(moment: datetime, cutoff: time) -> date:
    local = calendar.to_jst(moment)
    day = local.date()
    if _is_business_day(day) and local.time() < cutoff:
        return day
    return _add_business_days(day, 1)


class _Row(dict):
    """A row for insert() that `event_hash` can also read as an object."""

    __getattr__ = dict.__getitem__


# --- the seeder --------------------------------------------------------------------------


class _Seeder:
    def __init__(self, rng: random.Random):
        self.rng = rng
        config = current_app.config
        self.review_days = config["REVIEW_BUSINESS_DAYS"]
        self.advance_days = config["ADVANCE_BUSINESS_DAYS"]
        self.reply_days = config["INFORMATION_REPLY_BUSINESS_DAYS"]
        hour, minute = (int(part) for part in config["BUSINESS_DAY_END"].split(":"))
        self.cutoff = time(hour, minute)
        self.exchanges = load_exchanges(config.get("EXCHANGE_REGISTER_PATH"))
        self.now = calendar.utcnow()
        self.today = calendar.to_jst(self.now).date()
        self.connection = db.session.connection()
        self.postgresql = self.connection.dialect.name == "postgresql"
        self.copy = self.postgresql and self.connection.dialect.driver == "psycopg"
        self._password_hash = None
        self.result = SeedResult()

    def password_hash(self) -> str:
        # One hash for every seed account (they all use the published demo password).
        if self._password_hash is None:
            self._password_hash = hash_password(data.DEMO_PASSWORD)
        return self._password_hash

    def run(self, count: int, organisations: int) -> SeedResult:
        self.staff = self.ensure_staff()
        self.providers = self.ensure_organisations(organisations)
        plan = self.plan(count)
        numbers = self.receipt_numbers(plan)
        ids = self.allocate_ids(Notice.__table__, len(plan))
        self.accepted_by_org: dict[int, list] = {}
        for start in range(0, len(plan), BATCH):
            end = start + BATCH
            self.write_chunk(plan[start:end], ids[start:end], numbers[start:end])
        self.update_counters()
        self.result.organisations = len(self.providers)
        return self.result

    # --- ids and inserts ------------------------------------------------------------------

    def allocate_ids(self, table, n: int) -> list[int]:
        if n == 0:
            return []
        if self.postgresql:
            return list(
                self.connection.execute(
                    text(
                        "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                        "FROM generate_series(1, :n)"
                    ),
                    {"table": table.name, "n": n},
                ).scalars()
            )
        top = self.connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar()
        return list(range(top + 1, top + 1 + n))

    def insert(self, table, rows: list[dict]) -> None:
        """Core insert() of ``rows`` (dicts with the same keys), in batches; COPY on psycopg."""
        if not rows:
            return
        if self.copy:
            self._copy(table, rows)
        elif self.connection.dialect.name == "sqlite":
            self._executemany(table, rows)
        else:
            for start in range(0, len(rows), BATCH):
                self.connection.execute(table.insert(), rows[start : start + BATCH])

    def _executemany(self, table, rows: list[dict]) -> None:
        """The statement insert() compiles, run by the driver's executemany with the values
        converted by each column type's own bind processor (what execute() would do, less
        its per-row bookkeeping, which costs more than the insert itself)."""
        dialect = self.connection.dialect
        compiled = table.insert().compile(dialect=dialect, column_keys=list(rows[0]))
        columns = []
        for name in compiled.positiontup:
            column_type = table.c[name].type
            # Strings, numbers and booleans go in as they are; dates, times and JSON as the
            # column type writes them (SQLite has no such types of its own).
            processor = None
            if isinstance(column_type, DateTime | Date | JSON):
                processor = column_type.dialect_impl(dialect).bind_processor(dialect)
            columns.append((name, processor))
        statement = str(compiled)
        for start in range(0, len(rows), BATCH):
            self.connection.exec_driver_sql(
                statement,
                [
                    tuple([row[name] if p is None else p(row[name]) for name, p in columns])
                    for row in rows[start : start + BATCH]
                ],
            )

    def _copy(self, table, rows: list[dict]) -> None:
        from psycopg import sql

        names = list(rows[0])
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
        )
        raw = self.connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [json.dumps(row[name]) if name in json_columns else row[name] for name in names]
                )

    # --- people ---------------------------------------------------------------------------

    def ensure_staff(self) -> dict:
        wanted = [
            (f"seed-reviewer-{i:02d}@{STAFF_DOMAIN}", Role.REVIEWER, f"シード審査官 {i:02d}")
            for i in range(1, SEED_REVIEWERS + 1)
        ] + [
            (f"seed-supervisor-{i:02d}@{STAFF_DOMAIN}", Role.SUPERVISOR, f"シード監督官 {i:02d}")
            for i in range(1, SEED_SUPERVISORS + 1)
        ]
        existing = set(
            self.connection.execute(
                select(User.email).where(User.email.in_([w[0] for w in wanted]))
            ).scalars()
        )
        missing = [w for w in wanted if w[0] not in existing]
        ids = self.allocate_ids(User.__table__, len(missing))
        self.insert(
            User.__table__,
            [
                self.user_row(user_id, email, name, role, None)
                for user_id, (email, role, name) in zip(ids, missing, strict=True)
            ],
        )
        rows = self.connection.execute(
            select(User.id, User.role).where(
                User.role.in_([Role.REVIEWER, Role.SUPERVISOR]), User.active.is_(True)
            )
        ).all()
        return {
            "reviewers": [r.id for r in rows if r.role == Role.REVIEWER],
            "supervisors": [r.id for r in rows if r.role == Role.SUPERVISOR],
            "roles": {r.id: str(r.role) for r in rows},
        }

    def user_row(self, user_id, email, name, role, organisation_id) -> dict:
        return {
            "id": user_id,
            "email": email,
            "name": name,
            "password_hash": self.password_hash(),
            "role": str(role),
            "organisation_id": organisation_id,
            "locale": "ja",
            "active": True,
            "session_nonce": new_session_nonce(),
            "created_at": self.now,
            "last_login_at": None,
        }

    def ensure_organisations(self, k: int) -> list[dict]:
        """Seed providers 1..k with an admin and a user each; existing ones are reused."""
        contact = [f"contact@seed-provider-{n:04d}.example.com" for n in range(1, k + 1)]
        found = {
            row.contact_email: row
            for row in self.connection.execute(
                select(Organisation).where(Organisation.contact_email.in_(contact))
            ).all()
        }
        missing = [n for n in range(1, k + 1) if contact[n - 1] not in found]
        org_ids = self.allocate_ids(Organisation.__table__, len(missing))
        organisation_rows = [
            self.organisation_row(i, n) for i, n in zip(org_ids, missing, strict=True)
        ]
        self.insert(Organisation.__table__, organisation_rows)
        user_ids = iter(self.allocate_ids(User.__table__, 2 * len(missing)))
        user_rows = []
        for org in organisation_rows:
            domain = org["contact_email"].partition("@")[2]
            for role, local, name in (
                (Role.PROVIDER_ADMIN, "admin", org["representative_name"]),
                (Role.PROVIDER_USER, "user", org["contact_name"]),
            ):
                user_rows.append(
                    self.user_row(next(user_ids), f"{local}@{domain}", name, role, org["id"])
                )
        self.insert(User.__table__, user_rows)
        self.result.new_organisations = len(missing)

        organisations = self.connection.execute(
            select(Organisation.__table__)
            .where(Organisation.contact_email.in_(contact))
            .order_by(Organisation.id)
        ).all()
        members: dict[int, dict[int, str]] = {}
        for user_id, organisation_id, role in self.connection.execute(
            select(User.id, User.organisation_id, User.role)
            .where(User.organisation_id.in_([o.id for o in organisations]), User.active.is_(True))
            .order_by(User.id)
        ).all():
            members.setdefault(organisation_id, {})[user_id] = str(role)
        providers = []
        for row in organisations:
            if not members.get(row.id):
                continue
            profile = dict(row._mapping)
            profile["kind"] = str(row.kind)
            providers.append(
                {
                    "id": row.id,
                    "profile": SimpleNamespace(**profile),
                    "users": list(members[row.id]),
                    "roles": members[row.id],
                    "systems": self.systems_for(row.id),
                    "snapshots": {},
                }
            )
        return providers

    def organisation_row(self, organisation_id: int, n: int) -> dict:
        part_ja, part_en = data.SEED_NAME_PARTS[n % len(data.SEED_NAME_PARTS)]
        core_ja, core_en = data.SEED_NAME_CORES[(n // 5) % len(data.SEED_NAME_CORES)]
        foreign = n % 7 == 0
        if foreign:
            country = data.SEED_FOREIGN_COUNTRIES[n % len(data.SEED_FOREIGN_COUNTRIES)]
            name_ja = f"{part_ja}{core_ja}・テクノロジーズ（シード{n:04d}）"
            name_en = f"{part_en} {core_en} Technologies Ltd. (seed {n:04d})"
        else:
            country = "JP"
            name_ja = f"{part_ja}{core_ja}システムズ株式会社（シード{n:04d}）"
            name_en = f"{part_en} {core_en} Systems K.K. (seed {n:04d})"
        return {
            "id": organisation_id,
            "kind": "foreign" if foreign else "domestic",
            "name_ja": name_ja,
            "name_en": name_en,
            "corporate_number": None if foreign else data.corporate_number(f"9{n:011d}"),
            "country": country,
            "lei": data.lei(f"SEED00{n:012d}") if foreign else None,
            "postal_code": f"1{n % 100:02d}-{n % 10000:04d}",
            "address": f"東京都千代田区シード町{n % 9 + 1}-{n % 30 + 1}-{n % 50 + 1}",
            "representative_name": f"代表 {n:04d}",
            "representative_title": "代表取締役",
            "contact_name": f"担当 {n:04d}",
            "contact_department": "コンプライアンス部",
            "contact_email": f"contact@seed-provider-{n:04d}.example.com",
            "contact_phone": f"+8135555{n % 10000:04d}",
            "created_at": self.now,
            "updated_at": self.now,
        }

    def systems_for(self, organisation_id: int) -> list[dict]:
        """One to three systems a provider files about, stable per organisation."""
        rng = random.Random(organisation_id)  # noqa: S311 - not for secrets
        systems = []
        for index in range(rng.randint(1, 3)):
            categories = sorted(
                rng.sample(
                    [
                        "hot_wallet",
                        "cold_storage",
                        "key_management",
                        "signing_workflow",
                        "node_operation",
                        "screening",
                    ],
                    rng.randint(1, 3),
                )
            )
            scheme = rng.choice(["mpc", "mpc", "hsm", "multisig"])
            n = rng.randint(2, 5)
            systems.append(
                {
                    "system_name": f"{rng.choice(data.SEED_SYSTEM_NAMES)} {index + 1}",
                    "categories": categories,
                    "category_other": "",
                    "delivery_model": rng.choice(
                        ["saas", "saas", "on_premises", "managed", "hybrid"]
                    ),
                    "hosting_provider": rng.choice(data.SEED_HOSTS),
                    "data_countries": ["JP"],
                    "key_countries": rng.choice([["JP"], ["JP"], ["JP", "SG"]]),
                    "supported_assets": rng.choice(data.SEED_ASSETS),
                    "description": "シードデータ：暗号資産交換業者向けの管理システム（架空）。",
                    "hot_wallet_percent": rng.choice([1, 2, 5, 5, 10, 15]),
                    "signing_scheme": scheme,
                    "signing_threshold_m": n - 1 if n > 2 else 2,
                    "signing_threshold_n": n,
                    "hsm_certification": "FIPS 140-3 Level 3" if scheme == "hsm" else "",
                    "access_controls": "四眼原則による承認と特権アカウントの定期棚卸し。",
                    "fisc_compliance": rng.choice(["full", "full", "partial"]),
                    "pentest_tester": "サンプルセキュリティ株式会社",
                    "incident_contact": "セキュリティ運用センター（24時間365日）",
                    "incident_client_hours": rng.choice([1, 2, 4, 24]),
                    "incident_fsa_hours": rng.choice([12, 24]),
                    "personnel_security": "採用時の経歴確認と職務分離。",
                    "rto_minutes": rng.choice([30, 60, 120, 240]),
                    "rpo_minutes": rng.choice([0, 5, 15]),
                }
            )
        return systems

    # --- the plan: who files what, when, ending in which status ---------------------------

    def plan(self, count: int) -> list[tuple]:
        """(created_at, status, provider, submitted_at or None), oldest first."""
        shares = [share for _, share in STATUS_MIX]
        counts = [int(count * share) for share in shares]
        remainders = sorted(
            range(len(shares)), key=lambda i: count * shares[i] - counts[i], reverse=True
        )
        for i in remainders[: count - sum(counts)]:
            counts[i] += 1
        statuses = [
            status for (status, _), n in zip(STATUS_MIX, counts, strict=True) for _ in range(n)
        ]
        self.rng.shuffle(statuses)
        # Newer providers file more: weights grow with position.
        weights = list(accumulate(range(1, len(self.providers) + 1)))
        plan = []
        for status in statuses:
            provider = self.providers[
                bisect_right(weights, self.rng.random() * weights[-1]) if len(weights) > 1 else 0
            ]
            if status == Status.DRAFT:
                created = self.now - timedelta(days=self.rng.uniform(0.1, 120))
                plan.append((created, status, provider, None))
                continue
            submitted = self.submission_time(status)
            created = submitted - timedelta(hours=self.rng.uniform(1, 24 * 14))
            plan.append((created, status, provider, submitted))
        plan.sort(key=lambda item: item[0])
        return plan

    def submission_time(self, status: Status) -> datetime:
        rng = self.rng
        if status in OPEN_MAX_AGE_DAYS:
            age = 0.2 + OPEN_MAX_AGE_DAYS[status] * rng.random() ** 1.5
        else:
            # The registry gets busier: more of the decided notices are recent.
            age = 30 + (YEARS_BACK * 365 - 30) * rng.random() ** 1.3
        day = calendar.to_jst(self.now - timedelta(days=age)).date()
        while day.weekday() >= 5 and rng.random() < 0.95:
            day -= timedelta(days=1)
        local = datetime.combine(day, time(9), tzinfo=calendar.JST) + timedelta(
            minutes=rng.uniform(0, 10 * 60)
        )
        moment = local.astimezone(UTC)
        if moment >= self.now:
            moment = self.now - timedelta(minutes=rng.uniform(5, 600))
        return moment

    def receipt_numbers(self, plan) -> list[str | None]:
        """A receipt number for each filed entry of the plan, in order of submission within
        each year, after the year's counter (its row locked) and any number already used."""
        years = sorted({calendar.to_jst(p[3]).year for p in plan if p[3] is not None})
        self.counter_base = {}
        self.counter_used = Counter()
        for year in years:
            self._ensure_counter(year)
        locked = select(ReceiptCounter.year, ReceiptCounter.last_number).where(
            ReceiptCounter.year.in_(years)
        )
        if self.postgresql:
            locked = locked.with_for_update()
        counters = dict(self.connection.execute(locked).all())
        for year in years:
            highest = self.connection.execute(
                select(func.max(Notice.receipt_number)).where(
                    Notice.receipt_number.like(f"AN-{year:04d}-%")
                )
            ).scalar()
            used = int(highest.rsplit("-", 1)[1]) if highest else 0
            self.counter_base[year] = max(counters.get(year) or 0, used)
        needed = Counter(calendar.to_jst(p[3]).year for p in plan if p[3] is not None)
        for year, n in needed.items():
            if self.counter_base[year] + n > MAX_RECEIPT_NUMBER:
                raise ValueError(f"receipt numbers of {year} would pass {MAX_RECEIPT_NUMBER}")
        numbers: list[str | None] = [None] * len(plan)
        filed = sorted((p[3], i) for i, p in enumerate(plan) if p[3] is not None)
        for submitted, index in filed:
            year = calendar.to_jst(submitted).year
            self.counter_used[year] += 1
            numbers[index] = format_receipt_number(
                year, self.counter_base[year] + self.counter_used[year]
            )
        return numbers

    def _ensure_counter(self, year: int) -> None:
        if self.postgresql:
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        self.connection.execute(
            insert(ReceiptCounter)
            .values(year=year, last_number=0)
            .on_conflict_do_nothing(index_elements=["year"])
        )

    def update_counters(self) -> None:
        for year, used in self.counter_used.items():
            self.connection.execute(
                update(ReceiptCounter)
                .where(ReceiptCounter.year == year)
                .values(last_number=self.counter_base[year] + used)
            )

    # --- one chunk of notices -------------------------------------------------------------

    def write_chunk(self, plan, ids, numbers) -> None:
        rows = {
            name: []
            for name in ("notices", "clients", "versions", "events", "requests", "decisions")
        }
        for entry, notice_id, number in zip(plan, ids, numbers, strict=True):
            created, status, provider, submitted = entry
            self.build(rows, notice_id, number, created, status, provider, submitted)
            self.result.statuses[str(status)] += 1
        self.insert(Notice.__table__, rows["notices"])
        self.insert(NoticeClient.__table__, rows["clients"])
        self.insert(NoticeVersion.__table__, rows["versions"])
        self.insert(NoticeEvent.__table__, rows["events"])
        self.insert(InformationRequest.__table__, rows["requests"])
        self.insert(Decision.__table__, rows["decisions"])
        self.result.notices += len(rows["notices"])
        self.result.events += len(rows["events"])
        self.result.versions += len(rows["versions"])

    def path(self, status: Status) -> list[str]:
        """The steps that lead to ``status``, with a realistic share of detours."""
        rng = self.rng
        answer = ["request_information", "respond"]
        if status == Status.SUBMITTED:
            return ["submit"]
        if status == Status.UNDER_REVIEW:
            steps = ["submit", "take"]
            if rng.random() < 0.3:
                steps += answer
            if rng.random() < 0.1:
                steps += ["propose_decision", "send_back"]
            return steps
        if status == Status.INFORMATION_REQUESTED:
            return [
                "submit",
                "take",
                *(answer if rng.random() < 0.15 else []),
                "request_information",
            ]
        if status == Status.DECISION_PROPOSED:
            return ["submit", "take", *(answer if rng.random() < 0.25 else []), "propose_decision"]
        if status == Status.WITHDRAWN:
            steps = ["submit"]
            if rng.random() < 0.6:
                steps.append("take")
                if rng.random() < 0.4:
                    steps.append("request_information")
            return [*steps, "withdraw"]
        # accepted or returned
        steps = ["submit", "take"]
        if rng.random() < (0.5 if status == Status.RETURNED else 0.25):
            steps += answer
        steps.append("propose_decision")
        if rng.random() < 0.04:
            steps += ["send_back", "propose_decision"]
        return [*steps, "confirm_decision"]

    def timeline(self, steps, submitted: datetime, status: Status) -> list[datetime]:
        rng = self.rng
        offsets = [0.0]
        for step in steps[1:]:
            low, high = GAPS[step]
            offsets.append(offsets[-1] + rng.uniform(low, high))
        limit = self.now - timedelta(hours=rng.uniform(0.5, 24))
        if limit <= submitted:
            limit = submitted + (self.now - submitted) * 0.9
        span = (limit - submitted).total_seconds() / 3600
        if offsets[-1] > span:
            scale = span / offsets[-1]
            offsets = [o * scale for o in offsets]
        return [submitted + timedelta(hours=o) for o in offsets]

    def build(self, rows, notice_id, number, created, status, provider, submitted) -> None:
        rng = self.rng
        system = rng.choice(provider["systems"])
        author = rng.choice(provider["users"])
        refers_to, notice_type = None, "new"
        if submitted is not None and rng.random() < 0.12:
            earlier = self.accepted_before(provider["id"], created)
            if earlier is not None:
                refers_to = earlier
                notice_type = "discontinuation" if rng.random() < 0.15 else "change"
        notice = {
            "id": notice_id,
            "organisation_id": provider["id"],
            "status": str(status),
            "version": 1,
            "created_by_id": author,
            "created_at": created,
            "updated_at": created,
            "notice_type": notice_type,
            "refers_to_id": refers_to[0] if refers_to else None,
            "planned_date": None,
            "system_name": system["system_name"],
            "system_version": f"{rng.randint(1, 6)}.{rng.randint(0, 9)}",
            **{
                name: system[name]
                for name in (
                    "categories",
                    "category_other",
                    "delivery_model",
                    "hosting_provider",
                    "data_countries",
                    "key_countries",
                    "supported_assets",
                    "description",
                    "hot_wallet_percent",
                    "signing_scheme",
                    "signing_threshold_m",
                    "signing_threshold_n",
                    "hsm_certification",
                    "access_controls",
                    "fisc_compliance",
                    "pentest_tester",
                    "incident_contact",
                    "incident_client_hours",
                    "incident_fsa_hours",
                    "personnel_security",
                    "rto_minutes",
                    "rpo_minutes",
                )
            },
            "pentest_date": (created - timedelta(days=rng.randint(30, 300))).date(),
            "declarant_name": provider["profile"].representative_name,
            "declarant_title": provider["profile"].representative_title,
            "declaration_confirmed": True,
            "receipt_number": None,
            "submitted_at": None,
            "submitted_by_id": None,
            "receipt_date": None,
            "review_deadline": None,
            "paused_business_days": 0,
            "handler_id": None,
            "decided_at": None,
        }
        clients = [
            self.exchanges[i]
            for i in sorted(
                rng.sample(range(len(self.exchanges)), min(len(self.exchanges), rng.randint(1, 3)))
            )
        ]
        for exchange in clients:
            rows["clients"].append(
                {
                    "notice_id": notice_id,
                    "registration_number": exchange.registration_number,
                    "name": exchange.name_ja,
                    "name_en": exchange.name_en,
                }
            )
        if submitted is None:  # a draft, partly filled in
            notice["declaration_confirmed"] = False
            notice["access_controls"] = ""
            notice["personnel_security"] = ""
            rows["notices"].append(notice)
            return
        notice["receipt_number"] = number
        self.file(rows, notice, status, provider, submitted, refers_to, clients)
        rows["notices"].append(notice)

    def snapshot_template(self, provider, notice) -> "_SnapshotTemplate":
        """build_snapshot's result for this provider's system, ready to be filled in."""
        key = notice["system_name"]
        template = provider["snapshots"].get(key)
        if template is None:
            example = SimpleNamespace(
                **notice,
                refers_to=None,
                clients=[],
                certifications=[],
                subcontractors=[],
                attachments=[],
            )
            example.submitted_at = self.now
            template = provider["snapshots"][key] = _SnapshotTemplate(
                build_snapshot(example, provider["profile"], version=1)
            )
        return template

    def accepted_before(self, organisation_id, moment):
        for entry in reversed(self.accepted_by_org.get(organisation_id, [])[-20:]):
            if entry[2] < moment:
                return entry
        return None

    def file(self, rows, notice, status, provider, submitted, refers_to, clients) -> None:
        rng = self.rng
        notice_id = notice["id"]
        receipt = _receipt_date(submitted, self.cutoff)
        day = calendar.to_jst(submitted).date()
        notice.update(
            submitted_at=submitted,
            submitted_by_id=notice["created_by_id"],
            receipt_date=receipt,
            review_deadline=_add_business_days(receipt, self.review_days),
            planned_date=_add_business_days(day, self.advance_days)
            + timedelta(days=rng.randint(0, 90)),
        )
        template = self.snapshot_template(provider, notice)
        received_at = calendar.to_jst(submitted).isoformat()
        clients_snapshot = [
            {"registration_number": c.registration_number, "name": c.name_ja, "name_en": c.name_en}
            for c in clients
        ]

        steps = self.path(status)
        times = self.timeline(steps, submitted, status)
        reviewers, supervisors = self.staff["reviewers"], self.staff["supervisors"]
        handler = (
            rng.choice(supervisors)
            if rng.random() < 0.15 or not reviewers
            else (rng.choice(reviewers))
        )
        provider_user = notice["created_by_id"]
        current = Status.DRAFT
        prev_hash = GENESIS
        paused_total = 0
        open_request = None
        decision = None
        versions = 0
        outcome = "return" if status == Status.RETURNED else "accept"
        for sequence, (step, moment) in enumerate(zip(steps, times, strict=True), start=1):
            action, target = ACTIONS[step]
            comment = ""
            if step == "submit":
                actor = provider_user
            elif step in ("take", "request_information", "propose_decision"):
                actor = handler
            elif step in ("respond", "withdraw"):
                actor = provider_user
            else:  # send_back, confirm_decision: a supervisor, never the proposer
                actor = rng.choice([s for s in supervisors if s != handler])
            if step == "take":
                notice["handler_id"] = handler
            elif step == "request_information":
                comment = rng.choice(data.INFORMATION_REQUESTS)
                paused_from = _business_day_on_or_after(calendar.to_jst(moment).date())
                open_request = {
                    "notice_id": notice_id,
                    "requested_by_id": actor,
                    "requested_at": moment,
                    "paused_from": paused_from,
                    "reply_by": _add_business_days(paused_from, self.reply_days),
                    "comment": comment,
                    "responded_at": None,
                    "responded_by_id": None,
                    "response": None,
                    "paused_business_days": None,
                }
                rows["requests"].append(open_request)
            elif step == "respond":
                comment = rng.choice(data.RESPONSES)
                answered = calendar.to_jst(moment).date()
                paused = _business_days_between(
                    open_request["paused_from"] - timedelta(days=1), answered - timedelta(days=1)
                )
                paused_total += paused
                open_request.update(
                    responded_at=moment,
                    responded_by_id=actor,
                    response=comment,
                    paused_business_days=paused,
                )
                open_request = None
                notice["paused_business_days"] = paused_total
                notice["review_deadline"] = _add_business_days(
                    receipt, self.review_days + paused_total
                )
            elif step == "propose_decision":
                reasons = data.RETURN_REASONS if outcome == "return" else data.ACCEPT_REASONS
                comment = rng.choice(reasons)
                decision = {
                    "notice_id": notice_id,
                    "outcome": outcome,
                    "reasons": comment,
                    "proposed_by_id": actor,
                    "proposed_at": moment,
                    "checked_by_id": None,
                    "checked_at": None,
                    "verdict": None,
                    "check_comment": "",
                }
                rows["decisions"].append(decision)
            elif step == "send_back":
                comment = rng.choice(data.SEND_BACK_COMMENTS)
                decision.update(
                    checked_by_id=actor,
                    checked_at=moment,
                    verdict="sent_back",
                    check_comment=comment,
                )
            elif step == "confirm_decision":
                comment = decision["reasons"]
                target = Status.RETURNED if outcome == "return" else Status.ACCEPTED
                decision.update(checked_by_id=actor, checked_at=moment, verdict="confirmed")
                notice["decided_at"] = moment
            elif step == "withdraw":
                comment = rng.choice(data.WITHDRAWAL_REASONS)
            notice["version"] += 1
            event = _Row(
                notice_id=notice_id,
                sequence=sequence,
                action=str(action),
                actor_id=actor,
                actor_role=self.staff["roles"].get(actor) or provider["roles"][actor],
                created_at=moment,
                from_status=str(current),
                to_status=str(target),
                comment=comment,
                notice_version=notice["version"],
                internal=False,
                prev_hash=prev_hash,
            )
            event["hash"] = prev_hash = event_hash(event, prev_hash)
            rows["events"].append(event)
            current = target
            if step in ("submit", "respond"):
                versions += 1
                snapshot = template.fill(
                    filing={
                        "receipt_number": notice["receipt_number"],
                        "received_at": received_at,
                        "version": versions,
                    },
                    notice={
                        "notice_type": notice["notice_type"],
                        "refers_to": refers_to[1] if refers_to else None,
                        "planned_date": notice["planned_date"].isoformat(),
                    },
                    system={"system_version": notice["system_version"]},
                    security={"pentest_date": notice["pentest_date"].isoformat()},
                    clients=clients_snapshot,
                )
                rows["versions"].append(
                    {
                        "notice_id": notice_id,
                        "number": versions,
                        "snapshot": snapshot.decode("utf-8"),
                        "fingerprint": fingerprint(snapshot),
                        "created_at": moment,
                        "created_by_id": actor,
                    }
                )
        notice["updated_at"] = times[-1]
        if status == Status.ACCEPTED:
            self.accepted_by_org.setdefault(provider["id"], []).append(
                (notice_id, notice["receipt_number"], notice["decided_at"])
            )


class _Canonical:
    """canonical_json of a dict whose few changing values are given at each call.

    With sorted keys and no spaces, the canonical form of an object is "{", then each
    '"key":value' in key order joined by ",", then "}"; so the unchanging values are
    serialised once and the output is byte for byte canonical_json of the whole."""

    def __init__(self, values: dict):
        self.keys = sorted(values)
        self.parts = {key: canonical_json(value) for key, value in values.items()}
        self.prefixes = {key: canonical_json(key) + b":" for key in self.keys}

    def dump(self, changed: dict[str, bytes]) -> bytes:
        parts, prefixes = self.parts, self.prefixes
        return (
            b"{"
            + b",".join(prefixes[key] + changed.get(key, parts[key]) for key in self.keys)
            + b"}"
        )


class _SnapshotTemplate:
    """A provider's snapshot (from build_snapshot) with the per-notice fields to fill."""

    NESTED = ("filing", "notice", "system", "security")

    def __init__(self, snapshot: dict):
        self.top = _Canonical(snapshot)
        self.nested = {name: _Canonical(snapshot[name]) for name in self.NESTED}

    def fill(self, *, clients: list, **nested: dict) -> bytes:
        changed = {"clients": canonical_json(clients)}
        for name, values in nested.items():
            changed[name] = self.nested[name].dump(
                {key: canonical_json(value) for key, value in values.items()}
            )
        return self.top.dump(changed)
