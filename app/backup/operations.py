"""Creating a backup and restoring one: the steps, in an order that keeps them consistent.

Create: the database first, then the files it refers to. Stored files are immutable and
named by random keys, so every file a row of the dump names was in the storage when the
dump was taken. Only those files are copied, each checked against the SHA-256 its row
records; a file uploaded after the dump is simply not in the backup, as its row is not.
(Copying the whole storage would bring it along as an orphan instead.) If a referenced file
is missing or damaged, the backup fails and says which: `flask storage verify` tells more;
a file removed by a user between the dump and the copy makes a rerun succeed.

Restore: check everything first (manifest, database kind and revision, every file's hash),
refuse a target that already holds data unless forced, then write the files, then the
database (files first: a failure half-way leaves orphans, never rows without their files),
then read everything back and compare with the manifest.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, MetaData

from ..storage import LocalStorage, Storage
from ..storage.verify import sha256_of
from . import database
from .manifest import FILES, BackupError, FileEntry, Manifest, file_sha256


def create_backup(dest: Path, *, engine: Engine, metadata: MetaData, storage: Storage) -> Manifest:
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} already exists and is not an empty folder; name a new one")
    database.kind_of(engine)
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        dump_file, facts = database.dump(engine, metadata, dest)
        files = _copy_referenced_files(storage, facts.references, LocalStorage(dest / FILES))
        manifest = Manifest(
            created_at=created_at,
            database_kind=engine.dialect.name,
            database_file=dump_file,
            database_sha256=file_sha256(dest / dump_file),
            alembic_revision=facts.revision,
            row_counts=facts.row_counts,
            files=files,
        )
        manifest.write(dest)  # last: a folder without a manifest is an unfinished backup
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return manifest


def _copy_referenced_files(storage: Storage, references, into: LocalStorage) -> list[FileEntry]:
    entries, problems = {}, []
    for reference in references:
        if reference.key in entries:
            continue
        try:
            data = storage.get(reference.key)
        except KeyError:
            problems.append(f"{reference.key} ({reference}): missing from the storage")
            continue
        if sha256_of(data) != reference.sha256:
            problems.append(f"{reference.key} ({reference}): its bytes no longer match")
            continue
        stored = into.write(reference.key, data)
        entries[stored.key] = FileEntry(stored.key, stored.size, stored.sha256)
    if problems:
        raise BackupError(
            "stored files the database refers to cannot be backed up:\n  "
            + "\n  ".join(problems)
            + "\nRun `flask storage verify` for the whole picture; if a user removed a file "
            "meanwhile, simply run the backup again."
        )
    return sorted(entries.values(), key=lambda entry: entry.key)


@dataclass
class Restored:
    manifest: Manifest
    rows: int
    files: int
    is_latest_revision: bool


def restore_backup(
    src: Path,
    *,
    engine: Engine,
    metadata: MetaData,
    storage: Storage,
    known_revisions: Collection[str],
    head_revision: str,
    force: bool = False,
) -> Restored:
    src = Path(src)
    manifest = Manifest.read(src)
    _check_backup(src, manifest, engine, known_revisions)
    if not force:
        if not database.is_empty(engine, metadata):
            raise BackupError(
                "the target database already holds data; restore into an empty one, "
                "or pass --force to replace its content"
            )
        if next(iter(storage.keys()), None) is not None:
            raise BackupError(
                "the target storage already holds files; restore into an empty one, "
                "or pass --force to write the backup's files beside them"
            )

    files = LocalStorage(src / FILES)
    for entry in manifest.files:
        storage.write(entry.key, files.get(entry.key))
    database.restore(engine, src / manifest.database_file)

    _check_restored(manifest, engine, metadata, storage)
    return Restored(
        manifest=manifest,
        rows=sum(manifest.row_counts.values()),
        files=len(manifest.files),
        is_latest_revision=manifest.alembic_revision == head_revision,
    )


def _check_backup(src: Path, manifest: Manifest, engine: Engine, known_revisions) -> None:
    """Everything that can be wrong with the backup, found before anything is changed."""
    kind = database.kind_of(engine)
    if manifest.database_kind != kind:
        raise BackupError(
            f"the backup holds a {manifest.database_kind} database and the configured one is "
            f"{kind}; restore it into a {manifest.database_kind} database"
        )
    if manifest.alembic_revision not in known_revisions:
        raise BackupError(
            f"the backup's database is at revision {manifest.alembic_revision}, which this "
            "version of the registry does not know; restore it with the version that made it"
        )
    dump_file = src / manifest.database_file
    if not dump_file.is_file() or file_sha256(dump_file) != manifest.database_sha256:
        raise BackupError(f"{dump_file} is missing or does not match the manifest")
    files = LocalStorage(src / FILES)
    for entry in manifest.files:
        try:
            data = files.get(entry.key)
        except KeyError:
            raise BackupError(f"file {entry.key} is listed in the manifest but missing") from None
        if (len(data), sha256_of(data)) != (entry.size, entry.sha256):
            raise BackupError(f"file {entry.key} does not match the manifest (damaged?)")


def _check_restored(manifest: Manifest, engine: Engine, metadata: MetaData, storage) -> None:
    facts = database.facts_of(engine, metadata)
    differences = [
        f"{table}: {facts.row_counts.get(table)} rows, the manifest says {count}"
        for table, count in sorted(manifest.row_counts.items())
        if facts.row_counts.get(table) != count
    ]
    for entry in manifest.files:
        try:
            data = storage.get(entry.key)
        except KeyError:
            differences.append(f"file {entry.key}: not in the storage after restoring")
            continue
        if sha256_of(data) != entry.sha256:
            differences.append(f"file {entry.key}: its hash differs after restoring")
    if differences:
        raise BackupError(
            "the restored copy differs from the backup:\n  " + "\n  ".join(differences)
        )
