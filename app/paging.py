"""Keyset paging and text search, shared by the lists (queue, register, dashboard).

Keyset paging (WHERE (sort, id) < (:last_sort, :last_id) ORDER BY sort, id LIMIT n) costs
the same on page 1 and page 2,000, where OFFSET would read every skipped row. The cursor
is the last row's sort value and id, as base64 JSON: opaque to people, not a secret (it
names nothing they cannot see on the page).
"""

import base64
import json

from sqlalchemy import or_

from .domain.text import search_key
from .models import MAX_ROW_ID

# Room for the longest sort value (a 200-character name, up to four UTF-8 bytes a
# character, in base64) and its id; anything longer is not one of ours.
MAX_CURSOR_LENGTH = 2048


def encode_cursor(value, row_id: int) -> str:
    value = value.isoformat() if hasattr(value, "isoformat") else value
    raw = json.dumps([value, row_id], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_arg(args) -> str:
    """The ``after`` parameter of a list's URL, bounded before it is decoded."""
    return (args.get("after") or "")[:MAX_CURSOR_LENGTH]


def decode_cursor(cursor: str, parse) -> tuple | None:
    """``(parse(value), id)`` from :func:`encode_cursor`, or None for anything else (a
    list then starts from its first page)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        row_id = int(row_id)
        if not 0 <= row_id <= MAX_ROW_ID:
            return None
        return parse(value), row_id
    except (ValueError, TypeError, OverflowError):  # JSONDecodeError is a ValueError
        return None


def page_of(rows: list, size: int, cursor_of) -> tuple[list, str | None]:
    """``rows`` as fetched with ``LIMIT size + 1``: the page, and the cursor of the page
    after it (None on the last page). ``cursor_of(row)`` is the row's (sort value, id)."""
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, encode_cursor(*cursor_of(rows[-1]))


def contains(term: str) -> str:
    """A LIKE pattern (with ``escape="\\"``) for text containing ``term`` literally: the
    term's own ``%`` and ``_`` match only themselves."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_matches(term: str, *columns):
    """Any of ``columns`` contains ``term`` as :func:`~app.domain.text.search_key` reads it,
    case-insensitively. A column is either one of our identifiers (ASCII: receipt number,
    corporate number, LEI), so ＡＮ－２０２６ finds AN-2026; or a ``*_key`` column that holds
    the search key of people's text, so ZEN, ｚｅｎ and ＺＥＮ find one another."""
    pattern = contains(search_key(term))
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))
