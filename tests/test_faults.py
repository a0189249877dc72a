"""Faults between writing a notice and storing its files or PDF: nothing half-done, nothing lost.

At each step of an attachment upload (storage put, then the row, then the commit) and of a
submission (receipt number, transition and event, snapshot, PDF render, PDF stored, mail,
commit) a failure is injected three ways: an exception, a full disk (``ENOSPC``), and a
killed process (a real request in a child process, ``tests/fault_child.py``, SIGKILLed at
the step). Afterwards the draft and its answers are as they were, no receipt number is used
up (the retry gets the very number the failed attempt had), there is no acknowledgement, and
no stored file that no row references — except the one thing a dying process cannot clean
up: a file it stored just before being killed. That file is referenced by no row, which is
exactly what a storage check reports, and the test says so.
"""

import errno
import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from flask import has_request_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.acknowledgements import operations as acknowledgements
from app.acknowledgements.models import Acknowledgement
from app.domain import calendar
from app.extensions import db
from app.files import storage
from app.filing import operations
from app.filing.models import Attachment, Notice, NoticeVersion, ReceiptCounter
from app.filing.numbering import format_receipt_number
from app.history.models import NoticeEvent
from app.mail import outbox
from app.mail.models import OutboxMessage
from app.storage import LocalStorage
from tests.filing_helpers import complete_draft, distinct_pdf, minimal_pdf

ROOT = Path(__file__).resolve().parent.parent
CHILD_SETTINGS = (
    "SQLALCHEMY_DATABASE_URI",
    "STORAGE_PATH",
    "SECRET_KEY",
    "TESTING",
    "PASSWORD_HASH",
    "RATELIMIT_ENABLED",
    "WTF_CSRF_ENABLED",
)


class Injected(RuntimeError):
    """The failure a test injects."""


def disk_full():
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


FAILURES = {"exception": lambda: Injected("injected"), "disk full": disk_full}


@pytest.fixture
def draft(people):
    notice = complete_draft(people.provider_a_user)
    db.session.commit()
    return notice


# --- what must hold after every fault -------------------------------------------------


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def picture(notice_id: int) -> dict:
    """Everything a failed submission or upload must leave exactly as it was."""
    db.session.commit()  # read afresh (on SQLite an open read would keep its old snapshot)
    notice = db.session.get(Notice, notice_id)
    year = calendar.to_jst(calendar.utcnow()).year
    return {
        "status": notice.status,
        "receipt_number": notice.receipt_number,
        "version": notice.version,
        "answers": {
            name: getattr(notice, name)
            for name in ("system_name", "system_version", "planned_date", "description")
        },
        "attachments": sorted(a.storage_key for a in notice.attachments),
        "versions": count(NoticeVersion, NoticeVersion.notice_id == notice_id),
        "events": count(NoticeEvent, NoticeEvent.notice_id == notice_id),
        "acknowledgements": count(Acknowledgement),
        "mail": count(OutboxMessage),
        "counter": db.session.scalar(
            select(ReceiptCounter.last_number).where(ReceiptCounter.year == year)
        )
        or 0,
    }


def unreferenced() -> set[str]:
    """Stored files that no row refers to (what a storage check reports as orphans)."""
    referenced = set(db.session.scalars(select(Attachment.storage_key)))
    return set(storage().keys()) - referenced


def half_written(app) -> list[str]:
    return [p.name for p in Path(app.config["STORAGE_PATH"]).rglob(".tmp-*")]


def assert_error_page(response):
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "Incident reference" in response.text


def next_number(before: dict) -> str:
    return format_receipt_number(calendar.to_jst(calendar.utcnow()).year, before["counter"] + 1)


def submit(client, notice_id: int, version: int):
    return client.post(f"/notices/{notice_id}/submit", data={"version": version})


def assert_submission_succeeds(client, notice_id: int, before: dict):
    response = submit(client, notice_id, before["version"])
    assert response.status_code == 303, response.text[:500]
    after = picture(notice_id)
    assert after["status"] == "submitted"
    assert after["receipt_number"] == next_number(before)  # the failed attempt's number
    assert after["acknowledgements"] == before["acknowledgements"] + 1
    assert unreferenced() == set()


def upload(client, notice_id: int):
    return client.post(
        f"/notices/{notice_id}/attachments",
        data={"file-category": "architecture", "file-file": (io.BytesIO(distinct_pdf()), "a.pdf")},
        content_type="multipart/form-data",
    )


