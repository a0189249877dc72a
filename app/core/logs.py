"""Log lines that user input cannot forge, and one line for every refusal.

Every record is formatted on one line: time, level, logger, the request's id (also the
incident reference on error pages), the signed-in user's id, the remote address, then the
message with CR, LF and every other control character written as an escape (``\\r``,
``\\n``, ``\\x1b``, ``\\u2028``). A traceback follows on lines that start with ``  | ``,
so no text from a request can start a line of its own.

The handler goes on the root logger when nothing else has configured logging (``flask
run``, gunicorn, the CLI); a host that configures its own handlers can use ``SafeFormatter``.
"""

import logging
import re
import secrets
import sys

from flask import g, has_request_context, request
from sqlalchemy import inspect

FORMAT = (
    "%(asctime)s %(levelname)s %(name)s "
    "request=%(request_id)s user=%(user_id)s addr=%(remote_addr)s %(message)s"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}
# ANSI colour and style sequences (SGR), as werkzeug's development server writes them.
_COLOURS = re.compile(r"\x1b\[[0-9;]*m")

refusals = logging.getLogger("app.refusals")


def escape(text: str) -> str:
    """``text`` with every control character (and Unicode line break) escaped."""
    return _CONTROL.sub(_escaped, text)


def _escaped(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def request_id() -> str:
    """This request's id, made on first use; error pages show it as the incident reference."""
    if "request_id" not in g:
        g.request_id = secrets.token_hex(4)
    return g.request_id


def _signed_in_user_id():
    # Flask-Login keeps the loaded user in g; reading its identity emits no SQL.
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return "-"
    try:
        identity = inspect(user).identity
    except Exception:  # noqa: BLE001 - a log line must never fail
        return "?"
    return identity[0] if identity else "?"


class SafeFormatter(logging.Formatter):
    def __init__(self, fmt: str = FORMAT):
        super().__init__(fmt)

    def format(self, record: logging.LogRecord) -> str:
        context = {"request_id": "-", "user_id": "-", "remote_addr": "-"}
        if has_request_context():
            context = {
                "request_id": request_id(),
                "user_id": _signed_in_user_id(),
                "remote_addr": escape(str(request.remote_addr or "-")),
            }
        for name, value in context.items():
            setattr(record, name, value)
        saved = record.msg, record.args
        message = record.getMessage()
        if record.name == "werkzeug":
            # The development server colours its banner and request lines; the colours
            # go (they would show as \x1b[1m...), every other control is still escaped.
            message = _COLOURS.sub("", message)
        record.msg, record.args = escape(message), None
        try:
            return super().format(record)
        finally:
            record.msg, record.args = saved

    def formatException(self, exc_info) -> str:
        return _continuation(super().formatException(exc_info))

    def formatStack(self, stack_info: str) -> str:
        return _continuation(super().formatStack(stack_info))


def _continuation(text: str) -> str:
    return "\n".join(f"  | {escape(line)}" for line in text.splitlines())


def init_app(app):
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(SafeFormatter())
        root.addHandler(handler)
    # The registry's own INFO lines; libraries stay at the root's level (WARNING).
    registry = logging.getLogger("app")
    if registry.level == logging.NOTSET:
        registry.setLevel(logging.INFO)


def refusal(code: int, reason: str) -> None:
    """One warning per refused request: who, which endpoint, why (later calls add nothing)."""
    if g.get("refusal_logged"):
        return
    g.refusal_logged = True
    refusals.warning(
        "refused %s to user %s on %s %s endpoint=%s reason=%s",
        code,
        _signed_in_user_id(),
        request.method,
        request.path,
        request.endpoint,
        reason,
    )
