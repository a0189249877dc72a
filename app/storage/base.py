"""What every storage backend offers, and the keys they all share.

Keys are random 32-character lowercase hex strings generated here; they are never derived
from user input, and every method that takes a key validates it against ``[0-9a-f]{32}``,
so no path traversal (or S3 key trickery) is possible. Metadata (display name, uploader,
...) belongs in the database next to the key, not here.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol, runtime_checkable

_KEY_RE: Final = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True, slots=True)
class StoredFile:
    key: str
    size: int
    sha256: str


@runtime_checkable
class Storage(Protocol):
    def put(self, data: bytes) -> StoredFile:
        """Store ``data`` under a new random key."""
        ...

    def write(self, key: str, data: bytes) -> StoredFile:
        """Store ``data`` under an existing ``key`` (restoring a backup), replacing it."""
        ...

    def get(self, key: str) -> bytes:
        """Return the stored bytes; ``KeyError`` if the key is malformed or absent."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object (no-op if absent); ``KeyError`` if the key is malformed."""
        ...

    def exists(self, key: str) -> bool:
        """``False`` for absent or malformed keys."""
        ...

    def stored_at(self, key: str) -> datetime:
        """When the object was written (aware, UTC); ``KeyError`` if malformed or absent."""
        ...

    def keys(self) -> Iterator[str]:
        """Every stored key, in sorted order."""
        ...

    def ready(self) -> bool:
        """Whether the storage answers, for the readiness probe."""
        ...


def new_key() -> str:
    return secrets.token_hex(16)


def is_valid_key(key: object) -> bool:
    return isinstance(key, str) and _KEY_RE.fullmatch(key) is not None


def require_key(key: object) -> str:
    if not is_valid_key(key):
        raise KeyError(key)
    return key  # type: ignore[return-value]
