"""Two minutes before the idle timeout the page warns, in the reader's language, moves focus
to "Stay signed in", and that button restarts the server's idle clock.

The browser's clock is Playwright's (installed before the first page), so half an hour of
inactivity passes in an instant; the server side of the timeout is tests/test_sessions.py.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.database import run_sql
from tests.browser.pages import Person, Translator

pytestmark = pytest.mark.browser

IDLE_MINUTES = 30  # the default SESSION_IDLE_MINUTES, which the live server keeps


def last_seen(database_url, email):
    """When the server last saw this person's live session (its idle clock's start)."""
    return run_sql(
        database_url,
        "SELECT max(s.last_seen_at) FROM sign_in_sessions s JOIN users u ON u.id = s.user_id "
        "WHERE u.email = :email AND s.ended_at IS NULL",
        email=email,
    )


@pytest.mark.parametrize("lang", ["ja"])
def test_the_idle_warning_comes_two_minutes_early_and_staying_extends_the_session(
    open_context, audit, unique, lang, live_server
):
    _ = Translator(lang)
    context = open_context(lang)
    context.clock.install()
    provider = Person(context, lang, audit)
    org = flows.organisation(unique, lang)
    flows.register(provider, org)
    page = provider.page
    warning = page.get_by_role("alertdialog", name=_("You will be signed out soon"))
    stay = page.get_by_role("button", name=_("Stay signed in"))

    # Just before the warning's time: nothing yet.
    page.clock.fast_forward(f"{IDLE_MINUTES - 2 - 1}:00")
    expect(warning).to_be_hidden()
    # Two minutes before the timeout it appears, and focus is on the way out of it.
    page.clock.fast_forward("01:05")
    expect(warning).to_be_visible()
    expect(stay).to_be_focused()

    # Enter on the focused button asks the server to restart the idle clock.
    before = last_seen(live_server.database, org.email)
    with page.expect_response(lambda r: r.url.endswith("/session/extend")) as extended:
        page.keyboard.press("Enter")
    assert extended.value.status == 200
    assert extended.value.json()["idle_seconds"] == IDLE_MINUTES * 60
    expect(warning).to_be_hidden()
    assert last_seen(live_server.database, org.email) > before

    # The warning is scheduled afresh from the extension, and the session is alive.
    page.clock.fast_forward(f"{IDLE_MINUTES - 2 - 1}:00")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("01:05")
    expect(warning).to_be_visible()
    provider.open("/notices/")
    expect(page.get_by_role("heading", level=1)).not_to_have_text(_("Sign in"))
    audit.assert_clean()


def test_typing_is_activity_and_the_warning_gives_focus_back(
    open_context, audit, unique, live_server
):
    lang = "en"
    _ = Translator(lang)
    context = open_context(lang)
    context.clock.install()
    provider = Person(context, lang, audit)
    org = flows.organisation(unique, lang)
    flows.register(provider, org).start_a_new_notice().open_section("System")
    page = provider.page
    warning = page.get_by_role("alertdialog", name=_("You will be signed out soon"))
    description = provider.field("Description of the system")

    # Writing a long answer for 25 minutes, then some more: typing restarts the server's
    # idle clock (at most once a minute), so no warning comes while one writes.
    page.clock.fast_forward(f"{IDLE_MINUTES - 5}:00")
    before = last_seen(live_server.database, org.email)
    with page.expect_response(lambda r: r.url.endswith("/session/extend")) as extended:
        description.press_sequentially("Keys are held in an HSM.")
    assert extended.value.status == 200
    assert last_seen(live_server.database, org.email) > before
    # The autosave that follows the typing restarts the page's own count too; wait for it,
    # so that every timer below counts from here.
    with page.expect_response(lambda r: "/edit/system" in r.url and r.request.method == "POST"):
        page.clock.fast_forward("00:02")
    expect(provider.page.locator("[data-autosave-status]")).to_contain_text("Draft saved at")
    page.clock.fast_forward(f"{IDLE_MINUTES - 5}:00")
    expect(warning).to_be_hidden()

    # Left alone, the warning comes two minutes before the timeout; Escape closes it, stays
    # signed in, and gives focus back to the answer being written.
    description.focus()
    page.clock.fast_forward("03:30")
    expect(warning).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith("/session/extend")):
        page.keyboard.press("Escape")
    expect(warning).to_be_hidden()
    expect(description).to_be_focused()
    expect(description).to_have_value(re.compile("Keys are held in an HSM."))
    audit.assert_clean()


def test_an_autosave_after_the_session_ended_says_so_and_keeps_the_text(
    open_context, unique, live_server
):
    lang = "ja"
    _ = Translator(lang)
    provider = Person(open_context(lang), lang)  # a 401 in the console is the point here
    org = flows.organisation(unique, lang)
    flows.register(provider, org).start_a_new_notice().open_section("System")
    # The server's idle clock runs out (the browser's own timers do not know yet).
    run_sql(
        live_server.database,
        "UPDATE sign_in_sessions SET last_seen_at = :long_ago"
        " WHERE user_id = (SELECT id FROM users WHERE email = :email)",
        long_ago=datetime.now(UTC) - timedelta(hours=1),
        email=org.email,
    )

    description = provider.field("Description of the system")
    with provider.page.expect_response(lambda r: r.status == 401):
        description.fill("Written after the session ended.")
    status = provider.page.locator("[data-autosave-status]")
    expect(status).to_have_text(
        _(
            "You have been signed out, so this was not saved. Sign in again in another tab, then"
            " come back to this page and save: what you typed is still here."
        )
    )
    expect(
        provider.page.get_by_role("alertdialog", name=_("You have been signed out"))
    ).to_be_visible()
    expect(description).to_have_value("Written after the session ended.")
