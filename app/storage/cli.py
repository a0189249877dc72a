"""``flask storage verify [--grace-minutes N] [--delete-orphans]``; exit 0 clean, 1 problems."""

from datetime import UTC, datetime, timedelta

import click
from flask.cli import AppGroup

from ..extensions import db
from ..files import storage
from . import references, verify

storage_cli = AppGroup("storage", help="Check the stored files against the database.")

LABELS = {verify.MISSING: "MISSING", verify.MISMATCH: "HASH MISMATCH", verify.ORPHAN: "ORPHAN"}


@storage_cli.command("verify")
@click.option(
    "--grace-minutes",
    type=click.IntRange(min=0),
    default=int(verify.DEFAULT_GRACE.total_seconds() // 60),
    show_default=True,
    help="Unreferenced files younger than this may be uploads in progress: not orphans.",
)
@click.option("--delete-orphans", is_flag=True, help="Delete the orphans found.")
def verify_command(grace_minutes, delete_orphans):
    """Report stored files that are missing, orphaned, or whose hash no longer matches."""
    store = storage()
    rows = list(references.references(db.session.connection(), db.metadata))
    db.session.rollback()  # later looks must see what was committed since

    def is_referenced(key):
        try:
            return references.is_referenced(db.session.connection(), db.metadata, key)
        finally:
            db.session.rollback()

    report = verify.verify(
        store,
        rows,
        is_referenced=is_referenced,
        now=datetime.now(UTC),
        grace=timedelta(minutes=grace_minutes),
    )
    for problem in report.problems:
        where = f" ({problem.reference})" if problem.reference else ""
        click.echo(f"{LABELS[problem.kind]}: {problem.key}{where}: {problem.detail}")
    click.echo(
        f"{report.referenced} references, {report.stored} stored files, "
        f"{report.hashed} hashed; {report.count(verify.MISSING)} missing, "
        f"{report.count(verify.ORPHAN)} orphaned, {report.count(verify.MISMATCH)} hash "
        f"mismatches; {report.too_young} unreferenced files younger than {grace_minutes} "
        "minutes not judged"
    )
    problems = len(report.problems)
    if delete_orphans:
        for key in report.orphans:
            store.delete(key)
        click.echo(f"deleted {len(report.orphans)} orphans")
        problems -= len(report.orphans)
    if problems:
        raise SystemExit(1)
