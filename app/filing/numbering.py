"""Receipt numbers: AN-YYYY-NNNNNN, in sequence within the year, never reused.

The counter row is bumped inside the submitting transaction. On PostgreSQL the
UPDATE takes the row lock until commit; on SQLite the write transaction holds the
database lock (BEGIN IMMEDIATE). A rolled-back submission therefore gives its
number back, so there are no gaps, and no two submissions can share one.
"""

from sqlalchemy import update

from ..extensions import db
from .models import ReceiptCounter


def format_receipt_number(year: int, number: int) -> str:
    return f"AN-{year:04d}-{number:06d}"


def _bump(year: int) -> int | None:
    return db.session.execute(
        update(ReceiptCounter)
        .where(ReceiptCounter.year == year)
        .values(last_number=ReceiptCounter.last_number + 1)
        .returning(ReceiptCounter.last_number)
    ).scalar()


def allocate_receipt_number(year: int) -> str:
    number = _bump(year)
    if number is None:
        _create_counter(year)
        number = _bump(year)
    return format_receipt_number(year, number)


def _create_counter(year: int) -> None:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(ReceiptCounter)
        .values(year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
