import logging
import time

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ..activity import operations as activity
from ..activity.models import AccountAction
from ..core.redirects import safe_next
from ..extensions import db, limiter
from ..models import utcnow
from . import operations, password_reset, sessions, throttle, two_factor
from .access import administrator_required, provider_admin_required, provider_required
from .forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    CodeForm,
    ColleagueActiveForm,
    ColleagueRoleForm,
    ForgotPasswordForm,
    InvitationForm,
    LoginForm,
    OrganisationForm,
    RegistrationForm,
    RequireTwoFactorForm,
    ResetPasswordForm,
    StaffUserForm,
)
from .models import STAFF_ROLES, Invitation, Role, User

log = logging.getLogger(__name__)


def _profile(form) -> dict:
    return {name: form[name].data for name in operations.PROFILE_FIELDS}


def _start_session(user: User) -> None:
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
            _start_session(user)
            return redirect(next_url or url_for("core.index"))
    return render_template("accounts/login.html", form=form)


# --- a forgotten password (password_reset.py) ------------------------------------------
# Asking is limited per client address: each request may send mail.
RESET_LINK_LIMIT = "5 per minute;20 per hour"


@limiter.limit(RESET_LINK_LIMIT, methods=["POST"])
def forgot_password():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.change_password"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.request_link(form.email.data)
        db.session.commit()
        # The same answer whether or not an account uses the address.
        return redirect(url_for("accounts.forgot_password", sent=1))
    return render_template(
        "accounts/forgot_password.html",
        form=form,
        sent=request.method == "GET" and request.args.get("sent") == "1",
        minutes=current_app.config["PASSWORD_RESET_MINUTES"],
    )


def _link_gone():
    return render_template("accounts/reset_password.html", form=None), 404


