"""The signed-in person's own account: the account page, the password, two-step sign-in
and recovery codes, other browsers' sessions; and signing up a new organisation."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..activity import operations as activity
from ..extensions import db
from . import operations, sessions, throttle, two_factor
from .access import provider_required
from .forms import ChangePasswordForm, CodeForm, RegistrationForm
from .organisation_views import organisation_profile
from .sign_in_views import start_session
from .two_factor_views import confirm_enrolment, enrolment_page, recovery_codes_page


def _account_page(**context):
    """The account page with its two code forms (turn off, new recovery codes), blank
    unless the caller passes the one that was just submitted."""
    if "off_form" not in context:
        context["off_form"] = CodeForm()
    if "recovery_form" not in context:
        context["recovery_form"] = CodeForm(prefix="recovery")
    return render_template(
        "accounts/account.html",
        previous_sign_in=activity.previous_sign_in(current_user.id),
        other_sessions=sessions.others_open(current_user, current_user.session_token),
        **context,
    )


def account():
    """The signed-in person's own account: password and two-step sign-in."""
    return _account_page(recovery_left=two_factor.unused_recovery_codes(current_user))


def end_other_sessions():
    """Sign out every other browser signed in as this person (one left on at work, say)."""
    sessions.end_others(current_user, current_user.session_token)
    db.session.commit()
    flash(_("Every other browser signed in as you is now signed out."), "success")
    return redirect(url_for("accounts.account"))


def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        throttle.check(current_user.email)
        try:
            operations.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except operations.AccountError as error:
            db.session.rollback()
            throttle.failed(current_user.email)
            form[error.field].errors.append(error.message)
        else:
            sessions.carry_over(current_user.session_token, current_user)
            db.session.commit()
            flash(
                _("Your password is changed. Every other browser signed in as you is signed out."),
                "success",
            )
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)


# --- two-step sign-in ---------------------------------------------------------------------


def two_factor_setup():
    """A signed-in person turns the second factor on (staff: must, before anything else)."""
    user = current_user
    if user.two_factor_enabled:
        return redirect(url_for("accounts.account"))
    two_factor.start_enrolment(user)
    db.session.commit()
    form = CodeForm()
    if form.validate_on_submit():
        codes = confirm_enrolment(user, form)
        if codes is not None:
            db.session.commit()
            return recovery_codes_page(codes, url_for("accounts.account"))
    return enrolment_page(user, form, url_for("accounts.two_factor"))


@provider_required
def two_factor_off():
    user = current_user
    form = CodeForm()
    if not user.two_factor_enabled:
        return redirect(url_for("accounts.account"))
    if form.validate_on_submit():
        throttle.check(user.email)
        try:
            two_factor.turn_off(user, form.code.data)
        except operations.AccountError as error:
            db.session.rollback()
            throttle.failed(user.email)
            return _account_page(off_form=form, off_error=error.message)
        db.session.commit()
        flash(_("Two-step sign-in is off. Signing in now asks for your password only."), "success")
        return redirect(url_for("accounts.account"))
    return _account_page(off_form=form), 200


def replace_recovery_codes():
    """The signed-in person's new recovery codes, for a current code."""
    user = current_user
    form = CodeForm(prefix="recovery")
    if not user.two_factor_enabled:
        return redirect(url_for("accounts.account"))
    if form.validate_on_submit():
        throttle.check(user.email)
        try:
            codes = two_factor.replace_recovery_codes(user, form.code.data)
        except operations.AccountError as error:
            db.session.rollback()
            throttle.failed(user.email)
            form.code.errors.append(error.message)
        else:
            db.session.commit()
            return recovery_codes_page(codes, url_for("accounts.account"))
    return _account_page(
        recovery_form=form, recovery_left=two_factor.unused_recovery_codes(user)
    ), (200 if request.method == "GET" else 422)


# --- signing up ---------------------------------------------------------------------------


def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = operations.register_organisation(
                organisation_profile(form), form.user_name.data, form.email.data, form.password.data
            )
        except operations.AccountError as error:
            db.session.rollback()
            form[error.field].errors.append(error.message)
        else:
            db.session.commit()
            start_session(user)
            flash(_("Your organisation is registered. You can now file a notice."), "success")
            return redirect(url_for("filing.dashboard"))
    return render_template("accounts/register.html", form=form)
