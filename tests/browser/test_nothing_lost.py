"""Nothing typed is lost: the section form saves itself (static/js/autosave.js)."""

import re

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
    provider.choose_countries("Countries where data resides", "JP", "DE")
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
    countries = later.group("Countries where data resides")
    expect(later.field("Japan", countries)).to_be_checked()
    expect(later.field("Germany", countries)).to_be_checked()
    expect(countries.locator("input:checked")).to_have_count(2)
    expect(later.field("Supported crypto-assets")).to_have_value("BTC\nETH")
    expect(later.field("Description of the system")).to_have_value(
        "Cold storage with an HSM quorum."
    )


def test_the_list_of_countries_narrows_as_one_types_and_says_what_is_chosen(open_context, unique):
    lang = "ja"
    provider = Person(open_context(lang), lang)
    form = flows.register(provider, flows.organisation(unique, lang)).start_a_new_notice()
    form.open_section("System")
    countries = provider.group("Countries where data resides")
    chosen = countries.locator(".chosen")
    search = provider.field("Find in the list", countries)
    shown = countries.locator(".choices li:visible")
    expect(chosen).to_have_text(provider._("Nothing chosen yet."))

    search.fill("ｼﾝｶﾞ")  # half-width katakana, read as シンガ
    expect(shown).to_have_count(1)
    expect(shown).to_have_text("シンガポール")
    search.press("Enter")  # narrows only: the section form is not sent (nor the page reloaded)
    expect(search).to_have_value("ｼﾝｶﾞ")
    provider.field("シンガポール", countries).check()
    expect(chosen).to_have_text(provider._("Chosen: %(names)s", names="シンガポール"))

    search.fill("zzz")
    expect(shown).to_have_count(0)
    expect(countries.get_by_text(provider._("Nothing in the list matches."))).to_be_visible()
    search.fill("de")  # the country's code finds it too
    expect(shown.filter(has_text="ドイツ")).to_have_count(1)
    provider.field("ドイツ", countries).check()
    expect(chosen).to_have_text(provider._("Chosen: %(names)s", names="シンガポール、ドイツ"))
    search.fill("")
    expect(shown).to_have_count(countries.locator(".choices li").count())

    # Ticking saved the draft; typing in the search box is not an answer to save.
    expect(
        provider.page.get_by_role("status").filter(has_text="下書きを保存しました")
    ).to_be_visible()
    provider.page.reload()
    countries = provider.group("Countries where data resides")
    expect(countries.locator("input:checked")).to_have_count(2)
    expect(countries.locator(".chosen")).to_have_text(
        provider._("Chosen: %(names)s", names="シンガポール、ドイツ")
    )


KEYS_HINT = (
    "In the list, the arrow keys move from one country to the next and Space ticks it;"
    " Tab leaves the list."
)


def test_the_list_of_countries_is_one_tab_stop_crossed_with_the_arrow_keys(open_context, unique):
    lang = "en"
    provider = Person(open_context(lang), lang)
    form = flows.register(provider, flows.organisation(unique, lang)).start_a_new_notice()
    form.open_section("System")
    data = provider.group("Countries where data resides")
    keys = provider.group("Countries where keys reside")
    provider.field(provider.country("DE"), data).check()

    # From the search box, one Tab enters the list at the ticked country...
    provider.field("Find in the list", data).focus()
    provider.page.keyboard.press("Tab")
    germany = provider.field(provider.country("DE"), data)
    expect(germany).to_be_focused()
    expect(germany).to_have_accessible_description(re.compile(re.escape(provider._(KEYS_HINT))))
    # ...the arrow keys move within it, Space ticks...
    provider.page.keyboard.press("ArrowDown")
    following = data.locator("input:focus")
    name = following.evaluate("el => el.labels[0].textContent.trim()")
    assert name != provider.country("DE")
    provider.page.keyboard.press("Space")
    expect(provider.field(name, data)).to_be_checked()
    provider.page.keyboard.press("Home")
    expect(data.locator(".choices input").first).to_be_focused()
    # ...and the next Tab leaves it: the other list's search box, not the next country.
    provider.page.keyboard.press("Tab")
    expect(provider.field("Find in the list", keys)).to_be_focused()
    provider.page.keyboard.press("Tab")
    expect(keys.locator(".choices input").first).to_be_focused()
    provider.page.keyboard.press("Tab")
    assert not provider.page.evaluate(
        "() => document.activeElement.closest('.choices--long') !== null"
    )

    # Narrowed to nothing the list has no stop; narrowed to one country, it is the stop.
    search = provider.field("Find in the list", keys)
    search.fill("zzz")
    search.focus()
    provider.page.keyboard.press("Tab")
    assert not provider.page.evaluate(
        "() => document.activeElement.closest('.choices--long') !== null"
    )
    search.fill(provider.country("SG"))
    search.focus()
    provider.page.keyboard.press("Tab")
    expect(provider.field(provider.country("SG"), keys)).to_be_focused()


# --- a refused autosave, and the other forms of a section page ------------------------------

