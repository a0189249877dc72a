"""Accounts through the site: registration, signing in and out, invitations, staff accounts."""

import html
import json
import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import current_app, url_for
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app.accounts import operations
from app.accounts.models import Invitation, Organisation, OrganisationKind, Role, User
from app.domain import calendar
from app.extensions import db
from app.filing.completeness import find_problems
from app.models import utcnow
from tests.factories import (
    PASSWORD,
    make_foreign_organisation,
    make_organisation,
    make_user,
    valid_corporate_number,
    valid_lei,
)
from tests.filing_helpers import complete_draft
from tests.permission_scenario import quick_acknowledgements  # noqa: F401 - a fixture
from tests.review_helpers import jst_today, submitted_notice

WRONG_CREDENTIALS = "The e-mail address or password is not correct."


def url(endpoint: str, **values) -> str:
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def registration(**overrides) -> dict:
    """A complete, valid registration form for a Japanese company."""
    return {
        "kind": "domestic",
        "name_ja": "霞が関カストディ株式会社",
        "name_en": "Kasumigaseki Custody K.K.",
        "corporate_number": valid_corporate_number(),
        "country": "JP",
        "lei": "",
        "postal_code": "1008967",
        "address": "東京都千代田区霞が関3-2-1",
        "representative_name": "山田 太郎",
        "representative_title": "代表取締役",
        "contact_name": "佐藤 花子",
        "contact_department": "コンプライアンス部",
        "contact_email": "compliance@kasumigaseki-custody.example.com",
        "contact_phone": "03-3506-6000",
        "user_name": "山田 太郎",
        "email": "owner@kasumigaseki-custody.example.com",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        **overrides,
    }


def foreign_registration(**overrides) -> dict:
    foreign = {"kind": "foreign", "corporate_number": "", "country": "SG", "lei": valid_lei()}
    return registration(**{**foreign, **overrides})


def field_error(response, field: str) -> str | None:
    """The error text shown beside ``field``, or None."""
    match = re.search(
        rf'<p class="error-message" id="{field}-error">(.*?)</p>', response.text, re.DOTALL
    )
    if match is None:
        return None
    return html.unescape(re.sub(r"<[^>]+>", "", match[1])).strip()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def path(response) -> str:
    return urlsplit(response.location).path


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


# --- registration --------------------------------------------------------------------


def test_registration_signs_in_the_provider_admin(client):
    form = registration()

    response = client.post(url("accounts.register"), data=form)

    assert response.status_code == 302
    assert path(response) == url("filing.dashboard")
    organisation = db.session.scalars(select(Organisation)).one()
    assert organisation.kind == OrganisationKind.DOMESTIC
    assert organisation.corporate_number == form["corporate_number"]
    assert organisation.lei is None
    assert organisation.country == "JP"
    assert organisation.postal_code == "100-8967"
    assert organisation.contact_phone == "+81335066000"
    for name in (
        "name_ja",
        "name_en",
        "address",
        "representative_name",
        "representative_title",
        "contact_name",
        "contact_department",
        "contact_email",
    ):
        assert getattr(organisation, name) == form[name], name
    user = db.session.scalars(select(User)).one()
    assert user.role == Role.PROVIDER_ADMIN
    assert user.organisation_id == organisation.id
    assert user.email == form["email"]
    assert client.get(url("filing.dashboard")).status_code == 200


def test_registration_of_a_foreign_company_with_a_valid_lei(client):
    form = foreign_registration()

    response = client.post(url("accounts.register"), data=form)

    assert response.status_code == 302
    organisation = db.session.scalars(select(Organisation)).one()
    assert organisation.kind == OrganisationKind.FOREIGN
    assert organisation.lei == form["lei"]
    assert organisation.country == "SG"
    assert organisation.corporate_number is None


def _wrong_check_digit(number: str) -> str:
    return str(int(number[0]) % 9 + 1) + number[1:]


