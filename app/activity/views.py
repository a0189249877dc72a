"""Account activity pages: one's own, a provider's (its administrators), everyone's (FSA
administrators). Thin: the queries live in operations."""

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.access import administrator_required, provider_admin_required
from . import operations
from .models import AccountAction

LABELS = {
    AccountAction.SIGNED_IN: _l("Signed in"),
    AccountAction.WRONG_SIGN_IN_CODE: _l("Wrong sign-in code entered"),
    AccountAction.SIGNED_OUT_ELSEWHERE: _l("Signed out of every other browser"),
    AccountAction.PASSWORD_CHANGED: _l("Password changed"),
    AccountAction.TWO_FACTOR_ENABLED: _l("Two-step sign-in turned on"),
    AccountAction.TWO_FACTOR_DISABLED: _l("Two-step sign-in turned off"),
    AccountAction.TWO_FACTOR_RESET: _l("Two-step sign-in reset"),
    AccountAction.RECOVERY_CODES_REPLACED: _l("New recovery codes made"),
    AccountAction.ORGANISATION_REGISTERED: _l("Organisation registered"),
    AccountAction.ORGANISATION_UPDATED: _l("Organisation profile changed"),
    AccountAction.TWO_FACTOR_REQUIRED: _l("Two-step sign-in required for every user"),
    AccountAction.TWO_FACTOR_OPTIONAL: _l("Two-step sign-in left to each user"),
    AccountAction.USER_INVITED: _l("Colleague invited"),
    AccountAction.INVITATION_ACCEPTED: _l("Invitation accepted"),
    AccountAction.INVITATION_WITHDRAWN: _l("Invitation withdrawn"),
    AccountAction.PASSWORD_RESET_REQUESTED: _l("Link to set a new password mailed"),
    AccountAction.PASSWORD_RESET: _l("New password set through a mailed link"),
    AccountAction.STAFF_ACCOUNT_CREATED: _l("Staff account created"),
    AccountAction.ACCOUNT_DISABLED: _l("Account disabled"),
    AccountAction.ACCOUNT_ENABLED: _l("Account enabled"),
    AccountAction.MADE_ADMINISTRATOR: _l("Made an administrator"),
    AccountAction.MADE_PROVIDER_USER: _l("Made a provider user"),
}


def _filters() -> dict:
    """The page's query string, read leniently: a value that makes no sense is ignored."""
    args = request.args
    action = args.get("action", "")
    return {
        "before": args.get("before", type=int) or None,
        "action": action if action in LABELS else None,
        "person": args.get("user", type=int) or None,
    }


def _page(title, rows_and_next, filters, *, show_organisation):
    rows, next_before = rows_and_next
    return render_template(
        "activity/list.html",
        title=title,
        rows=rows,
        next_before=next_before,
        filters=filters,
        labels=LABELS,
        show_organisation=show_organisation,
    )


def own():
    filters = _filters()
    filters["person"] = None
    return _page(
        _l("Your account activity"),
        operations.for_person(current_user.id, **filters),
        filters,
        show_organisation=False,
    )


@provider_admin_required
def organisation():
    filters = _filters()
    return _page(
        _l("Account activity of this organisation"),
        operations.for_organisation(current_user.organisation_id, **filters),
        filters,
        show_organisation=False,
    )


@administrator_required
def everyone():
    filters = _filters()
    return _page(
        _l("Account activity"), operations.for_everyone(**filters), filters, show_organisation=True
    )
