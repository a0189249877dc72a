"""The second factor: TOTP enrolment, the code step of signing in, recovery codes."""

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from app.accounts import two_factor
from app.accounts.models import RecoveryCode, Role, User
from app.extensions import db
from app.mail.models import OutboxMessage
from tests.factories import PASSWORD, make_user
from tests.test_accounts import field_error, path, url


def password_step(client, user, password=PASSWORD):
    return client.post(url("accounts.login"), data={"email": user.email, "password": password})


def enter(client, code, endpoint="accounts.login_code"):
    return client.post(url(endpoint), data={"code": code})


def shown_secret(response) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', response.text)
    return match[1].replace(" ", "")


def shown_recovery_codes(response) -> list[str]:
    block = response.text.split('class="recovery-codes')[1].split("</ul>")[0]
    return re.findall(r"<li>([A-Z2-7 ]+)</li>", block)


def test_staff_sign_in_takes_a_code_after_the_password(client, people):
    reviewer = people.reviewer
    response = password_step(client, reviewer)
    assert path(response) == url("accounts.login_code")

    # Half-way: not signed in; every page but the code step sends them to sign in.
    for page in (url("review.queue"), url("accounts.account"), url("accounts.two_factor")):
        assert path(client.get(page)) == url("accounts.login")
    assert client.get(url("accounts.login_code")).status_code == 200

    response = enter(client, pyotp.TOTP(reviewer.totp_secret).now())
    assert path(response) == url("core.index")
    assert client.get(url("review.queue")).status_code == 200


def test_a_wrong_code_is_refused(client, people):
    password_step(client, people.reviewer)
    response = enter(client, "000000")
    assert response.status_code == 200
    assert "not correct" in field_error(response, "code")
    assert path(client.get(url("review.queue"))) == url("accounts.login")


def test_a_code_works_once(app, people):
    reviewer = people.reviewer
    first, second = app.test_client(), app.test_client()
    password_step(first, reviewer)
    password_step(second, reviewer)
    code = pyotp.TOTP(reviewer.totp_secret).now()
    assert path(enter(first, code)) == url("core.index")

    replay = enter(second, code)
    assert replay.status_code == 200
    assert "already been used" in field_error(replay, "code")
    db.session.refresh(reviewer)
    assert reviewer.totp_last_counter == pyotp.TOTP(reviewer.totp_secret).timecode(time.time())


def test_the_code_step_lapses_after_a_few_minutes(client, people):
    reviewer = people.reviewer
    password_step(client, reviewer)
    with client.session_transaction() as session:
        held = session["pending_sign_in"]
        session["pending_sign_in"] = {**held, "at": held["at"] - 5 * 60 - 1}
    response = enter(client, pyotp.TOTP(reviewer.totp_secret).now())
    assert path(response) == url("accounts.login")
    assert path(client.get(url("review.queue"))) == url("accounts.login")


def test_a_disabled_account_cannot_finish_the_code_step(app, client, people, auth):
    reviewer = people.reviewer
    password_step(client, reviewer)
    administrator = app.test_client()
    auth.login(administrator, people.administrator)
    administrator.post(url("accounts.set_user_active", user_id=reviewer.id), data={"active": "0"})
    response = enter(client, pyotp.TOTP(reviewer.totp_secret).now())
    assert path(response) == url("accounts.login")


def test_the_code_step_is_not_reachable_without_the_password(client, people):
    assert path(client.get(url("accounts.login_code"))) == url("accounts.login")
    response = enter(client, pyotp.TOTP(people.reviewer.totp_secret).now())
    assert path(response) == url("accounts.login")


# --- enrolment of staff at sign-in ---------------------------------------------------------


@pytest.fixture
def new_reviewer(app):
    user = make_user(Role.REVIEWER, totp_secret=None, totp_enabled_at=None)
    db.session.commit()
    return user


