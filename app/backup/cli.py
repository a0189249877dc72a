"""``flask backup create DEST`` and ``flask backup restore SRC [--force]``."""

from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..files import storage
from .manifest import BackupError
from .operations import create_backup, restore_backup

backup_cli = AppGroup("backup", help="Back up or restore the database and the stored files.")


@backup_cli.command("create")
@click.argument("dest", type=click.Path(path_type=Path, file_okay=False))
def create(dest):
    """Write a backup into the new folder DEST."""
    try:
        manifest = create_backup(dest, engine=db.engine, metadata=db.metadata, storage=storage())
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"backup written to {dest}: {manifest.database_kind} database at revision "
        f"{manifest.alembic_revision}, {sum(manifest.row_counts.values())} rows in "
        f"{len(manifest.row_counts)} tables, {len(manifest.files)} stored files"
    )


@backup_cli.command("restore")
@click.argument("src", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore(src, force):
    """Restore the backup in SRC into the configured database and storage (stop the app
    first), then check the result against the backup's manifest."""
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    db.session.remove()
    try:
        restored = restore_backup(
            src,
            engine=db.engine,
            metadata=db.metadata,
            storage=storage(),
            known_revisions={script.revision for script in scripts.walk_revisions()},
            head_revision=",".join(sorted(scripts.get_heads())),
            force=force,
        )
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    finally:
        db.engine.dispose()
    click.echo(
        f"restored from {src}: {restored.rows} rows, {restored.files} stored files; "
        "row counts and file hashes match the manifest"
    )
    if not restored.is_latest_revision:
        click.echo("the backup is from an older version: run `flask db upgrade` next")
