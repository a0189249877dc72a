"""`flask mail send` delivers the due messages once; `flask mail outbox` shows what is in
the outbox. The long-running delivery is `flask worker` (app/worker/cli.py)."""

import contextlib
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from .sender import MailConfigError, deliver_pending, outbox_counts, unsent_with_errors

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
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="At most this many messages.",
)
def send(limit):
    """Send the due messages of the outbox once (`flask worker` keeps doing it)."""
    sent, failed = _run(current_app.config, limit)
    click.echo(f"sent {sent}, failed {failed}")


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