def _wrong_lei(lei: str) -> str:
    return lei[:-2] + f"{(int(lei[-2:]) + 1) % 100:02d}"


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        pytest.param(
            lambda: registration(corporate_number=_wrong_check_digit(valid_corporate_number())),
            "corporate_number",
            "Enter a valid 13-digit corporate number with a correct check digit.",
            id="corporate-number-check-digit",
        ),
        pytest.param(
            lambda: registration(corporate_number=""),
            "corporate_number",
            "This field is required.",
            id="corporate-number-missing",
        ),
        pytest.param(
            lambda: foreign_registration(lei=_wrong_lei(valid_lei())),
            "lei",
            "Enter a valid 20-character Legal Entity Identifier (LEI) with correct check digits.",
            id="lei-check-digits",
        ),
        pytest.param(
            lambda: foreign_registration(lei=""),
            "lei",
            "This field is required.",
            id="lei-missing",
        ),
        pytest.param(
            lambda: registration(password="x" * 11, password_confirm="x" * 11),
            "password",
            "Enter between 12 and 128 characters.",
            id="password-11-characters",
        ),
        pytest.param(
            lambda: registration(password="x" * 129, password_confirm="x" * 129),
            "password",
            "Enter between 12 and 128 characters.",
            id="password-129-characters",
        ),
        pytest.param(
            lambda: registration(password_confirm=PASSWORD + "!"),
            "password_confirm",
            "The passwords do not match.",
            id="passwords-differ",
        ),
    ],
)
def test_invalid_registration_shows_the_message_beside_the_field(client, form, field, message):
    response = client.post(url("accounts.register"), data=form())

    assert response.status_code == 200
    assert field_error(response, field) == message
    assert count(Organisation) == 0
    assert count(User) == 0


def test_a_password_of_128_characters_is_accepted(client):
    response = client.post(
        url("accounts.register"), data=registration(password="x" * 128, password_confirm="x" * 128)
    )

    assert response.status_code == 302


def test_registration_with_a_taken_email_is_refused(client, app):
    make_user(Role.REVIEWER, email="taken@example.com")

    response = client.post(url("accounts.register"), data=registration(email="Taken@Example.com"))

    assert response.status_code == 200
    assert field_error(response, "email") == (
        "An account with this e-mail address already exists. If it is yours, sign in with it; "
        "if you have forgotten its password, the sign-in page lets you set a new one."
    )
    assert count(Organisation) == 0
    assert count(User) == 1


def test_registration_with_a_registered_corporate_number_is_refused(client, app):
    existing = make_organisation()

    response = client.post(
        url("accounts.register"), data=registration(corporate_number=existing.corporate_number)
    )

    assert response.status_code == 200
    assert (
        field_error(response, "corporate_number")
        == "An organisation with this identifier is already registered."
    )
    assert count(Organisation) == 1
    assert count(User) == 0


def test_registration_with_a_registered_lei_is_refused(client, app):
    existing = make_foreign_organisation()

    response = client.post(url("accounts.register"), data=foreign_registration(lei=existing.lei))

    assert response.status_code == 200
    assert (
        field_error(response, "lei")
        == "An organisation with this identifier is already registered."
    )
    assert count(Organisation) == 1


def test_passwords_are_stored_hashed(client):
    client.post(url("accounts.register"), data=registration(email="owner@example.com"))

    stored = user_by_email("owner@example.com").password_hash
    assert PASSWORD not in stored
    assert stored.startswith("pbkdf2:sha256:1000$")
    assert check_password_hash(stored, PASSWORD)


# --- signing in and out --------------------------------------------------------------


def test_sign_in_and_reach_the_notices(client, people, auth):
    response = auth.login(client, people.provider_a_user)

    assert path(response) == url("core.index")
    page = client.get(url("core.index"), follow_redirects=True)
    assert page.request.path == url("filing.dashboard")
    assert "Aiko User" in page.text


def test_sign_in_ignores_the_case_of_the_email(client, people):
    response = client.post(
        url("accounts.login"), data={"email": "A.User@Provider-A.example.com", "password": PASSWORD}
    )

    assert response.status_code == 302


def test_wrong_password_and_unknown_account_look_the_same(client, people, caplog):
    caplog.set_level(logging.WARNING, logger="app.accounts")
    wrong_password = client.post(
        url("accounts.login"),
        data={"email": people.provider_a_user.email, "password": "not the password"},
    )
    unknown = client.post(
        url("accounts.login"), data={"email": "nobody@example.com", "password": "not the password"}
    )

    assert wrong_password.status_code == unknown.status_code == 200
    assert field_error(wrong_password, "password") == WRONG_CREDENTIALS
    assert field_error(unknown, "password") == WRONG_CREDENTIALS
    assert field_error(wrong_password, "email") is field_error(unknown, "email") is None
    assert client.get(url("filing.dashboard")).status_code == 302
    # Both are logged for monitoring (this also shows that the migrations' logging set-up
    # has not silenced the app's loggers).
    failures = [r for r in caplog.records if r.name.startswith("app.accounts")]
    assert len(failures) == 2


