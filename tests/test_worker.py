"""`flask worker`: two worker processes share one outbox; every message is sent once.

The workers are real subprocesses (`flask worker`) against the test database, sending to a
real SMTP server on loopback (aiosmtpd). On PostgreSQL they claim messages with
FOR UPDATE SKIP LOCKED; on SQLite with a lease written under the single write lock.
"""

import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.mail.models import OutboxMessage
from tests.conftest import flask_command_env
from tests.test_mail import start_server

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = 60
STOPPED = re.compile(r"worker stopped: sent (\d+), failed (\d+)")


class Worker:
    """One `flask worker` process; its output is collected by a thread per stream."""

    def __init__(self, env, *args):
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [sys.executable, "-m", "flask", "worker", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self.started = threading.Event()
        self.readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.out)),
            threading.Thread(target=self._read, args=(self.process.stderr, self.err)),
        ]
        for reader in self.readers:
            reader.start()

    def _read(self, stream, lines):
        with stream:
            for line in stream:
                lines.append(line)
                if line.startswith("worker started"):
                    self.started.set()

    def wait(self, timeout=60) -> int:
        try:
            return self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            for reader in self.readers:
                reader.join(timeout=5)

    def finish(self, timeout=60) -> int:
        """Wait for the exit; the number of messages it says it sent."""
        code = self.wait(timeout)
        output = "".join(self.out) + "".join(self.err)
        assert code == 0, output
        found = STOPPED.search(output)
        assert found, output
        assert found.group(2) == "0", output
        return int(found.group(1))


@pytest.fixture
def sink():
    controller, inbox = start_server()
    yield controller.port, inbox
    controller.stop()


@pytest.fixture
def worker_env(app, sink, tmp_path):
    return flask_command_env(
        app,
        tmp_path,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(sink[0]),
        MAIL_SENDER="registry@fsa-registry.example.com",
        MAIL_TIMEOUT="5",
        WORKER_POLL_SECONDS="1",
    )


def enqueue(count):
    db.session.add_all(
        OutboxMessage(
            recipient=f"person{n}@example.com",
            language="en",
            subject=f"Message {n}",
            body="A body.",
            kind="received",
        )
        for n in range(count)
    )
    db.session.commit()


def wait_for_arrivals(inbox, count, timeout=60):
    """Until ``count`` messages reached the SMTP server, then a moment more, in which a
    duplicate would arrive were there one."""
    deadline = time.monotonic() + timeout
    while len(inbox.arrivals) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)


def assert_each_sent_once(inbox, sent_by_workers):
    ids = Counter(arrival.message["Message-ID"] for arrival in inbox.arrivals)
    assert len(ids) == MESSAGES
    assert set(ids.values()) == {1}, [mid for mid, n in ids.items() if n > 1]
    assert sum(sent_by_workers) == MESSAGES
    db.session.commit()  # a new transaction sees what the workers committed
    unsent = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
    assert db.session.scalar(unsent) == 0


def test_two_looping_workers_share_the_outbox_and_stop_on_sigterm(worker_env, sink):
    port, inbox = sink
    inbox.delay = 0.05  # a few seconds of work, so both workers are busy at once
    workers = [Worker(worker_env, "--poll", "0.2", "--batch", "10") for _ in range(2)]
    try:
        for worker in workers:
            assert worker.started.wait(60), "".join(worker.err)
        enqueue(MESSAGES)
        wait_for_arrivals(inbox, MESSAGES)
    finally:
        for worker in workers:
            worker.process.send_signal(signal.SIGTERM)
    sent = [worker.finish() for worker in workers]

    assert_each_sent_once(inbox, sent)
    assert all(n > 0 for n in sent), f"one worker did everything: {sent}"
    assert all("SIGTERM: stopping" in "".join(w.err) for w in workers)


def test_two_workers_once_drain_the_outbox_and_exit(worker_env, sink):
    port, inbox = sink
    inbox.delay = 0.02
    enqueue(MESSAGES)
    workers = [Worker(worker_env, "--once", "--batch", "7") for _ in range(2)]
    sent = [worker.finish() for worker in workers]

    assert_each_sent_once(inbox, sent)


def test_worker_refuses_settings_that_cannot_work(worker_env):
    worker_env.update(MAIL_USE_TLS="1", MAIL_USE_SSL="1")
    worker = Worker(worker_env, "--once")
    assert worker.wait() == 1
    assert "exclude each other" in "".join(worker.err)
