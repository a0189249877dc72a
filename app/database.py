"""Engine set-up: SQLite pragmas and write locking, plus small helpers shared by features.

SQLite is the embedded default. Each connection gets foreign keys, WAL and a busy
timeout; a request that may write (any method but GET/HEAD/OPTIONS) opens its
transaction with BEGIN IMMEDIATE, so two writers queue on the lock instead of
failing half-way with "database is locked" at their first write.
"""

import fcntl
import os
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

    lock_path = _writer_lock_path(engine)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if write_intent.get():
            _take_writer_lock(conn, lock_path)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "commit")
    def _on_commit(conn):
        _release_writer_lock(conn)

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn):
        _release_writer_lock(conn)

    @event.listens_for(engine, "close")
    def _on_close(dbapi_connection, connection_record):
        _close_writer_lock(connection_record.info)

    @event.listens_for(engine, "reset")
    def _on_reset(dbapi_connection, connection_record, reset_state):
        # A connection going back to the pool never keeps the writers' turn.
        _release(connection_record.info)


def _writer_lock_path(engine) -> str | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}.writer-lock"


def _take_writer_lock(conn, lock_path) -> None:
    """Queue writers in the kernel (flock) before BEGIN IMMEDIATE.

    SQLite's busy handler polls with sleeps and is not first come, first served: under
    sustained writes a writer can starve for the whole busy timeout. Blocked flock
    waiters sleep until the holder releases, so every writer gets its turn, across
    threads and processes alike (each connection has its own file description)."""
    if lock_path is None:
        return
    info = conn.connection.info
    descriptor = info.get("writer_lock")
    if descriptor is None:
        descriptor = info["writer_lock"] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    info["writer_lock_held"] = True


def _release_writer_lock(conn) -> None:
    _release(conn.connection.info)


def _release(info) -> None:
    if info.get("writer_lock_held"):
        info["writer_lock_held"] = False
        fcntl.flock(info["writer_lock"], fcntl.LOCK_UN)


def _close_writer_lock(info) -> None:
    _release(info)
    descriptor = info.pop("writer_lock", None)
    if descriptor is not None:
        os.close(descriptor)


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"