def test_staff_without_a_second_factor_enrol_right_after_the_password(client, new_reviewer):
    response = password_step(client, new_reviewer)
    assert path(response) == url("accounts.login_enrol")
    assert path(client.get(url("review.queue"))) == url("accounts.login")

    page = client.get(url("accounts.login_enrol"))
    assert page.status_code == 200
    # The QR code is inline SVG (the CSP allows no data: image), the key is shown as text.
    assert "<svg" in page.text and 'src="data:' not in page.text
    secret = shown_secret(page)
    db.session.refresh(new_reviewer)
    assert new_reviewer.totp_secret == secret
    assert not new_reviewer.two_factor_enabled

    wrong = enter(client, "123456", "accounts.login_enrol")
    assert "not correct" in field_error(wrong, "code")
    assert shown_secret(wrong) == secret

    done = enter(client, pyotp.TOTP(secret).now(), "accounts.login_enrol")
    assert done.status_code == 200
    codes = shown_recovery_codes(done)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(url("review.queue")).status_code == 200
    db.session.refresh(new_reviewer)
    assert new_reviewer.two_factor_enabled
    # Stored as hashes only.
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not {c.replace(" ", "") for c in codes} & set(stored)


def test_a_recovery_code_signs_in_once(app, client, new_reviewer):
    password_step(client, new_reviewer)
    secret = shown_secret(client.get(url("accounts.login_enrol")))
    codes = shown_recovery_codes(enter(client, pyotp.TOTP(secret).now(), "accounts.login_enrol"))

    for attempt, expected in ((codes[0], url("core.index")), (codes[0], None)):
        other = app.test_client()
        password_step(other, new_reviewer)
        response = enter(other, attempt.lower().replace(" ", "-"))
        if expected:
            assert path(response) == expected
        else:
            assert "already been used" in field_error(response, "code")


def test_signed_in_staff_without_a_second_factor_can_only_enrol(app, client, new_reviewer):
    # A session from before the second factor became compulsory.
    from app.accounts import sessions

    with app.test_request_context():
        token = sessions.start(new_reviewer)
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = f"{new_reviewer.id}:{token}"
        session["_fresh"] = True
    assert path(client.get(url("review.queue"))) == url("accounts.two_factor")
    assert client.get(url("accounts.two_factor")).status_code == 200


# --- a provider turns it on and off ----------------------------------------------------------


def test_a_provider_turns_two_step_sign_in_on_and_off(app, client, people, auth):
    user = people.provider_a_user
    auth.login(client, user)
    assert "Turn on two-step sign-in" in client.get(url("accounts.account")).text
    secret = shown_secret(client.get(url("accounts.two_factor")))
    codes = shown_recovery_codes(enter(client, pyotp.TOTP(secret).now(), "accounts.two_factor"))
    assert len(codes) == 10
    db.session.refresh(user)
    assert user.two_factor_enabled

    # Now signing in takes a code.
    other = app.test_client()
    assert path(password_step(other, user)) == url("accounts.login_code")

    # Turning it off needs a valid code.
    refused = client.post(url("accounts.two_factor_off"), data={"code": "000000"})
    assert refused.status_code == 200
    assert "not correct" in refused.text
    db.session.refresh(user)
    assert user.two_factor_enabled

    response = client.post(url("accounts.two_factor_off"), data={"code": codes[3]})
    assert path(response) == url("accounts.account")
    db.session.refresh(user)
    assert not user.two_factor_enabled and user.totp_secret is None
    assert db.session.scalar(select(RecoveryCode.id)) is None
    assert path(password_step(app.test_client(), user)) == url("core.index")
    kinds = db.session.scalars(
        select(OutboxMessage.kind).where(OutboxMessage.recipient == user.email)
    ).all()
    assert kinds == ["two_factor_enabled", "two_factor_disabled"]


def test_staff_cannot_turn_it_off(client, people, auth):
    auth.login(client, people.reviewer)
    code = pyotp.TOTP(people.reviewer.totp_secret).now()
    assert client.post(url("accounts.two_factor_off"), data={"code": code}).status_code == 403
    assert "always sign in in two steps" in client.get(url("accounts.account")).text


# --- throttling --------------------------------------------------------------------------------


def test_wrong_codes_count_toward_the_sign_in_limit(make_app, people):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    client = app.test_client()
    reviewer = people.reviewer
    password_step(client, reviewer)
    for _ in range(3):
        assert enter(client, "000000").status_code == 200
    assert enter(client, pyotp.TOTP(reviewer.totp_secret).now()).status_code == 429
    assert password_step(app.test_client(), reviewer).status_code == 429


# --- the domain rules --------------------------------------------------------------------------


