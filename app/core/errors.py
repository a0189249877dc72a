"""Error pages in the user's language, with an incident id and never a traceback."""

import logging
import secrets

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..domain.workflow import NotPermitted, TransitionRefused
from ..extensions import db
from ..labels import refusal

log = logging.getLogger(__name__)

PAGES = (400, 403, 404, 405, 409, 413, 429, 500)


def register_error_handlers(app):
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        code = error.code or 500
        if code not in PAGES:
            return error
        incident = secrets.token_hex(4)
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

    @app.errorhandler(CSRFError)
    def _expired_form(error: CSRFError):
        # An expired token (or session) must not cost the user their answers: show them
        # again in a form with a fresh token that posts to the same place.
        kept = [
            (name, value)
            for name, value in request.form.items(multi=True)
            # Passwords are never written back into a page.
            if name != "csrf_token" and "password" not in name
        ]
        return (
            render_template(
                "core/resubmit.html",
                kept=kept,
                action=request.path,
                lost_files=bool(request.files),
            ),
            400,
        )

    @app.errorhandler(TransitionRefused)
    def _refused(refused: TransitionRefused):
        # An operation refused what the notice's status does not allow: nothing was written.
        db.session.rollback()
        return (
            render_template(
                "core/error.html",
                code=409,
                incident=secrets.token_hex(4),
                description=refusal(refused),
            ),
            409,
        )

    @app.errorhandler(NotPermitted)
    def _not_permitted(refused: NotPermitted):
        db.session.rollback()
        log.warning("refused %s to user on %r", refused.action, request.path)
        return (
            render_template(
                "core/error.html",
                code=403,
                incident=secrets.token_hex(4),
                description=str(refused.reason),
            ),
            403,
        )

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        incident = secrets.token_hex(4)
        log.exception("incident %s on %s %r", incident, request.method, request.path)
        return (
            render_template("core/error.html", code=500, incident=incident, description=None),
            InternalServerError.code,
        )