def test_logout_is_post_only(client, people, auth):
    auth.login(client, people.provider_a_user)

    assert client.get(url("accounts.logout")).status_code == 405
    assert client.get(url("filing.dashboard")).status_code == 200

    response = client.post(url("accounts.logout"))
    assert response.status_code == 302
    assert path(response) == url("accounts.login")
    assert path(client.get(url("filing.dashboard"))) == url("accounts.login")


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example", "/\\evil.example", "http:/evil.example"],
)
def test_sign_in_ignores_a_next_that_leaves_the_site(client, people, auth, target):
    response = auth.login(client, people.provider_a_user, next=target)

    assert urlsplit(response.location).netloc in ("", "localhost")
    assert path(response) == url("core.index")


def test_sign_in_follows_a_local_next(client, people, auth):
    response = auth.login(client, people.provider_a_user, next=url("filing.dashboard"))

    assert response.location == url("filing.dashboard")


def test_a_protected_page_sends_a_guest_to_sign_in_and_back(client, people):
    to_login = client.get(url("filing.dashboard"))
    assert path(to_login) == url("accounts.login")

    response = client.post(
        to_login.location, data={"email": people.provider_a_user.email, "password": PASSWORD}
    )
    assert response.location == url("filing.dashboard")


def test_the_session_is_renewed_at_sign_in(client, people, auth):
    with client.session_transaction() as session:
        session["planted"] = "before sign-in"
        session["lang"] = "en"

    auth.login(client, people.provider_a_user)

    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "en"  # the language choice is the one thing kept
        assert "_user_id" in session


def test_a_disabled_account_cannot_sign_in_and_its_owner_is_told_why(client, people):
    people.provider_a_user.active = False
    db.session.commit()

    response = client.post(
        url("accounts.login"), data={"email": people.provider_a_user.email, "password": PASSWORD}
    )

    # Only someone who knows the password learns that the account is disabled.
    assert field_error(response, "password").startswith("This account is disabled.")
    assert "_user_id" not in response.headers.get("Set-Cookie", "")
    with client.session_transaction() as session:
        assert "_user_id" not in session
    wrong = client.post(
        url("accounts.login"), data={"email": people.provider_a_user.email, "password": "x" * 16}
    )
    assert field_error(wrong, "password") == WRONG_CREDENTIALS


# --- invitations ---------------------------------------------------------------------


def invite(client, email, role="provider_user") -> str:
    response = client.post(url("accounts.invite"), data={"email": email, "role": role})
    assert response.status_code == 200
    prefix = url("accounts.accept_invitation", token="TOKEN").removesuffix("TOKEN")
    public = re.escape(current_app.config["PUBLIC_BASE_URL"])
    match = re.search(rf"{public}({re.escape(prefix)}[A-Za-z0-9_-]+)", response.text)
    assert match, "the page shows the invitation link"
    return match[1]


def test_an_invitation_brings_a_colleague_into_the_organisation(app, client, people, auth):
    auth.login(client, people.provider_a_admin)
    link = invite(client, "new.colleague@provider-a.example.com")

    colleague = app.test_client()
    assert colleague.get(link).status_code == 200
    response = colleague.post(
        link, data={"name": "New Colleague", "password": PASSWORD, "password_confirm": PASSWORD}
    )

    assert response.status_code == 302
    assert path(response) == url("filing.dashboard")
    user = user_by_email("new.colleague@provider-a.example.com")
    assert user.organisation_id == people.org_a.id
    assert user.role == Role.PROVIDER_USER
    assert PASSWORD not in user.password_hash
    assert colleague.get(url("filing.dashboard")).status_code == 200


def test_an_invitation_link_works_once(app, client, people, auth):
    auth.login(client, people.provider_a_admin)
    link = invite(client, "once@provider-a.example.com", role="provider_admin")
    data = {"name": "Once", "password": PASSWORD, "password_confirm": PASSWORD}
    assert app.test_client().post(link, data=data).status_code == 302

    again = app.test_client()
    assert again.get(link).status_code == 404
    assert again.post(link, data=data).status_code == 404
    assert count(User) == 7  # the six people and the one colleague


