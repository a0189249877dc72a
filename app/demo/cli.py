"""`flask demo load` (a small, complete demonstration) and `flask demo seed` (volume).

`load` goes through the same named operations as the web pages (registration, invitation,
drafting, submission, review, decision), so that receipt numbers, versions, history
chains, outbox messages and stored documents are exactly what real use produces. It
commits once at the end and does nothing when the demonstration already exists.
"""

import time
import unicodedata
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .. import files
from ..accounts import operations as accounts
from ..accounts import two_factor
from ..accounts.models import Organisation, OrganisationKind, User
from ..domain import calendar
from ..extensions import db
from ..filing import operations as filing
from ..filing.models import Notice, NoticeType
from ..reference import load_exchanges
from ..review import operations as review
from ..review.models import Outcome
from . import data

demo_cli = AppGroup("demo", help="Demonstration data.")


def _require_demo_instance():
    if not current_app.config.get("DEMO"):
        raise click.ClickException(
            "This instance is not a demonstration (DEMO is off): refusing to create accounts "
            "with published passwords or fictitious filings."
        )


@demo_cli.command("load")
def load():
    """Create demonstration providers, accounts and notices; print how to sign in."""
    _require_demo_instance()
    if db.session.scalar(select(User.id).where(User.email == data.MARKER_EMAIL)):
        if enrol_demo_staff():
            db.session.commit()
            click.echo("Demonstration staff accounts were given their second factor.")
        else:
            click.echo("The demonstration data is already loaded; nothing was changed.")
    else:
        try:
            notices = load_demo()
        except accounts.AccountError as clash:
            raise click.ClickException(
                f"Cannot load the demonstration: {clash.message} ({clash.field}). "
                "Nothing was changed."
            ) from clash
        click.echo(f"Demonstration data loaded: {len(notices)} notices.")
        for notice in notices:
            number = notice.receipt_number or "(draft)"
            click.echo(f"  {number:<15} {notice.status:<22} {notice.system_name}")
    print_accounts()


@demo_cli.command("seed")
@click.option("--notices", "count", type=click.IntRange(1, 2_000_000), required=True)
@click.option(
    "--organisations",
    type=click.IntRange(1, 9_999),
    default=100,
    show_default=True,
    help="Seed providers to spread the notices over (made once, then reused).",
)
@click.option("--seed", "random_seed", type=int, default=None, help="For a repeatable run.")
@click.option(
    "--jobs",
    type=click.IntRange(0, 16),
    default=None,
    help="Worker processes that make the rows [default: one per CPU for 20,000 notices or "
    "more, else 0: all in this process].",
)
@click.option(
    "--batch",
    type=click.IntRange(100, 100_000),
    default=None,
    help="Notices made (by one worker) and written together [default: 5,000].",
)
def seed_command(count, organisations, random_seed, jobs, batch):
    """Add realistic notices in mixed statuses, quickly (bulk inserts, one transaction)."""
    from .seed import seed_notices

    _require_demo_instance()
    started = time.perf_counter()
    result = seed_notices(
        count, organisations=organisations, random_seed=random_seed, jobs=jobs, batch=batch
    )
    elapsed = time.perf_counter() - started
    statuses = ", ".join(f"{status} {n}" for status, n in sorted(result.statuses.items()))
    workers = f", {result.workers} worker processes" if result.workers else ""
    click.echo(
        f"Seeded {result.notices} notices ({statuses}) for {result.organisations} "
        f"organisations ({result.new_organisations} new), with {result.events} history events "
        f"and {result.versions} versions."
    )
    click.echo(f"Time taken: {elapsed:.1f} s on {db.engine.dialect.name}{workers}.")


# --- the accounts table ------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def enrol_demo_staff() -> int:
    """Demonstration staff get their published key if they lack it: loaded before the
    second factor existed, or their stored key unreadable (encrypted under another
    SECRET_KEY, as when a benchmark reuses a database with a new one)."""
    enrolled = 0
    for account in data.ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == account.email))
        if user is None or not account.role.is_staff:
            continue
        if not user.two_factor_enabled or user.totp_secret != data.totp_secret(account):
            two_factor.enrol_with_secret(user, data.totp_secret(account))
            enrolled += 1
    return enrolled


