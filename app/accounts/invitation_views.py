"""Invitations: a provider administrator invites a colleague, withdraws or sends again a
pending invitation; the invitee accepts it and so gets an account."""

import logging

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.links import public_url
from ..extensions import db
from . import operations
from .access import provider_admin_required
from .forms import AcceptInvitationForm, InvitationForm
from .models import Invitation
from .organisation_views import users_page
from .sign_in_views import start_session

# One name for all account views' log lines, as before they were split: searches use it.
log = logging.getLogger(__name__)


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
            # The mailed link: at PUBLIC_BASE_URL, whatever address this request came to.
            link = public_url("accounts.accept_invitation", token=token)
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
        return users_page(refusal=error.message), 409
    db.session.commit()
    log.info("invitation %s sent again by user %s", invitation_id, current_user.id)
    # Shown on this answer only, as the invitation page shows a new link: never put in the
    # session (a flashed message lives in the cookie). The mailed link, as in invite().
    link = public_url("accounts.accept_invitation", token=token)
    return users_page(resent={"email": email, "link": link})


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
            start_session(user)
            return redirect(url_for("filing.dashboard"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation)
