"""`flask worker [--once]`: deliver the outbox in batches until stopped.

Several workers, on one machine or several, may run against the same PostgreSQL database:
each claims its messages with ``FOR UPDATE SKIP LOCKED`` (see app/mail/sender.py), so every
message is sent once. On SQLite the claim is a lease written under the single write lock,
which keeps a second worker away from a message in hand too.

PDF rendering is not the worker's: a receipt is rendered in the submitting request, in its
transaction, so that it exists when the provider sees "filed".

The loop: deliver up to ``--batch`` due messages; if the batch was full, go on at once,
else sleep ``WORKER_POLL_SECONDS`` (``--poll``). SIGTERM or SIGINT ends it after the
message in hand; a second signal interrupts (see ``stop_on_signals``). ``--once`` delivers
until nothing is due, then exits.

A polling worker also writes the day's reminders (app/reminders) to the outbox when it
starts and at the first loop of each new day in Japan; several workers may do so at once,
since each reminder is recorded once. ``--once`` leaves reminders to `flask reminders send`.
"""

import logging
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from ..domain import calendar
from ..extensions import db
from ..mail.cli import stop_on_signals
from ..mail.sender import MailConfigError, deliver_pending
from ..reminders.cli import send_today
from ..reminders.operations import KINDS

log = logging.getLogger(__name__)


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver until nothing is due, then exit.")
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="At most this many messages per batch.",
)
@click.option(
    "--poll",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds to sleep when nothing is due [default: WORKER_POLL_SECONDS].",
)
@with_appcontext
def worker_command(once, batch, poll):
    """Deliver the outbox in batches; stops cleanly on SIGTERM or Ctrl-C."""
    config = current_app.config
    interval = poll if poll is not None else float(config["WORKER_POLL_SECONDS"])
    totals = {"sent": 0, "failed": 0}
    started = time.monotonic()
    reminded_on = None
    with stop_on_signals() as stop:
        mode = "until nothing is due" if once else f"polling every {interval:g} s"
        click.echo(f"worker started: batches of {batch}, {mode}", err=True)
        while not stop.is_set():
            if not once and reminded_on != (today := calendar.jst_today()):
                reminded_on = today if _remind(today) else None
            try:
                sent, failed = deliver_pending(config, limit=batch, stop=stop)
            except MailConfigError as error:
                raise click.ClickException(str(error)) from error
            except Exception:
                # A lost database connection and the like: say so, try again later.
                if once:
                    raise
                log.exception("outbox delivery failed; retrying in %s s", interval)
                click.echo("outbox delivery failed (see the log); retrying", err=True)
                stop.wait(interval)
                continue
            totals["sent"] += sent
            totals["failed"] += failed
            if sent or failed:
                click.echo(f"batch: sent {sent}, failed {failed}", err=True)
            if sent + failed >= batch:
                continue  # more may be due: go on at once
            if once:
                break
            stop.wait(interval)
    elapsed = time.monotonic() - started
    click.echo(
        f"worker stopped: sent {totals['sent']}, failed {totals['failed']} in {elapsed:.1f} s"
    )


def _remind(today) -> bool:
    """The day's reminders; False (to try again at the next loop) when that failed."""
    try:
        sent = send_today(today)
    except Exception:
        db.session.rollback()
        log.exception("reminders failed; trying again at the next loop")
        return False
    click.echo(
        f"reminders for {today}: {sent['messages']} messages "
        f"({sum(sent[kind] for kind in KINDS)} reminders)",
        err=True,
    )
    return True
