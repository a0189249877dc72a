"""Configuration: secrets, the database URL and the SQLite connection settings.

``create_app`` puts the instance folder at ``<project>/instance`` (``ROOT`` in app/__init__.py).
These tests point ``ROOT`` at a temporary folder, so that they never read the real
instance/config.py nor write the real instance/secret_key.
"""

import pytest

import app as app_package
from app import create_app
from app.extensions import db

TEST_DATABASE = "sqlite://"  # in memory: these apps never touch the test database


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """The instance folder of apps created in this test: tmp_path/instance, not yet made."""
    monkeypatch.setattr(app_package, "ROOT", tmp_path)
    for name in ("APP_ENV", "SECRET_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "instance"


def test_production_without_secret_key_refuses_to_start(instance, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")

    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": TEST_DATABASE})

    assert not (instance / "secret_key").exists()


def test_production_takes_the_secret_key_from_the_environment(instance, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)

    app = create_app({"SQLALCHEMY_DATABASE_URI": TEST_DATABASE})

    assert app.config["SECRET_KEY"] == "s" * 64
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DEMO"] is False
    assert not (instance / "secret_key").exists()


def test_development_generates_the_secret_key_once_and_reuses_it(instance):
    first = create_app({"SQLALCHEMY_DATABASE_URI": TEST_DATABASE})
    key_file = instance / "secret_key"

    assert first.instance_path == str(instance)
    assert key_file.read_text().strip() == first.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 64
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only

    second = create_app({"SQLALCHEMY_DATABASE_URI": TEST_DATABASE})
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_database_url_from_the_environment_overrides_the_default(instance, monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("DATABASE_URL", url)

    app = create_app({"SECRET_KEY": "test"})

    assert app.config["SQLALCHEMY_DATABASE_URI"] == url
    with app.app_context():
        assert db.engine.url.database == str(tmp_path / "elsewhere.db")


def test_the_clock_settings_come_from_the_environment_as_numbers(instance, monkeypatch):
    monkeypatch.setenv("INFORMATION_REPLY_MIN_BUSINESS_DAYS", "3")
    monkeypatch.setenv("INFORMATION_REPLY_BUSINESS_DAYS", "15")

    app = create_app({"SQLALCHEMY_DATABASE_URI": TEST_DATABASE, "SECRET_KEY": "test"})

    assert app.config["INFORMATION_REPLY_MIN_BUSINESS_DAYS"] == 3
    assert app.config["INFORMATION_REPLY_BUSINESS_DAYS"] == 15


def test_without_database_url_the_database_is_in_the_instance_folder(instance):
    app = create_app({"SECRET_KEY": "test"})

    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'registry.db'}"


def test_passwords_are_hashed_with_scrypt_outside_tests(instance):
    app = create_app({"SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": TEST_DATABASE})

    assert app.config["PASSWORD_HASH"] == "scrypt"


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite connection settings; this run uses PostgreSQL")
    with db.engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA busy_timeout").scalar() >= 5000