def test_codes_from_the_neighbouring_steps_are_accepted_and_no_further(app):
    user = make_user(Role.REVIEWER)
    totp = pyotp.TOTP(user.totp_secret)
    now = totp.timecode(time.time())
    assert not two_factor.verify(user, totp.generate_otp(now - 2))
    assert not two_factor.verify(user, totp.generate_otp(now + 2))
    assert two_factor.verify(user, totp.generate_otp(now - 1))
    assert two_factor.verify(user, totp.generate_otp(now + 1))
    # Once a later step is used, an earlier code is refused.
    assert not two_factor.verify(user, totp.generate_otp(now))


def test_recovery_codes_are_long_and_random(app):
    user = make_user(Role.PROVIDER_USER)
    codes = two_factor.new_recovery_codes(user)
    assert len(codes) == 10
    assert all(re.fullmatch(r"([A-Z2-7]{4} ){5}[A-Z2-7]{4}", code) for code in codes)
    assert db.session.scalar(select(User.totp_secret).where(User.id == user.id)) is None


def test_the_password_step_alone_is_not_a_sign_in(client, people):
    password_step(client, people.reviewer)
    db.session.refresh(people.reviewer)
    assert people.reviewer.last_login_at is None
    enter(client, pyotp.TOTP(people.reviewer.totp_secret).now())
    db.session.refresh(people.reviewer)
    assert people.reviewer.last_login_at is not None


# --- a provider administrator requires it for the organisation --------------------------------


def test_a_provider_admin_can_require_it_for_every_user(app, people, auth):
    admin, user = app.test_client(), app.test_client()
    auth.login(admin, people.provider_a_admin)
    auth.login(user, people.provider_a_user)

    response = admin.post(url("accounts.organisation_two_factor"), data={"two-factor-require": "y"})
    assert path(response) == url("accounts.organisation")
    db.session.refresh(people.org_a)
    assert people.org_a.require_two_factor

    # Signed-in users of the organisation can now only enrol (the admin too).
    assert path(user.get(url("filing.dashboard"))) == url("accounts.two_factor")
    assert path(admin.get(url("filing.dashboard"))) == url("accounts.two_factor")
    # Another organisation is not affected.
    other = app.test_client()
    auth.login(other, people.provider_b)
    assert other.get(url("filing.dashboard")).status_code == 200

    # At the next sign-in, enrolment comes right after the password.
    fresh = app.test_client()
    assert path(password_step(fresh, people.provider_a_user)) == url("accounts.login_enrol")
    page = fresh.get(url("accounts.login_enrol"))
    assert "Your organisation requires two-step sign-in" in page.text
    secret = shown_secret(page)
    enter(fresh, pyotp.TOTP(secret).now(), "accounts.login_enrol")
    assert fresh.get(url("filing.dashboard")).status_code == 200

    # It cannot be turned off while the organisation requires it.
    refused = fresh.post(url("accounts.two_factor_off"), data={"code": pyotp.TOTP(secret).now()})
    assert "requires two-step sign-in" in refused.text
    db.session.refresh(people.provider_a_user)
    assert people.provider_a_user.two_factor_enabled

    # The administrator, too, enrols before doing anything else, lifting it included.
    lift = admin.post(url("accounts.organisation_two_factor"), data={})
    assert path(lift) == url("accounts.two_factor")
    admin_secret = shown_secret(admin.get(url("accounts.two_factor")))
    enter(admin, pyotp.TOTP(admin_secret).now(), "accounts.two_factor")

    # Lifting the requirement leaves enrolled users enrolled.
    admin.post(url("accounts.organisation_two_factor"), data={})
    db.session.refresh(people.org_a)
    assert not people.org_a.require_two_factor
    assert admin.get(url("filing.dashboard")).status_code == 200
    db.session.refresh(people.provider_a_user)
    assert people.provider_a_user.two_factor_enabled


# --- a lost authenticator: reset by an administrator, new recovery codes -----------------------


def outbox_kinds(user) -> list[str]:
    return db.session.scalars(
        select(OutboxMessage.kind)
        .where(OutboxMessage.recipient == user.email)
        .order_by(OutboxMessage.id)
    ).all()


