"""`flask storage verify` finds missing, orphaned and corrupted files, on the folder and on
S3, and does not mistake an upload or a removal in progress for a problem."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.files import storage
from app.storage import LocalStorage, references, verify
from tests.conftest import delete_all_rows
from tests.filing_helpers import attach_pdf, complete_draft, minimal_pdf


@pytest.fixture(params=["local", "s3"])
def app(request, make_app):
    settings = request.getfixturevalue("s3_settings") if request.param == "s3" else {}
    app = make_app(**settings)
    with app.app_context():
        yield app
        db.session.remove()
        delete_all_rows()


@pytest.fixture
def attachment(app, people):
    notice = complete_draft(people.provider_a_user)
    db.session.commit()
    return notice.attachments[0]


def run_verify(runner, *args):
    result = runner.invoke(args=["storage", "verify", *args])
    return result.exit_code, result.output


def test_a_clean_store_passes(app, runner, people, attachment):
    second = attach_pdf(attachment.notice, people.provider_a_user, data=minimal_pdf(2))
    db.session.commit()
    code, output = run_verify(runner)
    assert code == 0, output
    assert "2 references, 2 stored files, 2 hashed; 0 missing, 0 orphaned, 0 hash mismatches" in (
        output
    )
    assert second.storage_key not in output


def test_the_backend_is_the_configured_one(app, attachment):
    expected = app.config["STORAGE_BACKEND"]
    assert isinstance(storage(), LocalStorage) == (expected == "local")


def test_a_missing_file_is_reported_with_its_row(runner, attachment):
    storage().delete(attachment.storage_key)
    code, output = run_verify(runner)
    assert code == 1
    assert (
        f"MISSING: {attachment.storage_key} (attachments id={attachment.id} "
        f"notice_id={attachment.notice_id}): no stored object"
    ) in output
    assert "1 missing, 0 orphaned, 0 hash mismatches" in output


def test_corrupted_bytes_are_reported(runner, attachment):
    storage().write(attachment.storage_key, b"%PDF-1.7 tampered")
    code, output = run_verify(runner)
    assert code == 1
    assert f"HASH MISMATCH: {attachment.storage_key} (attachments id={attachment.id}" in output
    assert f"the row says {attachment.size} bytes, sha256 {attachment.sha256}" in output
    assert "0 missing, 0 orphaned, 1 hash mismatches" in output


def test_a_same_size_change_is_caught_by_the_hash(runner, attachment):
    data = bytearray(storage().get(attachment.storage_key))
    data[-20] ^= 0x01
    storage().write(attachment.storage_key, bytes(data))
    code, output = run_verify(runner)
    assert code == 1
    assert "1 hash mismatches" in output


def test_a_new_orphan_is_not_judged_within_the_grace_period(runner, attachment):
    storage().put(b"an upload whose row is not committed yet")
    code, output = run_verify(runner)
    assert code == 0, output
    assert "0 orphaned" in output
    assert "1 unreferenced files younger than 60 minutes not judged" in output


def test_an_orphan_past_the_grace_period_is_reported(runner, attachment):
    orphan = storage().put(b"left behind")
    code, output = run_verify(runner, "--grace-minutes", "0")
    assert code == 1
    assert f"ORPHAN: {orphan.key}: no row refers to it" in output
    assert "0 missing, 1 orphaned, 0 hash mismatches" in output
    assert storage().exists(orphan.key)


def test_orphans_can_be_deleted(runner, attachment):
    orphan = storage().put(b"left behind")
    code, output = run_verify(runner, "--grace-minutes", "0", "--delete-orphans")
    assert code == 0, output
    assert "deleted 1 orphans" in output
    assert not storage().exists(orphan.key)
    assert storage().exists(attachment.storage_key)
    assert run_verify(runner, "--grace-minutes", "0")[0] == 0


def test_every_kind_at_once_names_each(runner, people, attachment):
    other = attach_pdf(attachment.notice, people.provider_a_user, data=minimal_pdf(3))
    db.session.commit()
    storage().delete(attachment.storage_key)
    storage().write(other.storage_key, b"rotten")
    orphan = storage().put(b"stray")
    code, output = run_verify(runner, "--grace-minutes", "0", "--delete-orphans")
    assert code == 1  # the missing and the corrupted file remain
    assert "1 missing, 1 orphaned, 1 hash mismatches" in output
    assert not storage().exists(orphan.key)


# --- races with requests in progress (the comparison itself, on a folder) ------------------


def ref(key, data=b"x"):
    return references.Reference(
        "attachments", "id=1", key, len(data), hashlib.sha256(data).hexdigest()
    )


def test_a_file_removed_with_its_row_meanwhile_is_not_missing(tmp_path):
    store = LocalStorage(tmp_path)
    report = verify.verify(
        store, [ref("a" * 32)], is_referenced=lambda key: False, now=datetime.now(UTC)
    )
    assert report.problems == []


def test_an_orphan_whose_row_was_committed_meanwhile_is_not_reported(tmp_path):
    store = LocalStorage(tmp_path)
    stored = store.put(b"x")
    report = verify.verify(
        store,
        [],
        is_referenced=lambda key: key == stored.key,
        now=datetime.now(UTC) + timedelta(days=1),
    )
    assert report.problems == []
    assert report.too_young == 0


def test_an_old_orphan_on_disk_is_reported_with_the_default_grace(tmp_path):
    store = LocalStorage(tmp_path)
    stored = store.put(b"x")
    report = verify.verify(
        store, [], is_referenced=lambda key: False, now=datetime.now(UTC) + timedelta(hours=2)
    )
    assert [(p.kind, p.key) for p in report.problems] == [(verify.ORPHAN, stored.key)]


def test_every_table_with_a_storage_key_is_checked(app):
    assert [t.name for t in references.referring_tables(db.metadata)] == ["attachments"]
