"""Sign-in throttling per account and per client address (ASVS 6.3.1).

Failures only are counted (a wrong password, a wrong code), in Flask-Limiter's storage:
Redis when REDIS_URL is set, so that the count holds across every worker. A request from
an address or for an account that is over its limit is refused with 429 before any
password is checked, so a success never costs an honest user a try.

When the shared storage cannot be reached (Redis down or unreachable), sign-in does not
fail: each process goes on counting in its own memory, with the same limits, and logs a
warning. The limits then hold per process rather than across all of them, until the
storage answers again (tried on every sign-in).
"""

import logging
import time

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from ..extensions import limiter
from .operations import normalise_email

logger = logging.getLogger(__name__)

# This process's own count while the shared storage is unreachable.
_local = FixedWindowRateLimiter(MemoryStorage())


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


def _shared_or_local(operation: str, item, key):
    """Run ``operation`` ('test', 'hit' or 'get_window_stats') on the shared storage,
    or on this process's memory when the shared one fails."""
    try:
        return getattr(limiter.limiter, operation)(item, *key)
    except StorageError as error:
        logger.warning(
            "sign-in throttle: rate-limit storage unreachable (%s); counting in this process",
            type(error.storage_error).__name__,
        )
        return getattr(_local, operation)(item, *key)


def check(email: str | None) -> None:
    """Refuse with 429 when the address or the account has used up its tries."""
    if not _enabled():
        return
    for item, key in _keys(email):
        if not _shared_or_local("test", item, key):
            reset = _shared_or_local("get_window_stats", item, key).reset_time
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
        _shared_or_local("hit", item, key)