def assert_upload_succeeds(client, notice_id: int, before: dict):
    assert upload(client, notice_id).status_code in (302, 303)
    after = picture(notice_id)
    assert len(after["attachments"]) == len(before["attachments"]) + 1
    assert unreferenced() == set()


def fail_after(monkeypatch, owner, name, error):
    """The step runs (its writes are in the transaction), then fails."""
    original = getattr(owner, name)

    def step_then_fail(*args, **kwargs):
        original(*args, **kwargs)
        raise error

    monkeypatch.setattr(owner, name, step_then_fail)


def fail_commit(monkeypatch, error):
    """The database's COMMIT fails within a request (SQLite: 'database or disk is full')."""
    dialect = db.engine.dialect
    original = dialect.do_commit

    def failing(connection):
        if has_request_context():
            raise error
        original(connection)

    monkeypatch.setattr(dialect, "do_commit", failing)


# --- (a) exceptions and (b) a full disk, step by step: submission ----------------------

SUBMISSION_STEPS = {
    "receipt number allocated": (operations, "allocate_receipt_number"),
    "transition and event written": (operations, "apply_transition"),
    "snapshot recorded": (operations, "record_version"),
    "PDF rendered": (acknowledgements, "render_acknowledgement"),
    "PDF stored": (acknowledgements, "issue"),
    "mail queued": (outbox, "notify_staff"),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize("step", list(SUBMISSION_STEPS))
def test_a_submission_failing_after_a_step_leaves_the_draft_as_it_was(
    app, signed_in, draft, monkeypatch, step, failure
):
    before = picture(draft.id)
    owner, name = SUBMISSION_STEPS[step]
    with monkeypatch.context() as patch:
        fail_after(patch, owner, name, FAILURES[failure]())

        assert_error_page(submit(signed_in, draft.id, before["version"]))

        assert picture(draft.id) == before
        assert unreferenced() == set()
    assert_submission_succeeds(signed_in, draft.id, before)


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_a_submission_whose_commit_fails_leaves_the_draft_as_it_was(
    app, signed_in, draft, monkeypatch, failure
):
    before = picture(draft.id)
    with monkeypatch.context() as patch:
        fail_commit(patch, FAILURES[failure]())

        assert_error_page(submit(signed_in, draft.id, before["version"]))

    assert picture(draft.id) == before
    assert unreferenced() == set()
    assert_submission_succeeds(signed_in, draft.id, before)


# --- (a) and (b): attachment upload --------------------------------------------------


def refuse_attachment_rows(error):
    def before_flush(session, flush_context, instances):
        if has_request_context() and any(isinstance(o, Attachment) for o in session.new):
            raise error

    return before_flush


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize("step", ["storage put", "row written", "commit"])
def test_an_upload_failing_at_a_step_stores_nothing(
    app, signed_in, draft, monkeypatch, step, failure
):
    before = picture(draft.id)
    error = FAILURES[failure]()
    with monkeypatch.context() as patch:
        if step == "storage put" and failure == "disk full":
            # A real partial write: the temporary file is written, then the disk is full.
            import app.storage as storage_module

            def fsync(fd):
                raise error

            patch.setattr(storage_module.os, "fsync", fsync)
        elif step == "storage put":
            patch.setattr(LocalStorage, "put", lambda self, data: (_ for _ in ()).throw(error))
        elif step == "row written":
            listener = refuse_attachment_rows(error)
            event.listen(Session, "before_flush", listener)
        else:
            fail_commit(patch, error)
        try:
            response = upload(signed_in, draft.id)
        finally:
            if step == "row written":
                event.remove(Session, "before_flush", listener)

    assert_error_page(response)
    assert picture(draft.id) == before
    assert unreferenced() == set()
    assert half_written(app) == []
    assert_upload_succeeds(signed_in, draft.id, before)


def test_a_file_stored_before_any_query_is_discarded_by_the_rollback(app, draft):
    """The file belongs to the transaction even when none had begun when it was stored."""
    from app.files import discard_unless_committed

    store = storage()
    key = store.put(minimal_pdf()).key
    discard_unless_committed(store, key)
    db.session.rollback()

    assert not store.exists(key)


def test_a_file_whose_row_did_commit_is_never_deleted(app, draft):
    """A commit reported as failed that did reach the database keeps its file."""
    from app.files import discard_unless_committed

    store = storage()
    attachment = draft.attachments[0]
    discard_unless_committed(store, attachment.storage_key)
    db.session.rollback()

    assert store.exists(attachment.storage_key)


# --- (c) a killed process ----------------------------------------------------------------


def run_killed(app, people, notice, *, action: str, point: str) -> subprocess.CompletedProcess:
    settings = {name: app.config[name] for name in CHILD_SETTINGS}
    env = {
        **os.environ,
        "FAULT_SETTINGS": json.dumps(settings),
        "FAULT_POINT": point,
        "FAULT_ACTION": action,
        "FAULT_NOTICE": str(notice.id),
        "FAULT_VERSION": str(notice.version),
        "FAULT_EMAIL": people.provider_a_user.email,
    }
    # Nothing of the test's own transaction stays open while the child writes (reading the
    # values above may have begun one).
    db.session.commit()
    result = subprocess.run(  # noqa: S603 - this interpreter, a module of the tests
        [sys.executable, "-m", "tests.fault_child"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == -signal.SIGKILL, (
        f"the child was not killed at {point}: {result.returncode}\n{result.stdout}{result.stderr}"
    )
    return result


SUBMISSION_KILL_POINTS = [
    "after_number",
    "after_snapshot",
    "after_pdf_render",
    "after_pdf_stored",
    "before_commit",
]


@pytest.mark.slow
@pytest.mark.parametrize("point", SUBMISSION_KILL_POINTS)
def test_a_submission_killed_before_its_commit_leaves_the_draft_as_it_was(
    app, people, draft, signed_in, point
):
    before = picture(draft.id)

    run_killed(app, people, draft, action="submit", point=point)

    assert picture(draft.id) == before
    assert unreferenced() == set()  # a submission stores no file: its PDF is in its row
    assert_submission_succeeds(signed_in, draft.id, before)


@pytest.mark.slow
def test_a_submission_killed_after_its_commit_is_complete(app, people, draft):
    before = picture(draft.id)

    run_killed(app, people, draft, action="submit", point="after_commit")

    after = picture(draft.id)
    assert after["status"] == "submitted"
    assert after["receipt_number"] == next_number(before)
    assert after["acknowledgements"] == before["acknowledgements"] + 1
    assert unreferenced() == set()


@pytest.mark.slow
@pytest.mark.parametrize("point", ["after_storage_put", "before_commit"])
def test_an_upload_killed_before_its_commit_leaves_one_unreferenced_file(
    app, people, draft, signed_in, point
):
    """The dying process cannot delete the file it stored: the database stays clean, and the
    file is an orphan that no row references (what a storage check reports)."""
    before = picture(draft.id)
    keys_before = set(storage().keys())

    run_killed(app, people, draft, action="upload", point=point)

    assert picture(draft.id) == before
    orphans = unreferenced()
    assert len(orphans) == 1
    assert orphans == set(storage().keys()) - keys_before
    assert half_written(app) == []
    assert_upload_succeeds_besides(signed_in, draft.id, before, orphans)


def assert_upload_succeeds_besides(client, notice_id, before, orphans):
    assert upload(client, notice_id).status_code in (302, 303)
    after = picture(notice_id)
    assert len(after["attachments"]) == len(before["attachments"]) + 1
    assert unreferenced() == orphans


@pytest.mark.slow
def test_an_upload_killed_after_its_commit_is_complete(app, people, draft):
    before = picture(draft.id)

    run_killed(app, people, draft, action="upload", point="after_commit")

    assert len(picture(draft.id)["attachments"]) == len(before["attachments"]) + 1
    assert unreferenced() == set()


# --- the provider's response to an information request, with files --------------------


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize("step", ["second file refused", "commit"])
def test_a_response_failing_after_its_files_are_stored_keeps_none_of_them(
    app, client, auth, people, monkeypatch, step, failure
):
    from tests.review_helpers import notice_at

    notice = notice_at("information_requested", people)
    auth.login(client, people.provider_a_user)
    before = {**picture(notice.id), "status": "information_requested"}
    error = FAILURES[failure]()
    with monkeypatch.context() as patch:
        if step == "commit":
            fail_commit(patch, error)
        else:
            stored = []
            original = LocalStorage.put

            def put(self, data):
                if stored:
                    raise error  # the first file is stored; the second finds the disk full
                result = original(self, data)
                stored.append(result.key)
                return result

            patch.setattr(LocalStorage, "put", put)
        response = client.post(
            f"/notices/{notice.id}/respond",
            data={
                "message": "The reports are attached.",
                "category": "security_assessment",
                "version": before["version"],
                "files": [(io.BytesIO(distinct_pdf()), f"report-{n}.pdf") for n in (1, 2)],
            },
            content_type="multipart/form-data",
        )

    assert_error_page(response)
    assert picture(notice.id) == before
    assert unreferenced() == set()
