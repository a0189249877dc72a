"""Receipt numbers under load: 8 processes submit 50 notices each against one database.

Every number from AN-2026-000001 to AN-2026-000400 must be given exactly once, and no
submission may fail. Each process builds its own app on the session's database, as a
second web worker would. A submission is a write, so each runs with the write intent the
app sets for every non-GET request (app/database.py): on SQLite its transaction opens
with BEGIN IMMEDIATE and waits on the busy timeout rather than failing half-way.
"""

import io
import multiprocessing
import os
import queue
import time
import traceback
import warnings
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.domain.workflow import Status
from app.extensions import db
from app.filing.models import Notice, NoticeVersion, ReceiptCounter
from app.history.chain import first_break
from app.history.models import NoticeEvent
from tests.factories import make_user
from tests.filing_helpers import complete_draft

PROCESSES = 8
PER_PROCESS = 50
TOTAL = PROCESSES * PER_PROCESS
NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)  # Monday 1 June 2026, noon in Japan
# Seconds before a hung run is given up: the run needs about 30 s of CPU in all, so this only
# stops a deadlock from holding the suite, on however busy a machine.
TIMEOUT = 600

# What a worker needs of the test app's configuration to be the same site.
SHARED_SETTINGS = (
    "SQLALCHEMY_DATABASE_URI",
    "STORAGE_PATH",
    "SECRET_KEY",
    "TESTING",
    "PASSWORD_HASH",
    "RATELIMIT_ENABLED",
    "WTF_CSRF_ENABLED",
)


def small_pdf(subject: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Subject": subject})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def submit_in_worker(settings, user_id, notice_ids, barrier, results):
    """Runs in a spawned process: submit each notice in a transaction of its own."""
    try:
        warnings.simplefilter("error")
        from app import create_app
        from app.accounts.models import User
        from app.acknowledgements import operations as acknowledgements
        from app.database import write_intent
        from app.filing import operations

        # Numbering is what this test is about. Rendering 400 real receipts would make it
        # minutes long on two cores; the renderer has its own tests, so each worker issues
        # a small real PDF instead (unique per receipt number, as the stored hash must be).
        acknowledgements.render_acknowledgement = lambda doc, timeout=None: small_pdf(
            doc["receipt_number"]
        )
        app = create_app(settings)
        numbers, errors, durations = [], [], []
        with app.app_context():
            rules = operations.FilingRules.from_config(app.config)
            assert db.session.get(User, user_id) is not None
            db.session.commit()  # end the read, so that each submission begins afresh
            barrier.wait(timeout=TIMEOUT)
            for notice_id in notice_ids:
                token = write_intent.set(True)  # what before_request does for a POST
                began = time.monotonic()
                try:
                    notice = db.session.get(Notice, notice_id)
                    locked = time.monotonic()  # on SQLite, BEGIN IMMEDIATE has returned
                    user = db.session.get(User, user_id)
                    operations.submit_notice(notice, user, now=NOW, rules=rules)
                    db.session.commit()
                    durations.append(time.monotonic() - locked)
                    numbers.append((notice_id, notice.receipt_number))
                except Exception as error:
                    db.session.rollback()
                    errors.append(
                        f"notice {notice_id}, after {time.monotonic() - began:.1f} s: "
                        f"{type(error).__name__}: {str(error)[:300]}\n{traceback.format_exc()}"
                    )
                finally:
                    write_intent.reset(token)
            db.session.remove()
            db.engine.dispose()
        results.put(("done", os.getpid(), numbers, errors, durations))
    except BaseException:
        results.put(("crashed", os.getpid(), [], [traceback.format_exc()], []))


@pytest.mark.slow
def test_concurrent_submissions_get_unique_numbers_without_gaps(app, database_url, monkeypatch):
    assert app.config["SQLALCHEMY_DATABASE_URI"] == database_url
    user = make_user(Role.PROVIDER_USER)
    user_id = user.id
    started = time.monotonic()
    with monkeypatch.context() as patch:
        # The drafts' PDFs need not survive a power cut; two fsyncs per file are most of
        # the time it takes to prepare 400 drafts.
        patch.setattr(os, "fsync", lambda fd: None)
        ids = [complete_draft(user).id for _ in range(TOTAL)]
    db.session.commit()
    db.session.close()  # the parent holds no transaction while the workers write
    prepared = time.monotonic() - started

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    settings = {name: app.config[name] for name in SHARED_SETTINGS}
    workers = [
        context.Process(
            target=submit_in_worker,
            args=(settings, user_id, ids[i::PROCESSES], barrier, results),
            name=f"submitter-{i}",
        )
        for i in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    reports = []
    try:
        deadline = time.monotonic() + TIMEOUT
        for _ in workers:
            try:
                reports.append(results.get(timeout=max(deadline - time.monotonic(), 1)))
            except queue.Empty:
                pytest.fail(f"only {len(reports)} of {PROCESSES} workers reported in {TIMEOUT} s")
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.terminate()
                worker.join()
    elapsed = time.monotonic() - started

    durations = sorted(d for *_, ds in reports for d in ds)
    if durations:
        print(
            f"transaction times: median {durations[len(durations) // 2]:.3f} s, "
            f"longest {durations[-1]:.3f} s; first of each worker: "
            + ", ".join(f"{ds[0]:.2f}" for *_, ds in reports if ds)
        )
    errors = [error for _, _, _, errs, _ in reports for error in errs]
    assert errors == [], f"{len(errors)} submissions failed; the first:\n{errors[0]}"
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    assert sorted(kind for kind, *_ in reports) == ["done"] * PROCESSES

    numbers = [number for _, _, pairs, *_ in reports for _, number in pairs]
    assert len(numbers) == TOTAL
    assert sorted(numbers) == [f"AN-2026-{n:06d}" for n in range(1, TOTAL + 1)]

    db.session.expire_all()
    stored = dict(db.session.execute(select(Notice.id, Notice.receipt_number)).all())
    assert stored == {
        notice_id: number for _, _, pairs, *_ in reports for notice_id, number in pairs
    }
    assert (
        db.session.scalar(
            select(func.count()).select_from(Notice).where(Notice.status == Status.SUBMITTED)
        )
        == TOTAL
    )
    assert db.session.get(ReceiptCounter, 2026).last_number == TOTAL
    assert db.session.scalar(select(func.count()).select_from(NoticeVersion)) == TOTAL
    events = db.session.scalars(
        select(NoticeEvent).order_by(NoticeEvent.notice_id, NoticeEvent.sequence)
    ).all()
    assert len(events) == TOTAL
    assert all(e.action == "submit" and e.sequence == 1 for e in events)
    assert all(first_break([event]) is None for event in events)  # each hash holds
    print(f"{TOTAL} drafts prepared in {prepared:.1f} s, all submitted in {elapsed:.1f} s")
