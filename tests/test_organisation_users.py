"""A provider administrator manages the organisation's users: disables and enables them
(which ends their sessions at once), and makes them administrators or provider users,
never leaving the organisation without an active administrator."""

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.accounts import operations
from app.accounts.models import Role, User
from app.activity.models import AccountEvent
from app.extensions import db
from tests.factories import PASSWORD, make_user
from tests.test_accounts import field_error, invite, path, url

LAST_ADMIN = (
    "{name} is the only active administrator of your organisation. "
    "Make another user an administrator first."
)


def disable(client, user, active="0"):
    return client.post(
        url("accounts.set_colleague_active", user_id=user.id), data={"active": active}
    )


def enable(client, user):
    return disable(client, user, active="1")


def make_role(client, user, role):
    return client.post(url("accounts.set_colleague_role", user_id=user.id), data={"role": role})


def state(user) -> tuple:
    db.session.expire_all()
    fresh = db.session.get(User, user.id)
    return fresh.active, fresh.role, fresh.session_nonce


def changes() -> list[tuple]:
    """The account events other than sign-ins: (action, actor, subject, organisation)."""
    db.session.expire_all()
    return [
        (e.action, e.actor_id, e.subject_id, e.organisation_id)
        for e in db.session.scalars(select(AccountEvent).order_by(AccountEvent.id))
        if e.action != "signed_in"
    ]


def refusal(response) -> str:
    match = re.search(r'<div class="error-summary" role="alert"><p>(.*?)</p>', response.text)
    return match[1] if match else ""


@pytest.fixture
def admin(app, client, login, people):
    """The test client, signed in as provider A's administrator."""
    login(client, people.provider_a_admin)
    return client


# --- disabling and enabling ----------------------------------------------------------


def test_disabling_a_colleague_ends_their_session_at_once(app, admin, login, people):
    colleague = app.test_client()
    login(colleague, people.provider_a_user)
    assert colleague.get(url("filing.dashboard")).status_code == 200
    nonce_before = people.provider_a_user.session_nonce

    response = disable(admin, people.provider_a_user)

    assert response.status_code == 302
    assert path(response) == url("accounts.organisation_users")
    # The colleague's very next request is refused: they are sent to sign in.
    assert path(colleague.get(url("filing.dashboard"))) == url("accounts.login")
    active, _, nonce = state(people.provider_a_user)
    assert not active and nonce != nonce_before
    refused = app.test_client().post(
        url("accounts.login"), data={"email": people.provider_a_user.email, "password": PASSWORD}
    )
    assert field_error(refused, "password") == "The e-mail address or password is not correct."
    admin_id, user_id = people.provider_a_admin.id, people.provider_a_user.id
    assert changes() == [("account_disabled", admin_id, user_id, people.org_a.id)]

    page = admin.get(url("accounts.organisation_users"))
    assert "The account of Aiko User is disabled: every session of theirs has ended." in page.text
    row = re.search(r"<tr><td>Aiko User</td>.*?</tr>", page.text, re.S)[0]
    assert "<td>Disabled</td>" in row and ">Enable<" in row


def test_enabling_again_lets_them_sign_in_but_revives_no_old_session(app, admin, login, people):
    colleague = app.test_client()
    login(colleague, people.provider_a_user)
    disable(admin, people.provider_a_user)

    response = enable(admin, people.provider_a_user)

    assert response.status_code == 302
    assert state(people.provider_a_user)[0] is True
    assert path(colleague.get(url("filing.dashboard"))) == url("accounts.login")
    login(colleague, people.provider_a_user)
    assert colleague.get(url("filing.dashboard")).status_code == 200
    assert [c[0] for c in changes()] == ["account_disabled", "account_enabled"]


def test_the_buttons_ask_before_they_act(admin, people):
    page = admin.get(url("accounts.organisation_users")).text

    row = re.search(r"<tr><td>Aiko User</td>.*?</tr>", page, re.S)[0]
    assert "<td>Active</td>" in row
    assert 'data-confirm="Disable the account of Aiko User? They are signed out at once' in row
    assert 'data-confirm="Make Aiko User an administrator?' in row
    own_row = re.search(r"<tr><td>Akira Admin</td>.*?</tr>", page, re.S)[0]
    assert "set_colleague" not in own_row and "/active" not in own_row and "/role" not in own_row


def test_an_administrator_cannot_disable_themself(admin, people):
    before = state(people.provider_a_admin)

    response = disable(admin, people.provider_a_admin)

    assert response.status_code == 409
    assert refusal(response) == (
        "You cannot disable your own account. Ask another administrator of your organisation."
    )
    assert state(people.provider_a_admin) == before
    assert changes() == []
    assert admin.get(url("filing.dashboard")).status_code == 200


def test_an_administrator_cannot_change_their_own_role(admin, people):
    before = state(people.provider_a_admin)

    response = make_role(admin, people.provider_a_admin, "provider_user")

    assert response.status_code == 409
    assert "You cannot change your own role." in refusal(response)
    assert state(people.provider_a_admin) == before
    assert changes() == []


