"""`flask demo load` (the demonstration) and `flask demo seed` (volume for performance work)."""

import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import func, select, update

from app.accounts.models import Organisation, Role, User
from app.acknowledgements.models import Acknowledgement
from app.demo import data
from app.domain import calendar
from app.domain.fingerprint import canonical_json, fingerprint
from app.domain.workflow import Status
from app.extensions import db
from app.files import storage
from app.filing import operations
from app.filing.models import Attachment, Notice, NoticeVersion, ReceiptCounter
from app.filing.snapshot import build_snapshot, provider_as_filed
from app.history.models import NoticeEvent
from app.mail.models import OutboxMessage
from app.review.models import Decision, InformationRequest, NoticeStatusCount
from tests.conftest import flask_command_env
from tests.factories import make_user
from tests.filing_helpers import complete_draft, rules

COUNTED = (
    User,
    Organisation,
    Notice,
    NoticeVersion,
    NoticeEvent,
    Attachment,
    OutboxMessage,
    Acknowledgement,
)

ROOT = Path(__file__).resolve().parent.parent


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def counts() -> dict[str, int]:
    return {model.__tablename__: count(model) for model in COUNTED}


def invoke(runner, *args):
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def accounts_table(output: str) -> list[str]:
    """The printed accounts: from the sign-in line to the end."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Sign in at "))
    return [line for line in lines[start:] if line.strip()]


def demo_user(key) -> User:
    return db.session.scalar(select(User).where(User.email == data.ACCOUNTS_BY_KEY[key].email))


@pytest.fixture(autouse=True)
def _unlink_changes(app):
    """Let the harness empty the tables: on SQLite its one `DELETE FROM notices` fails when
    a change notice refers to an earlier one (ON DELETE RESTRICT is checked row by row)."""
    yield
    db.session.rollback()
    db.session.execute(update(Notice).values(refers_to_id=None))
    db.session.commit()


@pytest.fixture
def loaded(runner):
    return invoke(runner, "demo", "load")


# --- flask demo load -----------------------------------------------------------------------
# Loading renders every acknowledgement PDF, which takes seconds: each test loads once.


def test_loading_twice_changes_nothing_and_lists_accounts_that_sign_in(
    runner, loaded, client, auth
):
    after_first = counts()
    again = invoke(runner, "demo", "load")

    assert counts() == after_first
    assert "already loaded" in again.output
    assert accounts_table(again.output) == accounts_table(loaded.output)
    assert after_first["users"] == len(data.ACCOUNTS)
    assert after_first["organisations"] == 2
    assert after_first["notices"] >= 8

    table = accounts_table(loaded.output)
    assert table[0] == "Sign in at http://127.0.0.1:5000/login"
    rows = [line.split() for line in table[3 : 3 + len(data.ACCOUNTS)]]
    roles = Counter(row[0] for row in rows)
    assert set(roles) == {role.value for role in Role}
    # Two reviewers and two supervisors: a decision needs two different people.
    assert roles[Role.SUPERVISOR.value] == 2
    for account in data.ACCOUNTS:
        row = next(row for row in rows if row[1] == account.email)
        assert row[0] == account.role.value
        assert row[2] == account.password
        assert 12 <= len(account.password) <= 128

    # Staff sign in in two steps: the output says how to get a code, and gives each key.
    assert "flask users totp-code EMAIL" in loaded.output
    staff = [account for account in data.ACCOUNTS if account.role.is_staff]
    for account in staff:
        assert f"{account.email} " in loaded.output
        assert data.totp_secret(account) in loaded.output
        assert demo_user(account.key).totp_secret == data.totp_secret(account)

    for account in data.ACCOUNTS:
        auth.login(client, demo_user(account.key), password=account.password)
        auth.logout(client)

    reviewer = data.ACCOUNTS_BY_KEY["reviewer"]
    printed = invoke(runner, "users", "totp-code", reviewer.email.upper()).output.strip()
    totp = pyotp.TOTP(data.totp_secret(reviewer))
    now = time.time()
    assert printed in {totp.at(now - 30), totp.at(now), totp.at(now + 30)}


def test_loading_again_with_another_secret_key_gives_demo_staff_their_keys_back(make_app, loaded):
    """Keys are encrypted with SECRET_KEY: under a new one the stored keys cannot be read,
    and `flask demo load` gives the demonstration staff their published keys again."""
    other = make_app(SECRET_KEY="another key, as a new benchmark run has")
    with other.app_context():
        reloaded = other.test_cli_runner().invoke(args=["demo", "load"])
        assert "given their second factor" in reloaded.output, reloaded.output
        reviewer = data.ACCOUNTS_BY_KEY["reviewer"]
        code = other.test_cli_runner().invoke(args=["users", "totp-code", reviewer.email])
        assert code.exit_code == 0, code.output
        user = db.session.scalar(select(User).where(User.email == reviewer.email))
        assert user.totp_secret == data.totp_secret(reviewer)


def test_totp_code_is_only_for_demonstration_accounts(make_app, runner, app):
    make_user(Role.REVIEWER, email="real.reviewer@fsa.example.com")
    db.session.commit()
    result = runner.invoke(args=["users", "totp-code", "real.reviewer@fsa.example.com"])
    assert result.exit_code != 0
    assert "not a demonstration account" in result.output

    production_like = make_app(DEMO=False)
    reviewer = data.ACCOUNTS_BY_KEY["reviewer"].email
    result = production_like.test_cli_runner().invoke(args=["users", "totp-code", reviewer])
    assert result.exit_code != 0
    assert "codes are never printed" in result.output


def test_the_demo_covers_every_status_made_by_the_real_operations(runner, loaded):
    statuses = {str(status) for status in db.session.scalars(select(Notice.status))}
    assert statuses >= {status.value for status in Status}
    assert len(set(db.session.scalars(select(Notice.organisation_id)))) == 2

    filed = db.session.scalars(select(Notice).where(Notice.status != Status.DRAFT)).all()
    numbers = [notice.receipt_number for notice in filed]
    assert all(re.fullmatch(r"AN-\d{4}-\d{6}", number) for number in numbers)
    assert len(set(numbers)) == len(numbers)
    year = int(max(numbers)[3:7])
    assert db.session.get(ReceiptCounter, year).last_number == int(max(numbers)[-6:])
    store = storage()
    for notice in filed:
        assert notice.versions, notice.receipt_number
        assert notice.attachments, notice.receipt_number
        for attachment in notice.attachments:
            assert store.exists(attachment.storage_key)
        events = db.session.scalars(
            select(NoticeEvent).where(NoticeEvent.notice_id == notice.id)
        ).all()
        assert events[0].action == "submit"
        assert count(OutboxMessage, OutboxMessage.notice_id == notice.id) > 0
    accepted = db.session.scalar(select(Notice).where(Notice.status == Status.ACCEPTED))
    decision = db.session.scalar(select(Decision).where(Decision.notice_id == accepted.id))
    assert decision.proposed_by_id != decision.checked_by_id
    assert len(accepted.versions) == 2  # the provider answered an information request
    waiting = db.session.scalar(select(Notice).where(Notice.status == Status.INFORMATION_REQUESTED))
    assert waiting.handler_id is not None
    draft = db.session.scalar(select(Notice).where(Notice.status == Status.DRAFT))
    assert draft.system_name and not draft.declaration_confirmed and not draft.attachments

    assert invoke(runner, "audit", "verify").output.startswith("ok:")


def test_demo_commands_refuse_an_instance_that_is_not_a_demonstration(make_app):
    production_like = make_app(DEMO=False)
    for args in (["demo", "load"], ["demo", "seed", "--notices", "10"]):
        result = production_like.test_cli_runner().invoke(args=args)
        assert result.exit_code != 0
        assert "not a demonstration" in result.output
    with production_like.app_context():
        assert count(User) == 0


# --- flask demo seed ----------------------------------------------------------------------


def receipt_numbers() -> list[str]:
    return list(db.session.scalars(select(Notice.receipt_number).where(Notice.status != "draft")))


def assert_counters_match(numbers):
    highest = {}
    for number in numbers:
        year, serial = int(number[3:7]), int(number[8:])
        highest[year] = max(highest.get(year, 0), serial)
    for year, serial in highest.items():
        assert db.session.get(ReceiptCounter, year).last_number == serial


def test_seeding_adds_notices_that_hold_together(runner, loaded, client, auth):
    before = count(Notice)
    result = invoke(
        runner, "demo", "seed", "--notices", "500", "--organisations", "20", "--seed", "7"
    )
    assert "Seeded 500 notices" in result.output
    assert re.search(r"Time taken: \d+\.\d s", result.output)

    assert count(Notice) == before + 500
    numbers = receipt_numbers()
    assert len(numbers) == len(set(numbers))
    assert_counters_match(numbers)
    statuses = Counter(str(s) for s in db.session.scalars(select(Notice.status)))
    assert statuses["accepted"] > statuses["returned"] > 0
    assert all(statuses[s.value] > 0 for s in Status)

    verified = invoke(runner, "audit", "verify")
    assert verified.output.startswith("ok:")

    auth.login(client, demo_user("reviewer"), password=data.DEMO_PASSWORD)
    for query in ("", "?status=all", "?status=all&sort=received", "?overdue=1", "?q=seed"):
        page = client.get(f"/review/{query}")
        assert page.status_code == 200, query


def test_seeded_rows_are_what_the_operations_would_have_written(runner):
    invoke(runner, "demo", "seed", "--notices", "300", "--organisations", "5", "--seed", "3")

    # Every version's snapshot is build_snapshot of the notice as stored, and fingerprinted.
    for version in db.session.scalars(select(NoticeVersion)):
        notice = db.session.get(Notice, version.notice_id)
        expected = canonical_json(build_snapshot(notice, notice.organisation, version=1))
        stored = version.snapshot.replace(f'"version":{version.number}', '"version":1')
        assert stored == expected.decode("utf-8")
        assert version.fingerprint == fingerprint(version.snapshot.encode("utf-8"))
        # The provider is on the notice as filed, as submit_notice copies it.
        if version.number == 1:
            filed = provider_as_filed(json.loads(version.snapshot)["provider"])
            assert {name: getattr(notice, name) for name in filed} == filed
    drafts = select(Notice.provider_name_key).where(Notice.status == "draft")
    assert set(db.session.scalars(drafts)) <= {""}
    # Open requests and pending decisions exist, so the seeded notices can carry on.
    for notice in db.session.scalars(select(Notice).where(Notice.status == "decision_proposed")):
        assert count(Decision, Decision.notice_id == notice.id, Decision.verdict.is_(None)) == 1
    for notice in db.session.scalars(
        select(Notice).where(Notice.status == "information_requested")
    ):
        open_requests = (
            InformationRequest.notice_id == notice.id,
            InformationRequest.response.is_(None),
        )
        assert count(InformationRequest, *open_requests) == 1
    assert count(Decision, Decision.checked_by_id == Decision.proposed_by_id) == 0
    # Handlers are staff; drafts have no number.
    handlers = set(
        db.session.scalars(select(Notice.handler_id).where(Notice.handler_id.is_not(None)))
    )
    roles = set(db.session.scalars(select(User.role).where(User.id.in_(handlers))))
    assert roles <= {Role.REVIEWER, Role.SUPERVISOR}
    assert count(Notice, Notice.status == "draft", Notice.receipt_number.is_not(None)) == 0


def test_seeding_again_adds_more_and_real_submissions_continue_the_numbers(runner):
    invoke(runner, "demo", "seed", "--notices", "200", "--organisations", "4")
    organisations, users = count(Organisation), count(User)
    invoke(runner, "demo", "seed", "--notices", "150", "--organisations", "4")

    assert count(Notice) == 350
    assert (count(Organisation), count(User)) == (organisations, users)
    numbers = receipt_numbers()
    assert len(numbers) == len(set(numbers)) == 350 - count(Notice, Notice.status == "draft")
    assert_counters_match(numbers)

    provider = db.session.scalar(select(User).where(User.role == Role.PROVIDER_USER).limit(1))
    notice = complete_draft(provider)
    now = calendar.utcnow()
    counter = db.session.get(ReceiptCounter, calendar.to_jst(now).year)
    expected = (counter.last_number if counter else 0) + 1
    operations.submit_notice(notice, provider, now=now, rules=rules())
    db.session.commit()
    assert int(notice.receipt_number[-6:]) == expected
    after = receipt_numbers()
    assert len(set(after)) == len(after) == len(numbers) + 1
    assert invoke(runner, "audit", "verify").output.startswith("ok:")


def test_seeding_with_worker_processes(app, runner, tmp_path):
    """`flask demo seed` in a process of its own, as it is run: a test process runs other
    threads, and forking it is not safe (the seed would make its rows itself there)."""
    env = flask_command_env(app, tmp_path)
    db.session.commit()
    db.session.close()  # the seed takes the write lock (SQLite) and the tables
    # Small batches, so that 600 notices make several, shared out to two forked workers.
    seed = ["demo", "seed", "--notices", "600", "--organisations", "6", "--jobs", "2"]
    result = subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "flask", *seed, "--batch", "100"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 worker processes" in result.stdout

    assert count(Notice) == 600
    numbers = receipt_numbers()
    assert len(numbers) == len(set(numbers))
    assert_counters_match(numbers)
    assert count(NoticeVersion) >= len(numbers)
    assert invoke(runner, "audit", "verify").output.startswith(f"ok: {count(NoticeEvent)} events")


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(NoticeStatusCount.status, NoticeStatusCount.count))
    return {str(status): n for status, n in rows}


def actual_statuses() -> dict[str, int]:
    rows = db.session.execute(
        select(Notice.status, func.count()).where(Notice.status != "draft").group_by(Notice.status)
    )
    return {str(status): n for status, n in rows}


def test_seeding_keeps_the_status_counts_and_the_counting_goes_on(runner):
    """On PostgreSQL the seed counts the statuses once at the end (its row trigger is off
    for the load); on SQLite the triggers count as it goes. Either way the counts match
    the table afterwards, and later changes are counted again."""
    invoke(runner, "demo", "seed", "--notices", "400", "--organisations", "5", "--seed", "11")
    seeded = actual_statuses()
    assert sum(seeded.values()) > 350
    assert {k: v for k, v in status_counts().items() if v} == seeded

    provider = db.session.scalar(select(User).where(User.role == Role.PROVIDER_USER).limit(1))
    operations.submit_notice(
        complete_draft(provider), provider, now=calendar.utcnow(), rules=rules()
    )
    db.session.commit()
    assert status_counts()["submitted"] == seeded.get("submitted", 0) + 1
