"""The registry administrator's staff accounts: creating them, enabling and disabling
accounts, and resetting a staff member's second factor."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from . import operations
from .access import administrator_required
from .forms import StaffUserForm
from .models import STAFF_ROLES, User
from .two_factor_views import reset_two_factor


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


@administrator_required
def reset_staff_two_factor(user_id):
    user = db.session.get(User, user_id)
    if user is None or user.id == current_user.id or user.role not in STAFF_ROLES:
        abort(404)
    return reset_two_factor(user, "accounts.staff_users")
