"""Delivering the outbox: claim due messages, send them over SMTP, record the outcome.

``deliver_pending(app.config)`` is the whole interface (``flask mail send`` runs it once,
``flask worker`` in a loop). It needs an app context, for the
database engine, and opens its own sessions: the caller's ``db.session`` is neither used nor
committed, but it must not hold an open write transaction on SQLite (commit first).

Delivery, one message per transaction
-------------------------------------
A message is due when ``sent_at IS NULL``, ``next_attempt_at <= now`` and it has had fewer
than ``MAIL_MAX_ATTEMPTS`` attempts. Oldest due first.

* **PostgreSQL**: ``SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1`` claims one row; the row lock
  is held while that one message is sent, then ``sent_at`` (or the failure) is written and
  the transaction commits. Several senders may run at once: each skips the rows the others
  hold, and a row committed as sent no longer matches, so no message is sent twice.
* **SQLite**: one sender at a time is assumed. Holding SQLite's single write lock during a
  network call would stall every web request that writes for up to ``MAIL_TIMEOUT``
  seconds, so instead a short ``BEGIN IMMEDIATE`` transaction claims the message by moving
  its ``next_attempt_at`` forward by ``CLAIM_LEASE`` (a lease), the message is sent outside
  any transaction, and a second short ``BEGIN IMMEDIATE`` transaction records the outcome.
  The lease also keeps an accidental second sender away from a message being sent.

The guarantee is exactly once except across a crash: if the process dies after the SMTP
server accepted a message but before ``sent_at`` is committed, the message is sent again
(on PostgreSQL at once, on SQLite when the lease runs out). Its ``Message-ID`` is the same
on every attempt, so a receiving system can recognise the repeat.

Failures and back-off
---------------------
A failed attempt increments ``attempts``, stores the error (truncated to
``ERROR_MAX_CHARS``) in ``last_error`` and sets ``next_attempt_at`` to now +
``MAIL_RETRY_BASE_SECONDS`` x 2^(attempts - 1) (1, 2, 4, ... minutes), capped at
``MAIL_RETRY_MAX_SECONDS`` (6 h). After ``MAIL_MAX_ATTEMPTS`` (8) failed attempts the
message is given up: it stays unsent, ``last_error`` starts with "gave up after N
attempts", and it is no longer due. ``flask mail outbox`` counts such messages; to retry
them, fix the cause and set their ``attempts`` back to 0 (or raise ``MAIL_MAX_ATTEMPTS``).

Every error is retried, a permanent refusal (5xx) included, because a misconfigured relay
refuses every recipient with 5xx too. When the server cannot be reached (connection,
TLS or login failure, disconnection), the failure is recorded on the message being sent
and the run stops; the others are left for the next run rather than each failing in turn.

Development sink
----------------
With ``MAIL_SERVER`` empty or ``"log"``, messages are appended, decoded and readable, to
``MAIL_LOG_PATH`` (default ``instance/mail.log``) and marked sent; nothing leaves the
machine. In production an empty ``MAIL_SERVER`` is refused (a forgotten setting must not
swallow mail); ``MAIL_SERVER=log`` there is an explicit choice and allowed.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..database import write_intent
from ..extensions import db
from ..models import as_utc
from .models import OutboxMessage

log = logging.getLogger(__name__)

LOG_SINK = "log"
ERROR_MAX_CHARS = 1000
CLAIM_LEASE = timedelta(minutes=15)  # SQLite: how long a claimed message is kept from others
# Headers: RFC 2047 encoded words for non-ASCII (the Japanese subject), CRLF line ends.
# Body: 7-bit transfer encoding (quoted-printable or base64), so no relay needs 8BITMIME.
MAIL_POLICY = policy.SMTP.clone(cte_type="7bit")
# Refusals of this one message (SMTPNotSupportedError: it needs SMTPUTF8, which the server
# lacks); any other error while sending means the server is not usable right now.
MESSAGE_REFUSED = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPNotSupportedError,
)


class MailConfigError(Exception):
    """The MAIL_* settings cannot work; nothing was sent."""


class ServerUnavailable(Exception):
    """Connecting, TLS, login or the connection itself failed: stop this run."""


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    use_tls: bool
    use_ssl: bool
    username: str
    password: str
    sender: str
    timeout: float
    max_attempts: int
    retry_base: timedelta
    retry_max: timedelta
    log_path: Path

    @property
    def uses_log(self) -> bool:
        return self.server in ("", LOG_SINK)

    @classmethod
    def from_config(cls, config) -> MailSettings:
        server = (config.get("MAIL_SERVER") or "").strip()
        if not server and config.get("ENV") == "production":
            raise MailConfigError(
                "MAIL_SERVER is not set. Set it to the SMTP relay's host name "
                "(or to 'log' to write mail to a file instead of sending it)."
            )
        use_tls = _flag(config, "MAIL_USE_TLS")
        use_ssl = _flag(config, "MAIL_USE_SSL")
        if use_tls and use_ssl:
            raise MailConfigError(
                "MAIL_USE_TLS (STARTTLS) and MAIL_USE_SSL (implicit TLS) exclude each other."
            )
        sender = config.get("MAIL_SENDER") or ""
        if "@" not in parseaddr(sender)[1]:
            raise MailConfigError(f"MAIL_SENDER is not an e-mail address: {sender!r}")
        max_attempts = int(config.get("MAIL_MAX_ATTEMPTS", 8))
        if max_attempts < 1:
            raise MailConfigError("MAIL_MAX_ATTEMPTS must be at least 1.")
        log_path = config.get("MAIL_LOG_PATH") or Path(current_app.instance_path) / "mail.log"
        return cls(
            server=server,
            port=int(config.get("MAIL_PORT", 25)),
            use_tls=use_tls,
            use_ssl=use_ssl,
            username=config.get("MAIL_USERNAME") or "",
            password=config.get("MAIL_PASSWORD") or "",
            sender=sender,
            timeout=float(config.get("MAIL_TIMEOUT", 30)),
            max_attempts=max_attempts,
            retry_base=timedelta(seconds=int(config.get("MAIL_RETRY_BASE_SECONDS", 60))),
            retry_max=timedelta(seconds=int(config.get("MAIL_RETRY_MAX_SECONDS", 6 * 3600))),
            log_path=Path(log_path),
        )


def _flag(config, name: str) -> bool:
    """A boolean setting; from the environment it arrives as a string."""
    value = config.get(name, False)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("", "0", "false", "no", "off"):
            return False
        raise MailConfigError(f"{name} must be true or false, not {value!r}")
    return bool(value)


def retry_delay(attempts: int, settings: MailSettings) -> timedelta:
    """The wait after the ``attempts``-th failure: base x 2^(attempts - 1), capped."""
    exponent = min(max(attempts - 1, 0), 30)
    return min(settings.retry_base * (2**exponent), settings.retry_max)


# --- the message ---------------------------------------------------------------------


def message_id(message: OutboxMessage, sender: str) -> str:
    """Stable for a given outbox row, so that a resend after a crash can be recognised."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    created = as_utc(message.created_at)
    return f"<outbox.{message.id}.{created:%Y%m%d%H%M%S%f}@{domain}>"


