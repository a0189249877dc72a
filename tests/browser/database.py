"""The live server's own database, read or changed directly by a browser test."""

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool


def run_sql(database_url: str, sql: str, **params):
    """Run one statement in a transaction of its own, committed; returns its first column
    of the first row, or None (an UPDATE)."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()
