"""A table wider than the screen says so, and the keyboard can scroll it (table-scroll.js)."""

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.pages import Person

pytestmark = pytest.mark.browser

HINT = "The table is wider than the screen: scroll it sideways to see every column."


def _activity_table(person: Person):
    person.open("/account/activity")
    return person.page.locator(".table-wrap").first


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_table_wider_than_a_phone_says_so_and_scrolls_by_keyboard(
    open_context, audit, unique, lang
):
    provider = Person(open_context(lang, width=390), lang, audit)
    flows.register(provider, flows.organisation(unique, lang))
    wrap = _activity_table(provider)

    hint = provider.page.get_by_text(provider._(HINT), exact=True)
    expect(hint).to_be_visible()
    region = provider.page.get_by_role("region", name=provider._(HINT), exact=True)
    expect(region).to_have_count(1)
    assert region.evaluate("(el, wrap) => el === wrap", wrap.element_handle())

    # Tab reaches the table (with a visible focus); the arrow keys then scroll it.
    provider.tab_to(wrap)
    assert wrap.evaluate("el => el.scrollLeft") == 0
    provider.page.keyboard.press("ArrowRight")
    provider.page.wait_for_function(
        "el => el.scrollLeft > 0", arg=wrap.element_handle(), timeout=2000
    )

    # Wide enough for the table: no hint, no extra tab stop.
    provider.page.set_viewport_size({"width": 1280, "height": 800})
    expect(hint).to_have_count(0)
    expect(wrap).not_to_have_attribute("tabindex", "0")
    expect(provider.page.get_by_role("region", name=provider._(HINT))).to_have_count(0)
    audit.assert_clean()


def test_a_table_that_fits_adds_nothing(open_context, audit, unique):
    provider = Person(open_context("en", width=1280), "en", audit)
    flows.register(provider, flows.organisation(unique, "en"))
    wrap = _activity_table(provider)
    expect(provider.page.locator("[data-scroll-hint]")).to_have_count(0)
    assert wrap.get_attribute("tabindex") is None
    audit.assert_clean()
