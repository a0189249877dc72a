import click
from flask.cli import AppGroup

from ..extensions import db
from . import operations
from .models import Role

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
        user = operations.create_staff_user(name, email, Role(role), password)
    except operations.AccountError as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"created {user.role} {user.email}")
