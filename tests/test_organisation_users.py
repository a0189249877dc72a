"""A provider administrator manages the organisation's users: disables and enables them
(which ends their sessions at once), and makes them administrators or provider users,
never leaving the organisation without an active administrator."""

import contextlib
import itertools
import re
import threading
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.accounts import operations
from app.accounts.models import Invitation, Role, User
from app.activity.models import AccountEvent
from app.extensions import db
from app.labels import jst
from app.mail.models import OutboxMessage
from app.mail.sender import MailSettings, build_email
from app.models import utcnow
from tests.conftest import counting_statements
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
    # With the right password, the colleague is told why, and whom to ask.
    assert field_error(refused, "password").startswith("This account is disabled.")
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


# --- pending invitations -----------------------------------------------------------------

INVITATION_SUBJECT = "Invitation to the Advance Notice Registry"


def pending_rows(page: str) -> list[list[str]]:
    """The pending invitations table: per row, the text of its first five cells."""
    section = page.split('id="pending-invitations"', 1)[1]
    body = re.search(r"<tbody>(.*?)</tbody>", section, re.S)
    if body is None:
        return []
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row)][:5]
        for row in re.findall(r"<tr>(.*?)</tr>", body[1], re.S)
    ]


def invitation_for(email: str) -> Invitation:
    """The newest invitation to ``email``."""
    db.session.expire_all()
    return db.session.scalars(
        select(Invitation).where(Invitation.email == email).order_by(Invitation.id.desc())
    ).first()


def withdraw(client, invitation):
    return client.post(url("accounts.withdraw_invitation", invitation_id=invitation.id))


def send_again(client, invitation):
    return client.post(url("accounts.resend_invitation", invitation_id=invitation.id))


def invitation_mails(recipient: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "invitation", OutboxMessage.recipient == recipient)
        .order_by(OutboxMessage.id)
    ).all()


def link_path(text: str) -> str:
    """The path of the one invitation link in ``text`` (a page or a mail)."""
    prefix = url("accounts.accept_invitation", token="TOKEN").removesuffix("TOKEN")
    (link,) = set(re.findall(rf"https?://[^/\s]+({re.escape(prefix)}[A-Za-z0-9_-]+)", text))
    return link


ACCEPT = {"name": "New Colleague", "password": PASSWORD, "password_confirm": PASSWORD}


