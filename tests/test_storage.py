import hashlib
import os
import re

import pytest

import app.storage as storage_module
from app.storage import (
    LocalStorage,
    Storage,
    StoredFile,
    is_valid_key,
    storage_from_config,
)


@pytest.fixture
def root(tmp_path):
    return tmp_path / "files"


@pytest.fixture
def store(root):
    return LocalStorage(root)


def all_files(path):
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())


def test_local_storage_satisfies_protocol(store):
    assert isinstance(store, Storage)


def test_root_is_created(root):
    assert not root.exists()
    LocalStorage(root)
    assert root.is_dir()


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


def test_keys_are_random_and_sharded(store, root):
    a = store.put(b"same")
    b = store.put(b"same")
    assert a.key != b.key
    assert a.sha256 == b.sha256
    assert (root / a.key[:2] / a.key).is_file()
    assert (root / b.key[:2] / b.key).is_file()


def test_put_leaves_no_temp_files(store, root):
    keys = {store.put(f"file {i}".encode()).key for i in range(20)}
    assert all_files(root) == sorted(f"{k[:2]}/{k}" for k in keys)


def test_failed_write_leaves_nothing_behind(store, root, monkeypatch):
    def broken_fsync(fd):
        raise OSError("disk on fire")

    monkeypatch.setattr(storage_module.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk on fire"):
        store.put(b"data")
    monkeypatch.undo()
    assert all_files(root) == []
    assert list(store.keys()) == []


def test_failed_rename_leaves_nothing_behind(store, root, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(storage_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="rename failed"):
        store.put(b"data")
    monkeypatch.undo()
    assert all_files(root) == []


def test_write_is_fsynced_before_rename(store, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(
        storage_module.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1]
    )
    monkeypatch.setattr(
        storage_module.os,
        "replace",
        lambda s, d: (calls.append("replace"), real_replace(s, d))[1],
    )
    store.put(b"durable")
    assert calls.index("fsync") < calls.index("replace")


def test_keys_lists_what_was_put(store):
    assert list(store.keys()) == []
    keys = {store.put(bytes([i])).key for i in range(10)}
    listed = list(store.keys())
    assert set(listed) == keys
    assert listed == sorted(listed)


def test_keys_ignores_foreign_files(store, root):
    stored = store.put(b"x")
    (root / "README").write_text("not a key")
    (root / "zz").mkdir()
    (root / "zz" / ("z" * 32)).write_text("bad shard")
    shard = root / stored.key[:2]
    (shard / ".tmp-leftover").write_bytes(b"partial")
    (shard / ("0" * 32 if not stored.key.startswith("00") else "1" * 32)).write_bytes(b"wrong")
    assert list(store.keys()) == [stored.key]


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
def test_get_refuses_malformed_keys(store, key):
    with pytest.raises(KeyError):
        store.get(key)


@pytest.mark.parametrize("key", BAD_KEYS)
def test_delete_refuses_malformed_keys(store, key):
    with pytest.raises(KeyError):
        store.delete(key)


@pytest.mark.parametrize("key", BAD_KEYS)
def test_exists_is_false_for_malformed_keys(store, key):
    assert store.exists(key) is False


def test_traversal_cannot_reach_outside_file(store, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    with pytest.raises(KeyError):
        store.get("../secret.txt")
    with pytest.raises(KeyError):
        store.delete("../secret.txt")
    assert secret.read_text() == "top secret"


def test_is_valid_key():
    assert is_valid_key("0123456789abcdef" * 2)
    assert not is_valid_key("0123456789ABCDEF" * 2)


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


def test_storage_from_config_unknown_backend(tmp_path):
    with pytest.raises(ValueError, match="STORAGE_BACKEND"):
        storage_from_config({"STORAGE_BACKEND": "ftp", "STORAGE_PATH": str(tmp_path)})
