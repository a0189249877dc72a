"""Volume for performance work: many realistic notices, written in bulk.

`seed_notices(n)` writes n notices in the statuses a registry a few years old would hold
(most accepted, some returned or withdrawn, a few hundred open per 10,000, some of those
overdue, a few drafts), received over the last three years. It does not go through the
named operations, which would take hours for 100,000 notices; it writes what they would
have written, so that the data holds together:

* receipt numbers AN-YYYY-NNNNNN continue each year's `receipt_counters` row (locked while
  seeding) in order of submission, and the row is moved to the last number used, so that
  later real submissions never collide;
* each filed notice has version 1 (and one more after each answer to an information
  request) whose snapshot is what the filing code's `build_snapshot` gives for the stored
  notice, with its fingerprint;
* each notice's history is a hash chain made with `app.history.chain.event_hash`, so
  `flask audit verify` holds; the maker and checker of a decision are different people;
* open information requests and pending decisions have their rows, so the seeded notices
  can be carried on through the web pages; dates come from the calendar module;
* changes and discontinuations refer to an earlier accepted notice of the same provider.

Seeded notices have no attachments (their snapshots say so) and send no mail.

Rows go in with SQLAlchemy Core in batches of 5,000 (on SQLite the statement `insert()`
compiles, run by the driver's executemany; on PostgreSQL with psycopg, COPY), all in one
transaction. Ids of notices, organisations and users are reserved first (from the
sequence on PostgreSQL; on SQLite the transaction begins with BEGIN IMMEDIATE, so max(id)
cannot move under us). The rows of one batch are made in a forked worker process while the
previous batch is written, so both cores work. Seed organisations and staff are found by
their e-mail addresses and reused by later runs, which add more notices.
"""

import gc
import json
import multiprocessing
import os
import random
import threading
from bisect import bisect_right
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import accumulate
from operator import itemgetter
from types import SimpleNamespace
from typing import NamedTuple

from flask import current_app
from sqlalchemy import JSON, Date, DateTime, func, select, text, update

from ..accounts.models import Organisation, Role, User
from ..accounts.operations import new_session_nonce
from ..accounts.passwords import hash_password
from ..database import write_intent
from ..domain import calendar
from ..domain.fingerprint import canonical_json, fingerprint
from ..domain.text import search_key
from ..domain.workflow import Action, Status
from ..extensions import db
from ..filing.models import Notice, NoticeClient, NoticeVersion, ReceiptCounter
from ..filing.numbering import format_receipt_number
from ..filing.sections import SECURITY_FIELDS, SYSTEM_FIELDS
from ..filing.snapshot import build_snapshot, provider_as_filed, provider_section
from ..history.chain import GENESIS, event_hash
from ..history.models import NoticeEvent
from ..reference import load_exchanges
from ..review.models import Decision, InformationRequest
from ..review.operations import first_paused_day
from . import data

BATCH = 5_000
# PostgreSQL's row trigger that keeps notice_status_counts (migration b7c1d2e3f4a5).
STATUS_TRIGGER = "notice_status_counts_track"
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
# Open notices were received lately; those received more than about 28 days ago and
# still waiting with the clock running are overdue.
OPEN_MAX_AGE_DAYS = {
    Status.SUBMITTED: 10,
    Status.UNDER_REVIEW: 45,
    Status.INFORMATION_REQUESTED: 45,
    Status.DECISION_PROPOSED: 45,
}
SEED_REVIEWERS = 12
SEED_SUPERVISORS = 4
STAFF_DOMAIN = "fsa-seed.example.com"
# Hours between one step of a review and the next, low and high.
GAPS = {
    "take": (4, 120),
    "request_information": (24, 240),
    "respond": (24, 300),
    "propose_decision": (24, 400),
    "send_back": (4, 48),
    "confirm_decision": (2, 96),
    "withdraw": (24, 600),
}
# No path takes longer: a notice received this long ago has surely been decided.
LONGEST_REVIEW = timedelta(hours=sum(high for _, high in GAPS.values()) + 72)
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
# The System and Security answers a provider's system keeps from notice to notice; its name
# comes from the system too, the version and the penetration-test date are per notice.
PER_NOTICE = ("system_name", "system_version", "pentest_date")
SYSTEM_COLUMNS = tuple(name for name in SYSTEM_FIELDS + SECURITY_FIELDS if name not in PER_NOTICE)
# A draft's provider columns: set when it is filed.
DRAFT_PROVIDER = {
    "provider_name_ja": "",
    "provider_name_en": "",
    "provider_name_key": "",
    "provider_corporate_number": None,
    "provider_lei": None,
}
TABLES = (
    ("notices", Notice.__table__),
    ("clients", NoticeClient.__table__),
    ("versions", NoticeVersion.__table__),
    ("events", NoticeEvent.__table__),
    ("requests", InformationRequest.__table__),
    ("decisions", Decision.__table__),
)


