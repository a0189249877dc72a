"""The storage contract, run against both backends (the folder and S3 on a loopback server),
then what only the folder or only S3 does."""

import hashlib
import os
import re
import sys
from datetime import UTC, datetime, timedelta

import boto3
import pytest

import app.storage.local as local_module
from app.storage import LocalStorage, Storage, StoredFile, is_valid_key, storage_from_config
from app.storage.s3 import S3Storage


@pytest.fixture
def root(tmp_path):
    return tmp_path / "files"


@pytest.fixture
def local(root):
    return LocalStorage(root)


@pytest.fixture
def s3(s3_settings):
    return storage_from_config(s3_settings)


@pytest.fixture(params=["local", "s3"])
def store(request):
    return request.getfixturevalue(request.param)


def all_files(path):
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())


# --- the contract: the same for every backend ---------------------------------------------


def test_satisfies_protocol(store):
    assert isinstance(store, Storage)
    assert store.ready()


def test_put_get_round_trip(store):
    data = b"%PDF-1.7\n\x00\xff binary \r\n content"
    stored = store.put(data)
    assert isinstance(stored, StoredFile)
    assert re.fullmatch(r"[0-9a-f]{32}", stored.key)
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert store.get(stored.key) == data
    assert store.exists(stored.key)


def test_put_empty_bytes(store):
    stored = store.put(b"")
    assert stored.size == 0
    assert store.get(stored.key) == b""


def test_keys_are_random(store):
    a = store.put(b"same")
    b = store.put(b"same")
    assert a.key != b.key
    assert a.sha256 == b.sha256


def test_a_key_collision_never_replaces_a_file(store, monkeypatch):
    first = store.put(b"first")
    drawn = iter([first.key, "0" * 31 + "1"])
    monkeypatch.setattr(sys.modules[type(store).__module__], "new_key", lambda: next(drawn))
    second = store.put(b"second")
    assert second.key == "0" * 31 + "1"
    assert store.get(first.key) == b"first"
    assert store.get(second.key) == b"second"


def test_write_stores_under_the_given_key_and_replaces(store):
    key = "ab" * 16
    stored = store.write(key, b"restored")
    assert stored == StoredFile(key, 8, hashlib.sha256(b"restored").hexdigest())
    store.write(key, b"again")
    assert store.get(key) == b"again"
    assert list(store.keys()) == [key]


def test_stored_at_is_the_time_of_writing(store):
    before = datetime.now(UTC) - timedelta(seconds=2)
    stored = store.put(b"x")
    when = store.stored_at(stored.key)
    assert when.tzinfo is not None
    assert before <= when <= datetime.now(UTC) + timedelta(seconds=2)
    with pytest.raises(KeyError):
        store.stored_at("e" * 32)


def test_keys_lists_what_was_put(store):
    assert list(store.keys()) == []
    keys = {store.put(bytes([i])).key for i in range(10)}
    listed = list(store.keys())
    assert set(listed) == keys
    assert listed == sorted(listed)


def test_delete(store):
    keep = store.put(b"keep")
    gone = store.put(b"gone")
    store.delete(gone.key)
    assert not store.exists(gone.key)
    with pytest.raises(KeyError):
        store.get(gone.key)
    assert list(store.keys()) == [keep.key]
    assert store.get(keep.key) == b"keep"


def test_delete_missing_key_is_a_no_op(store):
    store.delete("0" * 32)


def test_get_missing_key(store):
    with pytest.raises(KeyError):
        store.get("f" * 32)
    assert not store.exists("f" * 32)


