"""A forgotten password, from the sign-in page to signing in with the new one."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.database import run_sql
from tests.browser.pages import Dashboard, Person, SignInPage

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a brand new passphrase"
GONE = (
    "This link no longer works: it was used already, a newer link replaced it, or its time ran out."
)


def mailed_link(database_url: str, email: str) -> str:
    """The path of the newest reset link mailed to ``email`` (read from the outbox)."""
    body = run_sql(
        database_url,
        "SELECT body FROM outbox_messages WHERE recipient = :email"
        " AND kind = 'password_reset' ORDER BY id DESC",
        email=email,
    )
    assert body, f"no reset link was mailed to {email}"
    return urlsplit(re.search(r"https?://\S+/password/reset/\S+", body)[0]).path


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_forgotten_password_is_replaced_through_the_mailed_link(
    open_context, audit, unique, live_server, lang
):
    org = flows.organisation(unique, lang)
    provider = Person(open_context(lang), lang, audit)
    flows.register(provider, org)
    provider.sign_out()

    SignInPage(provider).open()
    provider.follow(provider.link("Forgotten your password?"))
    provider.field("E-mail address").fill(org.email)
    provider.follow(provider.button("Send the link"))
    sent = provider._(
        "If an active account uses this address, a link to set a new password is on its"
        " way to it. The link works once, for %(minutes)d minutes.",
        minutes=60,
    )
    expect(provider.page.get_by_role("status").filter(has_text=sent)).to_be_visible()

    link = mailed_link(live_server.database, org.email)
    provider.open(link)
    provider.field("New password").fill(NEW_PASSWORD)
    provider.field("New password again").fill(NEW_PASSWORD)
    provider.follow(provider.button("Set the new password"))
    expect(provider.flash()).to_contain_text(
        provider._("Your new password is set. Sign in with it.")
    )

    # The link worked once (a 404 page, seen by a browser that does not count it a fault);
    # the old password no longer signs in, the new one does.
    later = Person(open_context(lang), lang)
    later.open(link)
    expect(later.page.get_by_text(re.compile(re.escape(later._(GONE))))).to_be_visible()
    SignInPage(provider).open().sign_in(org.email, org.password)
    expect(provider.page.locator("#password-error")).to_be_visible()
    flows.sign_in(provider, org.email, NEW_PASSWORD)
    expect(Dashboard(provider).open().person.heading()).to_be_visible()
    audit.assert_clean()
