"""Account activity: sign-ins and every change to an account are recorded with who, when
and from where, in the same transaction as the change; each person sees their own, a
provider administrator their organisation's, an FSA administrator everyone's."""

import re

import pyotp
import pytest
from sqlalchemy import exc, select, text

from app.accounts.models import Role, User
from app.activity import operations as activity
from app.activity.models import AccountAction, AccountEvent
from app.extensions import db
from tests.conftest import BACKEND, counting_statements
from tests.factories import make_user
from tests.test_accounts import url
from tests.test_password_change import change
from tests.test_two_factor import enter, password_step

postgresql_only = pytest.mark.skipif(BACKEND != "postgresql", reason="the trigger is PostgreSQL's")


def events(**where) -> list[AccountEvent]:
    db.session.expire_all()
    query = select(AccountEvent).order_by(AccountEvent.id)
    for name, value in where.items():
        query = query.where(getattr(AccountEvent, name) == value)
    return db.session.scalars(query).all()


def shown_rows(response) -> list[str]:
    """Each table row of the page as its text, tags dropped."""
    body = response.text.split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_a_sign_in_is_recorded_with_the_address_it_came_from(client, login, people):
    login(client, people.provider_a_user)

    [event] = events(action="signed_in")
    assert (event.actor_id, event.subject_id) == (people.provider_a_user.id,) * 2
    assert event.organisation_id == people.org_a.id
    assert event.ip_address == "127.0.0.1"

    [row] = shown_rows(client.get(url("activity.own")))
    assert "Signed in" in row and "127.0.0.1" in row and "Aiko User" in row


def test_a_wrong_sign_in_code_is_recorded_for_the_account_it_was_tried_on(client, people):
    password_step(client, people.reviewer)
    enter(client, "000000")

    [event] = events(action="wrong_sign_in_code")
    assert event.subject_id == people.reviewer.id
    assert events(action="signed_in") == []


def test_a_refused_change_records_nothing(signed_in, people):
    response = change(signed_in, current="not the password")
    assert response.status_code == 200
    assert events(action="password_changed") == []

    change(signed_in)
    [event] = events(action="password_changed")
    assert event.actor_id == event.subject_id == people.provider_a_user.id


def test_an_administrators_change_names_the_administrator(client, login, people):
    login(client, people.administrator)
    client.post(url("accounts.set_user_active", user_id=people.reviewer.id), data={"active": "0"})
    client.post(
        url("accounts.reset_staff_two_factor", user_id=people.supervisor.id),
    )
    client.post(
        url("accounts.staff_users"),
        data={
            "name": "Nao Newcomer",
            "email": "nao@fsa.example.com",
            "role": "reviewer",
            "password": "a long initial password",
        },
    )

    newcomer = db.session.scalar(select(User).where(User.email == "nao@fsa.example.com"))
    done = [
        (e.action, e.actor_id, e.subject_id, e.organisation_id)
        for e in events()
        if e.action != "signed_in"
    ]
    admin = people.administrator.id
    assert done == [
        ("account_disabled", admin, people.reviewer.id, None),
        ("two_factor_reset", admin, people.supervisor.id, None),
        ("staff_account_created", admin, newcomer.id, None),
    ]

    page = client.get(url("activity.everyone"))
    rows = shown_rows(page)
    assert "Staff account created" in rows[0] and "Nao Newcomer" in rows[0]
    assert "Ami Administrator" in rows[0]
    assert "Account disabled" in rows[2] and "Rina Reviewer" in rows[2]
    # Only the administrator's page names the organisation column.
    assert "Belongs to" in page.text


def test_a_provider_administrator_sees_their_organisation_and_nobody_elses(client, login, people):
    activity.record(AccountAction.SIGNED_IN, actor=people.provider_b, subject=people.provider_b)
    activity.record(AccountAction.SIGNED_IN, actor=people.reviewer, subject=people.reviewer)
    db.session.commit()
    login(client, people.provider_a_admin)
    client.post(
        url("accounts.invite"),
        data={"email": "new.colleague@provider-a.example.com", "role": "provider_user"},
    )
    client.post(
        url("accounts.reset_colleague_two_factor", user_id=people.provider_a_user.id),
    )

    page = client.get(url("activity.organisation"))
    text_shown = " | ".join(shown_rows(page))
    assert "Colleague invited" in text_shown
    assert "new.colleague@provider-a.example.com" in text_shown
    assert "Two-step sign-in reset" in text_shown and "Aiko User" in text_shown
    assert "Ben User" not in text_shown and "Rina Reviewer" not in text_shown

    # Asking for another organisation's person shows nothing of theirs.
    page = client.get(url("activity.organisation", user=people.provider_b.id))
    assert "Ben User" not in page.text
    assert "Nothing matches" in page.text

    # Requiring the second factor is the organisation's own setting: no account is named.
    client.post(url("accounts.organisation_two_factor"), data={"two-factor-require": "y"})
    [event] = events(action="two_factor_required")
    assert (event.actor_id, event.subject_id) == (people.provider_a_admin.id, None)
    assert event.organisation_id == people.org_a.id