@dataclass
class SeedResult:
    notices: int = 0
    organisations: int = 0
    new_organisations: int = 0
    events: int = 0
    versions: int = 0
    workers: int = 0
    statuses: Counter = field(default_factory=Counter)


class Planned(NamedTuple):
    created: datetime
    status: Status
    provider: int  # index into the seeder's providers
    submitted: datetime | None


class Chunk(NamedTuple):
    plan: list[Planned]
    ids: list[int]
    numbers: list[str | None]
    refers_to: list[tuple[int, str, str] | None]  # (id, receipt number, notice type)
    random_seed: int


def seed_notices(
    count: int,
    *,
    organisations: int = 100,
    random_seed=None,
    jobs: int | None = None,
    batch: int | None = None,
) -> SeedResult:
    """Add ``count`` notices spread over ``organisations`` seed providers; commits.

    ``jobs`` worker processes make the rows, ``batch`` notices at a time (default: one
    per CPU for a large run, none for a small one); 0 makes them in this process, and so
    does a process that runs other threads (see ``_Seeder.write_chunks``)."""
    token = write_intent.set(True)  # SQLite: BEGIN IMMEDIATE, the database is ours
    # Millions of short-lived dicts and no cycles: the cyclic collector would only rescan
    # the rows waiting for their batch, again and again (a third of the run time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        rng = random.Random(random_seed)  # noqa: S311 - not for secrets
        batch = batch or BATCH
        if jobs is None:
            jobs = min(os.cpu_count() or 1, 4) if count >= 4 * batch else 0
        result = _Seeder(rng).run(count, organisations, jobs, batch)
        db.session.commit()
        # Fresh planner statistics: without them PostgreSQL plans the queue as if the
        # tables were still empty (seen: 0.9 s instead of 0.15 s at 100,000 notices).
        # On PostgreSQL a VACUUM too, as autovacuum would do after a while: it marks the
        # new pages all-visible, so that counts can be answered from indexes alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("VACUUM (ANALYZE)")
            else:
                connection.exec_driver_sql("ANALYZE")
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
    """calendar.receipt_date, with the cached business-day lookups."""
    local = calendar.to_jst(moment)
    day = local.date()
    if _is_business_day(day) and local.time() < cutoff:
        return day
    return _add_business_days(day, 1)


class _Row(dict):
    """A row for the insert that `event_hash` can also read as an object."""

    __getattr__ = dict.__getitem__


# The seeder a forked worker inherits; it makes rows only and never touches the database.
_WORKER_SEEDER = None


