"""Host headers outside TRUSTED_HOSTS get the registry's own 400 page; listed hosts are served."""

import pytest

from app import create_app

MEMORY = "sqlite://"


@pytest.fixture
def guarded(make_app):
    return make_app(TRUSTED_HOSTS=["registry.example.jp", ".fsa.example.jp"]).test_client()


@pytest.mark.parametrize(
    "host", ["registry.example.jp", "registry.example.jp:8443", "review.fsa.example.jp"]
)
def test_a_trusted_host_is_served(guarded, host):
    response = guarded.get("/login", headers={"Host": host})

    assert response.status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example", "registry.example.jp.evil.example", "evil-host.example:1:2"]
)
def test_any_other_host_gets_the_bilingual_400_page(guarded, host):
    english = guarded.get("/login", headers={"Host": host})
    japanese = guarded.get("/login", headers={"Host": host, "Accept-Language": "ja"})

    assert english.status_code == 400
    assert "The request could not be understood" in english.text
    assert "Incident reference" in english.text
    assert japanese.status_code == 400
    assert '<html lang="ja"' in japanese.text
    assert "The request could not be understood" not in japanese.text
    # The refused host is never echoed into the page (links included).
    assert host.split(":")[0] not in english.text


def test_a_post_to_a_refused_host_changes_nothing(guarded, people):
    response = guarded.post(
        "/login",
        data={"email": people.provider_a_user.email, "password": "wrong"},
        headers={"Host": "evil.example"},
    )

    assert response.status_code == 400


def test_development_and_tests_accept_any_host_by_default(client):
    assert client.application.config["TRUSTED_HOSTS"] is None
    assert client.get("/login", headers={"Host": "anything.example"}).status_code == 200


def test_environment_list_is_comma_separated(monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", " registry.example.jp, .fsa.example.jp ,")

    app = create_app({"SQLALCHEMY_DATABASE_URI": MEMORY, "SECRET_KEY": "k"})

    assert app.config["TRUSTED_HOSTS"] == ["registry.example.jp", ".fsa.example.jp"]


def test_production_defaults_to_the_host_of_the_public_address(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://notices.example.jp/registry")

    app = create_app({"SQLALCHEMY_DATABASE_URI": MEMORY})

    assert app.config["TRUSTED_HOSTS"] == ["notices.example.jp"]
