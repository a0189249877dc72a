"""Reference list of registered crypto-asset exchange service providers.

Notice filers pick their clients (暗号資産交換業者) from this list.  The list
is a CSV file whose leading ``#`` comment lines state where it came from and
when::

    # source: <where the data was taken from>
    # as-of: YYYY-MM-DD
    registration_number,name_ja,name_en,bureau
    関東財務局長 第99001号,サンプル暗号資産交換所株式会社,Sample Crypto Exchange K.K.,関東財務局長

The bundled ``exchanges.csv`` holds SAMPLE DATA only (fictitious names and
numbers).  Operators point the application at the real register by passing a
path -- the app passes its ``EXCHANGE_REGISTER_PATH`` setting -- to the
functions below.  Files are parsed once per path and cached; call
:func:`clear_cache` after replacing a file in place.

A malformed file raises :class:`ReferenceDataError` (a ``ValueError``) naming
the file and line, rather than loading partially.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.domain.identifiers import InvalidIdentifier, normalise_text

__all__ = [
    "BUREAUS",
    "DEFAULT_PATH",
    "Exchange",
    "ReferenceDataError",
    "clear_cache",
    "exchange_by_number",
    "exchange_choices",
    "load_exchanges",
    "normalise_registration_number",
    "reference_source",
]

DEFAULT_PATH = Path(__file__).with_name("exchanges.csv")

COLUMNS = ("registration_number", "name_ja", "name_en", "bureau")

#: Registering authorities, as they appear in registration numbers: the heads
#: of the Local Finance Bureaus, the Fukuoka branch and the Okinawa office.
BUREAUS = (
    "北海道財務局長",
    "東北財務局長",
    "関東財務局長",
    "北陸財務局長",
    "東海財務局長",
    "近畿財務局長",
    "中国財務局長",
    "四国財務局長",
    "九州財務局長",
    "福岡財務支局長",
    "沖縄総合事務局長",
)

_REGISTRATION_RE = re.compile(
    r"(?P<office>"
    + "|".join(re.escape(b.removesuffix("長")) for b in BUREAUS)
    + r")長?第?(?P<number>[0-9]{1,5})号?"
)
_WHITESPACE_RE = re.compile(r"\s+")

PathLike = str | os.PathLike[str]


class ReferenceDataError(ValueError):
    """The reference file is missing, malformed or lacks its source header."""


@dataclass(frozen=True, slots=True)
class Exchange:
    """One registered crypto-asset exchange service provider."""

    registration_number: str  # canonical, e.g. "関東財務局長 第00001号"
    name_ja: str
    name_en: str
    bureau: str  # e.g. "関東財務局長"

    @property
    def label(self) -> str:
        """Display label for choice lists: Japanese name and number."""
        return f"{self.name_ja}（{self.registration_number}）"


def normalise_registration_number(value: str) -> str:
    """Return a registration number in the canonical ``関東財務局長 第00001号`` form.

    Full-width digits and any spacing are accepted (``関東財務局長第１号``,
    ``関東財務局長　第 00001 号``), as are a missing ``長``, ``第`` or ``号``.
    The number is zero-padded to five digits.  Raises
    :class:`~app.domain.identifiers.InvalidIdentifier` (a ``ValueError``) with
    ``code='registration_number'`` for anything else, including unknown
    bureaus and number 0.
    """
    code = "registration_number"
    text = _WHITESPACE_RE.sub("", normalise_text(value, code))
    match = _REGISTRATION_RE.fullmatch(text)
    if match is None:
        raise InvalidIdentifier(code, "format", value)
    number = int(match["number"])
    if number == 0:
        raise InvalidIdentifier(code, "invalid", value)
    return f"{match['office']}長 第{number:05d}号"


@dataclass(frozen=True, slots=True)
class _Register:
    source: str
    as_of: str
    exchanges: tuple[Exchange, ...]
    by_number: dict[str, Exchange]


def _resolve(path: PathLike | None) -> str:
    return str(Path(DEFAULT_PATH if path is None else path).resolve())


def _parse_header(path: str, lineno: int, line: str, meta: dict[str, str]) -> None:
    key, sep, value = line.lstrip("#").partition(":")
    key = key.strip().lower().replace("_", "-")
    if not sep or key not in ("source", "as-of"):
        return
    if key in meta:
        raise ReferenceDataError(f"{path}:{lineno}: duplicate '{key}' header")
    meta[key] = value.strip()


@lru_cache(maxsize=8)
def _load(path: str) -> _Register:
    meta: dict[str, str] = {}
    exchanges: list[Exchange] = []
    by_number: dict[str, Exchange] = {}
    try:
        # utf-8-sig: tolerate the byte-order mark spreadsheet programs add.
        with open(path, encoding="utf-8-sig", newline="") as fh:
            lines = fh.read().splitlines()
    except OSError as exc:
        raise ReferenceDataError(f"cannot read exchange register {path}: {exc}") from exc

    data_lines: list[str] = []
    for lineno, line in enumerate(lines, start=1):
        if line.lstrip().startswith("#"):
            _parse_header(path, lineno, line, meta)
            data_lines.append("")  # keep csv line numbers aligned with the file
        else:
            data_lines.append(line)

    if not meta.get("source"):
        raise ReferenceDataError(f"{path}: missing '# source: ...' header line")
    if not meta.get("as-of"):
        raise ReferenceDataError(f"{path}: missing '# as-of: YYYY-MM-DD' header line")
    try:
        as_of = dt.date.fromisoformat(meta["as-of"]).isoformat()
    except ValueError as exc:
        raise ReferenceDataError(f"{path}: 'as-of' is not a YYYY-MM-DD date") from exc

    reader = csv.reader(data_lines)
    header: list[str] | None = None
    for row in reader:
        lineno = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip() for cell in row]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise ReferenceDataError(f"{path}:{lineno}: missing columns {missing}")
            continue
        if len(row) != len(header):
            raise ReferenceDataError(
                f"{path}:{lineno}: expected {len(header)} fields, found {len(row)}"
            )
        # Names are kept as written (only trimmed): they are official names.
        record = {k: v.strip() for k, v in zip(header, row, strict=True)}
        try:
            number = normalise_registration_number(record["registration_number"])
        except InvalidIdentifier as exc:
            raise ReferenceDataError(
                f"{path}:{lineno}: bad registration number {record['registration_number']!r}"
            ) from exc
        bureau = _WHITESPACE_RE.sub("", normalise_text(record["bureau"], "bureau"))
        if not number.startswith(bureau + " ") or bureau not in BUREAUS:
            raise ReferenceDataError(
                f"{path}:{lineno}: bureau {record['bureau']!r} does not match {number!r}"
            )
        if not record["name_ja"]:
            raise ReferenceDataError(f"{path}:{lineno}: name_ja is empty")
        if number in by_number:
            raise ReferenceDataError(f"{path}:{lineno}: duplicate registration number {number}")
        exchange = Exchange(number, record["name_ja"], record["name_en"], bureau)
        exchanges.append(exchange)
        by_number[number] = exchange

    if header is None:
        raise ReferenceDataError(f"{path}: no header row")
    return _Register(meta["source"], as_of, tuple(exchanges), by_number)


def load_exchanges(path: PathLike | None = None) -> list[Exchange]:
    """All exchanges in the register at ``path`` (default: the bundled sample), in file order."""
    return list(_load(_resolve(path)).exchanges)


def exchange_by_number(number: str, path: PathLike | None = None) -> Exchange | None:
    """The exchange with registration number ``number`` (any accepted spelling).

    Returns ``None`` when no exchange has that number, and also when
    ``number`` is not a well-formed registration number at all.
    """
    try:
        canonical = normalise_registration_number(number)
    except ValueError:
        return None
    return _load(_resolve(path)).by_number.get(canonical)


def exchange_choices(path: PathLike | None = None) -> list[tuple[str, str]]:
    """``(registration_number, label)`` pairs for a WTForms ``SelectField``."""
    return [(e.registration_number, e.label) for e in _load(_resolve(path)).exchanges]


def reference_source(path: PathLike | None = None) -> dict[str, str]:
    """``{'source': ..., 'as_of': 'YYYY-MM-DD'}`` from the file's header comments."""
    register = _load(_resolve(path))
    return {"source": register.source, "as_of": register.as_of}


def clear_cache() -> None:
    """Forget parsed files, e.g. after the register at a path was replaced."""
    _load.cache_clear()
