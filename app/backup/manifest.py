"""The backup's table of contents, ``manifest.json``: what restore checks before it changes
anything, and after."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

FORMAT = "advance-notice-registry-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES = "files"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class FileEntry:
    key: str
    size: int
    sha256: str


@dataclass
class Manifest:
    created_at: str  # ISO 8601, UTC
    database_kind: str  # "sqlite" or "postgresql", as SQLAlchemy names the dialect
    database_file: str
    database_sha256: str
    alembic_revision: str
    row_counts: dict[str, int]
    files: list[FileEntry] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "database": {
                "kind": self.database_kind,
                "file": self.database_file,
                "sha256": self.database_sha256,
                "alembic_revision": self.alembic_revision,
                "row_counts": self.row_counts,
            },
            "files": [asdict(entry) for entry in self.files],
        }

    def write(self, folder: Path) -> None:
        text = json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"
        (folder / MANIFEST).write_text(text, encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BackupError(
                f"{folder} has no {MANIFEST}: it is not a backup, or one that did not finish"
            ) from None
        except (ValueError, UnicodeDecodeError) as error:
            raise BackupError(f"{path} is not valid JSON ({error})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError(f"{path} is not the manifest of a registry backup")
        if data.get("format_version") != FORMAT_VERSION:
            raise BackupError(
                f"{path} is format version {data.get('format_version')!r}; "
                f"this version of the registry reads version {FORMAT_VERSION}"
            )
        try:
            database = data["database"]
            return cls(
                created_at=str(data["created_at"]),
                database_kind=str(database["kind"]),
                database_file=Path(str(database["file"])).name,  # never a path elsewhere
                database_sha256=str(database["sha256"]),
                alembic_revision=str(database["alembic_revision"]),
                row_counts={str(k): int(v) for k, v in database["row_counts"].items()},
                files=[
                    FileEntry(str(f["key"]), int(f["size"]), str(f["sha256"]))
                    for f in data["files"]
                ],
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise BackupError(f"{path} is incomplete or damaged ({error!r})") from None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