def test_the_last_active_administrator_is_neither_disabled_nor_made_a_user(people):
    """Reachable when two administrators act on each other at the same moment: by the time
    the second request runs, its own author has been disabled by the first."""
    second = make_user(Role.PROVIDER_ADMIN, people.org_a, name="Sae Second")
    people.provider_a_admin.active = False
    db.session.commit()
    before = state(second)

    for attempt in (
        lambda: operations.set_colleague_active(second, False, by=people.provider_a_admin),
        lambda: operations.set_colleague_role(
            second, Role.PROVIDER_USER, by=people.provider_a_admin
        ),
    ):
        with force_locale("en"), pytest.raises(operations.AccountError) as refused:
            attempt()
        db.session.rollback()
        assert str(refused.value) == LAST_ADMIN.format(name="Sae Second")
        assert state(second) == before
    assert changes() == []


def test_one_administrator_may_disable_another(app, admin, login, people):
    second = make_user(Role.PROVIDER_ADMIN, people.org_a, name="Sae Second")
    db.session.commit()

    assert disable(admin, second).status_code == 302
    assert state(second)[0] is False


@pytest.mark.parametrize("whom", ["provider_b", "reviewer", "administrator"])
def test_anyone_outside_the_organisation_is_not_found(admin, people, whom):
    other = getattr(people, whom)
    before = state(other)

    for response in (disable(admin, other), make_role(admin, other, "provider_admin")):
        assert response.status_code == 404
    missing = admin.post(
        url("accounts.set_colleague_active", user_id=987_654_321), data={"active": "0"}
    )
    assert missing.status_code == 404
    assert state(other) == before
    assert changes() == []


@pytest.mark.parametrize("who", ["provider_a_user", "provider_b", "reviewer", "administrator"])
def test_only_a_provider_administrator_may(client, login, people, who):
    login(client, getattr(people, who))
    colleague = make_user(Role.PROVIDER_USER, people.org_a)
    db.session.commit()
    before = state(colleague)

    assert disable(client, colleague).status_code == 403
    assert make_role(client, colleague, "provider_admin").status_code == 403
    assert state(colleague) == before
    assert changes() == []


def test_the_users_page_shows_a_provider_user_the_states_but_no_buttons(client, login, people):
    people.provider_a_admin.active = False
    db.session.commit()
    login(client, people.provider_a_user)

    page = client.get(url("accounts.organisation_users")).text

    assert "<td>Disabled</td>" in page
    assert "data-confirm" not in page


@pytest.mark.parametrize("data", [{}, {"active": "yes"}])
def test_a_malformed_request_changes_nothing(admin, people, data):
    before = state(people.provider_a_user)
    response = admin.post(
        url("accounts.set_colleague_active", user_id=people.provider_a_user.id), data=data
    )
    assert response.status_code == 400
    assert make_role(admin, people.provider_a_user, "reviewer").status_code == 400
    assert state(people.provider_a_user) == before


def test_disabling_withdraws_the_invitations_they_sent(app, admin, login, people):
    second = make_user(Role.PROVIDER_ADMIN, people.org_a, name="Sae Second")
    db.session.commit()
    theirs = app.test_client()
    login(theirs, second)
    planted = invite(theirs, "planted@example.net")
    own = invite(admin, "own@provider-a.example.com")

    disable(admin, second)

    assert app.test_client().get(planted).status_code == 404
    assert app.test_client().get(own).status_code == 200
    page = admin.get(url("accounts.organisation_users")).text
    assert "1 invitation they had sent no longer works." in page


# --- roles -----------------------------------------------------------------------------


def test_making_a_colleague_an_administrator_and_back(app, admin, login, people):
    colleague = app.test_client()
    login(colleague, people.provider_a_user)
    assert colleague.get(url("accounts.invite")).status_code == 403

    assert make_role(admin, people.provider_a_user, "provider_admin").status_code == 302
    assert state(people.provider_a_user)[1] == Role.PROVIDER_ADMIN
    # The session goes on, with the new role from the next page.
    assert colleague.get(url("accounts.invite")).status_code == 200
    page = admin.get(url("accounts.organisation_users")).text
    assert "Aiko User is now an administrator of your organisation." in page

    assert make_role(admin, people.provider_a_user, "provider_user").status_code == 302
    assert state(people.provider_a_user)[1] == Role.PROVIDER_USER
    assert colleague.get(url("accounts.invite")).status_code == 403

    admin_id, user_id = people.provider_a_admin.id, people.provider_a_user.id
    assert changes() == [
        ("made_administrator", admin_id, user_id, people.org_a.id),
        ("made_provider_user", admin_id, user_id, people.org_a.id),
    ]
    activity = admin.get(url("activity.organisation")).text
    assert "Made an administrator" in activity and "Made a provider user" in activity
