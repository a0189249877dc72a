"""Who may reach what: login everywhere except a short allowlist, and role decorators."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..core.errors import kept_answers, resubmit_page
from ..core.redirects import safe_next
from ..extensions import login_manager
from . import sessions, two_factor
from .models import REVIEW_ROLES, Role

# Every other endpoint requires a signed-in user.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "core.index",
        "core.set_language",
        "core.healthz",
        "core.readyz",
        "accounts.login",
        # The second step of signing in: not signed in yet (see views.login_code).
        "accounts.login_code",
        "accounts.login_enrol",
        "accounts.register",
        "accounts.accept_invitation",
        "accounts.forgot_password",
        "accounts.reset_password",
        "public.register",
        "public.register_csv",
        "public.register_json",
        "acknowledgements.verify",
        "acknowledgements.verify_upload",
    }
)

# What a signed-in person who must have a second factor but has none (staff signed in
# before it became compulsory, users of an organisation that has just required it) may
# still reach.
ENROLMENT_ENDPOINTS = frozenset({"accounts.two_factor", "accounts.logout"})


def init_app(app):
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.unauthorized_handler(_sign_in_first)

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _, token = session_id.partition(":")
        if not user_id.isdigit() or not token:
            return None
        return sessions.resume(int(user_id), token)

    @app.before_request
    def _require_login():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        # Whoever must have a second factor and has none does nothing else until enrolled.
        if two_factor.required(current_user) and request.endpoint not in ENROLMENT_ENDPOINTS:
            return redirect(url_for("accounts.two_factor"))
        return None


SIGNED_OUT = _l(
    "You have been signed out, so this was not saved. Sign in again in another tab, then "
    "come back to this page and save: what you typed is still here."
)


def _sign_in_first():
    """A request that needs a signed-in person, from someone who is not (any more).

    A script (an autosave) gets 401 and a sentence to show, not the sign-in page it could
    not show. A person goes to the sign-in page and, once signed in, back to where they
    were: the page itself, or for a form they sent the page the form was on (the address
    a form is sent to may answer only POST)."""
    if request.headers.get("X-Autosave") or request.accept_mimetypes.best == "application/json":
        return {"signed_out": True, "message": str(SIGNED_OUT)}, 401
    back = _where_the_person_was()
    if request.method == "POST" and back and kept_answers():
        # Answers sent from one of our pages: kept on a page that sends them again once
        # the person has signed in (in another tab), instead of lost on the way.
        return resubmit_page(401)
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(url_for(login_manager.login_view, next=back))


def _where_the_person_was() -> str | None:
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


def roles_required(*roles: Role):
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


provider_required = roles_required(Role.PROVIDER_USER, Role.PROVIDER_ADMIN)
provider_admin_required = roles_required(Role.PROVIDER_ADMIN)
review_staff_required = roles_required(*REVIEW_ROLES)
administrator_required = roles_required(Role.ADMINISTRATOR)