def build_email(message: OutboxMessage, settings: MailSettings) -> EmailMessage:
    """A plain-text UTF-8 message; the body is sent as written (no markup is interpreted)."""
    email = EmailMessage(policy=MAIL_POLICY)
    email["From"] = settings.sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    # The time the event happened and the message was written, the same on every attempt.
    email["Date"] = format_datetime(as_utc(message.created_at))
    email["Message-ID"] = message_id(message, settings.sender)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    email.set_content(message.body, subtype="plain", charset="utf-8")
    email["Content-Language"] = message.language  # after set_content, which clears Content-*
    return email


# --- transports ----------------------------------------------------------------------


class SmtpTransport:
    """One SMTP connection, opened on first use and reused for the rest of the run."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.use_ssl:
            smtp = smtplib.SMTP_SSL(s.server, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.server, s.port, timeout=s.timeout)
        try:
            if s.use_tls:
                smtp.starttls(context=context)
            if s.username:
                smtp.login(s.username, s.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, email: EmailMessage, recipient: str) -> None:
        """Return once the server has accepted the message for ``recipient``."""
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except Exception as error:
                raise ServerUnavailable(f"{type(error).__name__}: {error}") from error
        try:
            envelope_from = parseaddr(self.settings.sender)[1]
            self._smtp.send_message(email, from_addr=envelope_from, to_addrs=[recipient])
        except MESSAGE_REFUSED:
            self._reset()
            raise
        except Exception as error:
            self.close()
            raise ServerUnavailable(f"{type(error).__name__}: {error}") from error

    def _reset(self):
        try:
            self._smtp.rset()
        except Exception:
            self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except Exception:
                smtp.close()


class LogTransport:
    """The development sink: append each message, decoded, to a log file."""

    _lock = threading.Lock()

    def __init__(self, path: Path):
        self.path = path

    def send(self, email: EmailMessage, recipient: str) -> None:
        headers = "".join(
            f"{name}: {email[name]}\n"
            for name in ("Date", "From", "To", "Subject", "Message-ID", "Content-Language")
        )
        entry = f"{'=' * 72}\n{headers}\n{email.get_content().rstrip()}\n\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as file:
            file.write(entry)

    def close(self) -> None:
        pass


def make_transport(settings: MailSettings):
    if settings.uses_log:
        return LogTransport(settings.log_path)
    return SmtpTransport(settings)


# --- claiming and recording ----------------------------------------------------------


def due_query(now: datetime, max_attempts: int):
    return (
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.attempts < max_attempts,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
    )


def _error_text(error: BaseException) -> str:
    if isinstance(error, ServerUnavailable):
        return str(error)  # already names the underlying error
    return f"{type(error).__name__}: {error}"


def _record_failure(message: OutboxMessage, error: BaseException, now, settings) -> None:
    """On the row (in the caller's transaction): count the attempt, schedule the next."""
    attempts = message.attempts + 1
    text = _error_text(error)
    if attempts >= settings.max_attempts:
        text = f"gave up after {attempts} attempts: {text}"
        log.error("outbox message %s: %s", message.id, text)
    else:
        log.warning("outbox message %s, attempt %s failed: %s", message.id, attempts, text)
    message.attempts = attempts
    message.last_error = text[:ERROR_MAX_CHARS]
    message.next_attempt_at = now + retry_delay(attempts, settings)


# Mails whose body carries a link that works once (an invitation, a new password): once
# sent, the stored copy loses its text, so that whoever reads the table or a backup later
# cannot use a link that is still live.
SECRET_LINK_KINDS = frozenset({"invitation", "password_reset"})
SENT_BODY_REMOVED = "[The text was removed after sending: it carried a link that works once.]"


def _sent(message_kind: str, now) -> dict:
    """The columns of a message once it is sent."""
    values = {"sent_at": now, "last_error": ""}
    if message_kind in SECRET_LINK_KINDS:
        values["body"] = SENT_BODY_REMOVED
    return values


class _Outcome:
    SENT, FAILED, UNAVAILABLE = "sent", "failed", "unavailable"


def _send(transport, message: OutboxMessage, settings: MailSettings):
    """Build and send; returns (outcome, error)."""
    try:
        transport.send(build_email(message, settings), message.recipient)
    except ServerUnavailable as error:
        return _Outcome.UNAVAILABLE, error
    except Exception as error:  # anything else fails this message only
        return _Outcome.FAILED, error
    return _Outcome.SENT, None


def _deliver_one_postgresql(session: Session, transport, now, settings):
    """Claim one row with FOR UPDATE SKIP LOCKED, send it while holding the lock, commit."""
    with session.begin():
        message = session.scalars(
            due_query(now, settings.max_attempts).with_for_update(skip_locked=True)
        ).first()
        if message is None:
            return None
        outcome, error = _send(transport, message, settings)
        if outcome == _Outcome.SENT:
            for column, value in _sent(message.kind, now).items():
                setattr(message, column, value)
        else:
            _record_failure(message, error, now, settings)
    return outcome


def _deliver_one_sqlite(session: Session, transport, now, settings):
    """Claim one row with a lease (short write), send outside any transaction, record."""
    with session.begin():
        message = session.scalars(due_query(now, settings.max_attempts)).first()
        if message is None:
            return None
        message_key, message_kind = message.id, message.kind
        message.next_attempt_at = now + CLAIM_LEASE
        session.flush()
        session.expunge(message)  # keep its values for sending after the commit
    outcome, error = _send(transport, message, settings)
    with session.begin():
        if outcome == _Outcome.SENT:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_key)
                .values(**_sent(message_kind, now))
            )
        else:
            claimed = session.get(OutboxMessage, message_key)
            if claimed is not None:
                _record_failure(claimed, error, now, settings)
    return outcome


