"""Sign-in throttling per account and per client address (ASVS 6.3.1).

In-process tests use Flask-Limiter's memory storage; the last test starts two gunicorn
workers sharing Redis and shows that the per-account limit holds across them.
"""

import http.client
import itertools
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest

from app.accounts import throttle
from app.accounts.models import Role
from app.extensions import db
from tests.factories import PASSWORD, make_user
from tests.test_accounts import WRONG_CREDENTIALS, field_error, path, url

ROOT = Path(__file__).resolve().parent.parent
PAUSED = "Too many failed sign-in attempts"


@pytest.fixture
def throttled(make_app, people):
    """An app with throttling on (memory storage), 3 failures per account, 6 per address."""
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes",
        LOGIN_LIMIT_PER_ADDRESS="6 per 15 minutes",
    )
    return app


def attempt(client, email, password="not the password", address="192.0.2.1"):
    return client.post(
        url("accounts.login"),
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_the_fourth_failure_for_an_account_is_refused_with_429(throttled, people):
    client = throttled.test_client()
    email = people.provider_a_user.email
    for _ in range(3):
        assert field_error(attempt(client, email), "password") == WRONG_CREDENTIALS

    refused = attempt(client, email)
    assert refused.status_code == 429
    assert PAUSED in refused.text
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    # Even the right password waits: the count is per account, whatever the password.
    assert attempt(client, email, PASSWORD).status_code == 429
    # The same account from another address too (e-mail normalised: case and spaces).
    assert attempt(client, f"  {email.upper()} ", PASSWORD, "198.51.100.7").status_code == 429


def test_the_account_limit_leaves_other_accounts_alone(throttled, people):
    client = throttled.test_client()
    for _ in range(3):
        attempt(client, people.provider_a_user.email)
    response = attempt(client, people.provider_a_admin.email, PASSWORD)
    assert response.status_code == 302


def test_one_address_trying_many_accounts_is_refused(throttled, people):
    client = throttled.test_client()
    for n in range(6):
        assert attempt(client, f"guess{n}@example.com").status_code == 200
    assert attempt(client, "guess99@example.com").status_code == 429
    assert attempt(client, people.provider_a_user.email, PASSWORD).status_code == 429
    # Another address is not affected.
    ok = attempt(client, people.provider_a_user.email, PASSWORD, "198.51.100.7")
    assert ok.status_code == 302


def test_successful_sign_ins_are_not_counted(throttled, people):
    user = people.provider_a_user
    for _ in range(2):
        attempt(throttled.test_client(), user.email)
    # Many honest sign-ins in a row, from one address, never reach either limit.
    for _ in range(10):
        client = throttled.test_client()
        response = attempt(client, user.email, PASSWORD)
        assert response.status_code == 302, response.text
        assert path(client.post(url("accounts.logout"))) == url("accounts.login")


def test_a_wrong_current_password_on_the_change_page_counts(throttled, people, auth):
    client = throttled.test_client()
    auth.login(client, people.provider_a_user)
    for _ in range(3):
        response = client.post(
            url("accounts.change_password"),
            data={
                "current_password": "not my password",
                "new_password": "a brand new passphrase",
                "new_password_confirm": "a brand new passphrase",
            },
        )
        assert response.status_code == 200
    assert attempt(throttled.test_client(), people.provider_a_user.email, PASSWORD).status_code == (
        429
    )


def test_the_429_page_is_in_japanese_too(throttled, people):
    client = throttled.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    for _ in range(3):
        attempt(client, people.provider_a_user.email)
    refused = attempt(client, people.provider_a_user.email)
    assert refused.status_code == 429
    assert "ログインの失敗が続いた" in refused.text


# --- Redis down ---------------------------------------------------------------------------

# Nothing listens on port 1: every connection is refused at once, as when Redis is down.
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(make_app, people):
    throttle._local.storage.reset()  # this process's fallback counts, from earlier tests
    return make_app(
        RATELIMIT_ENABLED=True,
        REDIS_URL=DEAD_REDIS_URL,
        LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes",
        LOGIN_LIMIT_PER_ADDRESS="6 per 15 minutes",
    )


def test_with_redis_down_sign_in_works_and_failures_are_still_counted(redis_down, people, caplog):
    assert redis_down.config["RATELIMIT_STORAGE_URI"] == DEAD_REDIS_URL
    user = people.provider_a_user
    response = attempt(redis_down.test_client(), user.email, PASSWORD)
    assert response.status_code == 302, response.text

    client = redis_down.test_client()
    for _ in range(3):
        assert field_error(attempt(client, user.email), "password") == WRONG_CREDENTIALS
    # Counted in this process's memory while the shared storage is unreachable.
    refused = attempt(client, user.email, PASSWORD)
    assert refused.status_code == 429
    assert PAUSED in refused.text
    assert "rate-limit storage unreachable" in caplog.text


def test_with_redis_down_the_instance_is_ready_and_says_the_limits_are_per_process(redis_down):
    response = redis_down.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["rate_limits"] == "degraded: per process"
    assert response.json["database"] == response.json["storage"] == "ok"


def test_with_redis_down_the_public_verification_page_still_answers(redis_down):
    response = redis_down.test_client().get("/verify?number=AN-2026-000001&code=ABCDEFGHJK")
    assert response.status_code == 200
    assert "not found" in response.text.lower() or "見つかりません" in response.text


# --- across two gunicorn workers sharing Redis ---------------------------------------------

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_or_skip(service_unavailable):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        service_unavailable(f"Redis at {REDIS_URL} cannot be reached ({error})")


def _get(port, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie"), response.read().decode()
    finally:
        connection.close()


def _post(port, path, body, headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@contextmanager
def _gunicorn(env, tmp_path, name):
    """One gunicorn with one worker on a free port; yields the port and its access log,
    whose lines start with the worker's pid."""
    port = _free_port()
    access_log = tmp_path / f"{name}-access.log"
    command = [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}"]
    command += ["--access-logfile", str(access_log), "--access-logformat", "%(p)s %(s)s %(U)s"]
    command += ["wsgi:app"]
    output = tmp_path / f"{name}.log"
    with output.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603 - our own command line
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(port, "/healthz")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{output.read_text()}")
                time.sleep(0.2)
        yield port, access_log
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_with_redis_up_the_readiness_check_says_the_limits_are_shared(
    make_app, service_unavailable
):
    _redis_or_skip(service_unavailable)
    app = make_app(RATELIMIT_ENABLED=True, REDIS_URL=REDIS_URL)
    assert app.test_client().get("/readyz").json["rate_limits"] == "ok"


@pytest.fixture
def two_workers(app, database_url, tmp_path, service_unavailable):
    """Two gunicorn workers on the test database, throttling in Redis under a fresh key
    prefix. Each is a server of its own on its own port, as two app machines behind a
    load balancer would be, so that the test decides which one takes each request (two
    workers behind one socket share the requests as the kernel pleases)."""
    _redis_or_skip(service_unavailable)
    prefix = f"test-{secrets.token_hex(6)}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test",
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": "100 per 15 minutes",
        "STORAGE_PATH": str(tmp_path / "files"),
    }
    try:
        with _gunicorn(env, tmp_path, "one") as one, _gunicorn(env, tmp_path, "two") as two:
            yield [one, two]
    finally:
        import redis

        store = redis.Redis.from_url(REDIS_URL)
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)


def test_the_account_limit_holds_across_two_workers(app, two_workers):
    user = make_user(Role.PROVIDER_USER)
    db.session.commit()
    attempts = itertools.count()

    def fresh_attempt(password):
        # Each attempt goes to the other worker, on a new connection with a new session.
        port, _ = two_workers[next(attempts) % 2]
        _, cookie, page = _get(port, "/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
        body = urlencode({"email": user.email, "password": password, "csrf_token": token})
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie.split(";")[0],
        }
        return _post(port, "/login", body, headers)

    # Five failures, three on one worker and two on the other: neither alone reached five.
    statuses = [fresh_attempt("not the password") for _ in range(5)]
    assert statuses == [200] * 5
    # Every further try is refused on both workers, the right password too.
    later = [fresh_attempt(p) for p in ("not the password", PASSWORD) * 4]
    assert later == [429] * 8
    # Two different processes answered.
    pids = set()
    for _, access_log in two_workers:
        lines = [line.split() for line in access_log.read_text().splitlines()]
        posts = [pid for pid, status, where in lines if where == "/login"]
        assert posts, lines
        pids.update(posts)
    assert len(pids) == 2