def test_an_administrator_resets_a_reviewers_second_factor(app, client, people, auth):
    reviewer = people.reviewer
    signed_in_reviewer = app.test_client()
    auth.login(signed_in_reviewer, reviewer)
    auth.login(client, people.administrator)
    assert "Reset two-step sign-in" in client.get(url("accounts.staff_users")).text

    response = client.post(f"/admin/users/{reviewer.id}/two-factor/reset")
    assert path(response) == url("accounts.staff_users")
    db.session.refresh(reviewer)
    assert not reviewer.two_factor_enabled and reviewer.totp_secret is None
    codes_left = select(RecoveryCode.id).where(RecoveryCode.user_id == reviewer.id)
    assert db.session.scalar(codes_left) is None
    assert outbox_kinds(reviewer)[-1] == "two_factor_reset"
    # Every session of the reviewer has ended...
    assert path(signed_in_reviewer.get(url("review.queue"))) == url("accounts.login")
    # ...and the next sign-in sets up a new authenticator after the password.
    assert path(password_step(app.test_client(), reviewer)) == url("accounts.login_enrol")


def test_only_an_administrator_resets_staff_and_never_their_own(client, people, auth):
    auth.login(client, people.supervisor)
    assert client.post(f"/admin/users/{people.reviewer.id}/two-factor/reset").status_code == 403

    auth.logout(client)
    auth.login(client, people.administrator)
    for target in (people.administrator, people.provider_a_user):
        assert client.post(f"/admin/users/{target.id}/two-factor/reset").status_code == 404
        db.session.refresh(target)
    assert people.administrator.two_factor_enabled
    assert client.post("/admin/users/999999/two-factor/reset").status_code == 404


def enrolled_provider_user(people):
    user = people.provider_a_user
    two_factor.enrol_with_secret(user, pyotp.random_base32())
    db.session.commit()
    return user


def test_a_provider_admin_resets_a_colleague_not_another_organisations_user(
    app, client, people, auth
):
    colleague = enrolled_provider_user(people)
    outsider = people.provider_b
    two_factor.enrol_with_secret(outsider, pyotp.random_base32())
    db.session.commit()
    auth.login(client, people.provider_a_admin)
    assert "Reset two-step sign-in" in client.get(url("accounts.organisation_users")).text

    # Another organisation's user: not found, and nothing changes.
    assert client.post(f"/organisation/users/{outsider.id}/two-factor/reset").status_code == 404
    db.session.refresh(outsider)
    assert outsider.two_factor_enabled

    response = client.post(f"/organisation/users/{colleague.id}/two-factor/reset")
    assert path(response) == url("accounts.organisation_users")
    db.session.refresh(colleague)
    assert not colleague.two_factor_enabled
    assert outbox_kinds(colleague)[-1] == "two_factor_reset"
    # Two-step sign-in is not required in this organisation: the password is enough again.
    assert path(password_step(app.test_client(), colleague)) == url("core.index")


def test_a_provider_user_cannot_reset_anyone(client, people, auth):
    admin = people.provider_a_admin
    two_factor.enrol_with_secret(admin, pyotp.random_base32())
    db.session.commit()
    auth.login(client, people.provider_a_user)
    assert client.post(f"/organisation/users/{admin.id}/two-factor/reset").status_code == 403
    db.session.refresh(admin)
    assert admin.two_factor_enabled


def test_new_recovery_codes_need_a_current_code_and_replace_the_old_ones(app, client, people, auth):
    reviewer = people.reviewer
    auth.login(client, reviewer)
    first = two_factor.new_recovery_codes(reviewer)
    db.session.commit()
    page = client.get(url("accounts.account"))
    assert "Make new recovery codes" in page.text

    refused = client.post(url("accounts.replace_recovery_codes"), data={"recovery-code": "000000"})
    assert refused.status_code == 422
    assert "not correct" in field_error(refused, "recovery-code")

    done = client.post(url("accounts.replace_recovery_codes"), data={"recovery-code": first[0]})
    assert done.status_code == 200
    fresh = shown_recovery_codes(done)
    assert len(fresh) == 10 and not set(fresh) & set(first)
    assert outbox_kinds(reviewer)[-1] == "recovery_codes_replaced"

    # The old codes no longer sign in; a new one does.
    other = app.test_client()
    password_step(other, reviewer)
    assert "not correct" in field_error(enter(other, first[1]), "code")
    assert path(enter(other, fresh[0])) == url("core.index")