def test_an_expired_invitation_is_not_found(app, client, people):
    token = operations.invite_user(
        people.org_a, people.provider_a_admin, "late@provider-a.example.com", Role.PROVIDER_USER
    )
    invitation = db.session.scalars(select(Invitation)).one()
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    assert client.get(url("accounts.accept_invitation", token=token)).status_code == 404
    assert client.get(url("accounts.accept_invitation", token="not-a-token")).status_code == 404


@pytest.mark.parametrize("who", ["provider_a_user", "provider_b", "reviewer", "administrator"])
def test_only_a_provider_admin_can_invite(client, people, auth, who):
    auth.login(client, getattr(people, who))

    assert client.get(url("accounts.invite")).status_code == 403
    response = client.post(
        url("accounts.invite"), data={"email": "x@example.com", "role": "provider_admin"}
    )
    assert response.status_code == 403
    assert count(Invitation) == 0


# --- staff accounts ------------------------------------------------------------------


def test_flask_users_create_makes_a_staff_account(runner, client, app):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "reviewer",
            "--email",
            "New.Reviewer@fsa.example.com",
            "--name",
            "New Reviewer",
        ],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert "created reviewer new.reviewer@fsa.example.com" in result.output
    user = user_by_email("new.reviewer@fsa.example.com")
    assert user.role == Role.REVIEWER
    assert user.organisation_id is None
    assert PASSWORD not in user.password_hash
    response = client.post(
        url("accounts.login"), data={"email": "new.reviewer@fsa.example.com", "password": PASSWORD}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("role", "password"),
    [("reviewer", "x" * 11), ("reviewer", "x" * 129), ("provider_admin", PASSWORD)],
)
def test_flask_users_create_refuses_bad_input(runner, app, role, password):
    result = runner.invoke(
        args=["users", "create", "--role", role, "--email", "s@fsa.example.com", "--name", "S"],
        input=f"{password}\n{password}\n",
    )

    assert result.exit_code != 0
    assert count(User) == 0