def test_the_users_page_lists_the_pending_invitations_only(app, admin, people):
    admin_b = make_user(Role.PROVIDER_ADMIN, people.org_b)
    db.session.commit()
    waiting = invite(admin, "waiting@provider-a.example.com", role="provider_admin")
    invite(admin, "late@provider-a.example.com")
    invitation_for("late@provider-a.example.com").expires_at = utcnow() - timedelta(minutes=1)
    accepted = invite(admin, "accepted@provider-a.example.com")
    assert app.test_client().post(accepted, data=ACCEPT).status_code == 302
    invite(admin, "withdrawn@provider-a.example.com")
    assert withdraw(admin, invitation_for("withdrawn@provider-a.example.com")).status_code == 302
    operations.invite_user(people.org_b, admin_b, "theirs@example.net", Role.PROVIDER_USER)
    db.session.commit()

    page = admin.get(url("accounts.organisation_users")).text

    invitation = invitation_for("waiting@provider-a.example.com")
    assert pending_rows(page) == [
        [
            "waiting@provider-a.example.com",
            "Provider administrator",
            "Akira Admin",
            jst(invitation.created_at),
            jst(invitation.expires_at),
        ]
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d JST", jst(invitation.created_at))
    assert app.test_client().get(waiting).status_code == 200


def test_the_invitation_buttons_ask_before_they_act(admin):
    invite(admin, "asked@provider-a.example.com")

    page = admin.get(url("accounts.organisation_users")).text

    section = page.split('id="pending-invitations"', 1)[1]
    assert (
        'data-confirm="Withdraw the invitation to asked@provider-a.example.com? '
        'Its link stops working at once."' in section
    )
    assert (
        'data-confirm="Send the invitation to asked@provider-a.example.com again? A new link '
        'is mailed and the earlier link stops working."' in section
    )
    assert section.count('<input type="hidden" name="csrf_token"') == 2


def test_with_nothing_pending_the_page_says_so(admin):
    page = admin.get(url("accounts.organisation_users")).text

    assert pending_rows(page) == []
    assert "No invitation is waiting to be accepted." in page


def test_a_provider_user_sees_no_invitations(client, login, people):
    operations.invite_user(
        people.org_a, people.provider_a_admin, "unseen@provider-a.example.com", Role.PROVIDER_USER
    )
    db.session.commit()
    login(client, people.provider_a_user)

    page = client.get(url("accounts.organisation_users")).text

    assert "pending-invitations" not in page
    assert "unseen@provider-a.example.com" not in page


def test_withdrawing_an_invitation_ends_its_link_at_once(app, admin, people):
    link = invite(admin, "withdrawn@provider-a.example.com")
    invitation = invitation_for("withdrawn@provider-a.example.com")
    invitee = app.test_client()
    assert invitee.get(link).status_code == 200  # the invitee has the form open

    response = withdraw(admin, invitation)

    assert response.status_code == 302
    assert path(response) == url("accounts.organisation_users")
    assert invitee.get(link).status_code == 404
    assert invitee.post(link, data=ACCEPT).status_code == 404
    assert db.session.scalar(select(User).where(User.email == invitation.email)) is None
    page = admin.get(url("accounts.organisation_users")).text
    assert (
        "The invitation to withdrawn@provider-a.example.com is withdrawn: its link no longer works."
        in page
    )
    assert pending_rows(page) == []
    admin_id = people.provider_a_admin.id
    assert changes()[-1] == ("invitation_withdrawn", admin_id, None, people.org_a.id)
    event = db.session.scalars(select(AccountEvent).order_by(AccountEvent.id.desc())).first()
    assert event.detail == "withdrawn@provider-a.example.com"
    assert event.ip_address == "127.0.0.1"


def test_an_invitation_withdrawn_while_its_form_is_filled_in_makes_no_account(people):
    """The operation checks again under the organisation's lock, whatever the page saw."""
    token = operations.invite_user(
        people.org_a, people.provider_a_admin, "racing@provider-a.example.com", Role.PROVIDER_USER
    )
    db.session.commit()
    invitation = operations.open_invitation(token)  # the invitee's request has it
    operations.withdraw_invitation(
        invitation_for("racing@provider-a.example.com"), by=people.provider_a_admin
    )
    db.session.commit()

    with pytest.raises(operations.InvitationGone):
        operations.accept_invitation(invitation, "Racing", PASSWORD)
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.email == invitation.email)) is None


def test_sending_again_mails_a_new_link_and_ends_the_old_one(app, admin, people):
    first = invite(admin, "again@provider-a.example.com", role="provider_admin")
    old = invitation_for("again@provider-a.example.com")

    response = send_again(admin, old)

    assert response.status_code == 200
    assert (
        "The invitation to again@provider-a.example.com is mailed again. The earlier link no "
        "longer works." in response.text
    )
    second = link_path(response.text)
    assert second != first
    invitee = app.test_client()
    assert invitee.get(first).status_code == 404
    assert invitee.get(second).status_code == 200
    new = invitation_for("again@provider-a.example.com")
    assert new.id != old.id and new.role == Role.PROVIDER_ADMIN
    assert [link_path(m.body) for m in invitation_mails("again@provider-a.example.com")] == [
        first,
        second,
    ]
    assert [row[0] for row in pending_rows(response.text)] == ["again@provider-a.example.com"]
    assert [c[0] for c in changes()] == ["user_invited", "user_invited"]
    assert invitee.post(second, data=ACCEPT).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "again@provider-a.example.com"))
    assert user.role == Role.PROVIDER_ADMIN and user.organisation_id == people.org_a.id


