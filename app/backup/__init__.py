"""Backups of the database and the stored files together: ``flask backup create DEST`` and
``flask backup restore SRC`` (:mod:`app.backup.cli`).

A backup is one folder::

    manifest.json        format and version, time, database kind, Alembic revision,
                         rows per table, and every file's key, size and SHA-256
    database.sqlite3     SQLite: a copy made with SQLite's online backup API
    database.pgdump      PostgreSQL: ``pg_dump --format=custom``
    files/ab/ab12…       the stored files the database refers to, laid out as LocalStorage

The manifest is written last, so a folder without one is an unfinished backup.
"""

from .manifest import BackupError, Manifest

__all__ = ["BackupError", "Manifest"]
