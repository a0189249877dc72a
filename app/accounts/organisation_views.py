"""A provider's organisation: its profile, whether its users must sign in in two steps,
and its users, whom its administrators enable, disable, make administrators or provider
users, and whose second factor they reset."""

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from . import operations, two_factor
from .access import provider_admin_required, provider_required
from .forms import ColleagueActiveForm, ColleagueRoleForm, OrganisationForm, RequireTwoFactorForm
from .models import Role, User
from .two_factor_views import reset_two_factor

# One name for all account views' log lines, as before they were split: searches use it.
log = logging.getLogger(__name__)


def organisation_profile(form) -> dict:
    """The organisation profile's fields as ``form`` (the profile or signing up) has them."""
    return {name: form[name].data for name in operations.PROFILE_FIELDS}


@provider_required
def organisation():
    org = current_user.organisation
    form = OrganisationForm(obj=org)
    if request.method == "POST":
        if current_user.role != "provider_admin":
            abort(403)
        if form.validate():
            try:
                operations.update_organisation(org, organisation_profile(form), by=current_user)
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


# --- the organisation's users -------------------------------------------------------------


def users_page(refusal=None, resent=None):
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
    return users_page()


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
        return users_page(refusal=error.message), 409
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
        return users_page(refusal=error.message), 409
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
def reset_colleague_two_factor(user_id):
    user = _colleague(user_id)
    if user.id == current_user.id:
        abort(404)
    return reset_two_factor(user, "accounts.organisation_users")
