from flask import Blueprint

from . import (
    account_views,
    invitation_views,
    organisation_views,
    password_reset_views,
    sign_in_views,
    staff_views,
)

bp = Blueprint("accounts", __name__)

bp.add_url_rule("/login", "login", sign_in_views.login, methods=["GET", "POST"])
bp.add_url_rule(
    "/password/forgot",
    "forgot_password",
    password_reset_views.forgot_password,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/password/reset/<token>",
    "reset_password",
    password_reset_views.reset_password,
    methods=["GET", "POST"],
)
bp.add_url_rule("/login/code", "login_code", sign_in_views.login_code, methods=["GET", "POST"])
bp.add_url_rule("/login/enrol", "login_enrol", sign_in_views.login_enrol, methods=["GET", "POST"])
bp.add_url_rule("/logout", "logout", sign_in_views.logout, methods=["POST"])
bp.add_url_rule("/session/extend", "extend_session", sign_in_views.extend_session, methods=["POST"])
bp.add_url_rule("/account", "account", account_views.account)
bp.add_url_rule(
    "/account/sessions/end-others",
    "end_other_sessions",
    account_views.end_other_sessions,
    methods=["POST"],
)
bp.add_url_rule(
    "/account/password", "change_password", account_views.change_password, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/account/two-factor", "two_factor", account_views.two_factor_setup, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/account/two-factor/off", "two_factor_off", account_views.two_factor_off, methods=["POST"]
)
bp.add_url_rule(
    "/account/two-factor/recovery-codes",
    "replace_recovery_codes",
    account_views.replace_recovery_codes,
    methods=["GET", "POST"],
)
bp.add_url_rule("/signup", "register", account_views.register, methods=["GET", "POST"])
bp.add_url_rule(
    "/organisation", "organisation", organisation_views.organisation, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/organisation/two-factor",
    "organisation_two_factor",
    organisation_views.organisation_two_factor,
    methods=["POST"],
)
bp.add_url_rule("/organisation/users", "organisation_users", organisation_views.organisation_users)
bp.add_url_rule(
    "/organisation/users/<int:user_id>/two-factor/reset",
    "reset_colleague_two_factor",
    organisation_views.reset_colleague_two_factor,
    methods=["POST"],
)
bp.add_url_rule(
    "/organisation/users/<int:user_id>/active",
    "set_colleague_active",
    organisation_views.set_colleague_active,
    methods=["POST"],
)
bp.add_url_rule(
    "/organisation/users/<int:user_id>/role",
    "set_colleague_role",
    organisation_views.set_colleague_role,
    methods=["POST"],
)
bp.add_url_rule(
    "/organisation/invitations", "invite", invitation_views.invite, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/organisation/invitations/<int:invitation_id>/withdraw",
    "withdraw_invitation",
    invitation_views.withdraw_invitation,
    methods=["POST"],
)
bp.add_url_rule(
    "/organisation/invitations/<int:invitation_id>/send-again",
    "resend_invitation",
    invitation_views.resend_invitation,
    methods=["POST"],
)
bp.add_url_rule(
    "/invitations/<token>",
    "accept_invitation",
    invitation_views.accept_invitation,
    methods=["GET", "POST"],
)
bp.add_url_rule("/admin/users", "staff_users", staff_views.staff_users, methods=["GET", "POST"])
bp.add_url_rule(
    "/admin/users/<int:user_id>/active",
    "set_user_active",
    staff_views.set_user_active,
    methods=["POST"],
)
bp.add_url_rule(
    "/admin/users/<int:user_id>/two-factor/reset",
    "reset_staff_two_factor",
    staff_views.reset_staff_two_factor,
    methods=["POST"],
)
