"""Dumping and restoring the database, per kind, and the facts the manifest records.

* SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies a consistent
  image while the app keeps running; the facts are then read from the copy.
* PostgreSQL: ``pg_dump --format=custom`` runs on a snapshot exported from our own
  REPEATABLE READ transaction (``pg_export_snapshot``), and the facts (row counts, the
  Alembic revision, the stored files referred to) are read in that same transaction, so
  they describe exactly what was dumped. ``pg_restore --no-owner`` brings it back.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - runs pg_dump/pg_restore with an argument list, no shell
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    create_engine,
    exists,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.pool import NullPool

from ..models import SCHEMA_TABLES
from ..storage.references import Reference, references
from .manifest import BackupError

DUMP_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


@dataclass
class Facts:
    revision: str
    row_counts: dict[str, int]
    references: list[Reference]


def read_facts(connection: Connection, metadata: MetaData) -> Facts:
    revisions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    revision = ",".join(sorted(revisions))
    present = set(inspect(connection).get_table_names())  # an older revision has fewer
    counts = {
        table.name: connection.scalar(select(func.count()).select_from(table))
        for table in metadata.sorted_tables
        if table.name in present
    }
    return Facts(revision, counts, list(references(connection, metadata)))


def kind_of(engine: Engine) -> str:
    kind = engine.dialect.name
    if kind not in DUMP_FILES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {kind}")
    return kind


def dump(engine: Engine, metadata: MetaData, folder: Path) -> tuple[str, Facts]:
    """Write the database's dump into ``folder``; returns its file name and its facts."""
    target = folder / DUMP_FILES[kind_of(engine)]
    if engine.dialect.name == "sqlite":
        _sqlite_copy(_sqlite_path(engine), target, source_read_only=True)
        copy = create_engine(f"sqlite:///{target}", poolclass=NullPool)
        try:
            with copy.connect() as connection:
                return target.name, read_facts(connection, metadata)
        finally:
            copy.dispose()
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            dsn, env = _libpq(engine)
            _run(
                "pg_dump",
                ["--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={target}"],
                dsn,
                env,
            )
            return target.name, read_facts(connection, metadata)


def restore(engine: Engine, dump_file: Path) -> None:
    """Replace the database's content by the dump's (the app must not be serving)."""
    engine.dispose()
    if engine.dialect.name == "sqlite":
        _sqlite_copy(dump_file, Path(_sqlite_path(engine)), source_read_only=True)
        return
    dsn, env = _libpq(engine)
    _run(
        "pg_restore",
        [
            "--no-owner",
            "--no-privileges",
            "--clean",  # tables a `flask db upgrade` made are replaced, not clashed with
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            str(dump_file),
        ],
        dsn,
        env,
    )


def is_empty(engine: Engine, metadata: MetaData) -> bool:
    """No table of ours holds a row (a fresh database, or one only migrated, is empty;
    the rows the migrations write themselves do not count)."""
    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
        return not any(
            connection.scalar(select(exists().select_from(table)))
            for table in metadata.sorted_tables
            if table.name in present and table.name not in SCHEMA_TABLES
        )


def facts_of(engine: Engine, metadata: MetaData) -> Facts:
    with engine.connect() as connection:
        return read_facts(connection, metadata)


def _sqlite_path(engine: Engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupError(f"cannot back up or restore the SQLite database {path!r}: not a file")
    return path


def _sqlite_copy(source: Path | str, target: Path | str, *, source_read_only: bool) -> None:
    uri = Path(source).resolve().as_uri() + "?mode=ro" if source_read_only else str(source)
    with (
        contextlib.closing(sqlite3.connect(uri, uri=source_read_only)) as src,
        contextlib.closing(sqlite3.connect(target, isolation_level=None)) as dst,
    ):
        src.backup(dst)
        # One self-contained file, whatever journal mode the source used.
        dst.execute("PRAGMA journal_mode = DELETE")


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the client programs; the password goes in the
    environment, not on a command line that `ps` shows."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return dsn, env


def client_program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH; install the PostgreSQL client programs "
            "(Debian: apt-get install postgresql-client), in a version at least that of the server"
        )
    return found


def _run(name: str, arguments: list[str], dsn: str, env: dict[str, str]) -> None:
    command = [client_program(name), *arguments, f"--dbname={dsn}"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{name} failed (exit {result.returncode}): {result.stderr.strip()}")