BAD_KEYS = [
    "../../etc/passwd",
    "..",
    "",
    "/etc/passwd",
    "ab/../../secret",
    "0" * 31,
    "0" * 33,
    "A" * 32,  # upper case
    "g" * 32,
    "0" * 32 + "\n",
    "0" * 30 + "/x",
    "..\\..\\windows",
    None,
    123,
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_malformed_keys_are_refused(store, key):
    with pytest.raises(KeyError):
        store.get(key)
    with pytest.raises(KeyError):
        store.delete(key)
    with pytest.raises(KeyError):
        store.write(key, b"x")
    with pytest.raises(KeyError):
        store.stored_at(key)
    assert store.exists(key) is False
    assert list(store.keys()) == []


def test_is_valid_key():
    assert is_valid_key("0123456789abcdef" * 2)
    assert not is_valid_key("0123456789ABCDEF" * 2)


# --- the folder -------------------------------------------------------------------------


def test_root_is_created(root):
    assert not root.exists()
    LocalStorage(root)
    assert root.is_dir()


def test_files_are_sharded(local, root):
    a = local.put(b"same")
    assert (root / a.key[:2] / a.key).is_file()


def test_put_leaves_no_temp_files(local, root):
    keys = {local.put(f"file {i}".encode()).key for i in range(20)}
    assert all_files(root) == sorted(f"{k[:2]}/{k}" for k in keys)


def test_failed_write_leaves_nothing_behind(local, root, monkeypatch):
    def broken_fsync(fd):
        raise OSError("disk on fire")

    monkeypatch.setattr(local_module.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk on fire"):
        local.put(b"data")
    monkeypatch.undo()
    assert all_files(root) == []
    assert list(local.keys()) == []


def test_failed_rename_leaves_nothing_behind(local, root, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(local_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="rename failed"):
        local.put(b"data")
    monkeypatch.undo()
    assert all_files(root) == []


def test_write_is_fsynced_before_rename(local, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(
        local_module.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1]
    )
    monkeypatch.setattr(
        local_module.os,
        "replace",
        lambda s, d: (calls.append("replace"), real_replace(s, d))[1],
    )
    local.put(b"durable")
    assert calls.index("fsync") < calls.index("replace")


def test_keys_ignores_foreign_files(local, root):
    stored = local.put(b"x")
    (root / "README").write_text("not a key")
    (root / "zz").mkdir()
    (root / "zz" / ("z" * 32)).write_text("bad shard")
    shard = root / stored.key[:2]
    (shard / ".tmp-leftover").write_bytes(b"partial")
    (shard / ("0" * 32 if not stored.key.startswith("00") else "1" * 32)).write_bytes(b"wrong")
    assert list(local.keys()) == [stored.key]


def test_traversal_cannot_reach_outside_file(local, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    with pytest.raises(KeyError):
        local.get("../secret.txt")
    with pytest.raises(KeyError):
        local.delete("../secret.txt")
    assert secret.read_text() == "top secret"


# --- S3 -----------------------------------------------------------------------------------


def bucket_client(settings):
    return boto3.client(
        "s3", endpoint_url=settings["S3_ENDPOINT_URL"], region_name=settings["S3_REGION"]
    )


def test_s3_objects_live_under_the_prefix(s3, s3_settings):
    stored = s3.put(b"inside")
    client = bucket_client(s3_settings)
    names = [o["Key"] for o in client.list_objects_v2(Bucket=s3.bucket)["Contents"]]
    assert names == [f"registry/{stored.key}"]


def test_s3_keys_ignore_objects_that_are_not_ours(s3, s3_settings):
    stored = s3.put(b"ours")
    client = bucket_client(s3_settings)
    client.put_object(Bucket=s3.bucket, Key="c" * 32, Body=b"outside the prefix")
    client.put_object(Bucket=s3.bucket, Key="registry/README", Body=b"not a key")
    client.put_object(Bucket=s3.bucket, Key="registry/" + "C" * 32, Body=b"upper case")
    client.put_object(Bucket=s3.bucket, Key="registry/sub/" + "d" * 32, Body=b"nested")
    assert list(s3.keys()) == [stored.key]
    assert not s3.exists("c" * 32)


def test_s3_lists_past_one_page(s3, monkeypatch):
    monkeypatch.setattr(s3, "page_size", 3)
    keys = sorted(s3.put(bytes([i])).key for i in range(8))
    assert list(s3.keys()) == keys


def test_s3_not_ready_without_its_bucket(s3_settings):
    store = storage_from_config({**s3_settings, "S3_BUCKET": "no-such-bucket-here"})
    assert store.ready() is False


def test_s3_not_ready_when_the_server_is_unreachable(s3_settings):
    # Port 9 (discard) on loopback: nothing listens there.
    store = storage_from_config({**s3_settings, "S3_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert store.ready() is False


# --- configuration ------------------------------------------------------------------------


def test_storage_from_config_local(tmp_path):
    path = tmp_path / "store"
    store = storage_from_config({"STORAGE_BACKEND": "local", "STORAGE_PATH": str(path)})
    assert isinstance(store, LocalStorage)
    assert store.root == path
    assert store.get(store.put(b"hi").key) == b"hi"


def test_storage_from_config_defaults_to_local(tmp_path):
    store = storage_from_config({"STORAGE_PATH": tmp_path / "store"})
    assert isinstance(store, LocalStorage)


def test_storage_from_config_requires_path():
    with pytest.raises(ValueError, match="STORAGE_PATH"):
        storage_from_config({"STORAGE_BACKEND": "local"})


def test_storage_from_config_s3(s3_settings):
    store = storage_from_config({**s3_settings, "S3_PREFIX": "/tenant"})
    assert isinstance(store, S3Storage)
    assert (store.bucket, store.prefix) == (s3_settings["S3_BUCKET"], "tenant/")
    assert store.get(store.put(b"hi").key) == b"hi"


def test_storage_from_config_s3_requires_a_bucket():
    with pytest.raises(ValueError, match="S3_BUCKET"):
        storage_from_config({"STORAGE_BACKEND": "s3", "S3_BUCKET": " "})


def test_storage_from_config_unknown_backend(tmp_path):
    with pytest.raises(ValueError, match="STORAGE_BACKEND"):
        storage_from_config({"STORAGE_BACKEND": "ftp", "STORAGE_PATH": str(tmp_path)})


def test_s3_settings_come_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("STORAGE_BACKEND", "s3")
    monkeypatch.setenv("S3_BUCKET", "registry-files")
    monkeypatch.setenv("S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("S3_REGION", "ap-northeast-1")
    monkeypatch.setenv("S3_PREFIX", "prod/")
    config = make_app().config
    assert (config["STORAGE_BACKEND"], config["S3_BUCKET"], config["S3_PREFIX"]) == (
        "s3",
        "registry-files",
        "prod/",
    )
    assert (config["S3_ENDPOINT_URL"], config["S3_REGION"]) == (
        "http://127.0.0.1:9000",
        "ap-northeast-1",
    )
