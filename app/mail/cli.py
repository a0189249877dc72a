"""`flask mail send [--loop]` delivers the outbox; `flask mail outbox` shows what is in it."""

import contextlib
import logging
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from .sender import MailConfigError, deliver_pending, outbox_counts, unsent_with_errors

log = logging.getLogger(__name__)

mail_cli = AppGroup("mail", help="Deliver the outbox of e-mail messages.")


@contextlib.contextmanager
def stop_on_signals():
    """An Event set by the first SIGINT (Ctrl-C) or SIGTERM; a second one interrupts.

    The first signal lets the message in hand finish (its outcome is recorded), then the
    loop ends. A second signal raises KeyboardInterrupt at once: on PostgreSQL the open
    transaction rolls back and the message stays due; on SQLite it is retried when its
    claim lease runs out.
    """
    stop = threading.Event()

    def handler(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        click.echo(
            f"{signal.Signals(signum).name}: stopping after the current message "
            "(again to interrupt)",
            err=True,
        )

    if threading.current_thread() is not threading.main_thread():
        yield stop  # signal handlers can only be installed in the main thread
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running; stop with Ctrl-C or SIGTERM.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds between runs with --loop.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="At most this many messages per run.",
)
def send(loop, interval, limit):
    """Send the due messages of the outbox (once, or every --interval seconds)."""
    config = current_app.config
    if not loop:
        sent, failed = _run(config, limit)
        click.echo(f"sent {sent}, failed {failed}")
        return
    with stop_on_signals() as stop:
        click.echo(f"delivering the outbox every {interval:g} s; Ctrl-C to stop", err=True)
        while not stop.is_set():
            try:
                sent, failed = deliver_pending(config, limit=limit, stop=stop)
            except MailConfigError as error:
                raise click.ClickException(str(error)) from error
            except Exception:
                # A lost database connection and the like: say so, and try again later.
                log.exception("outbox delivery failed; retrying in %s s", interval)
                click.echo("outbox delivery failed (see the log); retrying", err=True)
            else:
                if sent or failed:
                    click.echo(f"sent {sent}, failed {failed}")
                if sent + failed >= limit:
                    continue  # more may be due: go on at once
            stop.wait(interval)
    click.echo("stopped", err=True)


def _run(config, limit):
    try:
        return deliver_pending(config, limit=limit)
    except MailConfigError as error:
        raise click.ClickException(str(error)) from error


@mail_cli.command("outbox")
@click.option("--errors", is_flag=True, help="Also list unsent messages that have failed.")
def outbox(errors):
    """Count the messages of the outbox: due, waiting to retry, given up, sent."""
    counts = outbox_counts(current_app.config)
    click.echo(
        f"pending: {counts['due'] + counts['waiting']} "
        f"(due now {counts['due']}, waiting to retry {counts['waiting']})\n"
        f"given up: {counts['given_up']}\n"
        f"sent: {counts['sent']}"
    )
    if errors:
        for message in unsent_with_errors():
            error = message.last_error.replace("\n", " ")
            click.echo(
                f"#{message.id} {message.kind} to {message.recipient}: "
                f"{message.attempts} attempts, next {message.next_attempt_at:%Y-%m-%d %H:%M} "
                f"UTC: {error[:200]}"
            )
