"""A forgotten password: asking for a reset link, and setting a new password through it
(the rules are in password_reset.py)."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db, limiter
from . import password_reset
from .forms import ForgotPasswordForm, ResetPasswordForm

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
