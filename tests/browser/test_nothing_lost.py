"""Nothing typed is lost: the section form saves itself (static/js/autosave.js)."""

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.pages import Dashboard, Person

pytestmark = pytest.mark.browser


def test_answers_are_saved_after_a_pause_and_when_the_page_is_closed(open_context, unique):
    lang = "en"
    org = flows.organisation(unique, lang)
    provider = Person(open_context(lang), lang)
    flows.register(provider, org).start_a_new_notice().open_section("System")

    # A pause in typing saves the draft, and the page says so.
    provider.field("System name").fill("KeyVault")
    expect(provider.page.get_by_role("status").filter(has_text="Draft saved at")).to_be_visible()

    # More answers, then the page is closed without pressing a button.
    provider.field("Version").fill("7.1")
    provider.choose("Categories", "Cold-storage management", "Node operation")
    provider.choose("Delivery model", "Managed service")
    provider.field("Countries where data resides").select_option(["JP", "DE"])
    provider.field("Supported crypto-assets").fill("BTC\nETH")
    provider.field("Description of the system").fill("Cold storage with an HSM quorum.")
    provider.page.close()

    # Another day, another browser window: every answer is there.
    later = flows.sign_in(Person(open_context(lang), lang), org.email)
    Dashboard(later).open().continue_the_draft().open_section("System")
    expect(later.field("System name")).to_have_value("KeyVault")
    expect(later.field("Version")).to_have_value("7.1")
    categories = later.group("Categories")
    expect(later.field("Cold-storage management", categories)).to_be_checked()
    expect(later.field("Node operation", categories)).to_be_checked()
    expect(later.field("Hot-wallet management", categories)).not_to_be_checked()
    expect(later.field("Managed service", later.group("Delivery model"))).to_be_checked()
    expect(later.field("Countries where data resides")).to_have_values(["JP", "DE"])
    expect(later.field("Supported crypto-assets")).to_have_value("BTC\nETH")
    expect(later.field("Description of the system")).to_have_value(
        "Cold storage with an HSM quorum."
    )
