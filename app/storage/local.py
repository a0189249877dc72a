"""The embedded default: files under a folder (``instance/files``), written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from .base import StoredFile, is_valid_key, new_key, require_key

_SHARD_RE: Final = re.compile(r"[0-9a-f]{2}")
_TEMP_PREFIX: Final = ".tmp-"


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
        while True:
            key = new_key()
            if not self._path(key).exists():  # 128 random bits: a collision is theoretical
                return self.write(key, data)

    def write(self, key: str, data: bytes) -> StoredFile:
        data = bytes(data)
        final = self._path(require_key(key))
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
        return StoredFile(key=key, size=len(data), sha256=hashlib.sha256(data).hexdigest())

    def get(self, key: str) -> bytes:
        path = self._path(require_key(key))
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def delete(self, key: str) -> None:
        path = self._path(require_key(key))
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    def exists(self, key: str) -> bool:
        return is_valid_key(key) and self._path(key).is_file()

    def stored_at(self, key: str) -> datetime:
        try:
            mtime = self._path(require_key(key)).stat().st_mtime
        except FileNotFoundError:
            raise KeyError(key) from None
        return datetime.fromtimestamp(mtime, UTC)

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
