"""`flask backup create` and `flask backup restore`: a backup restored into a new, empty
database and storage gives the same rows and the same bytes, and passes `flask audit verify`.
Anything wrong with a backup or its target is refused before anything is changed."""

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.acknowledgements.models import Acknowledgement
from app.backup import database as backup_database
from app.backup.manifest import BackupError
from app.extensions import db
from app.files import storage
from app.filing.models import Attachment, Notice
from app.models import SCHEMA_TABLES
from tests.conftest import BACKEND
from tests.review_helpers import pdf_file, request_info, respond, submitted_notice, take

DUMP_FILE = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[BACKEND]


@pytest.fixture
def filed(app, people):
    """A submitted notice (with its receipt PDF) whose provider answered an information
    request with a second attachment."""
    notice = submitted_notice(people.provider_a_user)
    take(notice, people.reviewer)
    request_info(notice, people.reviewer)
    respond(notice, people.provider_a_user, files=[pdf_file()])
    db.session.commit()
    return notice


@pytest.fixture
def backup(filed, runner, tmp_path):
    path = tmp_path / "backup"
    result = runner.invoke(args=["backup", "create", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def empty_target(make_app, database_factory, migrations, tmp_path):
    """An app on a new, empty database (created for this test; ``migrated``: with the
    tables, as `flask db upgrade` leaves it) and a new storage folder."""

    def make(migrated=False, **settings):
        url = database_factory.create()
        if migrated:
            migrations.upgrade(url)
        return make_app(
            SQLALCHEMY_DATABASE_URI=url, STORAGE_PATH=str(tmp_path / "restored-files"), **settings
        )

    return make


def table_counts():
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def columns(row):
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def snapshot():
    """Every table's row count, every notice's columns, every stored file and PDF."""
    return {
        "counts": table_counts(),
        "notices": [columns(n) for n in db.session.scalars(select(Notice).order_by(Notice.id))],
        "files": {
            a.storage_key: storage().get(a.storage_key)
            for a in db.session.scalars(select(Attachment))
        },
        "pdfs": [
            (a.kind, a.sha256, a.pdf)
            for a in db.session.scalars(select(Acknowledgement).order_by(Acknowledgement.id))
        ],
    }


def restore(app, path, *options):
    return app.test_cli_runner().invoke(args=["backup", "restore", str(path), *options])


def test_the_manifest_describes_the_backup(app, filed, backup):
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["format_version"] == 1
    assert manifest["database"]["kind"] == BACKEND
    assert manifest["database"]["file"] == DUMP_FILE
    assert (backup / DUMP_FILE).is_file()
    assert manifest["database"]["row_counts"] == table_counts()
    revision = db.session.execute(db.text("SELECT version_num FROM alembic_version")).scalar()
    assert manifest["database"]["alembic_revision"] == revision
    attachments = db.session.scalars(select(Attachment).order_by(Attachment.storage_key)).all()
    assert len(attachments) == 2
    assert manifest["files"] == [
        {"key": a.storage_key, "size": a.size, "sha256": a.sha256} for a in attachments
    ]
    for a in attachments:
        stored = backup / "files" / a.storage_key[:2] / a.storage_key
        assert stored.read_bytes() == storage().get(a.storage_key)


@pytest.mark.parametrize("target_storage", ["local", "s3"])
def test_a_restored_copy_equals_the_original(app, backup, empty_target, request, target_storage):
    original = snapshot()
    assert len(original["pdfs"]) == 2  # the receipt and the information request
    settings = request.getfixturevalue("s3_settings") if target_storage == "s3" else {}
    target = empty_target(**settings)

    result = restore(target, backup)

    assert result.exit_code == 0, result.output
    assert "row counts and file hashes match the manifest" in result.output
    with target.app_context():
        assert snapshot() == original
        db.session.remove()
    runner = target.test_cli_runner()
    audit = runner.invoke(args=["audit", "verify"])
    assert audit.exit_code == 0, audit.output
    assert "ok:" in audit.output
    files = runner.invoke(args=["storage", "verify", "--grace-minutes", "0"])
    assert files.exit_code == 0, files.output


def test_a_target_with_data_is_refused_unless_forced(app, backup, empty_target):
    target = empty_target()
    assert restore(target, backup).exit_code == 0

    again = restore(target, backup)
    assert again.exit_code == 1
    assert "the target database already holds data" in again.output
    assert "--force" in again.output

    forced = restore(target, backup, "--force")
    assert forced.exit_code == 0, forced.output
    with target.app_context():
        assert (
            table_counts()
            == json.loads((backup / "manifest.json").read_text())["database"]["row_counts"]
        )
        db.session.remove()


def test_restoring_over_the_live_database_is_refused(app, filed, backup, runner):
    before = snapshot()
    result = runner.invoke(args=["backup", "restore", str(backup)])
    assert result.exit_code == 1
    assert "already holds data" in result.output
    assert snapshot() == before


def assert_refused(target, backup, message):
    result = restore(target, backup)
    assert result.exit_code == 1
    assert message in result.output
    with target.app_context():
        counts = table_counts()
        assert all(counts[name] == 0 for name in counts if name not in SCHEMA_TABLES)
        assert list(storage().keys()) == []
        db.session.remove()


def edit_manifest(backup, change):
    path = backup / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def test_a_damaged_file_is_refused_before_anything_changes(app, backup, empty_target):
    key = json.loads((backup / "manifest.json").read_text())["files"][0]["key"]
    stored = backup / "files" / key[:2] / key
    stored.write_bytes(stored.read_bytes().replace(b"%%EOF", b"%%EOX"))
    target = empty_target(migrated=True)
    assert_refused(target, backup, f"file {key} does not match the manifest")


def test_a_missing_file_is_refused(app, backup, empty_target):
    key = json.loads((backup / "manifest.json").read_text())["files"][0]["key"]
    (backup / "files" / key[:2] / key).unlink()
    target = empty_target(migrated=True)
    assert_refused(target, backup, f"file {key} is listed in the manifest but missing")


def test_a_damaged_database_dump_is_refused(app, backup, empty_target):
    with (backup / DUMP_FILE).open("ab") as fh:
        fh.write(b"\0")
    target = empty_target(migrated=True)
    assert_refused(target, backup, "does not match the manifest")


def test_another_database_kind_is_refused(app, backup, empty_target):
    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[BACKEND]
    edit_manifest(backup, lambda m: m["database"].update(kind=other))
    target = empty_target(migrated=True)
    assert_refused(target, backup, f"the backup holds a {other} database")


def test_an_unknown_revision_is_refused(app, backup, empty_target):
    edit_manifest(backup, lambda m: m["database"].update(alembic_revision="ffffffffffff"))
    target = empty_target(migrated=True)
    assert_refused(target, backup, "revision ffffffffffff, which this version")


def test_an_unfinished_backup_is_refused(app, backup, empty_target):
    (backup / "manifest.json").unlink()
    target = empty_target(migrated=True)
    assert_refused(target, backup, "has no manifest.json")


def test_a_backup_never_overwrites_a_folder(app, filed, runner, tmp_path):
    dest = tmp_path / "used"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    result = runner.invoke(args=["backup", "create", str(dest)])
    assert result.exit_code == 1
    assert "is not an empty folder" in result.output
    assert [p.name for p in dest.iterdir()] == ["keep.txt"]


def test_a_backup_with_a_missing_stored_file_fails_and_leaves_nothing(app, filed, runner, tmp_path):
    key = filed.attachments[0].storage_key
    storage().delete(key)
    dest = tmp_path / "backup"
    result = runner.invoke(args=["backup", "create", str(dest)])
    assert result.exit_code == 1
    assert f"{key} (attachments id=" in result.output
    assert "missing from the storage" in result.output
    assert not dest.exists()


def test_a_missing_postgresql_client_is_named(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(BackupError, match="pg_dump was not found on PATH"):
        backup_database.client_program("pg_dump")


def test_the_postgresql_clients_are_installed(service_unavailable):
    for name in ("pg_dump", "pg_restore"):
        if shutil.which(name) is None:
            service_unavailable(f"{name} is not installed (postgresql-client)")
        assert Path(shutil.which(name)).is_file()


def test_a_target_storage_with_files_is_refused_unless_forced(app, backup, empty_target):
    target = empty_target()
    with target.app_context():
        stray = storage().put(b"someone else's file")
    refused = restore(target, backup)
    assert refused.exit_code == 1
    assert "the target storage already holds files" in refused.output
    with target.app_context():
        assert list(storage().keys()) == [stray.key]
        db.session.remove()
    assert restore(target, backup, "--force").exit_code == 0


def test_a_backup_reads_the_files_from_s3(app, people, runner, s3_settings, tmp_path, empty_target):
    app.config.update(s3_settings)
    app.extensions.pop("registry_storage", None)  # built again from the settings
    notice = submitted_notice(people.provider_a_user)
    db.session.commit()
    key = notice.attachments[0].storage_key
    assert storage().bucket == s3_settings["S3_BUCKET"]
    original = storage().get(key)

    result = runner.invoke(args=["backup", "create", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    target = empty_target()
    assert restore(target, tmp_path / "backup").exit_code == 0
    with target.app_context():
        assert storage().get(key) == original
        db.session.remove()


def test_a_migrated_empty_database_is_a_fine_target(app, backup, empty_target):
    original = snapshot()
    target = empty_target(migrated=True)
    result = restore(target, backup)
    assert result.exit_code == 0, result.output
    with target.app_context():
        assert snapshot() == original
        db.session.remove()
