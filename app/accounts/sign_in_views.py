"""Signing in and out: the password step, the second step (a code, or enrolling a second
factor where one is required), signing out, and keeping an idle session open."""

import logging
import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..activity import operations as activity
from ..activity.models import AccountAction
from ..core.redirects import safe_next
from ..extensions import db
from ..models import utcnow
from . import operations, sessions, throttle, two_factor
from .forms import CodeForm, LoginForm
from .models import User
from .two_factor_views import confirm_enrolment, enrolment_page, recovery_codes_page

# One name for all account views' log lines, as before they were split: searches use it.
log = logging.getLogger(__name__)


def start_session(user: User) -> None:
    """Signs ``user`` in: after sign-in, registration and accepting an invitation."""
    # A fresh session at sign-in: nothing from before (a planted id or flag) survives.
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    sessions.start(user)
    user.last_login_at = utcnow()
    db.session.commit()
    login_user(user)


def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    if form.validate_on_submit():
        throttle.check(form.email.data)
        try:
            user = operations.authenticate(form.email.data, form.password.data)
        except operations.AccountDisabled:
            log.warning("sign-in to a disabled account, e-mail %s", form.email.data)
            form.password.errors.append(
                _(
                    "This account is disabled. Ask your organisation's administrator, who can "
                    "enable it again under “Users of this organisation”; for an FSA account, "
                    "ask the registry's administrator."
                )
            )
            return render_template("accounts/login.html", form=form)
        if user is None:
            throttle.failed(form.email.data)
            # The log formatter escapes CR, LF and other control characters in the address.
            log.warning("failed sign-in for e-mail %s", form.email.data)
            form.password.errors.append(_("The e-mail address or password is not correct."))
        else:
            db.session.commit()
            next_url = safe_next(request.args.get("next"))
            if user.two_factor_enabled or two_factor.required(user):
                _hold_sign_in(user, next_url)
                step = "login_code" if user.two_factor_enabled else "login_enrol"
                return redirect(url_for(f"accounts.{step}"))
            start_session(user)
            return redirect(next_url or url_for("core.index"))
    return render_template("accounts/login.html", form=form)


# --- the second step of signing in ------------------------------------------------------
# After the password, the person is held in the signed session cookie (user id, the
# user's nonce, the time): not signed in, so every page but these two sends them to
# /login, and the hold lapses after TWO_FACTOR_STEP_MINUTES or when the nonce changes.

PENDING = "pending_sign_in"


def _hold_sign_in(user: User, next_url: str | None) -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[PENDING] = {
        "user": user.id,
        "nonce": user.session_nonce,
        "at": int(time.time()),
        "next": next_url,
    }


def _held_user() -> User | None:
    held = session.get(PENDING)
    if not isinstance(held, dict):
        return None
    if time.time() - held.get("at", 0) > current_app.config["TWO_FACTOR_STEP_MINUTES"] * 60:
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, held.get("user"))
    if user is None or not user.active or user.session_nonce != held.get("nonce"):
        return None
    return user


def _start_over():
    flash(_("Your sign-in has timed out. Please sign in again."), "info")
    return redirect(url_for("accounts.login"))


def login_code():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    user = _held_user()
    if user is None or not user.two_factor_enabled:
        return _start_over()
    form = CodeForm()
    if form.validate_on_submit():
        throttle.check(user.email)
        if two_factor.verify(user, form.code.data):
            next_url = session[PENDING].get("next")
            start_session(user)
            return redirect(next_url or url_for("core.index"))
        db.session.rollback()
        throttle.failed(user.email)
        log.warning("wrong second-factor code from %r", request.remote_addr)
        activity.record(AccountAction.WRONG_SIGN_IN_CODE, actor=user, subject=user)
        db.session.commit()
        form.code.errors.append(two_factor.WRONG_CODE)
    return render_template("accounts/login_code.html", form=form)


def login_enrol():
    """Staff without a second factor enrol right after the password step."""
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    user = _held_user()
    if user is None:
        return _start_over()
    if user.two_factor_enabled:
        return redirect(url_for("accounts.login_code"))
    two_factor.start_enrolment(user)
    db.session.commit()
    form = CodeForm()
    if form.validate_on_submit():
        codes = confirm_enrolment(user, form)
        if codes is not None:
            next_url = session[PENDING].get("next")
            start_session(user)
            return recovery_codes_page(codes, next_url or url_for("core.index"))
    return enrolment_page(user, form, url_for("accounts.login_enrol"))


def logout():
    sessions.end(getattr(current_user, "session_token", None))
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


def extend_session():
    """Called by the idle warning's "stay signed in" button: restarts the idle clock."""
    sessions.extend(current_user.session_token)
    db.session.commit()
    return {"idle_seconds": int(sessions.idle_limit().total_seconds())}
