"""Validation of uploaded PDF documents and of their display names.

Plain Python (no Flask): the web layer calls :func:`check_size` before reading
the whole upload, then :func:`check_pdf` on the bytes, and keeps the client's
file name only as display text produced by :func:`safe_display_name`.

Every refusal is a :class:`RejectedFile` whose ``reason`` is one of
:data:`REASONS`, so callers can map it to a translated message.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Final

import pypdf

__all__ = [
    "FALLBACK_DISPLAY_NAME",
    "REASONS",
    "PdfInfo",
    "RejectedFile",
    "check_pdf",
    "check_size",
    "safe_display_name",
    "sha256_hex",
]

REASONS: Final = frozenset({"empty", "not_pdf", "truncated", "encrypted", "corrupt", "too_large"})

PDF_MAGIC: Final = b"%PDF-"
EOF_MARKER: Final = b"%%EOF"
# The spec (ISO 32000, 7.5.5) puts %%EOF on the last line; readers commonly
# tolerate trailing junk, and 1024 bytes is the customary window.
EOF_WINDOW: Final = 1024

FALLBACK_DISPLAY_NAME: Final = "document.pdf"

_STARTXREF_RE: Final = re.compile(rb"startxref\s+(\d+)\s+%%EOF")


class RejectedFile(ValueError):
    """An uploaded file that is not acceptable; ``reason`` is machine-readable."""

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown rejection reason: {reason!r}")
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True, slots=True)
class PdfInfo:
    page_count: int
    size: int
    sha256: str


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_size(size: int, limit: int) -> None:
    """Raise ``RejectedFile('too_large')`` if ``size`` exceeds ``limit`` bytes."""
    if size > limit:
        raise RejectedFile("too_large", f"{size} bytes exceeds the limit of {limit} bytes")


def check_pdf(data: bytes) -> PdfInfo:
    """Return facts about ``data`` if it is a readable, unencrypted PDF.

    Raises :class:`RejectedFile` otherwise. The file must start with ``%PDF-``
    at offset 0 (stricter than the spec's 1024-byte allowance, so HTML/PE/ELF/ZIP
    polyglots with a PDF body further on are refused).
    """
    data = bytes(data)
    if not data:
        raise RejectedFile("empty")
    if not data.startswith(PDF_MAGIC):
        raise RejectedFile("not_pdf", "file does not start with %PDF-")

    tail = data[-EOF_WINDOW:]
    if EOF_MARKER not in tail:
        raise RejectedFile("truncated", "no %%EOF marker at the end of the file")
    # A startxref pointing past the end means the body was cut and a trailer
    # re-appended (or the file is otherwise incomplete).
    offsets = _STARTXREF_RE.findall(tail)
    if offsets and int(offsets[-1]) >= len(data):
        raise RejectedFile("truncated", "startxref points past the end of the file")

    # pypdf reports recoverable problems through `warnings` (and `logging`); the
    # project runs with warnings as errors, so silence them here only.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            encrypted = reader.is_encrypted
        except Exception as exc:
            raise RejectedFile("corrupt", _describe(exc)) from exc
        if encrypted:
            raise RejectedFile("encrypted", "the PDF is encrypted or password-protected")
        try:
            pages = reader.pages
            page_count = len(pages)
            for page in pages:
                box = page.mediabox  # resolves the page dict and inherited attributes
                _ = (float(box.width), float(box.height))
        except Exception as exc:
            raise RejectedFile("corrupt", _describe(exc)) from exc

    if page_count < 1:
        raise RejectedFile("corrupt", "the PDF has no pages")
    return PdfInfo(page_count=page_count, size=len(data), sha256=sha256_hex(data))


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text[:200]}" if text else name


# --- display names -----------------------------------------------------------

# Bidirectional formatting characters that can make "fdp.exe" look like
# "exe.pdf": LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI, LRM/RLM and ALM.
_BIDI_CONTROLS: Final = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)
_WHITESPACE_RUN_RE: Final = re.compile(r"\s+")
_MAX_EXTENSION_LENGTH: Final = 16  # including the dot


def safe_display_name(name: str | None, max_length: int = 255) -> str:
    """Turn a client-supplied file name into harmless display text.

    NFC-normalises, keeps only the last path component (``/`` or ``\\``), drops
    control, surrogate and bidi-override characters, collapses whitespace and
    truncates to ``max_length`` characters keeping the extension. Returns
    ``'document.pdf'`` when nothing is left. The result is text for display
    only (escape it as usual); it must never be used as a path.
    """
    if max_length < len(FALLBACK_DISPLAY_NAME):
        raise ValueError(f"max_length must be at least {len(FALLBACK_DISPLAY_NAME)}")
    text = unicodedata.normalize("NFC", name or "")

    cleaned = []
    for ch in text:
        if ch in _BIDI_CONTROLS:
            continue
        category = unicodedata.category(ch)
        if category == "Cc":
            # Tabs/newlines become spaces so words stay apart; others go.
            if ch.isspace():
                cleaned.append(" ")
            continue
        if category == "Cs":  # lone surrogates (e.g. from surrogateescape)
            continue
        cleaned.append(ch)
    text = "".join(cleaned)

    text = re.split(r"[/\\]", text)[-1]
    text = _WHITESPACE_RUN_RE.sub(_collapse_whitespace, text).strip()
    if text in {".", ".."}:
        text = ""

    if len(text) > max_length:
        text = _truncate(text, max_length)
    return text or FALLBACK_DISPLAY_NAME


def _collapse_whitespace(match: re.Match[str]) -> str:
    run = match.group(0)
    # Keep a Japanese ideographic space (U+3000) as such; anything else -> " ".
    return "\u3000" if set(run) == {"\u3000"} else " "


def _truncate(text: str, max_length: int) -> str:
    dot = text.rfind(".")
    ext = text[dot:] if dot > 0 else ""
    if not (1 < len(ext) <= _MAX_EXTENSION_LENGTH) or any(c.isspace() for c in ext):
        ext = ""
    stem = text[: len(text) - len(ext)]
    cut = max_length - len(ext)
    # Do not split a character from its combining marks / variation selectors,
    # nor an emoji ZWJ sequence.
    while 0 < cut < len(stem) and (_is_extender(stem[cut]) or stem[cut - 1] == "\u200d"):
        cut -= 1
    stem = stem[:cut].rstrip()
    return stem + ext if stem else text[:max_length].strip()


def _is_extender(ch: str) -> bool:
    return (
        unicodedata.category(ch).startswith("M")
        or ch == "\u200d"
        or 0x1F3FB <= ord(ch) <= 0x1F3FF  # emoji skin-tone modifiers
    )
