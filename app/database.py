"""Engine set-up: SQLite pragmas and write locking, plus small helpers shared by features.

SQLite is the embedded default. Each connection gets foreign keys, WAL and a busy
timeout; a request that may write (any method but GET/HEAD/OPTIONS) opens its
transaction with BEGIN IMMEDIATE, so two writers queue on the lock instead of
failing half-way with "database is locked" at their first write.
"""

from contextvars import ContextVar

from flask import request
from sqlalchemy import event

from .extensions import db

write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app):
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)

    @app.before_request
    def _mark_write_intent():
        write_intent.set(request.method not in READ_METHODS)

    @app.teardown_request
    def _clear_write_intent(exc):
        write_intent.set(False)


def _configure_sqlite(engine):
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"
