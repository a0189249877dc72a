"""A provider turns on two-step sign-in from the keyboard (the key typed, not scanned),
keeps the recovery codes, and signs in again with a code and then with a recovery code.
Every page on the way passes the HTML and accessibility checks."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.pages import Person, SignInPage, Translator, next_code

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_provider_turns_on_two_step_sign_in(open_context, audit, unique, lang):
    _ = Translator(lang)
    org = flows.organisation(unique, lang)
    provider = Person(open_context(lang), lang, audit)
    flows.register(provider, org)

    provider.follow(provider.link("Your account", provider.main_nav()))
    provider.follow(provider.link("Turn on two-step sign-in"))
    # The QR code is an inline SVG with a title; the same key is there as text.
    expect(provider.page.locator(".qr-code svg title")).to_have_text(
        _("QR code for your authenticator app")
    )
    secret = provider.page.locator("#totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    provider.field("Code").fill(next_code(secret))
    provider.follow(provider.button("Confirm and turn on"))
    codes = provider.page.locator(".recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    provider.follow(provider.link("I have kept them: continue"))
    expect(provider.page.get_by_role("main")).to_contain_text(
        _("On: signing in asks for your password and a code from your authenticator app.")
    )
    provider.sign_out()

    # The password alone no longer signs in; the code does.
    SignInPage(provider).open().sign_in(org.email, org.password, secret)
    expect(provider.main_nav()).to_contain_text(_("Your account"))
    provider.sign_out()

    # A recovery code instead of the app, once.
    page = SignInPage(provider).open()
    page.sign_in(org.email, org.password)
    expect(provider.heading()).to_have_text(_("Sign in: code"))
    provider.field("Code").fill(codes[0])
    provider.follow(provider.button("Sign in"))
    expect(provider.main_nav()).to_contain_text(_("Your account"))

    # The account's activity lists all of it, newest first: the registration's sign-in,
    # the second factor turned on, and the two sign-ins since.
    provider.follow(provider.link("Your account", provider.main_nav()))
    provider.follow(provider.link("Your account activity"))
    rows = provider.page.locator("table.activity tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.nth(0)).to_contain_text(_("Signed in"))
    expect(rows.nth(2)).to_contain_text(_("Two-step sign-in turned on"))
    expect(rows.nth(4)).to_contain_text(_("Organisation registered"))
    audit.assert_clean()
