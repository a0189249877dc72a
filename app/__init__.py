"""The registry of advance notices: the application factory."""

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from . import config

    config.load(app, test_config)
    from .core import logs

    logs.init_app(app)
    import_models()
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_commands(app)
    trust_proxy(app)
    return app


def trust_proxy(app):
    """Take the client's address, scheme and host from a reverse proxy's X-Forwarded-*
    headers, for as many proxies as PROXY_FIX_X_* say (none by default)."""
    hops = {
        name: int(app.config.get(f"PROXY_FIX_X_{name.upper()}") or 0)
        for name in ("for", "proto", "host")
    }
    if any(hops.values()):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=hops["for"], x_proto=hops["proto"], x_host=hops["host"]
        )


def import_models():
    """Every model module, so that metadata (and Alembic) sees every table."""
    from .accounts import models as _accounts  # noqa: F401
    from .accounts import password_reset as _password_reset  # noqa: F401
    from .accounts import sessions as _sessions  # noqa: F401
    from .acknowledgements import models as _acknowledgements  # noqa: F401
    from .activity import models as _activity  # noqa: F401
    from .filing import models as _filing  # noqa: F401
    from .history import models as _history  # noqa: F401
    from .mail import models as _mail  # noqa: F401
    from .reminders import models as _reminders  # noqa: F401
    from .review import models as _review  # noqa: F401


def register_extensions(app):
    from . import database, i18n, labels
    from .accounts import access
    from .extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    labels.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    access.init_app(app)


def register_converters(app):
    """Every ``<int:...>`` in a route is a row id. Make ``int`` match only 1 to
    ``MAX_ROW_ID``, the ids an INTEGER column holds on PostgreSQL (SQLite's go to 2**63 - 1,
    but the same migrations make both), so that a larger number is an unknown page (404)
    rather than an integer out of range in the database (500). Before the blueprints: a
    rule takes its converter when it is added to the map."""
    from werkzeug.routing import IntegerConverter

    from .models import MAX_ROW_ID

    class RowId(IntegerConverter):
        def __init__(self, map, fixed_digits=0, min=1, max=MAX_ROW_ID, signed=False):
            super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    app.url_map.converters["int"] = RowId


def register_blueprints(app):
    from .accounts.blueprint import bp as accounts_bp
    from .acknowledgements.blueprint import bp as acknowledgements_bp
    from .activity.blueprint import bp as activity_bp
    from .core import headers, hosts
    from .core.blueprint import bp as core_bp
    from .core.errors import register_error_handlers
    from .filing.blueprint import bp as filing_bp
    from .public.blueprint import bp as public_bp
    from .review.blueprint import bp as review_bp
    from .settings.blueprint import bp as settings_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(filing_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(acknowledgements_bp)
    app.register_blueprint(activity_bp)
    app.register_blueprint(settings_bp)
    register_error_handlers(app)
    headers.init_app(app)
    hosts.init_app(app)


def register_commands(app):
    from .accounts.cli import users_cli
    from .backup.cli import backup_cli
    from .demo.cli import demo_cli
    from .history.cli import audit_cli
    from .mail.cli import mail_cli
    from .reminders.cli import reminders_cli
    from .storage.cli import storage_cli
    from .worker.cli import worker_command

    app.cli.add_command(users_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(storage_cli)
    app.cli.add_command(worker_command)
