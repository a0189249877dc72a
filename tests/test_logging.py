"""Log lines cannot be forged from user input; failed sign-ins and refusals are logged."""

import logging

import pytest

from app.core import logs
from tests.filing_helpers import complete_draft

FORGED = "mallory@example.jp\r\nFAKE LOG LINE"


@pytest.fixture
def lines(caplog):
    """caplog's records formatted by the registry's own formatter, one string per record."""
    caplog.set_level(logging.INFO)
    caplog.handler.setFormatter(logs.SafeFormatter())
    return lambda: caplog.text.splitlines()


def test_escape_writes_control_characters_and_line_separators_as_escapes():
    assert logs.escape("a\r\nb\tc\x1b[31m\x00\x85\u2028d") == (
        "a\\r\\nb\\tc\\x1b[31m\\x00\\x85\\u2028d"
    )
    assert logs.escape("メール 送信") == "メール 送信"


def test_the_development_servers_colours_are_dropped_other_controls_still_escaped(lines):
    server = logging.getLogger("werkzeug")
    server.warning("\x1b[31m\x1b[1mWARNING: This is a development server.\x1b[0m")
    server.warning('"GET /a\x1b]0;title\x07\r\nFAKE HTTP/1.1" 404 -')
    logging.getLogger("app.test").warning("\x1b[31mred\x1b[0m")

    banner, request_line, ours = lines()
    assert banner.endswith("addr=- WARNING: This is a development server.")
    assert request_line.endswith('"GET /a\\x1b]0;title\\x07\\r\\nFAKE HTTP/1.1" 404 -')
    assert ours.endswith("\\x1b[31mred\\x1b[0m")


def test_a_forged_email_at_sign_in_makes_one_line_with_cr_and_lf_escaped(client, people, lines):
    response = client.post("/login", data={"email": FORGED, "password": "wrong"})

    assert response.status_code == 200
    failed = [line for line in lines() if "failed sign-in" in line]
    assert len(failed) == 1
    assert "mallory@example.jp\\r\\nFAKE LOG LINE" in failed[0]
    assert not any(line.startswith("FAKE LOG LINE") for line in lines())
    assert " WARNING app.accounts.sign_in_views request=" in failed[0]
    assert "addr=127.0.0.1" in failed[0]


def test_a_traceback_cannot_start_a_line_of_its_own(lines):
    try:
        raise ValueError("bad value\nFAKE LOG LINE")
    except ValueError:
        logging.getLogger("app.test").exception("handling %s", "x\r\ny")

    text = lines()
    assert text[0].endswith("handling x\\r\\ny")
    assert all(line.startswith("  | ") for line in text[1:])
    assert any("FAKE LOG LINE" in line for line in text[1:])


def test_a_provider_on_a_staff_route_is_refused_and_logged_once(client, people, auth, lines):
    auth.login(client, people.provider_a_user)

    response = client.get("/review/")

    assert response.status_code == 403
    refused = [line for line in lines() if "app.refusals" in line]
    assert len(refused) == 1
    assert f"user={people.provider_a_user.id} " in refused[0]
    assert f"refused 403 to user {people.provider_a_user.id} on GET /review/" in refused[0]
    assert "endpoint=review.queue reason=role provider_user not allowed" in refused[0]


def test_another_providers_notice_is_not_found_and_the_probe_is_logged(client, people, auth, lines):
    theirs = complete_draft(people.provider_b)
    auth.login(client, people.provider_a_user)

    response = client.get(f"/notices/{theirs.id}")
    missing = client.get("/notices/999999")

    assert response.status_code == missing.status_code == 404
    refused = [line for line in lines() if "app.refusals" in line]
    assert len(refused) == 1
    assert f"GET /notices/{theirs.id} endpoint=filing.show" in refused[0]
    assert "reason=notice of another organisation" in refused[0]


def test_a_refused_csrf_token_is_logged(make_app, people, lines):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()

    response = client.post("/login", data={"email": "a@example.jp", "password": "x"})

    assert response.status_code == 400
    refused = [line for line in lines() if "app.refusals" in line]
    assert len(refused) == 1
    assert "refused 400 to user - on POST /login endpoint=accounts.login reason=CSRF" in refused[0]


def test_too_many_requests_are_logged(make_app, people, lines):
    client = make_app(RATELIMIT_ENABLED=True).test_client()

    codes = [client.get("/verify?receipt=X&code=Y").status_code for _ in range(40)]

    assert 429 in codes
    refused = [line for line in lines() if "app.refusals" in line]
    assert len(refused) == codes.count(429)
    assert "refused 429" in refused[0]
