"""`flask reminders send`: the reminders due today (the worker also sends them, daily)."""

from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from ..domain import calendar
from .operations import send_due

reminders_cli = AppGroup("reminders", help="Reminders of reply-by dates and review deadlines.")


def send_today(today: date | None = None) -> dict[str, int]:
    return send_due(today or calendar.jst_today(), current_app.config["REMINDER_BUSINESS_DAYS"])


@reminders_cli.command("send")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Send as on this day (YYYY-MM-DD) instead of today in Japan.",
)
def send_command(today):
    """Write the reminders due today to the mail outbox; each is sent once."""
    sent = send_today(today.date() if today else None)
    click.echo(
        f"reminders: {sent['reply_due']} reply-by, {sent['reply_overdue']} reply overdue, "
        f"{sent['deadline_near']} deadline near, {sent['deadline_passed']} deadline passed; "
        f"{sent['messages']} messages"
    )
