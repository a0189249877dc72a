"""Sign-in throttling per account and per client address (ASVS 6.3.1).

Failures only are counted (a wrong password, a wrong code), in Flask-Limiter's storage:
Redis when REDIS_URL is set, so that the count holds across every worker. A request from
an address or for an account that is over its limit is refused with 429 before any
password is checked, so a success never costs an honest user a try.
"""

import time

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from limits import parse
from werkzeug.exceptions import TooManyRequests

from ..extensions import limiter
from .operations import normalise_email


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _keys(email: str | None):
    config = current_app.config
    prefix = config.get("RATELIMIT_KEY_PREFIX", "")
    address = request.remote_addr or "unknown"
    yield parse(config["LOGIN_LIMIT_PER_ADDRESS"]), (prefix, "sign-in-address", address)
    if email:
        account = normalise_email(email)
        yield parse(config["LOGIN_LIMIT_PER_ACCOUNT"]), (prefix, "sign-in-account", account)


def check(email: str | None) -> None:
    """Refuse with 429 when the address or the account has used up its tries."""
    if not _enabled():
        return
    for item, key in _keys(email):
        if not limiter.limiter.test(item, *key):
            reset = limiter.limiter.get_window_stats(item, *key).reset_time
            error = TooManyRequests(retry_after=max(1, int(reset - time.time())))
            error.reason = _l(
                "Too many failed sign-in attempts. For your security, signing in is paused "
                "for a while; try again later."
            )
            raise error


def failed(email: str | None) -> None:
    """Count one failure against the address and the account."""
    if not _enabled():
        return
    for item, key in _keys(email):
        limiter.limiter.hit(item, *key)
