"""Which two filed versions of a notice a reader compares.

A notice gains a version when it is submitted and with each response to an information
request. Its page (the examiner's and the provider's alike) compares the latest version
with the one before it, unless the reader chose two others with ``?from=N&to=M`` (the small
form above the comparison). A value that names no version of the notice, or the same
version on both sides, is ignored and said so; the default then stands. Plain functions:
the views pass the request's arguments, the differences come from filing.changes.compare.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from ..filing.changes import compare

FROM, TO = "from", "to"


@dataclass(frozen=True)
class VersionChoice:
    """A version the form offers: its number and when it was filed."""

    number: int
    filed_at: datetime


@dataclass(frozen=True)
class VersionComparison:
    """Version ``against_version`` against version ``version`` of the same notice, shown
    by templates/filing/_changes.html like the comparisons of filing.changes."""

    kind: ClassVar[str] = "version"
    against_version: int
    version: int
    against_receipt: str
    changes: list
    choices: tuple[VersionChoice, ...]
    ignored: bool = False  # the reader asked for versions the notice does not have

    @property
    def latest(self) -> int:
        return self.choices[-1].number

    @property
    def offers_a_choice(self) -> bool:
        """Two versions compare one way only; from three on, the reader may choose."""
        return len(self.choices) > 2


def _number(value, numbers: Sequence[int]) -> int | None:
    text = value if isinstance(value, str) else ""
    if not (text.isascii() and text.isdigit() and len(text) < 10):
        return None
    number = int(text)
    return number if number in numbers else None


def chosen_pair(numbers: Sequence[int], args: Mapping) -> tuple[tuple[int, int], bool]:
    """The two version numbers to compare, earlier first, and whether the reader's values
    were ignored. ``numbers`` are the notice's versions, oldest first (at least two).

    Without values: the latest against the one before it. With ``to`` only: that version
    against the one before it; with ``from`` only: that version against the latest. Either
    way round is accepted; the earlier is always the "before" side."""
    default = (numbers[-2], numbers[-1])
    given_from, given_to = args.get(FROM, ""), args.get(TO, "")
    if not given_from and not given_to:
        return default, False
    later = _number(given_to, numbers) if given_to else numbers[-1]
    if later is None:
        return default, True
    if given_from:
        earlier = _number(given_from, numbers)
    else:
        position = numbers.index(later)
        earlier = numbers[position - 1] if position > 0 else None
    if earlier is None or earlier == later:
        return default, True
    return (min(earlier, later), max(earlier, later)), False


def with_chosen_versions(notice, comparisons: list, args: Mapping) -> list:
    """``comparisons`` (filing.changes.comparisons: the notices this one refers to or files
    again) followed, for a notice of two versions or more, by the two versions ``args``
    choose (the latest against the one before it unless the reader chose others), with the
    versions to choose from."""
    versions = notice.versions
    if len(versions) < 2:
        return comparisons
    numbers = [v.number for v in versions]
    (before, after), ignored = chosen_pair(numbers, args)
    by_number = {v.number: v for v in versions}
    changes = compare(json.loads(by_number[before].snapshot), json.loads(by_number[after].snapshot))
    choices = tuple(VersionChoice(v.number, v.created_at) for v in versions)
    return [
        *comparisons,
        VersionComparison(before, after, notice.receipt_number, changes, choices, ignored),
    ]
