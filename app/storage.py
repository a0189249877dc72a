"""Blob storage for uploaded documents, behind a deliberately small interface.

Keys are random 32-character lowercase hex strings generated here; they are
never derived from user input, and every method that takes a key validates it
against ``[0-9a-f]{32}`` so no path traversal is possible. Metadata (display
name, uploader, ...) belongs in the database next to the key, not here.

No Flask import: the app factory calls :func:`storage_from_config` with
``app.config``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

__all__ = [
    "LocalStorage",
    "Storage",
    "StoredFile",
    "is_valid_key",
    "new_key",
    "storage_from_config",
]

_KEY_RE: Final = re.compile(r"[0-9a-f]{32}")
_SHARD_RE: Final = re.compile(r"[0-9a-f]{2}")
_TEMP_PREFIX: Final = ".tmp-"


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

    def get(self, key: str) -> bytes:
        """Return the stored bytes; ``KeyError`` if the key is malformed or absent."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object (no-op if absent); ``KeyError`` if the key is malformed."""
        ...

    def exists(self, key: str) -> bool:
        """``False`` for absent or malformed keys."""
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


def _require_key(key: object) -> str:
    if not is_valid_key(key):
        raise KeyError(key)
    return key  # type: ignore[return-value]


class LocalStorage:
    """Files under ``root/<first two chars of key>/<key>``, written atomically."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def put(self, data: bytes) -> StoredFile:
        data = bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        while True:
            key = new_key()
            final = self._path(key)
            if not final.exists():  # 128 random bits: a collision is theoretical
                break
        final.parent.mkdir(parents=True, exist_ok=True)

        fd, tmp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=final.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_name, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        _fsync_dir(final.parent)
        return StoredFile(key=key, size=len(data), sha256=digest)

    def get(self, key: str) -> bytes:
        path = self._path(_require_key(key))
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def delete(self, key: str) -> None:
        path = self._path(_require_key(key))
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    def exists(self, key: str) -> bool:
        return is_valid_key(key) and self._path(key).is_file()

    def ready(self) -> bool:
        """The folder is there and writable (for /readyz)."""
        return self.root.is_dir() and os.access(self.root, os.W_OK | os.X_OK)

    def keys(self) -> Iterator[str]:
        try:
            with os.scandir(self.root) as it:
                shards = sorted(it, key=lambda e: e.name)
        except FileNotFoundError:
            return
        for shard in shards:
            if not (_SHARD_RE.fullmatch(shard.name) and shard.is_dir(follow_symlinks=False)):
                continue
            with os.scandir(shard.path) as entries:
                names = sorted(
                    e.name
                    for e in entries
                    if is_valid_key(e.name)
                    and e.name.startswith(shard.name)
                    and e.is_file(follow_symlinks=False)
                )
            yield from names


def _fsync_dir(path: Path) -> None:
    """Make the rename durable; best effort (not possible on every platform)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def storage_from_config(config: Mapping[str, object]) -> Storage:
    """Build the configured backend: ``STORAGE_BACKEND`` ('local', the default)
    and, for 'local', ``STORAGE_PATH`` (required, e.g. ``<instance>/files``)."""
    backend = str(config.get("STORAGE_BACKEND") or "local").strip().lower()
    if backend == "local":
        path = config.get("STORAGE_PATH")
        if not path:
            raise ValueError("STORAGE_PATH must be set for STORAGE_BACKEND='local'")
        return LocalStorage(os.fspath(path))  # type: ignore[arg-type]
    raise ValueError(f"unknown STORAGE_BACKEND: {backend!r}")
