"""The test harness every test module shares.

Database, chosen by ``TEST_DATABASE``:

* ``sqlite`` (default): one temporary database file for the whole session;
* ``postgresql``: a database of its own, ``registry_test_<pid>_<hex>``, created on the
  server named by ``TEST_DATABASE_URL`` (default: local server, user postgres) and dropped
  at the end, so that two runs never collide. An unreachable server skips the tests that
  need it, except under ``CI=true``, where it fails them.

The schema is built by running the Alembic migrations once per session, as production does.

Fixtures:

* ``database_url`` (session): the migrated test database;
* ``app``: a new app per test, inside a pushed app context so that tests can use
  ``db.session``; every row is deleted after the test;
* ``client``, ``runner``: ``app.test_client()`` and ``app.test_cli_runner()``;
* ``people``: provider A's user and admin, provider B, a reviewer, a supervisor, an
  administrator and the organisations ``org_a`` and ``org_b``, committed;
* ``auth`` (also ``login``): ``auth.login(client, user)`` signs in through ``/login``;
* ``make_app``: ``make_app(**settings)`` for a second app with other settings;
* ``database_factory`` (session): ``database_factory.create()`` gives a new empty database;
* ``migrations`` (session): ``migrations.upgrade(url)``, ``migrations.downgrade(url, rev)``;
* ``service_unavailable``: ``service_unavailable(reason)`` skips, or fails under CI.

Requests run as in production: each in its own app context and database session. Before
each request (and CLI invocation) the test's own session is committed, so the server sees
what the test set up, and the test re-reads what the server changed. Sharing the test's
context with requests instead would hide a missing ``commit()`` in a view, and would carry
Flask-Login's cached user (kept in ``g``) from one client's request into another's.
"""

import contextlib
import contextvars
import logging
import os
import secrets
import sqlite3
import warnings
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

import flask_migrate
import jinja2
import psycopg
import pyotp
import pytest
from flask import current_app, has_app_context, url_for
from flask.testing import FlaskClient, FlaskCliRunner
from psycopg import sql
from sqlalchemy import event, exists, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from app import config as app_config
from app import create_app
from app.accounts.models import Role, User
from app.extensions import db
from app.models import SCHEMA_TABLES
from tests.factories import PASSWORD, make_organisation, make_user

pytest_plugins = ("tests.s3_server",)

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
BACKENDS = ("sqlite", "postgresql")
BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")

# Settings from the environment that would change how the app under test behaves.
APP_ENVIRONMENT = (*app_config.ENV_SETTINGS, *app_config.INT_SETTINGS, "APP_ENV")


def flask_command_env(app, tmp_path, **settings) -> dict:
    """The environment of a `flask` command run as a process of its own against the test
    database (the test's own settings left out, ``settings`` added)."""
    env = {k: v for k, v in os.environ.items() if k not in APP_ENVIRONMENT}
    env.update(
        FLASK_APP="wsgi.py",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY="test",
        STORAGE_PATH=str(tmp_path / "files"),
        **settings,
    )
    return env


def pytest_configure(config):
    if BACKEND not in BACKENDS:
        raise pytest.UsageError(f"TEST_DATABASE must be one of {BACKENDS}, not {BACKEND!r}")


def pytest_report_header(config):
    return f"database: {BACKEND}" + (" (CI: missing services fail)" if IN_CI else "")


def service_unavailable(reason: str):
    """Skip because a service is missing; under CI fail instead, so nothing passes unrun."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service fails the run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(name="service_unavailable", scope="session")
def _service_unavailable_fixture():
    return service_unavailable


@pytest.fixture(scope="session", autouse=True)
def _hermetic_environment():
    """A developer's DATABASE_URL, APP_ENV=production or REDIS_URL must not leak in."""
    with pytest.MonkeyPatch.context() as patch:
        for name in APP_ENVIRONMENT:
            patch.delenv(name, raising=False)
        yield


