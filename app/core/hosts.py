"""Requests naming a host outside TRUSTED_HOSTS are refused before anything else runs.

Flask (3.1) checks the Host header against ``TRUSTED_HOSTS`` when it binds the URL map and
keeps the refusal (``SecurityError``, a 400) for dispatch, after the ``before_request``
functions. The first of those re-raises it here, so that nothing (session, rate limiter,
sign-in) runs for such a request, and the 400 page gets URLs bound to a trusted host: the
refused name is never used to build anything.
"""

from flask import request
from flask.globals import request_ctx
from werkzeug.exceptions import SecurityError


def init_app(app):
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_untrusted_host)


def _refuse_untrusted_host():
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception


def bind_urls_to_a_trusted_host(app):
    """Give the request a URL adapter (relative links only) after its host was refused."""
    context = request_ctx._get_current_object()
    if context.url_adapter is not None:
        return
    host = next(iter(app.config["TRUSTED_HOSTS"] or ["localhost"])).lstrip(".")
    context.request.host = host
    context.url_adapter = app.url_map.bind(
        host, script_name=request.root_path or "/", url_scheme=request.scheme
    )
