"""Verification codes printed on acknowledgements.

A code is read off paper and typed back in by a person, often on a phone, so its
alphabet leaves out the characters that are easily confused with another
(0/O/o, 1/l/I, 2/Z, 5/S, 8/B) and lower case altogether. Twelve
characters from 26 give about 56 bits, enough that codes cannot be guessed at the
rate a rate-limited public verification page allows.
"""

import secrets
import unicodedata

from ..domain.text import normalise_width

ALPHABET = "34679ACDEFGHJKLMNPQRTUVWXY"
DEFAULT_LENGTH = 12
MIN_LENGTH = 10
GROUP_SIZE = 4

# Dash-like characters people type instead of "-", especially with Japanese input
# methods (NFKC already turns the full-width hyphen into "-").
_SEPARATORS = frozenset("-ー−‐‑–—―")


def new_verification_code(length: int = DEFAULT_LENGTH) -> str:
    """Return a fresh random code of ``length`` characters from :data:`ALPHABET`."""
    if length < MIN_LENGTH:
        raise ValueError(f"a verification code needs at least {MIN_LENGTH} characters")
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def format_code(code: str) -> str:
    """Group a code for display: ``ACDE-FGHJ-KLMN``."""
    code = normalise_code(code)
    return "-".join(code[i : i + GROUP_SIZE] for i in range(0, len(code), GROUP_SIZE))


def normalise_code(text: str) -> str:
    """Turn what a person typed into the stored form of a code.

    NFKC (full-width letters become ASCII), upper case, and without spaces or
    hyphens. The result is not checked against the alphabet: a mistyped code
    simply does not match any stored one.
    """
    text = unicodedata.normalize("NFKC", text).upper()
    return "".join(ch for ch in text if not ch.isspace() and ch not in _SEPARATORS)


def normalise_receipt_number(text: str) -> str:
    """Turn what a person typed into the stored form of a receipt number: full-width
    letters, digits and dashes as ASCII (ＡＮ－２０２６－０００１２３), upper case, no
    spaces. Hyphens stay: they are part of the number."""
    return "".join(normalise_width(text).upper().split())
