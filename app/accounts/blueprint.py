from flask import Blueprint

from . import views

bp = Blueprint("accounts", __name__)

bp.add_url_rule("/login", "login", views.login, methods=["GET", "POST"])
bp.add_url_rule(
    "/password/forgot", "forgot_password", views.forgot_password, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/password/reset/<token>", "reset_password", views.reset_password, methods=["GET", "POST"]
)
bp.add_url_rule("/login/code", "login_code", views.login_code, methods=["GET", "POST"])
bp.add_url_rule("/login/enrol", "login_enrol", views.login_enrol, methods=["GET", "POST"])
bp.add_url_rule("/logout", "logout", views.logout, methods=["POST"])
bp.add_url_rule("/session/extend", "extend_session", views.extend_session, methods=["POST"])
bp.add_url_rule("/account", "account", views.account)
bp.add_url_rule(
    "/account/sessions/end-others",
    "end_other_sessions",
    views.end_other_sessions,
    methods=["POST"],
)
bp.add_url_rule(
    "/account/password", "change_password", views.change_password, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/account/two-factor", "two_factor", views.two_factor_setup, methods=["GET", "POST"]
)
bp.add_url_rule("/account/two-factor/off", "two_factor_off", views.two_factor_off, methods=["POST"])
bp.add_url_rule(
    "/account/two-factor/recovery-codes",
    "replace_recovery_codes",
    views.replace_recovery_codes,
    methods=["GET", "POST"],
)
bp.add_url_rule("/signup", "register", views.register, methods=["GET", "POST"])
bp.add_url_rule("/organisation", "organisation", views.organisation, methods=["GET", "POST"])
bp.add_url_rule(
    "/organisation/two-factor",
    "organisation_two_factor",
    views.organisation_two_factor,
    methods=["POST"],
)
bp.add_url_rule("/organisation/users", "organisation_users", views.organisation_users)
bp.add_url_rule(
    "/organisation/users/<int:user_id>/two-factor/reset",
    "reset_colleague_two_factor",
    views.reset_colleague_two_factor,
    methods=["POST"],
)
bp.add_url_rule(
    "/organisation/users/<int:user_id>/active",
    "set_colleague_active",
    views.set_colleague_active,
    methods=["POST"],
)
bp.add_url_rule(
    "/organisation/users/<int:user_id>/role",
    "set_colleague_role",
    views.set_colleague_role,
    methods=["POST"],
)
bp.add_url_rule("/organisation/invitations", "invite", views.invite, methods=["GET", "POST"])
bp.add_url_rule(
    "/organisation/invitations/<int:invitation_id>/withdraw",
    "withdraw_invitation",
    views.withdraw_invitation,
    methods=["POST"],
)
bp.add_url_rule(
    "/organisation/invitations/<int:invitation_id>/send-again",
    "resend_invitation",
    views.resend_invitation,
    methods=["POST"],
)
bp.add_url_rule(
    "/invitations/<token>", "accept_invitation", views.accept_invitation, methods=["GET", "POST"]
)
bp.add_url_rule("/admin/users", "staff_users", views.staff_users, methods=["GET", "POST"])
bp.add_url_rule(
    "/admin/users/<int:user_id>/active", "set_user_active", views.set_user_active, methods=["POST"]
)
bp.add_url_rule(
    "/admin/users/<int:user_id>/two-factor/reset",
    "reset_staff_two_factor",
    views.reset_staff_two_factor,
    methods=["POST"],
)