def test_the_administrator_lists_and_creates_staff_accounts(client, people, auth):
    auth.login(client, people.administrator)

    page = client.get(url("accounts.staff_users"))
    assert page.status_code == 200
    for staff in (people.reviewer, people.supervisor, people.administrator):
        assert staff.email in page.text
    assert people.provider_a_user.email not in page.text

    response = client.post(
        url("accounts.staff_users"),
        data={
            "name": "New Supervisor",
            "email": "new.supervisor@fsa.example.com",
            "role": "supervisor",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
    user = user_by_email("new.supervisor@fsa.example.com")
    assert user.role == Role.SUPERVISOR
    assert user.organisation_id is None
    assert "new.supervisor@fsa.example.com" in client.get(url("accounts.staff_users")).text


def test_the_administrator_page_refuses_a_short_password(client, people, auth):
    auth.login(client, people.administrator)
    response = client.post(
        url("accounts.staff_users"),
        data={"name": "S", "email": "s@fsa.example.com", "role": "reviewer", "password": "x" * 11},
    )

    assert response.status_code == 200
    assert field_error(response, "password") == "Enter between 12 and 128 characters."
    assert user_by_email("s@fsa.example.com") is None


@pytest.mark.parametrize("who", ["provider_a_admin", "reviewer", "supervisor"])
def test_only_the_administrator_manages_staff(client, people, auth, who):
    auth.login(client, getattr(people, who))

    assert client.get(url("accounts.staff_users")).status_code == 403
    response = client.post(
        url("accounts.set_user_active", user_id=people.reviewer.id), data={"active": "0"}
    )
    assert response.status_code == 403
    db.session.refresh(people.reviewer)
    assert people.reviewer.active


def test_disabling_a_user_ends_their_session(app, people, auth):
    provider = app.test_client()
    administrator = app.test_client()
    auth.login(provider, people.provider_a_user)
    auth.login(administrator, people.administrator)
    assert provider.get(url("filing.dashboard")).status_code == 200

    response = administrator.post(
        url("accounts.set_user_active", user_id=people.provider_a_user.id), data={"active": "0"}
    )
    assert response.status_code == 302

    assert path(provider.get(url("filing.dashboard"))) == url("accounts.login")
    assert not people.provider_a_user.active


def test_browsers_are_told_which_field_is_which_password(client):
    """Password managers fill the sign-in and offer a new password on the forms that set one;
    the invitation's address is a colleague's, not one's own."""

    def autocomplete(page):
        found = {}
        for tag in re.findall(r"<input[^>]*>", page):
            attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
            if "autocomplete" in attributes:
                found[attributes["name"]] = attributes["autocomplete"]
        return found

    login = autocomplete(client.get("/login").get_data(as_text=True))
    assert login == {"email": "username", "password": "current-password"}
    register = autocomplete(client.get("/signup").get_data(as_text=True))
    assert register["user_name"] == "name"
    assert register["email"] == "email"
    assert register["password"] == register["password_confirm"] == "new-password"


# --- the organisation profile: identifiers and country ----------------------------------

FOREIGN_IN_JAPAN = (
    "A foreign company is incorporated outside Japan. Choose its country of incorporation, "
    "or choose Japanese company."
)


def profile_form(organisation, **overrides) -> dict:
    """The profile form as the page fills it in for ``organisation``, with ``overrides``."""
    form = {name: getattr(organisation, name) or "" for name in operations.PROFILE_FIELDS}
    form["kind"] = str(organisation.kind)
    return {**form, **overrides}


def test_a_japanese_company_registers_with_its_lei_too(client):
    lei = valid_lei()

    response = client.post(url("accounts.register"), data=registration(lei=lei.lower()))

    assert response.status_code == 302
    organisation = db.session.scalars(select(Organisation)).one()
    assert (organisation.kind, organisation.lei) == (OrganisationKind.DOMESTIC, lei)
    assert organisation.corporate_number is not None


def test_saving_the_profile_keeps_a_japanese_companys_lei(client, login, people):
    lei = valid_lei()
    login(client, people.provider_a_admin)

    response = client.post(url("accounts.organisation"), data=profile_form(people.org_a, lei=lei))

    assert response.status_code == 302
    db.session.refresh(people.org_a)
    assert people.org_a.lei == lei
    assert lei in client.get(url("accounts.organisation")).text
    # Saved again without a change, it stays.
    client.post(url("accounts.organisation"), data=profile_form(people.org_a))
    db.session.refresh(people.org_a)
    assert people.org_a.lei == lei


def test_a_japanese_companys_lei_is_checked(client, login, people):
    login(client, people.provider_a_admin)

    response = client.post(
        url("accounts.organisation"), data=profile_form(people.org_a, lei=_wrong_lei(valid_lei()))
    )

    assert response.status_code == 200
    assert field_error(response, "lei") == (
        "Enter a valid 20-character Legal Entity Identifier (LEI) with correct check digits."
    )
    db.session.refresh(people.org_a)
    assert people.org_a.lei is None


def test_switching_to_a_foreign_company_keeps_the_corporate_number(client, login, people):
    number, lei = people.org_a.corporate_number, valid_lei()
    login(client, people.provider_a_admin)

    response = client.post(
        url("accounts.organisation"),
        data=profile_form(people.org_a, kind="foreign", country="SG", lei=lei),
    )

    assert response.status_code == 302
    db.session.refresh(people.org_a)
    assert people.org_a.kind == OrganisationKind.FOREIGN
    assert (people.org_a.corporate_number, people.org_a.lei) == (number, lei)
    assert people.org_a.country == "SG"


def test_switching_to_a_foreign_company_asks_for_the_lei(client, login, people):
    login(client, people.provider_a_admin)

    response = client.post(
        url("accounts.organisation"), data=profile_form(people.org_a, kind="foreign", country="SG")
    )

    assert response.status_code == 200
    assert field_error(response, "lei") == "This field is required."
    db.session.refresh(people.org_a)
    assert people.org_a.kind == OrganisationKind.DOMESTIC


def test_a_foreign_company_is_not_incorporated_in_japan(client, login, people):
    response = client.post(url("accounts.register"), data=foreign_registration(country="JP"))
    assert response.status_code == 200
    assert field_error(response, "country") == FOREIGN_IN_JAPAN
    assert count(Organisation) == 2  # people's two; nothing registered

    login(client, people.provider_a_admin)
    response = client.post(
        url("accounts.organisation"),
        data=profile_form(people.org_a, kind="foreign", country="JP", lei=valid_lei()),
    )
    assert response.status_code == 200
    assert field_error(response, "country") == FOREIGN_IN_JAPAN
    db.session.refresh(people.org_a)
    assert (people.org_a.kind, people.org_a.lei) == (OrganisationKind.DOMESTIC, None)


def test_a_japanese_company_is_incorporated_in_japan(client):
    response = client.post(url("accounts.register"), data=registration(country="SG"))

    assert response.status_code == 200
    assert field_error(response, "country") == (
        "A Japanese company is incorporated in Japan. Choose Japan, or choose foreign company."
    )
    assert count(Organisation) == 0


def test_the_operation_refuses_a_foreign_company_in_japan_whoever_calls_it(people):
    profile = profile_form(people.org_a, kind="foreign", country="JP", lei=valid_lei())

    with force_locale("en"), pytest.raises(operations.AccountError) as refused:
        operations.update_organisation(people.org_a, profile, by=people.provider_a_admin)

    assert (str(refused.value), refused.value.field) == (FOREIGN_IN_JAPAN, "country")


@pytest.mark.usefixtures("quick_acknowledgements")
def test_a_filed_notice_copies_both_identifiers(people):
    people.org_a.lei = valid_lei()
    notice = submitted_notice(people.provider_a_user)
    db.session.commit()

    provider = json.loads(notice.versions[0].snapshot)["provider"]
    assert (provider["corporate_number"], provider["lei"]) == (
        people.org_a.corporate_number,
        people.org_a.lei,
    )


def test_a_profile_saved_before_the_rule_is_not_filed_as_is(people):
    foreign = make_foreign_organisation(country="JP")
    user = make_user(Role.PROVIDER_USER, foreign)
    notice = complete_draft(user)

    today = jst_today()
    problems = find_problems(
        notice,
        foreign,
        today=today,
        earliest_start=calendar.earliest_start_date(today, 40),
        advance_business_days=40,
    )

    with force_locale("en"):
        assert [(p.section, p.field, str(p.message)) for p in problems] == [
            ("provider", "country", FOREIGN_IN_JAPAN)
        ]


# --- invitations: what the answer tells -------------------------------------------------

NOT_INVITABLE = (
    "This e-mail address cannot be invited. Check the address with your colleague, or use "
    "another one."
)


def test_an_address_in_use_elsewhere_gets_one_answer_whoever_holds_it(client, login, people):
    disabled_elsewhere = make_user(Role.PROVIDER_ADMIN, active=False)
    db.session.commit()
    login(client, people.provider_a_admin)

    answers = []
    for holder in (people.provider_b, people.reviewer, disabled_elsewhere):
        response = client.post(
            url("accounts.invite"), data={"email": holder.email.upper(), "role": "provider_user"}
        )
        assert response.status_code == 200
        assert field_error(response, "email") == NOT_INVITABLE
        page = response.text.replace(holder.email.upper(), "{email}")
        # A CSRF token carries the second it was made: not part of the answer. It is in the
        # body's data-csrf, the menu's sign-out form and the form's own hidden field.
        answers.append(
            re.sub(r'(data-csrf="|name="csrf_token"(?: type="hidden")? value=")[^"]*', r"\1-", page)
        )

    assert answers[0] == answers[1] == answers[2]
    assert "already exists" not in answers[0]
    assert count(Invitation) == 0


def test_a_member_of_the_organisation_is_named_as_such(client, login, people):
    login(client, people.provider_a_admin)

    response = client.post(
        url("accounts.invite"),
        data={"email": people.provider_a_user.email, "role": "provider_user"},
    )

    assert field_error(response, "email") == (
        "This e-mail address already belongs to a user of your organisation."
    )
    assert count(Invitation) == 0


def test_a_new_invitation_replaces_the_earlier_one(app, client, login, people):
    login(client, people.provider_a_admin)
    first = invite(client, "twice@provider-a.example.com")
    second = invite(client, "Twice@Provider-A.example.com", role="provider_admin")

    invitee = app.test_client()
    assert invitee.get(first).status_code == 404
    data = {"name": "Twice", "password": PASSWORD, "password_confirm": PASSWORD}
    assert invitee.post(first, data=data).status_code == 404
    assert invitee.post(second, data=data).status_code == 302
    assert user_by_email("twice@provider-a.example.com").role == Role.PROVIDER_ADMIN


def test_another_organisations_invitation_to_the_same_address_is_left_alone(app, client, people):
    admin_b = make_user(Role.PROVIDER_ADMIN, people.org_b)
    theirs = operations.invite_user(
        people.org_b, admin_b, "sought.after@example.net", Role.PROVIDER_USER
    )
    ours = operations.invite_user(
        people.org_a, people.provider_a_admin, "sought.after@example.net", Role.PROVIDER_USER
    )
    db.session.commit()

    for token in (theirs, ours):
        assert client.get(url("accounts.accept_invitation", token=token)).status_code == 200
