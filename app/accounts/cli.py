import click
import pyotp
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from . import operations
from .models import Role, User

users_cli = AppGroup("users", help="Manage staff accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice([Role.REVIEWER.value, Role.SUPERVISOR.value, Role.ADMINISTRATOR.value]),
)
@click.password_option()
def create(email, name, role, password):
    """Create a staff account (staff never register themselves)."""
    if not 12 <= len(password) <= 128:
        raise click.BadParameter("between 12 and 128 characters", param_hint="password")
    try:
        user = operations.create_staff_user(name, email, Role(role), password, by=None)
    except operations.AccountError as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"created {user.role} {user.email}")


@users_cli.command("totp-code")
@click.argument("email")
def totp_code(email):
    """Print the current second-factor code of a demonstration account (demo only)."""
    from ..demo import data

    if not current_app.config.get("DEMO"):
        raise click.ClickException(
            "This instance is not a demonstration (DEMO is off): codes are never printed."
        )
    email = operations.normalise_email(email)
    account = next((a for a in data.ACCOUNTS if a.email == email), None)
    user = db.session.scalar(select(User).where(User.email == email))
    if account is None or user is None:
        raise click.ClickException(f"{email} is not a demonstration account.")
    if not user.two_factor_enabled or user.totp_secret != data.totp_secret(account):
        raise click.ClickException(
            f"{email} has no demonstration second factor (run `flask demo load`)."
        )
    click.echo(pyotp.TOTP(user.totp_secret).now())