def reset_password(token):
    if current_user.is_authenticated:
        flash(_("You are signed in: change your password here."), "info")
        return redirect(url_for("accounts.change_password"))
    link = password_reset.open_link(token)
    if link is None:
        return _link_gone()
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.set_new_password(token, form.new_password.data)
        except password_reset.LinkGone:
            db.session.rollback()
            return _link_gone()
        db.session.commit()
        flash(_("Your new password is set. Sign in with it."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form, email=link.user.email)


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
            _start_session(user)
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
        codes = _confirm_enrolment(user, form)
        if codes is not None:
            next_url = session[PENDING].get("next")
            _start_session(user)
            return _recovery_codes(codes, next_url or url_for("core.index"))
    return _enrolment_page(user, form, url_for("accounts.login_enrol"))


def _confirm_enrolment(user: User, form) -> list[str] | None:
    """The new recovery codes when the code confirms the enrolment; otherwise None, the
    form says why, and the failure counts toward the sign-in throttle."""
    throttle.check(user.email)
    try:
        return two_factor.confirm_enrolment(user, form.code.data)
    except operations.AccountError as error:
        db.session.rollback()
        throttle.failed(user.email)
        form.code.errors.append(error.message)
        return None


def _enrolment_page(user: User, form, action: str):
    return render_template(
        "accounts/enrol.html",
        form=form,
        action=action,
        qr=two_factor.qr_svg(user, _("QR code for your authenticator app")),
        secret=two_factor.grouped(user.totp_secret),
        staff=user.is_staff,
        compulsory=two_factor.compulsory(user),
    )


def _recovery_codes(codes: list[str], next_url: str):
    return render_template("accounts/recovery_codes.html", codes=codes, next_url=next_url)


def two_factor_setup():
    """A signed-in person turns the second factor on (staff: must, before anything else)."""
    user = current_user
    if user.two_factor_enabled:
        return redirect(url_for("accounts.account"))
    two_factor.start_enrolment(user)
    db.session.commit()
    form = CodeForm()
    if form.validate_on_submit():
        codes = _confirm_enrolment(user, form)
        if codes is not None:
            db.session.commit()
            return _recovery_codes(codes, url_for("accounts.account"))
    return _enrolment_page(user, form, url_for("accounts.two_factor"))


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


def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = operations.register_organisation(
                _profile(form), form.user_name.data, form.email.data, form.password.data
            )
        except operations.AccountError as error:
            db.session.rollback()
            form[error.field].errors.append(error.message)
        else:
            db.session.commit()
            _start_session(user)
            flash(_("Your organisation is registered. You can now file a notice."), "success")
            return redirect(url_for("filing.dashboard"))
    return render_template("accounts/register.html", form=form)


@provider_required
def organisation():
    org = current_user.organisation
    form = OrganisationForm(obj=org)
    if request.method == "POST":
        if current_user.role != "provider_admin":
            abort(403)
        if form.validate():
            try:
                operations.update_organisation(org, _profile(form), by=current_user)
            except operations.AccountError as error:
                db.session.rollback()
                form[error.field].errors.append(error.message)
            else:
                db.session.commit()
                flash(_("The organisation profile is saved."), "success")
                return redirect(url_for("accounts.organisation"))
    return render_template(
        "accounts/organisation.html",
        form=form,
        organisation=org,
        two_factor_form=RequireTwoFactorForm(prefix="two-factor", require=org.require_two_factor),
    )


@provider_admin_required
def organisation_two_factor():
    # Prefixed: it shares the page with the profile form (one id per CSRF field).
    form = RequireTwoFactorForm(prefix="two-factor")
    if form.validate_on_submit():
        two_factor.require_for_organisation(
            current_user.organisation, form.require.data, by=current_user
        )
        db.session.commit()
        if form.require.data:
            flash(_("Every user of your organisation now signs in in two steps."), "success")
        else:
            flash(_("Two-step sign-in is now each user's own choice."), "success")
    return redirect(url_for("accounts.organisation"))


def _users_page(refusal=None, resent=None):
    """The organisation's users; for its administrators, also the pending invitations.
    ``resent``: the address and new link of an invitation just sent again."""
    users = db.session.scalars(
        select(User).where(User.organisation_id == current_user.organisation_id).order_by(User.id)
    ).all()
    invitations = (
        operations.pending_invitations(current_user.organisation_id)
        if current_user.role == Role.PROVIDER_ADMIN
        else []
    )
    return render_template(
        "accounts/organisation_users.html",
        users=users,
        invitations=invitations,
        refusal=refusal,
        resent=resent,
    )


@provider_required
def organisation_users():
    return _users_page()


def _colleague(user_id: int) -> User:
    """A user of the administrator's own organisation; anyone else (another organisation's
    user, staff, an id that does not exist) is not found, all alike."""
    user = db.session.get(User, user_id)
    if user is None or user.organisation_id != current_user.organisation_id:
        abort(404)
    return user


@provider_admin_required
def set_colleague_active(user_id):
    user = _colleague(user_id)
    form = ColleagueActiveForm()
    if not form.validate_on_submit():
        abort(400)
    active = form.active.data == "1"
    try:
        withdrawn = operations.set_colleague_active(user, active, by=current_user)
    except operations.AccountError as error:
        db.session.rollback()
        return _users_page(refusal=error.message), 409
    db.session.commit()
    log.info("user %s %s by user %s", user.id, "enabled" if active else "disabled", current_user.id)
    if active:
        flash(
            _("The account of %(name)s is enabled: they can sign in again.", name=user.name),
            "success",
        )
    else:
        flash(
            _(
                "The account of %(name)s is disabled: every session of theirs has ended.",
                name=user.name,
            ),
            "success",
        )
    if withdrawn:
        flash(
            ngettext(
                "%(num)d invitation they had sent no longer works.",
                "%(num)d invitations they had sent no longer work.",
                withdrawn,
            ),
            "info",
        )
    return redirect(url_for("accounts.organisation_users"))


@provider_admin_required
def set_colleague_role(user_id):
    user = _colleague(user_id)
    form = ColleagueRoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        operations.set_colleague_role(user, Role(form.role.data), by=current_user)
    except operations.AccountError as error:
        db.session.rollback()
        return _users_page(refusal=error.message), 409
    db.session.commit()
    log.info("user %s made %s by user %s", user.id, user.role, current_user.id)
    if user.role == Role.PROVIDER_ADMIN:
        flash(
            _("%(name)s is now an administrator of your organisation.", name=user.name), "success"
        )
    else:
        flash(_("%(name)s is now a provider user.", name=user.name), "success")
    return redirect(url_for("accounts.organisation_users"))


@provider_admin_required
def invite():
    form = InvitationForm()
    link = None
    if form.validate_on_submit():
        try:
            token = operations.invite_user(
                current_user.organisation, current_user, form.email.data, form.role.data
            )
        except operations.AccountError as error:
            db.session.rollback()
            form[error.field].errors.append(error.message)
        else:
            db.session.commit()
            link = url_for("accounts.accept_invitation", token=token, _external=True)
            flash(
                _(
                    "The invitation is mailed to %(email)s. You can also pass on the link "
                    "below yourself.",
                    email=operations.normalise_email(form.email.data),
                ),
                "success",
            )
    return render_template("accounts/invite.html", form=form, link=link)


def _pending_invitation(invitation_id: int) -> Invitation:
    """A pending invitation of the administrator's own organisation; any other (another
    organisation's, one accepted, withdrawn or expired, an id that does not exist) is not
    found, all alike."""
    invitation = operations.pending_invitation(current_user.organisation_id, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


@provider_admin_required
def withdraw_invitation(invitation_id):
    invitation = _pending_invitation(invitation_id)
    email = invitation.email
    try:
        operations.withdraw_invitation(invitation, by=current_user)
    except operations.InvitationGone:
        db.session.rollback()
        abort(404)
    db.session.commit()
    log.info("invitation %s withdrawn by user %s", invitation_id, current_user.id)
    flash(
        _("The invitation to %(email)s is withdrawn: its link no longer works.", email=email),
        "success",
    )
    return redirect(url_for("accounts.organisation_users"))


@provider_admin_required
def resend_invitation(invitation_id):
    invitation = _pending_invitation(invitation_id)
    email = invitation.email
    try:
        token = operations.resend_invitation(invitation, by=current_user)
    except operations.InvitationGone:
        db.session.rollback()
        abort(404)
    except operations.AccountError as error:
        db.session.rollback()
        return _users_page(refusal=error.message), 409
    db.session.commit()
    log.info("invitation %s sent again by user %s", invitation_id, current_user.id)
    # Shown on this answer only, as the invitation page shows a new link: never put in the
    # session (a flashed message lives in the cookie).
    link = url_for("accounts.accept_invitation", token=token, _external=True)
    return _users_page(resent={"email": email, "link": link})


def accept_invitation(token):
    invitation = operations.open_invitation(token)
    if invitation is None:
        abort(404)
    if current_user.is_authenticated:
        # Accepting would switch this browser to a new account; make that a choice.
        flash(_("Sign out first to accept an invitation for another account."), "info")
        return redirect(url_for("core.index"))
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = operations.accept_invitation(invitation, form.name.data, form.password.data)
        except operations.InvitationGone:
            db.session.rollback()
            abort(404)
        except operations.AccountError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            _start_session(user)
            return redirect(url_for("filing.dashboard"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation)


@administrator_required
def staff_users():
    form = StaffUserForm()
    if form.validate_on_submit():
        try:
            operations.create_staff_user(
                form.name.data,
                form.email.data,
                form.role.data,
                form.password.data,
                by=current_user,
            )
        except operations.AccountError as error:
            db.session.rollback()
            form[error.field].errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The staff account is created."), "success")
            return redirect(url_for("accounts.staff_users"))
    users = db.session.scalars(
        select(User).where(User.role.in_(list(STAFF_ROLES))).order_by(User.id)
    ).all()
    return render_template("accounts/staff_users.html", form=form, users=users)


@administrator_required
def set_user_active(user_id):
    user = db.session.get(User, user_id)
    if user is None or user.id == current_user.id:
        abort(404)
    operations.set_active(user, request.form.get("active") == "1", by=current_user)
    db.session.commit()
    flash(_("The account is updated."), "success")
    return redirect(url_for("accounts.staff_users"))


def _reset_two_factor(user: User, back: str):
    two_factor.reset(user, by=current_user)
    db.session.commit()
    log.info("two-step sign-in reset for user %s by user %s", user.id, current_user.id)
    flash(
        _(
            "Two-step sign-in is reset for %(name)s. Their sessions have ended; they have "
            "been told by mail.",
            name=user.name,
        ),
        "success",
    )
    return redirect(url_for(back))


@administrator_required
def reset_staff_two_factor(user_id):
    user = db.session.get(User, user_id)
    if user is None or user.id == current_user.id or user.role not in STAFF_ROLES:
        abort(404)
    return _reset_two_factor(user, "accounts.staff_users")


@provider_admin_required
def reset_colleague_two_factor(user_id):
    user = _colleague(user_id)
    if user.id == current_user.id:
        abort(404)
    return _reset_two_factor(user, "accounts.organisation_users")


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
            return _recovery_codes(codes, url_for("accounts.account"))
    return _account_page(
        recovery_form=form, recovery_left=two_factor.unused_recovery_codes(user)
    ), (200 if request.method == "GET" else 422)
