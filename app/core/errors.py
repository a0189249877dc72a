"""Error pages in the user's language, with an incident id and never a traceback."""

import logging

from flask import render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from ..domain.workflow import NotPermitted, TransitionRefused
from ..extensions import db
from ..labels import refusal
from . import hosts, logs

log = logging.getLogger(__name__)

PAGES = (400, 403, 404, 405, 409, 413, 429, 500)
# Refusals logged whatever raised them (a 404 is logged where it hides another
# organisation's data, see app/filing/access.py).
LOGGED_REFUSALS = (403, 429)


def kept_answers() -> list[tuple[str, str]]:
    """What the form sent, but its token and any password (never written into a page)."""
    return [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name != "csrf_token" and "password" not in name
    ]


def resubmit_page(status: int):
    """A form that could not be taken (its token expired, or its sender was signed out)
    must not cost its answers: they are shown again in a form with a fresh token that posts
    to the same place."""
    return (
        render_template(
            "core/resubmit.html",
            kept=kept_answers(),
            action=request.path,
            lost_files=bool(request.files),
        ),
        status,
    )


def register_error_handlers(app):
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        code = error.code or 500
        if code not in PAGES:
            return error
        if code in LOGGED_REFUSALS:
            logs.refusal(code, _reason(error))
        incident = logs.request_id()
        description = getattr(error, "reason", None)
        # Retry-After on a 429 tells the client when to come back.
        headers = [(name, value) for name, value in error.get_headers() if name == "Retry-After"]
        return (
            render_template(
                "core/error.html", code=code, incident=incident, description=description
            ),
            code,
            headers,
        )

    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError):
        hosts.bind_urls_to_a_trusted_host(app)
        logs.refusal(400, "host not in TRUSTED_HOSTS")
        return _http_error(error)

    @app.errorhandler(CSRFError)
    def _expired_form(error: CSRFError):
        logs.refusal(400, f"CSRF: {error.description}")
        return resubmit_page(400)

    @app.errorhandler(TransitionRefused)
    def _refused(refused: TransitionRefused):
        # An operation refused what the notice's status does not allow: nothing was written.
        db.session.rollback()
        return (
            render_template(
                "core/error.html",
                code=409,
                incident=logs.request_id(),
                description=refusal(refused),
            ),
            409,
        )

    @app.errorhandler(NotPermitted)
    def _not_permitted(refused: NotPermitted):
        db.session.rollback()
        logs.refusal(403, f"{refused.action} not permitted")
        return (
            render_template(
                "core/error.html",
                code=403,
                incident=logs.request_id(),
                description=str(refused.reason),
            ),
            403,
        )

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        incident = logs.request_id()
        log.exception("incident %s on %s %r", incident, request.method, request.path)
        return (
            render_template("core/error.html", code=500, incident=incident, description=None),
            InternalServerError.code,
        )


def _reason(error: HTTPException) -> str:
    if error.code == 403:
        role = getattr(current_user, "role", None)
        return f"role {getattr(role, 'value', role)} not allowed"
    return error.description or error.name
