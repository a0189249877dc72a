"""After a failed submission, focus goes to the list of problems, and from it to the fields.

(The keyboard-only declaration and submission is part of the journeys, test_journey.py.)
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.pages import Person, Translator

pytestmark = pytest.mark.browser


def test_problems_take_focus_and_lead_to_their_fields(open_context, audit, unique):
    lang = "en"
    _ = Translator(lang)
    provider = Person(open_context(lang), lang, audit)
    form = flows.register(provider, flows.organisation(unique, lang)).start_a_new_notice()

    # The submit page lists what is missing; focus starts on that list.
    submit = form.check_and_submit()
    expect(submit.problems()).to_be_focused()
    planned = _("Planned service start (or end) date")
    # Tab reaches the first problem's link; Enter opens its section with the field focused.
    provider.page.keyboard.press("Tab")
    first = submit.problems().get_by_role("link").first
    expect(first).to_be_focused()
    expect(first).to_contain_text(planned)
    provider.press_and_arrive("Enter")
    expect(provider.field("Planned service start (or end) date")).to_be_focused()

    # A section saved with an invalid value: the same, on one page.
    form.open_section("Security and risk management")
    share = provider.field("Share of assets in hot storage (per cent)")
    share.fill("150")
    provider.follow(provider.button("Save draft"))
    summary = provider.page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(_("There is a problem"))
    # The hint and the error are tied to the field.
    expect(share).to_have_attribute("aria-invalid", "true")
    expect(share).to_have_accessible_description(
        re.compile(
            re.escape(_("The rest is in cold storage."))
            + ".*"
            + re.escape(_("Enter a number from %(min)d to %(max)d.", min=0, max=100))
        )
    )
    expect(share).to_have_value("150")
    provider.page.keyboard.press("Tab")
    provider.page.keyboard.press("Enter")
    expect(share).to_be_focused()

    # Hints without errors are tied to their fields too.
    form.open_section("System")
    expect(provider.field("Hosting provider")).to_have_accessible_description(
        _("For example the cloud provider and region.")
    )
    audit.assert_clean()


def test_the_message_of_what_was_just_done_takes_focus(open_context, audit, unique):
    lang = "ja"
    _ = Translator(lang)
    provider = Person(open_context(lang), lang, audit)
    form = flows.register(provider, flows.organisation(unique, lang)).start_a_new_notice()
    form.open_section("System")
    provider.field("System name").fill("Focus Vault")

    provider.follow(provider.button("Save draft"))

    saved = re.escape(_("Saved at %(time)s.", time="00:00")).replace("00:00", r"\d\d:\d\d")
    expect(provider.flash()).to_have_text(re.compile(saved))
    expect(provider.flash()).to_be_focused()
    # The next Tab goes on from the message, into the page's own content.
    provider.page.keyboard.press("Tab")
    assert provider.page.evaluate(
        "() => document.querySelector('main').contains(document.activeElement)"
    )
    audit.assert_clean()