def _batch_in_worker(chunk: Chunk) -> dict:
    return _WORKER_SEEDER.batch_for(chunk)


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
        self.connection = db.session.connection()
        self.dialect = self.connection.dialect
        self.postgresql = self.dialect.name == "postgresql"
        self.copy = self.postgresql and self.dialect.driver == "psycopg"
        self._password_hash = None
        self.result = SeedResult()

    def run(self, count: int, organisations: int, jobs: int, batch: int = BATCH) -> SeedResult:
        self.staff = self.ensure_staff()
        self.providers = self.ensure_organisations(organisations)
        plan = self.plan(count)
        numbers = self.receipt_numbers(plan)
        ids = self.allocate_ids(Notice.__table__, len(plan))
        refers_to = self.references(plan, ids, numbers)
        chunks = [
            Chunk(
                plan[start : start + batch],
                ids[start : start + batch],
                numbers[start : start + batch],
                refers_to[start : start + batch],
                self.rng.getrandbits(64),
            )
            for start in range(0, len(plan), batch)
        ]
        with self.status_counts_kept_once():
            self.write_chunks(chunks, jobs)
        self.update_counters()
        self.result.organisations = len(self.providers)
        return self.result

    @contextmanager
    def status_counts_kept_once(self):
        """On PostgreSQL, count the statuses once at the end instead of row by row.

        The row trigger of migration b7c1d2e3f4a5 moves one counter row per inserted
        notice. Within one transaction every earlier version of that row is still in
        use, so each update steps over all of them: a million notices in one transaction
        took hours. So the trigger is off for this transaction alone (ALTER TABLE holds
        the table's lock until the commit, so no one else inserts meanwhile), and the
        counts are made afresh from the table before it is back on. SQLite updates its
        rows in place and keeps its triggers.
        """
        if not self.postgresql:
            yield
            return
        self.connection.exec_driver_sql(f"ALTER TABLE notices DISABLE TRIGGER {STATUS_TRIGGER}")
        yield
        self.connection.exec_driver_sql(
            "UPDATE notice_status_counts SET count = ("
            "SELECT count(*) FROM notices WHERE notices.status = notice_status_counts.status)"
        )
        self.connection.exec_driver_sql(f"ALTER TABLE notices ENABLE TRIGGER {STATUS_TRIGGER}")

    def write_chunks(self, chunks: list[Chunk], jobs: int) -> None:
        # A forked child inherits every lock as it was at the fork, including those another
        # thread held then, which no one will release in the child: forking a process that
        # runs other threads (a test run, a server) can hang. `flask demo seed` runs alone.
        forkable = "fork" in multiprocessing.get_all_start_methods()
        alone = threading.active_count() == 1
        if jobs > 0 and len(chunks) > 1 and forkable and alone:
            self.result.workers = jobs
            global _WORKER_SEEDER
            _WORKER_SEEDER = self
            try:
                with multiprocessing.get_context("fork").Pool(jobs) as pool:
                    # In order (a change refers to an earlier notice), and no more batches
                    # waiting in memory than there are workers.
                    pending = deque()
                    for chunk in chunks:
                        pending.append(pool.apply_async(_batch_in_worker, (chunk,)))
                        if len(pending) > jobs:
                            self.write(pending.popleft().get())
                    while pending:
                        self.write(pending.popleft().get())
            finally:
                _WORKER_SEEDER = None
        else:
            for chunk in chunks:
                self.write(self.batch_for(chunk))

    def write(self, batch: dict) -> None:
        for key, table in TABLES:
            self.execute(table, batch[key])
        self.result.notices += batch["counts"]["notices"]
        self.result.events += batch["counts"]["events"]
        self.result.versions += batch["counts"]["versions"]
        self.result.statuses.update(batch["statuses"])

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
        self.execute(table, self.prepare(table, rows))

    def prepare(self, table, rows: list[dict]):
        """``rows`` (dicts with the same keys) as the driver takes them; no database needed,
        so that a worker process can do it.

        On PostgreSQL with psycopg: rows for COPY, in column order, JSON serialised. On
        SQLite: the statement insert() compiles and its parameters, converted by the column
        types' own bind processors: what execute() would send, without its per-row
        bookkeeping, which costs more than SQLite's insert itself. Otherwise the dicts, for
        Core insert()."""
        if not rows:
            return None
        names = list(rows[0])
        if self.copy:
            json_columns = [
                i for i, name in enumerate(names) if isinstance(table.c[name].type, JSON)
            ]
            getter = itemgetter(*names)
            values = []
            for row in rows:
                value = list(getter(row))
                for index in json_columns:
                    value[index] = json.dumps(value[index])
                values.append(value)
            return ("copy", names, values)
        if self.dialect.name != "sqlite":
            return ("insert", None, rows)
        compiled = table.insert().compile(dialect=self.dialect, column_keys=names)
        names = compiled.positiontup
        # Strings, numbers and booleans go in as they are; dates, times and JSON as their
        # column type writes them (SQLite has no such types of its own).
        processors = []
        for index, name in enumerate(names):
            column_type = table.c[name].type
            if isinstance(column_type, DateTime | Date | JSON):
                processor = column_type.dialect_impl(self.dialect).bind_processor(self.dialect)
                processors.append((index, processor))
        getter = itemgetter(*names)
        values = []
        for row in rows:
            value = list(getter(row))
            for index, process in processors:
                value[index] = process(value[index])
            values.append(tuple(value))
        return ("executemany", str(compiled), values)

    def execute(self, table, prepared) -> None:
        if prepared is None:
            return
        how, names_or_statement, values = prepared
        if how == "copy":
            from psycopg import sql

            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table.name),
                sql.SQL(", ").join(map(sql.Identifier, names_or_statement)),
            )
            raw = self.connection.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for value in values:
                    copy.write_row(value)
            return
        for start in range(0, len(values), BATCH):
            if how == "executemany":
                self.connection.exec_driver_sql(names_or_statement, values[start : start + BATCH])
            else:
                self.connection.execute(table.insert(), values[start : start + BATCH])

    # --- people ---------------------------------------------------------------------------

    def password_hash(self) -> str:
        # One hash for every seed account: they all use the published demo password.
        if self._password_hash is None:
            self._password_hash = hash_password(data.DEMO_PASSWORD)
        return self._password_hash

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
            # Seeded staff enrol their second factor at their first sign-in.
            "totp_secret": None,
            "totp_enabled_at": None,
            "totp_last_counter": None,
        }

    def ensure_staff(self) -> dict:
        """Seed reviewers and supervisors (made once); handlers are all active review staff."""
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
            select(User.id, User.role)
            .where(User.role.in_([Role.REVIEWER, Role.SUPERVISOR]), User.active.is_(True))
            .order_by(User.id)
        ).all()
        return {
            "reviewers": [r.id for r in rows if r.role == Role.REVIEWER],
            "supervisors": [r.id for r in rows if r.role == Role.SUPERVISOR],
            "roles": {r.id: str(r.role) for r in rows},
        }

    def ensure_organisations(self, k: int) -> list[dict]:
        """Seed providers 1..k, each with an admin and a user; existing ones are reused."""
        contact = [f"contact@seed-provider-{n:04d}.example.com" for n in range(1, k + 1)]
        found = set(
            self.connection.execute(
                select(Organisation.contact_email).where(Organisation.contact_email.in_(contact))
            ).scalars()
        )
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
            profile = SimpleNamespace(**profile)
            providers.append(
                {
                    "id": row.id,
                    "profile": profile,
                    # What submit_notice copies onto a filed notice.
                    "filed": provider_as_filed(provider_section(profile)),
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
            "name_key": search_key(name_ja, name_en),
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
            "require_two_factor": False,
            "created_at": self.now,
            "updated_at": self.now,
        }

    def systems_for(self, organisation_id: int) -> list[dict]:
        """One to three systems a provider files about, the same at every run."""
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
            name = f"{rng.choice(data.SEED_SYSTEM_NAMES)} {index + 1}"
            systems.append(
                {
                    "system_name": name,
                    "system_name_key": search_key(name),
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

    def plan(self, count: int) -> list[Planned]:
        """Every notice's provider, times and final status, oldest first."""
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
        # Some providers file much more than others.
        weights = list(accumulate(range(1, len(self.providers) + 1)))
        plan = []
        for status in statuses:
            provider = bisect_right(weights, self.rng.random() * weights[-1])
            if status == Status.DRAFT:
                created = self.now - timedelta(days=self.rng.uniform(0.1, 120))
                plan.append(Planned(created, status, provider, None))
                continue
            submitted = self.submission_time(status)
            created = submitted - timedelta(hours=self.rng.uniform(1, 24 * 14))
            plan.append(Planned(created, status, provider, submitted))
        plan.sort(key=lambda item: item.created)
        return plan

    def submission_time(self, status: Status) -> datetime:
        """Mostly in office hours (JST) on weekdays; some after the cut-off."""
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

    def receipt_numbers(self, plan: list[Planned]) -> list[str | None]:
        """A receipt number for each filed notice, in order of submission within each year,
        after the year's counter (its row locked) and after any number already used."""
        years = sorted({calendar.to_jst(p.submitted).year for p in plan if p.submitted})
        for year in years:
            self._ensure_counter(year)
        locked = select(ReceiptCounter.year, ReceiptCounter.last_number).where(
            ReceiptCounter.year.in_(years)
        )
        if self.postgresql:
            locked = locked.with_for_update()
        counters = dict(self.connection.execute(locked).all())
        self.counter_last = {}
        for year in years:
            highest = self.connection.execute(
                select(func.max(Notice.receipt_number)).where(
                    Notice.receipt_number.like(f"AN-{year:04d}-%")
                )
            ).scalar()
            used = int(highest.rsplit("-", 1)[1]) if highest else 0
            self.counter_last[year] = max(counters.get(year) or 0, used)
        numbers: list[str | None] = [None] * len(plan)
        filed = sorted((p.submitted, i) for i, p in enumerate(plan) if p.submitted)
        for submitted, index in filed:
            year = calendar.to_jst(submitted).year
            self.counter_last[year] += 1
            if self.counter_last[year] > MAX_RECEIPT_NUMBER:
                raise ValueError(f"receipt numbers of {year} would pass {MAX_RECEIPT_NUMBER}")
            numbers[index] = format_receipt_number(year, self.counter_last[year])
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
        for year, last in self.counter_last.items():
            self.connection.execute(
                update(ReceiptCounter).where(ReceiptCounter.year == year).values(last_number=last)
            )

    def references(self, plan, ids, numbers) -> list[tuple[int, str, str] | None]:
        """About one filing in eight changes or discontinues a service the provider had
        notified before: it refers to the provider's latest notice accepted by then."""
        accepted: dict[int, list] = {}
        for entry, notice_id, number in zip(plan, ids, numbers, strict=True):
            if entry.status == Status.ACCEPTED:
                accepted.setdefault(entry.provider, []).append((entry.submitted, notice_id, number))
        for entries in accepted.values():
            entries.sort()
        references = []
        for entry in plan:
            reference = None
            earlier = accepted.get(entry.provider)
            if entry.submitted and earlier and self.rng.random() < 0.12:
                # Received long enough before this one was drafted to be decided by then.
                found = bisect_right(earlier, (entry.created - LONGEST_REVIEW,))
                if found:
                    kind = "discontinuation" if self.rng.random() < 0.15 else "change"
                    reference = (earlier[found - 1][1], earlier[found - 1][2], kind)
            references.append(reference)
        return references

    # --- the rows of one batch of notices (also in a worker process: no database here) ----

    def batch_for(self, chunk: Chunk) -> dict:
        self.rng = random.Random(chunk.random_seed)  # noqa: S311 - not for secrets
        rows = {key: [] for key, _ in TABLES}
        for entry, notice_id, number, reference in zip(
            chunk.plan, chunk.ids, chunk.numbers, chunk.refers_to, strict=True
        ):
            self.notice_rows(rows, entry, notice_id, number, reference)
        batch = {key: self.prepare(table, rows[key]) for key, table in TABLES}
        batch["counts"] = {key: len(rows[key]) for key in ("notices", "events", "versions")}
        batch["statuses"] = Counter(row["status"] for row in rows["notices"])
        return batch

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

    def timeline(self, steps, submitted: datetime) -> list[datetime]:
        """When each step happened: gaps drawn from GAPS, squeezed to end before now."""
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

    def notice_rows(self, rows, entry: Planned, notice_id, number, reference) -> None:
        rng = self.rng
        provider = self.providers[entry.provider]
        system = rng.choice(provider["systems"])
        notice = {
            "id": notice_id,
            "organisation_id": provider["id"],
            "status": str(entry.status),
            "version": 1,
            "created_by_id": rng.choice(provider["users"]),
            "created_at": entry.created,
            "updated_at": entry.created,
            **DRAFT_PROVIDER,
            "notice_type": reference[2] if reference else "new",
            "refers_to_id": reference[0] if reference else None,
            "planned_date": None,
            "system_name": system["system_name"],
            "system_name_key": system["system_name_key"],
            "system_version": f"{rng.randint(1, 6)}.{rng.randint(0, 9)}",
            **{name: system[name] for name in SYSTEM_COLUMNS},
            "pentest_date": (entry.created - timedelta(days=rng.randint(30, 300))).date(),
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
        exchanges = self.exchanges
        clients = [
            exchanges[i]
            for i in sorted(
                rng.sample(range(len(exchanges)), min(len(exchanges), rng.randint(1, 3)))
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
        if entry.submitted is None:  # a draft, partly filled in
            notice["declaration_confirmed"] = False
            notice["access_controls"] = ""
            notice["personnel_security"] = ""
        else:
            notice["receipt_number"] = number
            self.filing_rows(rows, notice, entry, provider, reference, clients)
        rows["notices"].append(notice)

    def snapshot_base(self, provider, notice) -> dict:
        """build_snapshot's result for this provider's system, made once per system."""
        key = notice["system_name"]
        base = provider["snapshots"].get(key)
        if base is None:
            example = SimpleNamespace(
                **notice,
                refers_to=None,
                clients=[],
                certifications=[],
                subcontractors=[],
                attachments=[],
            )
            example.submitted_at = self.now
            base = build_snapshot(example, provider["profile"], version=1)
            provider["snapshots"][key] = base
        return base

    def filing_rows(self, rows, notice, entry: Planned, provider, reference, clients) -> None:
        """The submission and review of one notice: events, versions, requests, decisions."""
        rng = self.rng
        notice_id, status, submitted = notice["id"], entry.status, entry.submitted
        receipt = _receipt_date(submitted, self.cutoff)
        notice.update(
            provider["filed"],
            submitted_at=submitted,
            submitted_by_id=notice["created_by_id"],
            receipt_date=receipt,
            review_deadline=_add_business_days(receipt, self.review_days),
            planned_date=_add_business_days(receipt, self.advance_days)
            + timedelta(days=rng.randint(0, 90)),
        )
        base = self.snapshot_base(provider, notice)
        received_at = calendar.to_jst(submitted).isoformat()
        clients_snapshot = [
            {"registration_number": c.registration_number, "name": c.name_ja, "name_en": c.name_en}
            for c in clients
        ]

        steps = self.path(status)
        times = self.timeline(steps, submitted)
        reviewers, supervisors = self.staff["reviewers"], self.staff["supervisors"]
        if reviewers and rng.random() >= 0.15:
            handler = rng.choice(reviewers)
        else:
            handler = rng.choice(supervisors)
        provider_user = notice["created_by_id"]
        current = Status.DRAFT
        prev_hash = GENESIS
        paused_total = 0
        versions = 0
        open_request = decision = None
        outcome = "return" if status == Status.RETURNED else "accept"
        for sequence, (step, moment) in enumerate(zip(steps, times, strict=True), start=1):
            action, target = ACTIONS[step]
            comment = ""
            if step in ("submit", "respond", "withdraw"):
                actor = provider_user
            elif step in ("take", "request_information", "propose_decision"):
                actor = handler
            else:  # send_back, confirm_decision: a supervisor, never the proposer
                actor = rng.choice([s for s in supervisors if s != handler])
            if step == "take":
                notice["handler_id"] = handler
            elif step == "request_information":
                comment = rng.choice(data.INFORMATION_REQUESTS)
                requested_on = _business_day_on_or_after(calendar.to_jst(moment).date())
                open_request = {
                    "notice_id": notice_id,
                    "requested_by_id": actor,
                    "requested_at": moment,
                    "paused_from": first_paused_day(receipt, requested_on),
                    "reply_by": _add_business_days(requested_on, self.reply_days),
                    "comment": comment,
                    "responded_at": None,
                    "responded_by_id": None,
                    "response": None,
                    "paused_business_days": None,
                }
                rows["requests"].append(open_request)
            elif step == "respond":
                # As respond_to_request counts: from the request up to the day before.
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
                # build_snapshot's result for this notice: what is the same for all of the
                # provider's notices about this system made by it once, the rest set here.
                content = {
                    **base,
                    "filing": {
                        **base["filing"],
                        "receipt_number": notice["receipt_number"],
                        "received_at": received_at,
                        "version": versions,
                    },
                    "notice": {
                        **base["notice"],
                        "notice_type": notice["notice_type"],
                        "refers_to": reference[1] if reference else None,
                        "planned_date": notice["planned_date"].isoformat(),
                    },
                    "system": {**base["system"], "system_version": notice["system_version"]},
                    "security": {
                        **base["security"],
                        "pentest_date": notice["pentest_date"].isoformat(),
                    },
                    "clients": clients_snapshot,
                }
                snapshot = canonical_json(content)
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
