"""PROXY_FIX_X_*: X-Forwarded-* headers count only when the operator says a proxy sets them."""

from flask import request

FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "registry.example.jp",
}


def seen_by(app, headers) -> str:
    """The client address, scheme and host the app saw for a request to /healthz."""
    seen = []

    @app.after_request
    def record(response):
        seen.append(f"{request.remote_addr} {request.scheme} {request.host}")
        return response

    assert app.test_client().get("/healthz", headers=headers).status_code == 200
    return seen[0]


def test_forwarded_headers_are_ignored_by_default(make_app):
    app = make_app()
    assert seen_by(app, FORWARDED) == "127.0.0.1 http localhost"


def test_one_trusted_proxy_gives_the_client_address_scheme_and_host(make_app):
    app = make_app(PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1, PROXY_FIX_X_HOST=1)
    headers = {**FORWARDED, "X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    # Only the last hop, the one our proxy added, is trusted; a forged first entry is not.
    assert seen_by(app, headers) == "203.0.113.7 https registry.example.jp"


def test_the_setting_comes_from_the_environment(monkeypatch, make_app):
    monkeypatch.setenv("PROXY_FIX_X_PROTO", "1")
    app = make_app()
    assert seen_by(app, FORWARDED) == "127.0.0.1 https localhost"