def test_sending_again_to_an_address_that_has_an_account_now_is_refused(app, admin, people):
    link = invite(admin, "taken.meanwhile@example.net")
    invitation = invitation_for("taken.meanwhile@example.net")
    make_user(Role.PROVIDER_USER, people.org_b, email="taken.meanwhile@example.net")
    db.session.commit()

    response = send_again(admin, invitation)

    assert response.status_code == 409
    assert refusal(response) == (
        "This e-mail address cannot be invited. Check the address with your colleague, or use "
        "another one."
    )
    assert len(invitation_mails("taken.meanwhile@example.net")) == 1
    assert invitation_for("taken.meanwhile@example.net").id == invitation.id
    assert app.test_client().get(link).status_code == 200  # nothing was changed


def _other_organisations(people):
    admin_b = make_user(Role.PROVIDER_ADMIN, people.org_b)
    operations.invite_user(people.org_b, admin_b, "theirs@example.net", Role.PROVIDER_USER)
    db.session.commit()
    return invitation_for("theirs@example.net")


def _accepted(people):
    token = operations.invite_user(
        people.org_a, people.provider_a_admin, "in@provider-a.example.com", Role.PROVIDER_USER
    )
    operations.accept_invitation(operations.open_invitation(token), "In", PASSWORD)
    db.session.commit()
    return invitation_for("in@provider-a.example.com")


def _withdrawn(people):
    operations.invite_user(
        people.org_a, people.provider_a_admin, "out@provider-a.example.com", Role.PROVIDER_USER
    )
    invitation = invitation_for("out@provider-a.example.com")
    operations.withdraw_invitation(invitation, by=people.provider_a_admin)
    db.session.commit()
    return invitation


def _expired(people):
    operations.invite_user(
        people.org_a, people.provider_a_admin, "late@provider-a.example.com", Role.PROVIDER_USER
    )
    invitation = invitation_for("late@provider-a.example.com")
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    return invitation


def _missing(people):
    return Invitation(id=987_654_321)


@pytest.mark.parametrize(
    "make",
    [_other_organisations, _accepted, _withdrawn, _expired, _missing],
    ids=lambda f: f.__name__,
)
def test_only_a_pending_invitation_of_ones_own_organisation_is_found(admin, people, make):
    invitation = make(people)

    def everything():
        db.session.expire_all()
        return (
            [(i.id, i.expires_at, i.accepted_at) for i in db.session.scalars(select(Invitation))],
            db.session.scalar(select(func.count()).select_from(OutboxMessage)),
            db.session.scalar(select(func.count()).select_from(AccountEvent)),
        )

    before = everything()

    assert withdraw(admin, invitation).status_code == 404
    assert send_again(admin, invitation).status_code == 404
    assert everything() == before


@pytest.mark.parametrize("who", ["provider_a_user", "provider_b", "reviewer", "administrator"])
def test_only_a_provider_administrator_withdraws_or_sends_again(client, login, people, who):
    operations.invite_user(
        people.org_a, people.provider_a_admin, "kept@provider-a.example.com", Role.PROVIDER_USER
    )
    db.session.commit()
    invitation = invitation_for("kept@provider-a.example.com")
    login(client, getattr(people, who))

    assert withdraw(client, invitation).status_code == 403
    assert send_again(client, invitation).status_code == 403
    assert invitation_for("kept@provider-a.example.com").id == invitation.id
    assert operations.pending_invitation(people.org_a.id, invitation.id) is not None
    assert len(invitation_mails("kept@provider-a.example.com")) == 1


