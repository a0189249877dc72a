"""Delivering the outbox to a real SMTP server on loopback (aiosmtpd), on both databases.

Each test that sends starts its own server on a free port and points MAIL_SERVER and
MAIL_PORT at it; the server keeps every message it accepts, as received bytes.
"""

import asyncio
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app.extensions import db
from app.filing import operations
from app.filing.models import Notice
from app.mail.models import OutboxMessage
from app.mail.sender import (
    SENT_BODY_REMOVED,
    MailConfigError,
    MailSettings,
    as_utc,
    deliver_pending,
    outbox_counts,
    retry_delay,
)
from app.review.operations import add_internal_note
from tests.filing_helpers import complete_draft, rules

SENDER = "registry@fsa-registry.example.com"


# --- a real SMTP server --------------------------------------------------------------


@dataclass
class Arrival:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)


class Inbox:
    """An aiosmtpd handler keeping what it accepts; ``delay`` slows each DATA down."""

    def __init__(self):
        self.arrivals: list[Arrival] = []
        self.delay = 0.0
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.arrivals.append(Arrival(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address) -> list[Arrival]:
        return [a for a in self.arrivals if address in a.rcpt_tos]


class LoopbackController(Controller):
    """Controller that may bind port 0: it learns the port the system chose before
    connecting to itself (aiosmtpd 1.4 would otherwise try to connect to port 0)."""

    def _trigger_server(self):
        if self.port == 0:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def start_server(port=0):
    inbox = Inbox()
    controller = LoopbackController(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


def closed_port() -> int:
    """A loopback port on which nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def point_at(app, port):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)


@pytest.fixture(autouse=True)
def mail_settings(app, tmp_path):
    """No test writes the developer's instance/mail.log; senders give up quickly."""
    app.config.update(MAIL_SENDER=SENDER, MAIL_TIMEOUT=5, MAIL_LOG_PATH=str(tmp_path / "mail.log"))


@pytest.fixture
def smtp(app):
    controller, inbox = start_server()
    point_at(app, controller.port)
    yield inbox
    controller.stop()


# --- helpers -------------------------------------------------------------------------


def outbox_rows(*where) -> list[OutboxMessage]:
    # End the test's transaction: a new one sees what the senders committed since.
    db.session.commit()
    return db.session.scalars(select(OutboxMessage).where(*where).order_by(OutboxMessage.id)).all()


def outbox_count(*where) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(*where))


def submit(notice, user):
    operations.submit_notice(notice, user, now=datetime.now(UTC), rules=rules())
    db.session.commit()
    return notice


def queue_message(recipient, **values) -> OutboxMessage:
    message = OutboxMessage(
        recipient=recipient,
        language="en",
        subject=values.pop("subject", "A message"),
        body=values.pop("body", "A body."),
        kind="received",
        **values,
    )
    db.session.add(message)
    db.session.commit()
    return message


def message_ids(arrivals) -> list[str]:
    return [a.message["Message-ID"] for a in arrivals]


@pytest.fixture
def submitted(people):
    """Provider A's notice, submitted; its receipt mails queued and committed."""
    return submit(complete_draft(people.provider_a_user), people.provider_a_user)


# --- delivery ------------------------------------------------------------------------


def test_a_submission_mails_each_recipient_once_in_their_language(app, client, auth, people, smtp):
    people.provider_a_admin.locale = "ja"
    draft = complete_draft(people.provider_a_user)
    db.session.commit()
    auth.login(client, people.provider_a_user)

    response = client.post(f"/notices/{draft.id}/submit", data={"version": draft.version})

    assert response.status_code == 303
    db.session.expire_all()
    number = db.session.get(Notice, draft.id).receipt_number
    queued = {(m.recipient, m.kind, m.language) for m in outbox_rows()}
    assert queued == {
        (people.provider_a_user.email, "received", "en"),
        (people.provider_a_admin.email, "received", "ja"),
        (people.org_a.contact_email, "received", "ja"),
        (people.supervisor.email, "new_submission", "en"),
    }

    assert deliver_pending(app.config) == (4, 0)

    assert sorted(a.rcpt_tos[0] for a in smtp.arrivals) == sorted(r for r, _, _ in queued)
    for arrival in smtp.arrivals:
        message = arrival.message
        assert arrival.rcpt_tos == [message["To"]]
        assert arrival.mail_from == SENDER
        assert message["From"] == SENDER
        assert number in message["Subject"]
        assert message["Message-ID"].startswith("<outbox.")
        assert message["Message-ID"].endswith("@fsa-registry.example.com>")
        assert message["Date"].datetime.tzinfo is not None
        assert message.get_content_type() == "text/plain"
        assert message.get_content_charset() == "utf-8"
        arrival.raw.decode("ascii")  # Japanese travels encoded: no relay needs 8BITMIME
    assert len(set(message_ids(smtp.arrivals))) == 4

    (japanese,) = smtp.to(people.provider_a_admin.email)
    assert japanese.message["Subject"] == f"事前届出の受付（受付番号：{number}）"
    assert "=?utf-8?" in japanese.raw.decode("ascii").lower()  # RFC 2047 encoded word
    assert "事前届出を受け付けました。" in japanese.message.get_content()
    assert japanese.message["Content-Language"] == "ja"
    (english,) = smtp.to(people.provider_a_user.email)
    assert english.message["Subject"] == f"Notice received: {number}"
    assert "Your advance notice has been received." in english.message.get_content()
    assert "受け付けました" not in english.message.get_content()
    (staff,) = smtp.to(people.supervisor.email)
    assert staff.message["Subject"] == f"New notice submitted: {number}"

    rows = outbox_rows()
    assert all(row.sent_at is not None and row.attempts == 0 for row in rows)

    assert deliver_pending(app.config) == (0, 0)
    assert len(smtp.arrivals) == 4


def test_a_rolled_back_submission_queues_and_sends_nothing(app, people, smtp):
    notice = complete_draft(people.provider_a_user)
    db.session.commit()

    operations.submit_notice(notice, people.provider_a_user, now=datetime.now(UTC), rules=rules())
    assert outbox_count() == 4  # written in the submission's own transaction...
    db.session.rollback()

    assert outbox_count() == 0  # ...and gone with it
    assert deliver_pending(app.config) == (0, 0)
    assert smtp.arrivals == []


def test_an_unreachable_server_defers_the_message_until_it_is_up_and_due(app, submitted):
    port = closed_port()
    point_at(app, port)
    first_try = datetime.now(UTC)

    assert deliver_pending(app.config, now=first_try) == (0, 1)

    rows = outbox_rows()
    failed = [row for row in rows if row.attempts]
    assert len(failed) == 1  # the run stops at an unreachable server...
    (failed,) = failed
    assert failed.sent_at is None
    assert failed.attempts == 1
    assert "ConnectionRefusedError" in failed.last_error
    assert as_utc(failed.next_attempt_at) > first_try  # as_utc: SQLite gives naive UTC
    assert as_utc(failed.next_attempt_at) == first_try + timedelta(minutes=1)
    untouched = [row for row in rows if row.id != failed.id]  # ...leaving the rest as they were
    assert all(row.attempts == 0 and row.sent_at is None for row in untouched)

    controller, inbox = start_server(port)
    try:
        # The server is up, but the failed message waits for its back-off.
        assert deliver_pending(app.config, now=first_try + timedelta(seconds=30)) == (3, 0)
        assert sorted(a.rcpt_tos[0] for a in inbox.arrivals) == sorted(
            row.recipient for row in untouched
        )
        # Once its time has come it goes too, once.
        assert deliver_pending(app.config, now=first_try + timedelta(minutes=2)) == (1, 0)
        assert deliver_pending(app.config, now=first_try + timedelta(hours=1)) == (0, 0)
    finally:
        controller.stop()

    assert [a.rcpt_tos[0] for a in inbox.arrivals].count(failed.recipient) == 1
    assert len(inbox.arrivals) == 4
    assert len(set(message_ids(inbox.arrivals))) == 4
    delivered = outbox_rows(OutboxMessage.id == failed.id)[0]
    assert delivered.sent_at is not None
    assert delivered.attempts == 1


def test_a_refused_recipient_fails_alone_and_the_run_goes_on(app, smtp):
    refused = queue_message("nobody@example.com")
    queue_message("somebody@example.com")
    smtp.refuse.add(refused.recipient)

    assert deliver_pending(app.config) == (1, 1)

    assert [a.rcpt_tos for a in smtp.arrivals] == [["somebody@example.com"]]
    first, second = outbox_rows()
    assert (first.sent_at, first.attempts) == (None, 1)
    assert "SMTPRecipientsRefused" in first.last_error
    assert "No such user" in first.last_error
    assert second.sent_at is not None


def test_back_off_doubles_from_one_minute_up_to_six_hours(app):
    settings = MailSettings.from_config(app.config)

    delays = [retry_delay(attempt, settings) for attempt in range(1, 12)]

    minutes = [int(delay.total_seconds() // 60) for delay in delays]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360]


def test_after_the_last_attempt_the_message_is_given_up(app):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    point_at(app, closed_port())
    message = queue_message("given-up@example.com")
    start = datetime.now(UTC)

    assert deliver_pending(app.config, now=start) == (0, 1)
    assert deliver_pending(app.config, now=start + timedelta(minutes=1)) == (0, 1)

    (given_up,) = outbox_rows()
    assert given_up.attempts == 2
    assert given_up.sent_at is None
    assert given_up.last_error.startswith("gave up after 2 attempts: ConnectionRefusedError")
    counts = outbox_counts(app.config, now=start + timedelta(days=1))
    assert counts == {"due": 0, "waiting": 0, "given_up": 1, "sent": 0}

    other = queue_message("other@example.com")
    controller, inbox = start_server()
    point_at(app, controller.port)
    try:
        assert deliver_pending(app.config, now=start + timedelta(days=1)) == (1, 0)
    finally:
        controller.stop()
    assert [a.rcpt_tos for a in inbox.arrivals] == [[other.recipient]]
    assert outbox_rows(OutboxMessage.id == message.id)[0].sent_at is None


def test_a_long_error_is_truncated(app, monkeypatch):
    queue_message("long-error@example.com")
    point_at(app, closed_port())
    monkeypatch.setattr(
        "app.mail.sender.SmtpTransport._connect",
        lambda self: (_ for _ in ()).throw(OSError("x" * 5000)),
    )

    assert deliver_pending(app.config) == (0, 1)

    (row,) = outbox_rows()
    assert len(row.last_error) == 1000
    assert row.last_error.startswith("OSError: xxx")


def test_two_senders_at_once_deliver_each_message_exactly_once(
    app, database_url, smtp, service_unavailable
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip(
            "concurrent senders need PostgreSQL (FOR UPDATE SKIP LOCKED); on SQLite one "
            "sender at a time is assumed"
        )
    for i in range(50):
        queue_message(f"bulk{i}@example.com", subject=f"Bulk {i}", body=f"Message number {i}.")
    smtp.delay = 0.01  # long enough for the two senders to overlap
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sender():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(deliver_pending(app.config, limit=100))
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(sent for sent, _ in results)[0] > 0, "both senders should have sent some"
    assert sum(sent for sent, _ in results) == 50
    assert sum(failed for _, failed in results) == 0
    ids = message_ids(smtp.arrivals)
    assert len(ids) == 50
    assert len(set(ids)) == 50
    bodies = sorted(a.message.get_content().strip() for a in smtp.arrivals)
    assert bodies == sorted(f"Message number {i}." for i in range(50))
    assert outbox_count(OutboxMessage.sent_at.is_(None)) == 0


# --- what is mailed ------------------------------------------------------------------


def test_an_internal_note_mails_no_provider(app, people, submitted, smtp):
    provider_addresses = {
        people.provider_a_user.email,
        people.provider_a_admin.email,
        people.org_a.contact_email,
    }
    before = {row.id for row in outbox_rows()}

    add_internal_note(submitted, people.reviewer, "Internal: check the HSM certificate.")
    db.session.commit()

    new = [row for row in outbox_rows() if row.id not in before]
    assert [row for row in new if row.recipient in provider_addresses] == []
    assert new == []
    deliver_pending(app.config)
    assert all("HSM certificate" not in a.message.get_content() for a in smtp.arrivals)


def test_markup_in_a_notice_appears_literally_in_the_mail(app, people, smtp):
    markup = "<script>alert(1)</script> & <b>"
    notice = complete_draft(people.provider_a_user, system_name=markup)
    submit(notice, people.provider_a_user)

    deliver_pending(app.config)

    (receipt,) = smtp.to(people.provider_a_user.email)
    (staff,) = smtp.to(people.supervisor.email)
    for arrival in (receipt, staff):
        body = arrival.message.get_content()
        assert markup in body
        assert "&lt;" not in body
        assert "&amp;" not in body


# --- the development sink and the settings --------------------------------------------


@pytest.mark.parametrize("server", ["", "log"])
def test_without_a_server_mail_goes_to_the_log_file(app, people, submitted, tmp_path, server):
    app.config["MAIL_SERVER"] = server

    assert deliver_pending(app.config) == (4, 0)

    text = (tmp_path / "mail.log").read_text(encoding="utf-8")
    assert f"To: {people.org_a.contact_email}" in text
    assert f"Subject: 事前届出の受付（受付番号：{submitted.receipt_number}）" in text
    assert "事前届出を受け付けました。" in text  # decoded, readable
    assert f"Subject: Notice received: {submitted.receipt_number}" in text
    assert outbox_count(OutboxMessage.sent_at.is_(None)) == 0
    assert deliver_pending(app.config) == (0, 0)


@pytest.mark.parametrize("kind", ["invitation", "password_reset"])
def test_a_mail_with_a_link_that_works_once_keeps_no_copy_of_it_once_sent(app, tmp_path, kind):
    link = "http://127.0.0.1:5000/password/reset/secret-token"
    secret = queue_message("someone@example.com", body=f"Open {link}")
    secret.kind = kind
    ordinary = queue_message("someone@example.com", body=f"Not a secret: {link}")
    db.session.commit()
    app.config["MAIL_SERVER"] = "log"

    assert deliver_pending(app.config) == (2, 0)

    assert link in (tmp_path / "mail.log").read_text(encoding="utf-8")  # it was sent
    by_id = {m.id: m for m in outbox_rows()}
    assert by_id[secret.id].body == SENT_BODY_REMOVED
    assert by_id[secret.id].sent_at is not None
    assert by_id[ordinary.id].body == f"Not a secret: {link}"


def test_production_refuses_to_log_mail_when_no_server_is_set(app, submitted, tmp_path):
    app.config.update(ENV="production", MAIL_SERVER="")

    with pytest.raises(MailConfigError, match="MAIL_SERVER is not set"):
        deliver_pending(app.config)

    assert outbox_count(OutboxMessage.sent_at.is_(None)) == 4
    assert not (tmp_path / "mail.log").exists()


@pytest.mark.parametrize(
    "settings, error",
    [
        ({"MAIL_USE_TLS": True, "MAIL_USE_SSL": True}, "exclude each other"),
        ({"MAIL_USE_TLS": "perhaps"}, "MAIL_USE_TLS must be true or false"),
        ({"MAIL_SENDER": "nobody"}, "MAIL_SENDER is not an e-mail address"),
    ],
)
def test_settings_that_cannot_work_are_refused(app, settings, error):
    app.config.update(settings)

    with pytest.raises(MailConfigError, match=error):
        deliver_pending(app.config)


def test_boolean_settings_from_the_environment(app):
    app.config.update(MAIL_USE_TLS="true", MAIL_USE_SSL="0")

    settings = MailSettings.from_config(app.config)

    assert settings.use_tls is True
    assert settings.use_ssl is False


# --- the command line ----------------------------------------------------------------


def test_flask_mail_send_and_outbox(app, runner, submitted, smtp):
    before = runner.invoke(args=["mail", "outbox"])
    assert before.exit_code == 0, before.output
    assert "pending: 4 (due now 4, waiting to retry 0)" in before.output
    assert "sent: 0" in before.output

    result = runner.invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert "sent 4, failed 0" in result.output
    assert len(smtp.arrivals) == 4
    after = runner.invoke(args=["mail", "outbox"])
    assert "pending: 0" in after.output
    assert "sent: 4" in after.output


def test_flask_mail_outbox_lists_failures(app, runner, submitted):
    point_at(app, closed_port())
    runner.invoke(args=["mail", "send"])

    result = runner.invoke(args=["mail", "outbox", "--errors"])

    assert result.exit_code == 0, result.output
    assert "waiting to retry 1" in result.output
    assert "1 attempts" in result.output
    assert "ConnectionRefusedError" in result.output


def test_flask_worker_delivers_then_stops_on_sigterm(app, runner, submitted, smtp):
    """The worker delivers, then ends cleanly on SIGTERM (its handler is polled for first,
    so that the signal can never reach pytest's default handler)."""
    default = signal.getsignal(signal.SIGTERM)

    def terminate_when_handled():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if signal.getsignal(signal.SIGTERM) is not default and len(smtp.arrivals) == 4:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(0.02)

    killer = threading.Thread(target=terminate_when_handled)
    killer.start()
    result = runner.invoke(args=["worker", "--poll", "0.2"])
    killer.join()

    assert result.exit_code == 0, result.output
    assert "worker stopped: sent 4, failed 0" in result.output
    assert "SIGTERM: stopping" in result.output
    assert signal.getsignal(signal.SIGTERM) is default
    assert len(smtp.arrivals) == 4


def test_settings_are_read_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.com")
    monkeypatch.setenv("MAIL_PORT", "587")
    monkeypatch.setenv("MAIL_USE_TLS", "yes")
    monkeypatch.setenv("MAIL_USERNAME", "registry")
    monkeypatch.setenv("MAIL_PASSWORD", "s3cret")
    monkeypatch.setenv("MAIL_MAX_ATTEMPTS", "5")

    other = make_app()

    with other.app_context():
        settings = MailSettings.from_config(other.config)
    assert (settings.server, settings.port, settings.use_tls) == ("smtp.example.com", 587, True)
    assert (settings.username, settings.password, settings.max_attempts) == (
        "registry",
        "s3cret",
        5,
    )