def deliver_pending(
    app_config, *, limit: int = 100, now: datetime | None = None, stop=None
) -> tuple[int, int]:
    """Send up to ``limit`` due outbox messages; returns ``(sent, failed)``.

    ``app_config`` is the app's config (``current_app.config``); an app context is
    needed for the database. ``now`` (aware, or naive UTC) is the clock for choosing due
    messages and for ``sent_at`` and ``next_attempt_at``; the default is the current time.
    ``stop``, if given, is a ``threading.Event``: when it is set the run ends after the
    message in hand. Raises ``MailConfigError`` for settings that cannot work.
    """
    settings = MailSettings.from_config(app_config)
    now = as_utc(now) if now is not None else datetime.now(UTC)
    engine = db.engine
    deliver_one = (
        _deliver_one_postgresql if engine.dialect.name == "postgresql" else _deliver_one_sqlite
    )
    transport = make_transport(settings)
    sent = failed = 0
    # On SQLite every transaction here writes: begin them with BEGIN IMMEDIATE (see
    # app/database.py), so that they queue for the write lock instead of failing later.
    token = write_intent.set(True)
    try:
        with Session(engine, expire_on_commit=True) as session:
            while sent + failed < limit and not (stop is not None and stop.is_set()):
                outcome = deliver_one(session, transport, now, settings)
                if outcome is None:
                    break
                if outcome == _Outcome.SENT:
                    sent += 1
                else:
                    failed += 1
                    if outcome == _Outcome.UNAVAILABLE:
                        break
    finally:
        write_intent.reset(token)
        transport.close()
    if sent or failed:
        log.info("outbox: %s sent, %s failed", sent, failed)
    return sent, failed


def outbox_counts(app_config, *, now: datetime | None = None) -> dict[str, int]:
    """Counts for ``flask mail outbox``: due, waiting (to retry later), given up, sent."""
    now = as_utc(now) if now is not None else datetime.now(UTC)
    max_attempts = int(app_config.get("MAIL_MAX_ATTEMPTS", 8))
    m = OutboxMessage
    unsent = m.sent_at.is_(None)
    conditions = {
        "due": unsent & (m.attempts < max_attempts) & (m.next_attempt_at <= now),
        "waiting": unsent & (m.attempts < max_attempts) & (m.next_attempt_at > now),
        "given_up": unsent & (m.attempts >= max_attempts),
        "sent": m.sent_at.is_not(None),
    }
    with Session(db.engine) as session:
        return {
            name: session.scalar(select(func.count()).select_from(m).where(condition))
            for name, condition in conditions.items()
        }


def unsent_with_errors(limit: int = 50) -> list[OutboxMessage]:
    """Unsent messages that have failed at least once, most recent failures first."""
    with Session(db.engine, expire_on_commit=False) as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts > 0)
            .order_by(OutboxMessage.next_attempt_at.desc(), OutboxMessage.id)
            .limit(limit)
        ).all()
        session.expunge_all()
        return rows