def print_accounts():
    rows = [("role", "e-mail", "password", "organisation")]
    for account in data.ACCOUNTS:
        organisation = (
            data.ORGANISATIONS[account.organisation]["name_en"]
            if account.organisation
            else "FSA (demonstration)"
        )
        rows.append((str(account.role), account.email, account.password, organisation))
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    click.echo("")
    click.echo(f"Sign in at {base.rstrip('/')}/login")
    click.echo("")
    for number, row in enumerate(rows):
        click.echo("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if number == 0:
            click.echo("  ".join("-" * w for w in widths))
    click.echo("")
    click.echo("Staff accounts (reviewer, supervisor, administrator) sign in in two steps:")
    click.echo("after the password, enter the current 6-digit code, printed by")
    click.echo("  .venv/bin/flask users totp-code EMAIL")
    click.echo("or add the account's key to an authenticator app:")
    for account in data.ACCOUNTS:
        if account.role.is_staff:
            click.echo(f"  {account.email:<36} {data.totp_secret(account)}")


# --- the demonstration ---------------------------------------------------------------------


class _RecordingStorage:
    """The app's storage, remembering what was put, to remove it if the load fails."""

    def __init__(self, store):
        self._store = store
        self.keys: list[str] = []

    def put(self, content: bytes):
        stored = self._store.put(content)
        self.keys.append(stored.key)
        return stored

    def __getattr__(self, name):
        return getattr(self._store, name)


def load_demo() -> list[Notice]:
    """Build the demonstration in one transaction; returns its notices."""
    app = current_app._get_current_object()
    store = _RecordingStorage(files.storage())
    # Operations render mail (and may render documents): give them a request context.
    with app.test_request_context("/", base_url=app.config.get("PUBLIC_BASE_URL") or None):
        try:
            notices = _Demo(store).run()
            db.session.commit()
        except BaseException:
            db.session.rollback()
            for key in store.keys:
                store.delete(key)
            raise
    return notices


class _Demo:
    def __init__(self, store):
        self.store = store
        self.rules = filing.FilingRules.from_config(current_app.config)
        self.reply_days = current_app.config["INFORMATION_REPLY_BUSINESS_DAYS"]
        self.exchanges = load_exchanges(self.rules.exchange_register_path)
        self.users: dict[str, User] = {}
        self.organisations: dict[str, Organisation] = {}

    # time, read afresh at each step so that the history runs forward
    def now(self):
        return calendar.utcnow()

    def today(self):
        return calendar.to_jst(self.now()).date()

    def run(self) -> list[Notice]:
        self.make_accounts()
        return self.make_notices()

    def make_accounts(self):
        for key in ("a_admin", "b_admin"):
            account = data.ACCOUNTS_BY_KEY[key]
            profile = dict(data.ORGANISATIONS[account.organisation])
            profile["kind"] = OrganisationKind(profile["kind"])
            user = accounts.register_organisation(
                profile, account.name, account.email, account.password
            )
            self.users[key] = user
            self.organisations[account.organisation] = user.organisation
        for account in data.ACCOUNTS:
            if account.key in self.users:
                continue
            if account.role.is_provider:
                inviter = self.users[f"{account.organisation}_admin"]
                token = accounts.invite_user(
                    inviter.organisation, inviter, account.email, account.role
                )
                user = accounts.accept_invitation(
                    accounts.open_invitation(token), account.name, account.password
                )
            else:
                user = accounts.create_staff_user(
                    account.name, account.email, account.role, account.password, by=None
                )
                two_factor.enrol_with_secret(user, data.totp_secret(account))
            self.users[account.key] = user
        for account in data.ACCOUNTS:
            self.users[account.key].locale = account.locale
        db.session.flush()

    # --- filing ---------------------------------------------------------------------------

    def draft(
        self,
        user_key,
        system,
        *,
        complete=True,
        notice_type=NoticeType.NEW,
        refers_to=None,
        weeks=4,
        clients=(0,),
    ):
        user = self.users[user_key]
        org = data.ACCOUNTS_BY_KEY[user_key].organisation
        notice = filing.create_draft(
            user, notice_type, refers_to.id if refers_to else None, storage=self.store
        )
        earliest = calendar.earliest_start_date(self.today(), self.rules.advance_business_days)
        filing.save_section(
            notice, {"planned_date": earliest + timedelta(weeks=weeks), **data.SYSTEMS[system]}
        )
        # A change starts with the accepted notice's answers, clients, certifications,
        # subcontractors and documents (copied): only what is new is added here.
        listed = {client.registration_number for client in notice.clients}
        for index in clients:
            exchange = self.exchanges[index % len(self.exchanges)]
            if exchange.registration_number in listed:
                continue
            filing.add_client(
                notice,
                registration_number=exchange.registration_number,
                rules=self.rules,
            )
        if not complete:
            return notice
        security = data.SECURITY_HSM if org == "b" else data.SECURITY_MPC
        filing.save_section(
            notice,
            {
                **security,
                "pentest_date": self.today() - timedelta(days=120),
                **data.DECLARANTS[org],
                "declaration_confirmed": True,
            },
        )
        if refers_to is not None:
            return notice
        filing.add_certification(notice, data.certification(org, self.today()))
        filing.add_subcontractor(notice, dict(data.SUBCONTRACTORS[org]))
        name = notice.system_name
        self.attach(
            notice,
            user,
            "architecture",
            "system-architecture.pdf",
            f"System architecture: {_ascii(name)}",
            ("Components: policy engine, signing service, wallet nodes.",),
        )
        self.attach(
            notice,
            user,
            "security_assessment",
            "security-assessment.pdf",
            "Security assessment summary",
            ("External penetration test: no open high findings.",),
        )
        return notice

    def attach(self, notice, user, category, filename, title, lines):
        filing.add_attachment(
            notice,
            user,
            category=category,
            filename=filename,
            data=data.demo_pdf(title, lines),
            storage=self.store,
            rules=self.rules,
        )

    def file(self, user_key, system, **options) -> Notice:
        notice = self.draft(user_key, system, **options)
        filing.submit_notice(notice, self.users[user_key], now=self.now(), rules=self.rules)
        return notice

    # --- review ---------------------------------------------------------------------------

    def take(self, notice, staff_key):
        review.take_notice(notice, self.users[staff_key], expected_version=notice.version)

    def request_information(self, notice, staff_key, text):
        today = self.today()
        review.request_information(
            notice,
            self.users[staff_key],
            comment=text,
            reply_by=calendar.add_business_days(today, self.reply_days),
            today=today,
            expected_version=notice.version,
        )

    def respond(self, notice, user_key, text, document_title):
        review.respond_to_request(
            notice,
            self.users[user_key],
            message=text,
            files=[
                (
                    "other",
                    "response.pdf",
                    data.demo_pdf(document_title, ("Answer to the information request.",)),
                )
            ],
            now=self.now(),
            expected_version=notice.version,
            storage=self.store,
            rules=self.rules,
        )

    def propose(self, notice, staff_key, outcome, reasons):
        review.propose_decision(
            notice,
            self.users[staff_key],
            outcome=outcome,
            reasons=reasons,
            expected_version=notice.version,
        )

    def confirm(self, notice, supervisor_key):
        review.confirm_decision(
            notice, self.users[supervisor_key], now=self.now(), expected_version=notice.version
        )

    def make_notices(self) -> list[Notice]:
        texts = data
        # A: accepted after an information request and the provider's answer.
        accepted = self.file("a_user", "vaultcore", clients=(0, 1))
        self.take(accepted, "reviewer")
        self.request_information(accepted, "reviewer", texts.INFORMATION_REQUESTS[0])
        self.respond(accepted, "a_user", texts.RESPONSES[0], "Key backup procedure")
        self.propose(accepted, "reviewer", Outcome.ACCEPT, texts.ACCEPT_REASONS[2])
        self.confirm(accepted, "supervisor")

        # A: a material change to the accepted notice, awaiting the checker.
        change = self.draft(
            "a_admin",
            "vaultcore",
            notice_type=NoticeType.CHANGE,
            refers_to=accepted,
            weeks=8,
            clients=(0, 1, 2),
        )
        filing.save_section(change, {"system_version": "3.3"})
        filing.submit_notice(change, self.users["a_admin"], now=self.now(), rules=self.rules)
        self.take(change, "reviewer")
        self.propose(change, "reviewer", Outcome.ACCEPT, texts.ACCEPT_REASONS[0])

        # A: the reviewer asked for more and waits for the provider.
        waiting = self.file("a_user", "signflow", clients=(4,))
        self.take(waiting, "reviewer2")
        self.request_information(waiting, "reviewer2", texts.INFORMATION_REQUESTS[2])

        # A: under review, with a staff-only note.
        under_review = self.file("a_user", "nodeops", weeks=6, clients=(3,))
        self.take(under_review, "reviewer")
        review.add_internal_note(
            under_review,
            self.users["reviewer"],
            "ノード監視の委託先について次回確認する（内部メモ）。",
        )

        # A: a draft, half filled in (no security section, documents or declaration).
        draft = self.draft("a_user", "signflow", complete=False, weeks=10, clients=())
        filing.add_client(draft, rules=self.rules, **data.UNREGISTERED_CLIENT)
        filing.save_section(
            draft, {"system_name": "DemoSign 承認ワークフロー（次期版）", "system_version": "2.0"}
        )

        # B: just submitted, nobody has taken it yet.
        submitted = self.file("b_admin", "hsmvault", clients=(5, 6))

        # B: returned, after the checker sent the first proposal back once.
        returned = self.file("b_admin", "screening", clients=(7,))
        self.take(returned, "reviewer2")
        self.propose(returned, "reviewer2", Outcome.RETURN, texts.RETURN_REASONS[1])
        review.send_back(
            returned,
            self.users["supervisor"],
            comment=texts.SEND_BACK_COMMENTS[1],
            now=self.now(),
            expected_version=returned.version,
        )
        self.propose(returned, "reviewer2", Outcome.RETURN, texts.RETURN_REASONS[0])
        self.confirm(returned, "supervisor2")

        # B: filed again from the returned notice, saying this time how soon the FSA hears
        # of an incident (what the return asked for).
        b_admin = self.users["b_admin"]
        refiled = filing.file_again(returned, b_admin, storage=self.store)
        earliest = calendar.earliest_start_date(self.today(), self.rules.advance_business_days)
        filing.save_section(
            refiled,
            {
                "planned_date": earliest + timedelta(weeks=6),
                "incident_fsa_hours": 6,
                **data.DECLARANTS[data.ACCOUNTS_BY_KEY["b_admin"].organisation],
                "declaration_confirmed": True,
            },
        )
        filing.submit_notice(refiled, b_admin, now=self.now(), rules=self.rules)

        # B: withdrawn by the provider during the review.
        withdrawn = self.file("b_admin", "screening", weeks=12, clients=(2,))
        self.take(withdrawn, "reviewer")
        filing.withdraw_notice(
            withdrawn,
            self.users["b_admin"],
            reason=texts.WITHDRAWAL_REASONS[1],
            expected_version=withdrawn.version,
        )
        db.session.flush()
        return [
            accepted,
            change,
            waiting,
            under_review,
            draft,
            submitted,
            returned,
            refiled,
            withdrawn,
        ]


def _ascii(text: str) -> str:
    return text.encode("ascii", "ignore").decode().strip() or "demo system"
