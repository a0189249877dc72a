"""A destructive button asks first (static/js/confirm.js): declining sends nothing."""

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.pages import Dashboard, Person

pytestmark = pytest.mark.browser


def test_deleting_a_draft_asks_first_and_keeps_it_when_declined(open_context, audit, unique):
    lang = "en"
    org = flows.organisation(unique, lang)
    provider = Person(open_context(lang), lang, audit)
    flows.register(provider, org).start_a_new_notice().open_section("System")
    provider.field("System name").fill("KeyVault Confirm")
    provider.follow(provider.button("Save and continue"))
    dashboard = Dashboard(provider).open()
    delete = provider.button(
        "Delete draft", dashboard.row("KeyVault Confirm"), about="KeyVault Confirm"
    )
    asked = []

    def decline(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    provider.page.once("dialog", decline)
    delete.click()

    assert asked == ["Delete the draft “KeyVault Confirm”? A deleted draft cannot be recovered."]
    Dashboard(provider).open()
    expect(dashboard.row("KeyVault Confirm")).to_have_count(1)

    provider.page.once("dialog", lambda dialog: dialog.accept())
    provider.follow(
        provider.button("Delete draft", dashboard.row("KeyVault Confirm"), about="KeyVault Confirm")
    )

    expect(provider.flash()).to_contain_text("The draft is deleted.")
    expect(dashboard.row("KeyVault Confirm")).to_have_count(0)
    audit.assert_clean()