def test_each_person_sees_only_what_was_done_by_or_to_them(client, login, people):
    activity.record(AccountAction.SIGNED_IN, actor=people.reviewer, subject=people.reviewer)
    activity.record(
        AccountAction.ACCOUNT_DISABLED, actor=people.administrator, subject=people.supervisor
    )
    db.session.commit()
    login(client, people.supervisor)

    page = client.get(url("activity.own"))
    rows = shown_rows(page)
    assert len(rows) == 2  # this sign-in and the change the administrator made
    assert "Belongs to" not in page.text
    assert "Account disabled" in rows[1] and "Ami Administrator" in rows[1]
    assert not any("Rina Reviewer" in row for row in rows)


def test_pages_go_back_fifty_at_a_time_without_gaps(client, login, people):
    for _ in range(119):
        activity.record(
            AccountAction.PASSWORD_CHANGED, actor=people.reviewer, subject=people.reviewer
        )
    db.session.commit()
    login(client, people.administrator)  # the 120th event

    seen, page_url = [], url("activity.everyone")
    while page_url:
        response = client.get(page_url)
        rows = shown_rows(response)
        assert len(rows) <= activity.PAGE_SIZE
        seen += rows
        older = re.search(r'href="([^"]+)" rel="next"', response.text)
        page_url = older[1].replace("&amp;", "&") if older else None
    assert len(seen) == 120


def test_filter_by_what_happened_and_ignore_what_makes_no_sense(client, login, people):
    activity.record(AccountAction.PASSWORD_CHANGED, actor=people.reviewer, subject=people.reviewer)
    db.session.commit()
    login(client, people.administrator)

    rows = shown_rows(client.get(url("activity.everyone", action="password_changed")))
    assert len(rows) == 1 and "Password changed" in rows[0]

    for nonsense in ({"action": "<script>"}, {"before": "abc"}, {"user": "-1; DROP"}):
        response = client.get(url("activity.everyone", **nonsense))
        assert response.status_code == 200
        assert len(shown_rows(response)) == 2
        assert "<script>" not in response.text.split("<main")[1]


def test_a_page_costs_the_same_statements_for_few_events_or_many(client, login, people):
    login(client, people.administrator)

    def statements_for_page() -> int:
        with counting_statements() as statements:
            assert client.get(url("activity.everyone")).status_code == 200
        return len(statements)

    def provider_sign_ins(count):
        others = [make_user(Role.PROVIDER_USER) for _ in range(count)]
        db.session.commit()
        for person in others:
            activity.record(AccountAction.SIGNED_IN, actor=person, subject=person)
        db.session.commit()

    provider_sign_ins(2)
    few = statements_for_page()
    provider_sign_ins(40)
    assert statements_for_page() == few


def test_the_page_is_in_the_persons_language(client, login, people):
    people.provider_a_user.locale = "ja"
    db.session.commit()
    login(client, people.provider_a_user)
    page = client.get(url("activity.own"))
    assert "アカウントの操作履歴" in page.text
    assert "ログイン" in shown_rows(page)[0]


def test_a_second_factor_turned_on_is_recorded(client, login, people):
    user = make_user(Role.PROVIDER_USER, people.org_a, totp_secret=None, totp_enabled_at=None)
    db.session.commit()
    login(client, user)
    page = client.get(url("accounts.two_factor"))
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text)[1].replace(" ", "")
    client.post(url("accounts.two_factor"), data={"code": pyotp.TOTP(secret).now()})
    [event] = events(action="two_factor_enabled")
    assert event.subject_id == user.id


@postgresql_only
def test_postgresql_refuses_to_rewrite_account_activity(people):
    event = activity.record(AccountAction.SIGNED_IN, actor=people.reviewer, subject=people.reviewer)
    db.session.commit()
    for statement in (
        "UPDATE account_events SET ip_address = '10.0.0.1' WHERE id = :id",
        "DELETE FROM account_events WHERE id = :id",
    ):
        with pytest.raises(exc.DBAPIError, match="append-only"):
            db.session.execute(text(statement), {"id": event.id})
        db.session.rollback()
    assert events()[0].ip_address is None


def test_the_account_page_shows_the_sign_in_before_this_one(client, login, auth, people):
    user = people.provider_a_user
    login(client, user)
    assert "Your previous sign-in" not in client.get(url("accounts.account")).text

    [first] = events(action="signed_in")
    auth.logout(client)
    login(client, user)
    page = client.get(url("accounts.account")).text
    assert "Your previous sign-in" in page
    assert f"from {first.ip_address}." in page


def test_a_provider_administrator_disabling_a_colleague_is_on_the_organisations_page(
    client, login, people
):
    login(client, people.provider_a_admin)
    client.post(
        url("accounts.set_colleague_active", user_id=people.provider_a_user.id),
        data={"active": "0"},
    )

    [event] = events(action="account_disabled")
    assert (event.actor_id, event.subject_id) == (
        people.provider_a_admin.id,
        people.provider_a_user.id,
    )
    assert event.organisation_id == people.org_a.id
    [row] = [r for r in shown_rows(client.get(url("activity.organisation"))) if "disabled" in r]
    assert "Account disabled" in row and "Akira Admin" in row and "Aiko User" in row