SECURITY = "Security and risk management"
LONG_TEXT = "Four-eyes approval for every privileged operation, logged and reviewed weekly. " * 12


def security_section(open_context, unique, lang="en"):
    provider = Person(open_context(lang), lang)
    form = flows.register(provider, flows.organisation(unique, lang)).start_a_new_notice()
    form.open_section(SECURITY)
    return provider, form


def saved(provider):
    return provider.page.get_by_role("status").filter(has_text="Draft saved at")


def test_a_refused_autosave_says_why_beside_the_field_and_leaving_asks(open_context, unique):
    provider, form = security_section(open_context, unique)
    page = provider.page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    controls = provider.field("Privileged access and approval controls")
    share = provider.field("Share of assets in hot storage (per cent)")

    controls.fill(LONG_TEXT)
    share.fill("150")

    # The server stores a section whole or not at all: the answer it refuses is marked.
    message = page.locator("#hot_wallet_percent-error")
    expect(message).to_have_text("Enter a number from 0 to 100.")
    expect(share).to_have_attribute("aria-invalid", "true")
    expect(share).to_have_accessible_description(re.compile("Enter a number from 0 to 100."))
    expect(page.get_by_role("status").filter(has_text="Not saved")).to_be_visible()

    # Leaving asks first; staying keeps every answer on the page.
    with page.expect_event("dialog"):
        form.section_link("System").click()
    assert dialogs == ["beforeunload"]
    expect(provider.heading()).to_have_text(SECURITY)
    expect(controls).to_have_value(LONG_TEXT)

    # Corrected, the section saves itself, the message goes, and leaving is free.
    share.fill("15")
    expect(saved(provider)).to_be_visible()
    expect(message).to_have_count(0)
    expect(share).not_to_have_attribute("aria-invalid", "true")
    form.open_section("System")
    form.open_section(SECURITY)
    assert dialogs == ["beforeunload"]
    expect(provider.field("Privileged access and approval controls")).to_have_value(LONG_TEXT)
    expect(provider.field("Share of assets in hot storage (per cent)")).to_have_value("15")


def test_adding_a_certification_first_saves_the_section(open_context, unique):
    provider, form = security_section(open_context, unique)
    rto = provider.field("Recovery time objective (minutes)")

    # Typed and, without a pause, another form of the page is sent.
    rto.fill("999")
    form.add_certification(flows.Certification())

    expect(provider.field("Recovery time objective (minutes)")).to_have_value("999")
    remove = provider.page.get_by_role("button", name="Remove ISO/IEC 27001 IS 712345")
    expect(remove).to_be_visible()
    form.open_section("System")
    form.open_section(SECURITY)
    expect(provider.field("Recovery time objective (minutes)")).to_have_value("999")


def test_a_refused_save_sends_no_other_form(open_context, unique):
    provider, form = security_section(open_context, unique)
    page = provider.page
    certification = flows.Certification(reference="IS 800001")

    provider.field("Share of assets in hot storage (per cent)").fill("150")
    provider.field("Certification").select_option(label=certification.kind)
    provider.field("Certificate or report number").fill(certification.reference)
    provider.button("Add certification").click()

    expect(page.locator("#hot_wallet_percent-error")).to_have_text("Enter a number from 0 to 100.")
    expect(provider.field("Share of assets in hot storage (per cent)")).to_be_focused()
    expect(page.locator("#certifications")).not_to_contain_text(certification.reference)
    expect(provider.field("Certificate or report number")).to_have_value(certification.reference)


# Presses of "Upload" that the browser would send (counted, and kept from being sent).
COUNT_SENDS = """button => {
  let sent = 0;
  button.form.addEventListener("submit", event => {
    if (!event.defaultPrevented) { sent += 1; }
    event.preventDefault();
  });
  button.click();
  button.click();
  return sent;
}"""


def test_a_second_press_of_upload_sends_nothing(open_context, unique, tmp_path):
    provider, form = security_section(open_context, unique)
    form.open_section("Attachments")
    provider.field("Kind of document").select_option(label="System architecture")
    provider.field("PDF file").set_input_files(flows.small_pdf(tmp_path))
    upload = provider.button("Upload")

    assert upload.evaluate(COUNT_SENDS) == 1
    expect(upload).to_have_attribute("aria-busy", "true")


def test_a_text_box_counts_its_characters_and_says_when_the_limit_is_reached(open_context, unique):
    provider, form = security_section(open_context, unique)
    controls = provider.field("Privileged access and approval controls")
    count = provider.page.locator("#access_controls-count")

    controls.fill("Four eyes")
    expect(count).to_have_text("9 / 4,000 characters")

    controls.fill("x" * 4000)
    expect(count).to_have_text(
        "4,000 / 4,000 characters You have reached the limit of 4,000 characters."
    )
    # Near the limit, screen readers hear it too (a polite status, after a pause).
    expect(provider.page.get_by_role("status").filter(has_text="4,000 / 4,000")).to_have_count(1)
