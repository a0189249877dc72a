"""Shared column helpers; each feature keeps its own models module."""

from datetime import UTC, datetime

from sqlalchemy import DateTime

# Row ids are INTEGER columns (32 bits on PostgreSQL): an id from a URL or a cursor beyond
# this is no row, and asking the database for it would fail instead of finding nothing.
MAX_ROW_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; naive values (SQLite hands them back) are UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def UTCDateTime() -> DateTime:  # noqa: N802 - reads like the column type it makes
    """Timezone-aware in PostgreSQL; SQLite hands back naive values, which are UTC."""
    return DateTime(timezone=True)


# Tables whose rows the migrations themselves write (the status counters): a database that
# is only migrated has them, so "empty" means no rows in any other table.
SCHEMA_TABLES = frozenset({"notice_status_counts"})