@contextlib.contextmanager
def preserved_logging():
    """Undo what Alembic's ``fileConfig`` in migrations/env.py does to logging.

    ``fileConfig`` disables every logger it does not name (the app's own included, so that
    ``caplog`` would see nothing from them) and replaces the root logger's handlers.
    """
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    loggers = logging.Logger.manager.loggerDict
    disabled = {name for name, logger in loggers.items() if getattr(logger, "disabled", False)}
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, logger in loggers.items():
            if isinstance(logger, logging.Logger):
                logger.disabled = name in disabled


def settings(database_url: str, storage: Path, **overrides) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "TESTING": True,
        "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
        "STORAGE_PATH": str(storage),
        **overrides,
    }


def migrate(database_url: str, storage: Path, revision: str = "head", *, down=False):
    """Upgrade (or downgrade) the database at ``database_url`` with the Alembic scripts."""
    app = create_app(settings(database_url, storage))
    with app.app_context(), preserved_logging(), warnings.catch_warnings():
        # get_engine() in migrations/env.py still tries Flask-SQLAlchemy's deprecated
        # db.get_engine() first; drop this filter once it uses `db.engine` directly.
        warnings.filterwarnings("ignore", "'get_engine' is deprecated", DeprecationWarning)
        try:
            if down:
                flask_migrate.downgrade(directory=str(MIGRATIONS), revision=revision)
            else:
                flask_migrate.upgrade(directory=str(MIGRATIONS), revision=revision)
        finally:
            db.engine.dispose()


# --- databases -----------------------------------------------------------------------


class SQLiteDatabases:
    def __init__(self, tmp_path_factory):
        self._tmp = tmp_path_factory
        self._keepalive = []

    def create(self) -> str:
        return f"sqlite:///{self._tmp.mktemp('sqlite') / 'registry.db'}"

    def hold_open(self, url: str):
        """Keep a connection that has read the (migrated) database open for the session.

        Closing the last connection to a database in WAL mode checkpoints it, about 20 ms;
        each test disposes its app's engine, so without this every test would pay that.
        The connection reads once and then holds no transaction.
        """
        keepalive = sqlite3.connect(make_url(url).database, isolation_level=None)
        keepalive.execute("SELECT count(*) FROM sqlite_master").fetchall()
        self._keepalive.append(keepalive)

    def drop_all(self):
        """pytest removes its temporary directories itself."""
        for connection in self._keepalive:
            connection.close()


class PostgresDatabases:
    def __init__(self, base_url: str):
        self.base = make_url(base_url)
        self.names: list[str] = []
        try:
            self._connect().close()
        except psycopg.OperationalError as error:
            where = self.base.render_as_string(hide_password=True)
            reason = " ".join(str(error).split())
            service_unavailable(
                f"PostgreSQL at {where} cannot be reached ({reason}). "
                "Start it with scripts/ensure-postgres.sh or set TEST_DATABASE_URL."
            )

    def _connect(self):
        url = self.base.set(drivername="postgresql")
        return psycopg.connect(
            url.render_as_string(hide_password=False), autocommit=True, connect_timeout=10
        )

    def hold_open(self, url: str):
        """Nothing to do: closing connections costs PostgreSQL nothing much."""

    def create(self) -> str:
        name = f"registry_test_{os.getpid()}_{secrets.token_hex(4)}"
        with self._connect() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.names.append(name)
        return self.base.set(database=name).render_as_string(hide_password=False)

    def drop_all(self):
        with self._connect() as connection:
            for name in self.names:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory):
    """Makes empty databases on the session's database server; all are dropped at the end."""
    if BACKEND == "postgresql":
        factory = PostgresDatabases(os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES_URL))
    else:
        factory = SQLiteDatabases(tmp_path_factory)
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def migrations(tmp_path_factory):
    """``migrations.upgrade(url, revision='head')`` and ``migrations.downgrade(url, revision)``."""
    storage = tmp_path_factory.mktemp("migrate-files")
    return SimpleNamespace(
        directory=MIGRATIONS,
        upgrade=lambda url, revision="head": migrate(url, storage, revision),
        downgrade=lambda url, revision: migrate(url, storage, revision, down=True),
    )


@pytest.fixture(scope="session")
def database_url(database_factory, tmp_path_factory) -> str:
    url = database_factory.create()
    migrate(url, tmp_path_factory.mktemp("migrate-files"))
    database_factory.hold_open(url)
    return url