def test_the_page_costs_the_same_statements_for_one_invitation_or_five(admin, people):
    serial = itertools.count(1)

    def statements_for_page() -> tuple[int, int]:
        with counting_statements() as statements:
            page = admin.get(url("accounts.organisation_users"))
        assert page.status_code == 200
        return len(pending_rows(page.text)), len(statements)

    def invitation_by(inviter):
        email = f"colleague{next(serial)}@provider-a.example.com"
        operations.invite_user(people.org_a, inviter, email, Role.PROVIDER_USER)
        db.session.commit()

    # Each from another administrator: every row names its own inviter.
    others = [make_user(Role.PROVIDER_ADMIN, people.org_a) for _ in range(4)]
    db.session.commit()
    invitation_by(people.provider_a_admin)
    rows, one = statements_for_page()
    assert rows == 1
    for other in others:
        invitation_by(other)
    rows, five = statements_for_page()
    assert rows == 5
    assert five == one


def invitation_mails_all() -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "invitation")).all()


# --- the invitation mail -----------------------------------------------------------------


def test_an_invitation_is_mailed_in_japanese_and_english(app, admin, people):
    link = invite(admin, "Mailed@Provider-A.example.com", role="provider_admin")
    invitation = invitation_for("mailed@provider-a.example.com")

    (message,) = invitation_mails("mailed@provider-a.example.com")

    with force_locale("ja"):
        ja_subject = gettext(INVITATION_SUBJECT)
        ja_role = f"{gettext('Role')}: {gettext('Provider administrator')}"
    assert message.subject == f"{ja_subject} / {INVITATION_SUBJECT}"
    assert message.language == "ja,en"
    assert message.notice_id is None
    japanese, english = message.body.split("\n" + "-" * 40 + "\n")
    assert people.org_a.name_ja in japanese and "Provider A K.K." not in japanese
    assert ja_role in japanese
    assert english.lstrip().startswith(
        "Akira Admin of Provider A K.K. invites you to join the Advance Notice Registry"
    )
    assert "Role: Provider administrator" in english
    expires = jst(invitation.expires_at)
    assert f"The link works once, until {expires}. After that, ask Akira Admin" in english
    for part in (japanese, english):
        assert "Akira Admin" in part and expires in part
        # The link of the page, at the address people use (PUBLIC_BASE_URL).
        assert f"{app.config['PUBLIC_BASE_URL']}{link}\n" in part
    assert english.rstrip().endswith(app.config["PUBLIC_BASE_URL"])  # the footer, once
    assert message.body.count("\n--\n") == 1
    email = build_email(message, MailSettings.from_config(app.config))
    assert email["Content-Language"] == "ja,en"
    assert email["Subject"] == message.subject
    assert email.get_content().replace("\r\n", "\n").rstrip() == message.body.rstrip()


def test_the_invitation_page_says_the_invitation_is_mailed(admin):
    response = admin.post(
        url("accounts.invite"),
        data={"email": "Told@Provider-A.example.com", "role": "provider_user"},
    )

    assert (
        "The invitation is mailed to told@provider-a.example.com. You can also pass on the link "
        "below yourself." in response.text
    )


PUBLIC_ADDRESS = "https://notices.example.jp/registry"


def whole_links(text: str) -> set[str]:
    """Every invitation link in ``text`` (a page or a mail), whole: scheme, host and path."""
    prefix = url("accounts.accept_invitation", token="TOKEN").removesuffix("TOKEN")
    return set(re.findall(rf"https?://[^\s<>\"']*?{re.escape(prefix)}[A-Za-z0-9_-]+", text))


def test_the_page_shows_the_mailed_link_at_the_public_address(app, admin):
    """The link shown once to the administrator, on inviting and on sending again, is the
    mailed one, at PUBLIC_BASE_URL: not at the address the request came to (localhost)."""
    app.config["PUBLIC_BASE_URL"] = PUBLIC_ADDRESS
    invited = admin.post(
        url("accounts.invite"),
        data={"email": "shown@provider-a.example.com", "role": "provider_user"},
    )
    sent_again = send_again(admin, invitation_for("shown@provider-a.example.com"))

    first, second = invitation_mails("shown@provider-a.example.com")
    for page, mail in ((invited, first), (sent_again, second)):
        assert page.status_code == 200
        (link,) = whole_links(mail.body)
        assert link.startswith(f"{PUBLIC_ADDRESS}/invitations/")
        assert whole_links(page.text) == {link}


