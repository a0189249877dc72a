"""The database's side of stored files: every row that names one.

A table refers to stored files when it has a ``storage_key`` column, next to which it keeps
the file's ``size`` and ``sha256``; today that is ``attachments``. Tables are found in the
metadata, so a new table of stored files is checked and backed up without being listed.
SQLAlchemy Core only, so the checks can run on any connection (the live database, or a
backup's copy of it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, MetaData, Table, exists, select

KEY_COLUMN = "storage_key"


@dataclass(frozen=True, slots=True)
class Reference:
    """One row naming one stored file, with what the row says the file is."""

    table: str
    row: str  # e.g. "id=12 notice_id=3"
    key: str
    size: int
    sha256: str

    def __str__(self) -> str:
        return f"{self.table} {self.row}"


def referring_tables(metadata: MetaData) -> list[Table]:
    return [table for table in metadata.sorted_tables if KEY_COLUMN in table.c]


def references(connection: Connection, metadata: MetaData) -> Iterator[Reference]:
    for table in referring_tables(metadata):
        shown = [*table.primary_key.columns]
        if "notice_id" in table.c and table.c.notice_id not in shown:
            shown.append(table.c.notice_id)
        query = select(table.c[KEY_COLUMN], table.c.size, table.c.sha256, *shown).order_by(
            table.c[KEY_COLUMN]
        )
        for key, size, sha256, *values in connection.execute(query):
            row = " ".join(f"{c.name}={v}" for c, v in zip(shown, values, strict=True))
            yield Reference(table.name, row, key, size, sha256)


def is_referenced(connection: Connection, metadata: MetaData, key: str) -> bool:
    return any(
        connection.scalar(select(exists().where(table.c[KEY_COLUMN] == key)))
        for table in referring_tables(metadata)
    )