# Tables whose rows belong to the schema, not to a test: set back, never emptied.
RESET = {"notice_status_counts": "UPDATE notice_status_counts SET count = 0"}
assert set(RESET) == SCHEMA_TABLES


def delete_all_rows():
    """Empty every table, children first, and restart the id sequences.

    On PostgreSQL, DELETE on the few rows a test leaves takes about 2 ms for all tables
    (sent as one batch), where one TRUNCATE ... RESTART IDENTITY CASCADE takes about
    100 ms (it replaces each table's files), which over a few hundred tests is most of
    the run. Tables guarded by triggers of their own (the append-only history refuses
    DELETE) are truncated instead, when they have rows; TRUNCATE of everything remains
    the fallback should the batch ever fail.
    """
    tables = [t for t in db.metadata.sorted_tables if t.name not in RESET]
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            _delete_all_rows_sqlite(connection, tables)
            return
        quote_table = connection.dialect.identifier_preparer.format_table
        # A transaction left open elsewhere should fail the run, not hang it.
        lock_timeout = "SET LOCAL lock_timeout = '10s'"
        try:
            with connection.begin():
                guarded = _tables_with_triggers(connection)
                filled = [t for t in tables if t.name in guarded and _has_rows(connection, t)]
                batch = [lock_timeout]
                if filled:
                    batch.append(f"TRUNCATE {', '.join(quote_table(t) for t in filled)} CASCADE")
                batch += [
                    f"DELETE FROM {quote_table(t)}"
                    for t in reversed(tables)
                    if t.name not in guarded
                ]
                batch += RESET.values()
                batch.append(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c "
                    "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"
                )
                connection.exec_driver_sql(";\n".join(batch))
        except sa_exc.DBAPIError:
            names = ", ".join(quote_table(t) for t in tables)
            with connection.begin():
                connection.exec_driver_sql(lock_timeout)
                connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
                for statement in RESET.values():
                    connection.exec_driver_sql(statement)


def _delete_all_rows_sqlite(connection, tables):
    # notices.refers_to_id points at other notices (ON DELETE RESTRICT), which SQLite
    # checks row by row even within one DELETE; emptying everything needs no such check.
    # The pragma only takes effect outside a transaction, so it goes to the driver's
    # connection directly (app/database.py puts it in autocommit mode), not through
    # SQLAlchemy, which would begin one first.
    driver = connection.connection.driver_connection
    driver.execute("PRAGMA foreign_keys = OFF")
    try:
        with connection.begin():
            for table in reversed(tables):
                connection.execute(table.delete())
            for statement in RESET.values():
                connection.exec_driver_sql(statement)
    finally:
        driver.execute("PRAGMA foreign_keys = ON")


_TRIGGERS: dict[str, set[str]] = {}


def _tables_with_triggers(connection) -> set[str]:
    """Tables with triggers of their own that may refuse DELETE, per database (they change
    only by migration). The status-count trigger on notices accepts it."""
    database = connection.engine.url.database
    if database not in _TRIGGERS:
        rows = connection.exec_driver_sql(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace "
            "AND t.tgname <> 'notice_status_counts_track'"
        )
        _TRIGGERS[database] = set(rows.scalars())
    return _TRIGGERS[database]


def _has_rows(connection, table) -> bool:
    return connection.execute(select(exists().select_from(table))).scalar()


# --- the app, its client and CLI runner ---------------------------------------------


def _commit_test_session(app):
    """Let the server see what the test set up, and let the test re-read what it changes."""
    if has_app_context() and current_app._get_current_object() is app:
        db.session.commit()


class SharedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the session: each test's new app would recompile them.

    Jinja checks each entry against the template's source, so an edited template is
    compiled again.
    """

    def __init__(self):
        self._store = {}

    def load_bytecode(self, bucket):
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket):
        self._store[bucket.key] = bucket.bytecode_to_string()

    def clear(self):
        self._store.clear()


TEMPLATE_CACHE = SharedBytecodeCache()


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context and database session."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Pages in English, so that tests can look for English messages whatever the catalogs.
        self.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    def open(self, *args, **kwargs):
        _commit_test_session(self.application)
        if self.preserve_context:
            # `with client:` keeps the request context for inspection after the request;
            # it then shares the test's app context, as Flask's own client does.
            return super().open(*args, **kwargs)
        # An empty context: no app context is current, so the request pushes its own.
        # The body is read there too (buffered), since a streamed response
        # (stream_with_context, send_file) must finish in the context it started in.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


class IsolatedCliRunner(FlaskCliRunner):
    """A CLI runner whose commands run in their own app context, as `flask ...` does."""

    def invoke(self, cli=None, args=None, **kwargs):
        _commit_test_session(self.app)
        return contextvars.Context().run(super().invoke, cli, args, **kwargs)


@pytest.fixture
def make_app(database_url, tmp_path):
    """``make_app(**settings)``: an app on the test database with the test settings."""
    apps = []

    def make(**overrides):
        app = create_app(settings(database_url, tmp_path / "files", **overrides))
        app.jinja_env.bytecode_cache = TEMPLATE_CACHE
        app.test_client_class = IsolatedClient
        app.test_cli_runner_class = IsolatedCliRunner
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()
        delete_all_rows()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- people and signing in ------------------------------------------------------------


@pytest.fixture
def people(app):
    org_a = make_organisation(name_en="Provider A K.K.")
    org_b = make_organisation(name_en="Provider B K.K.")
    team = SimpleNamespace(
        org_a=org_a,
        org_b=org_b,
        provider_a_user=make_user(
            Role.PROVIDER_USER, org_a, name="Aiko User", email="a.user@provider-a.example.com"
        ),
        provider_a_admin=make_user(
            Role.PROVIDER_ADMIN, org_a, name="Akira Admin", email="a.admin@provider-a.example.com"
        ),
        provider_b=make_user(
            Role.PROVIDER_USER, org_b, name="Ben User", email="b.user@provider-b.example.com"
        ),
        reviewer=make_user(Role.REVIEWER, name="Rina Reviewer", email="reviewer@fsa.example.com"),
        supervisor=make_user(
            Role.SUPERVISOR, name="Sota Supervisor", email="supervisor@fsa.example.com"
        ),
        administrator=make_user(
            Role.ADMINISTRATOR, name="Ami Administrator", email="admin@fsa.example.com"
        ),
    )
    db.session.commit()
    return team


def _url(client, endpoint):
    with client.application.test_request_context():
        return url_for(endpoint)


class Auth:
    """Signs in through the login form, as a person would, with the code step when the
    user has a second factor (every staff member made by the factories has one).

    A code is accepted once per 30-second step; a person signing in twice within one step
    would wait for the next code, so the harness forgets the step last used instead."""

    def login(self, client, user, password=PASSWORD, next=None):
        login_url = _url(client, "accounts.login")
        url = login_url if next is None else f"{login_url}?next={quote(next, safe='')}"
        response = client.post(url, data={"email": user.email, "password": password})
        assert response.status_code == 302, f"sign-in as {user.email} was not accepted"
        assert urlsplit(response.location).path != login_url
        if urlsplit(response.location).path == _url(client, "accounts.login_code"):
            response = self.enter_code(client, user)
        return response

    def enter_code(self, client, user):
        _commit_test_session(client.application)
        db.session.execute(update(User).where(User.id == user.id).values(totp_last_counter=None))
        db.session.commit()
        code = pyotp.TOTP(user.totp_secret).now()
        response = client.post(_url(client, "accounts.login_code"), data={"code": code})
        assert response.status_code == 302, f"the code for {user.email} was not accepted"
        assert urlsplit(response.location).path != _url(client, "accounts.login")
        return response

    __call__ = login

    def logout(self, client):
        response = client.post(_url(client, "accounts.logout"))
        assert response.status_code == 302
        return response


@pytest.fixture
def auth():
    return Auth()


@pytest.fixture
def login(auth):
    return auth.login


@pytest.fixture
def signed_in(client, auth, people):
    """The test client, signed in as provider A's user."""
    auth.login(client, people.provider_a_user)
    return client


@contextlib.contextmanager
def counting_statements():
    """The SQL statements the application sends while the block runs (a list of str)."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