def test_a_refused_invitation_mails_nothing(admin, people):
    response = admin.post(
        url("accounts.invite"), data={"email": people.provider_b.email, "role": "provider_user"}
    )

    assert response.status_code == 200
    assert invitation_mails(people.provider_b.email) == []
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_an_invitation_rolled_back_mails_nothing(people):
    operations.invite_user(
        people.org_a, people.provider_a_admin, "undone@provider-a.example.com", Role.PROVIDER_USER
    )
    assert len(invitation_mails_all()) == 1  # written in the invitation's transaction
    db.session.rollback()

    assert invitation_mails_all() == []
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


# --- two administrators at the same moment ------------------------------------------------

ACTS = {
    "disables": lambda user, by: operations.set_colleague_active(user, False, by=by),
    "demotes": lambda user, by: operations.set_colleague_role(user, Role.PROVIDER_USER, by=by),
}
# How long an operation that has done its check waits for the other's to do its own before
# committing. With the organisation locked the other cannot: it waits for this commit.
COMMIT_HOLD_SECONDS = 2


@pytest.mark.parametrize(
    "first_act, second_act",
    [("disables", "disables"), ("demotes", "demotes"), ("disables", "demotes")],
)
def test_two_administrators_acting_on_each_other_at_once_leave_one(
    app, people, first_act, second_act
):
    """The only two administrators, in two requests at once (two web workers, two
    database sessions), each disable or demote the other. Each operation holds its commit
    until the other has made its check too, so that without the organisation's row lock
    both would see the other administrator still active and both would succeed."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip(
            "two requests writing at once need PostgreSQL; on SQLite a writing request "
            "holds the database's write lock from its first statement (BEGIN IMMEDIATE)"
        )
    second = make_user(Role.PROVIDER_ADMIN, people.org_a, name="Sae Second")
    db.session.commit()
    first_id, second_id, org_id = people.provider_a_admin.id, second.id, people.org_a.id
    names = {first_id: people.provider_a_admin.name, second_id: second.name}
    db.session.remove()  # the test's own session holds nothing while the threads run
    start = threading.Barrier(2, timeout=30)
    checked = threading.Barrier(2, timeout=COMMIT_HOLD_SECONDS)
    outcomes = {}

    def act(act_name, target_id, by_id):
        with app.app_context():
            session = db.session()
            try:
                target, by = session.get(User, target_id), session.get(User, by_id)
                session.commit()
                start.wait()
                ACTS[act_name](target, by)
                # Broken after the time out: the other waits for the lock (or was refused).
                with contextlib.suppress(threading.BrokenBarrierError):
                    checked.wait()
                session.commit()
                outcomes[target_id] = "done"
            except Exception as error:  # a refusal, or reported below as unexpected
                outcomes[target_id] = error
            finally:
                session.rollback()
                db.session.remove()

    threads = [
        threading.Thread(target=act, args=(first_act, second_id, first_id)),
        threading.Thread(target=act, args=(second_act, first_id, second_id)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == 2, outcomes
    done = [target for target, outcome in outcomes.items() if outcome == "done"]
    refused = {t: o for t, o in outcomes.items() if isinstance(o, operations.AccountError)}
    assert len(done) == 1 and len(refused) == 1, outcomes
    ((kept_id, refusal),) = refused.items()
    with force_locale("en"):
        assert str(refusal.message) == LAST_ADMIN.format(name=names[kept_id])
    active_admins = db.session.scalars(
        select(User.id).where(
            User.organisation_id == org_id,
            User.role == Role.PROVIDER_ADMIN,
            User.active.is_(True),
        )
    ).all()
    assert active_admins == [kept_id]
    assert len(changes()) == 1
