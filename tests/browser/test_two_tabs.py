"""Two tabs on one section of a draft (static/js/autosave.js, app/filing/views.py): the later
save of a page opened before the earlier one is refused and says so; nothing either tab
typed is lost. And a tab left open on a notice that another tab submits."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.pages import RECEIPT_NUMBER, NoticeForm, Person

pytestmark = pytest.mark.browser

LANG = "en"
CHANGED_ELSEWHERE = "Not saved: this section was changed in another window or by a colleague"


def autosaves(page) -> list:
    """The autosave requests the page sends from now on."""
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.headers.get("x-autosave") else None)
    return sent


def test_the_later_autosave_of_two_tabs_is_refused_and_nothing_is_lost(open_context, unique):
    context = open_context(LANG)
    a = Person(context, LANG)
    form_a = flows.register(a, flows.organisation(unique, LANG)).start_a_new_notice()
    form_a.open_section("System")
    # A second tab of the same browser on the same section.
    b = Person(context, LANG)
    b.open(a.page.url)
    form_b = NoticeForm(b)
    expect(b.heading()).to_have_text("System")

    # A types: saved. B, opened before A's save, types: refused, and says why.
    a.field("Description of the system").fill("Written in tab A.")
    expect(form_a.autosave_status()).to_contain_text("Draft saved at")
    # A's own saves in a row do not conflict with each other.
    form_a.autosave_status().evaluate("el => { el.textContent = ''; }")
    a.field("Hosting provider").fill("Tokyo region")
    expect(form_a.autosave_status()).to_contain_text("Draft saved at")
    b.field("Version").fill("2.0")
    expect(form_b.autosave_status()).to_contain_text(CHANGED_ELSEWHERE)
    expect(b.field("Version")).to_have_value("2.0")

    # A's answers stand; B's page saves nothing more by itself.
    sent = autosaves(b.page)
    b.field("System name").fill("Typed in B after the refusal")
    b.page.wait_for_timeout(2500)  # longer than autosave's pause
    assert sent == []
    check = Person(context, LANG)
    check.open(a.page.url)
    expect(check.field("Description of the system")).to_have_value("Written in tab A.")
    expect(check.field("Hosting provider")).to_have_value("Tokyo region")
    expect(check.field("Version")).to_have_value("")
    check.page.close()

    # Leaving B asks first: its answers are not stored.
    dialogs = []
    b.page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    with b.page.expect_event("dialog"):
        form_b.section_link("Notice").click()
    assert dialogs == ["beforeunload"]
    expect(b.field("System name")).to_have_value("Typed in B after the refusal")

    # "Save draft" says what happened, keeps B's answers, and a second press replaces A's.
    b.follow(b.button("Save draft"))
    summary = b.page.locator("[data-error-summary]")
    expect(summary).to_contain_text("This section was changed after you opened it")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_attribute("target", "_blank")
    expect(b.field("Version")).to_have_value("2.0")
    expect(b.field("Description of the system")).to_have_value("")
    b.follow(b.button("Save draft"))
    expect(b.flash()).to_contain_text("Saved at")
    expect(b.field("Version")).to_have_value("2.0")
    expect(b.field("System name")).to_have_value("Typed in B after the refusal")


def test_save_draft_pressed_while_the_page_s_own_autosave_is_on_its_way_is_no_conflict(
    open_context, unique
):
    """The autosave is stored but its answer has not come back when "Save draft" is pressed:
    the form waits for it (and the fingerprint it brings), not counting it as another's."""
    provider = Person(open_context(LANG), LANG)
    form = flows.register(provider, flows.organisation(unique, LANG)).start_a_new_notice()
    form.open_section("System")
    held = []

    def hold_autosave_answers(route):
        if route.request.headers.get("x-autosave"):
            held.append((route, route.fetch()))  # the server has stored it
        else:
            route.continue_()

    provider.page.route(re.compile(r"/edit/system$"), hold_autosave_answers)
    provider.field("System name").fill("KeyVault")
    for _ in range(50):
        if held:
            break
        provider.page.wait_for_timeout(100)
    assert held, "no autosave was sent"
    provider.field("Version").fill("7.1")

    with provider.page.expect_navigation():
        provider.button("Save draft").click()
        route, response = held.pop()
        route.fulfill(response=response)
    provider.arrived()

    expect(provider.flash()).to_contain_text("Saved at")
    expect(provider.field("System name")).to_have_value("KeyVault")
    expect(provider.field("Version")).to_have_value("7.1")


def test_a_tab_left_open_on_a_notice_submitted_in_another_says_so(open_context, unique, tmp_path):
    context = open_context(LANG)
    a = Person(context, LANG)
    form_a = flows.register(a, flows.organisation(unique, LANG)).start_a_new_notice()
    flows.fill_sections(form_a, flows.answers(LANG), flows.small_pdf(tmp_path))
    form_a.open_section("System")
    b = Person(context, LANG)
    b.open(a.page.url)
    form_b = NoticeForm(b)

    number = form_a.check_and_submit().submit().receipt_number()

    # B types: its autosave says the notice was submitted, with the number.
    b.field("Description of the system").fill("Typed after it was filed.")
    status = form_b.autosave_status()
    expect(status).to_contain_text(f"This notice was submitted as {number}")
    expect(status).to_contain_text("copy it if you need it")
    expect(b.field("Description of the system")).to_have_value("Typed after it was filed.")

    # "Save draft": a page that says so and shows the text sent, to copy; nothing saved.
    b.follow(b.button("Save draft"))
    expect(b.heading()).to_have_text("This notice has been submitted and can no longer be edited.")
    expect(b.page.get_by_role("main")).to_contain_text("Typed after it was filed.")
    b.follow(b.link(f"Open notice {number}"))
    expect(b.page.get_by_role("heading", level=1)).to_contain_text(number)
    expect(b.page.get_by_role("main")).not_to_contain_text("Typed after it was filed.")

    # An old bookmark of the section leads to the notice and says why.
    b.open(a.page.url.replace("/receipt", "/edit/system"))
    assert re.search(r"/notices/\d+$", b.page.url)
    expect(b.flash()).to_contain_text(f"This notice was submitted as {number}")
    assert RECEIPT_NUMBER.fullmatch(number)
