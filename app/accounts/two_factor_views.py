"""Pieces of the two-step sign-in pages that several views share: enrolling a second
factor (at sign-in and from the account page), showing new recovery codes, and an
administrator's reset of someone else's second factor (colleague or staff)."""

import logging

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from . import operations, throttle, two_factor
from .models import User

# One name for all account views' log lines, as before they were split: searches use it.
log = logging.getLogger(__name__)


def confirm_enrolment(user: User, form) -> list[str] | None:
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


def enrolment_page(user: User, form, action: str):
    return render_template(
        "accounts/enrol.html",
        form=form,
        action=action,
        qr=two_factor.qr_svg(user, _("QR code for your authenticator app")),
        secret=two_factor.grouped(user.totp_secret),
        staff=user.is_staff,
        compulsory=two_factor.compulsory(user),
    )


def recovery_codes_page(codes: list[str], next_url: str):
    return render_template("accounts/recovery_codes.html", codes=codes, next_url=next_url)


def reset_two_factor(user: User, back: str):
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
