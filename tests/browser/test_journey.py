"""The whole life of a notice in a real browser, once in Japanese and once in English.

A provider registers, files every section, leaves and comes back, submits with the
keyboard and gets a receipt; a reviewer takes the notice and asks for information; the
provider answers; the reviewer proposes acceptance; a supervisor confirms; the provider
sees the decision; a guest finds the notice in the public register. Every page on the
way is checked (axe-core, the Nu HTML Checker, a 360-px-wide viewport).
"""

import datetime as dt

import pytest
from babel.lists import format_list
from playwright.sync_api import expect

from app.domain import calendar
from tests.browser import flows
from tests.browser.pages import (
    RECEIPT_NUMBER,
    Dashboard,
    Home,
    Person,
    ProviderNotice,
    ReceiptPage,
    ReviewQueue,
)

pytestmark = pytest.mark.browser

# Each language's notice is confirmed by another of the two supervisors.
SUPERVISOR_BY_LANGUAGE = {"ja": "supervisor", "en": "supervisor2"}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_notice_from_registration_to_the_public_register(
    lang, open_context, live_server, audit, unique, tmp_path, screenshots
):
    org = flows.organisation(unique, lang)
    a = flows.answers(lang)
    pdf = flows.small_pdf(tmp_path)

    # The provider registers and files every section of a new notice.
    provider = Person(open_context(lang), lang, audit)
    dashboard = flows.register(provider, org)
    form = dashboard.start_a_new_notice()
    flows.fill_sections(form, a, pdf, declaration=False)

    # They leave, come back another time and find their answers kept.
    provider.sign_out().sign_in(org.email, org.password)
    form = Dashboard(provider).continue_the_draft()
    for title in ["Notice", "System", "Clients", "Security and risk management", "Attachments"]:
        expect(form.section_link(title)).to_contain_text(provider._("Complete"))
    form.open_section("System")
    expect(provider.field("System name")).to_have_value(a.system_name)
    expect(provider.field(a.delivery_model, provider.group("Delivery model"))).to_be_checked()
    keys = provider.group("Countries where keys reside")
    for code in a.key_countries:
        expect(provider.field(provider.country(code), keys)).to_be_checked()
    names = format_list([provider.country(code) for code in a.key_countries], locale=lang)
    expect(keys.locator(".chosen")).to_have_text(provider._("Chosen: %(names)s", names=names))
    screenshots.save(provider.page, f"notice-form-{lang}")
    form.open_section("Security and risk management")
    expect(provider.field("Penetration tester")).to_have_value(a.pentest_tester)
    expect(provider.page.locator("#certifications")).to_contain_text(a.certification.reference)
    expect(provider.page.locator("#subcontractors")).to_contain_text(a.subcontractor.name)
    form.open_section("Clients")
    expect(form.clients()).to_contain_text(a.free_client)
    expect(form.clients()).to_contain_text(a.registered_client)

    # The declaration and the submission, with the keyboard alone.
    form.open_section("Declaration")
    form.fill_declaration_with_keyboard(a)
    receipt = form.check_and_submit_with_keyboard().submit_with_keyboard()
    number = receipt.receipt_number()
    receipt_url = provider.page.url
    assert RECEIPT_NUMBER.fullmatch(number)
    expect(provider.heading()).to_have_text(provider._("Your notice has been received"))
    screenshots.save(provider.page, f"receipt-{lang}")
    check_print_layout(receipt)
    download_receipt_pdf_if_offered(receipt)
    # Back from the receipt: the submission is not repeated, the receipt shows again.
    provider.page.go_back()
    provider.arrived()
    expect(provider.page).to_have_url(receipt_url)
    assert ReceiptPage(provider).receipt_number() == number
    expect(Dashboard(provider).open().row(number)).to_have_count(1)

    # A reviewer takes the notice and asks for information.
    reviewer = staff_member(open_context, lang, audit, live_server.staff["reviewer"])
    queue = ReviewQueue(reviewer).open()
    expect(queue.table()).to_contain_text(number)
    screenshots.save(reviewer.page, f"review-queue-{lang}")
    check_queue_on_a_phone(queue, number, screenshots)
    notice = queue.open_notice(number).take()
    expect(reviewer.page.get_by_role("main")).to_contain_text(live_server.staff["reviewer"].name)
    reply_by = calendar.add_business_days(dt.date.today(), 15).isoformat()
    notice.request_information("Please attach the latest penetration test report.", reply_by)
    expect(notice.status()).to_have_text(reviewer._("Information requested"))

    # The provider answers.
    dashboard = Dashboard(provider).open()
    expect(dashboard.row(number)).to_contain_text(provider._("Information requested"))
    filed = dashboard.answer_the_information_request(number)
    expect(filed.information_requests()).to_contain_text(
        "Please attach the latest penetration test report."
    )
    filed.respond("The report is attached.", flows.small_pdf(tmp_path, "pentest-report.pdf"))
    expect(filed.information_requests()).to_contain_text("The report is attached.")

    # The reviewer proposes acceptance; a supervisor (another person) confirms.
    notice = queue.open().open_notice(number)
    notice.propose("Accept", "Complete and consistent.")
    expect(notice.status()).to_have_text(reviewer._("Decision proposed"))
    supervisor = staff_member(
        open_context, lang, audit, live_server.staff[SUPERVISOR_BY_LANGUAGE[lang]]
    )
    confirmed = ReviewQueue(supervisor).open().open_notice(number).confirm()
    expect(confirmed.status()).to_have_text(supervisor._("Accepted"))
    supervisor.follow(supervisor.link("Overview", supervisor.main_nav()))
    expect(supervisor.heading()).to_have_text(supervisor._("Overview"))

    # The provider sees the decision.
    filed = Dashboard(provider).open().open_notice(number)
    expect(filed.decision()).to_contain_text(provider._("Accepted"))
    expect(filed.decision()).to_contain_text("Complete and consistent.")
    check_notice_print_layout(filed)
    provider.follow(provider.link("Organisation", provider.main_nav()))
    expect(provider.field("Legal name (English)")).to_have_value(org.name_en)

    # A guest finds the notice in the public register.
    guest = Person(open_context(lang), lang, audit)
    register = Home(guest).open().public_register().search(number)
    expect(register.entry(number)).to_contain_text(a.system_name)

    audit.assert_clean()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_administrator_reads_the_settings(lang, open_context, live_server, audit):
    """The administrator's Settings page, from the main navigation: read-only, printable."""
    admin = staff_member(open_context, lang, audit, live_server.staff["administrator"])
    admin.follow(admin.link("Settings", admin.main_nav()))
    expect(admin.heading()).to_have_text(admin._("Settings"))
    main = admin.page.get_by_role("main")
    expect(main.get_by_role("heading", level=2)).to_have_count(7)
    expect(main.get_by_role("rowheader", name="REVIEW_BUSINESS_DAYS")).to_be_visible()
    expect(main.locator("form")).to_have_count(0)
    admin.page.emulate_media(media="print")
    try:
        expect(admin.main_nav()).to_be_hidden()
        expect(admin.heading()).to_be_visible()
    finally:
        admin.page.emulate_media(media="screen")
    audit.assert_clean()


def staff_member(open_context, lang, audit, account) -> Person:
    person = Person(open_context(lang), lang, audit)
    return flows.sign_in(person, account.email, account.password, account.totp_secret)


def check_print_layout(receipt: ReceiptPage):
    page = receipt.person.page
    page.emulate_media(media="print")
    try:
        expect(receipt.person.main_nav()).to_be_hidden()
        expect(page.locator(".site-header")).to_be_hidden()
        expect(page.locator(".receipt-number")).to_be_visible()
        expect(page.locator(".receipt-number")).to_contain_text(receipt.receipt_number())
    finally:
        page.emulate_media(media="screen")


def check_notice_print_layout(filed: ProviderNotice):
    page = filed.person.page
    page.emulate_media(media="print")
    try:
        expect(filed.person.main_nav()).to_be_hidden()
        for form in page.locator("main form").all():
            expect(form).to_be_hidden()
        expect(filed.decision()).to_be_visible()
        expect(filed.person.heading()).to_be_visible()
    finally:
        page.emulate_media(media="screen")


def check_queue_on_a_phone(queue: ReviewQueue, number, screenshots):
    """Under 48rem the queue's rows are cards, each value named by its column."""
    page = queue.person.page
    size = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 740})
    try:
        row = queue.table().get_by_role("row").filter(has_text=number)
        cell = row.get_by_role("cell").first
        assert cell.evaluate("el => getComputedStyle(el).display") != "table-cell"
        label = cell.evaluate("el => getComputedStyle(el, '::before').content")
        assert label.strip('"') == cell.get_attribute("data-label")
        table = queue.table()
        assert table.evaluate("el => el.scrollWidth <= el.parentElement.clientWidth")
        row.scroll_into_view_if_needed()
        screenshots.save(page, "review-queue-phone")
    finally:
        page.set_viewport_size(size)


def download_receipt_pdf_if_offered(receipt: ReceiptPage):
    """The receipt PDF is being added by the acknowledgements work: checked once offered."""
    link = receipt.pdf_link()
    if link.count() == 0:
        return
    response = receipt.person.page.request.get(link.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.body()[:5] == b"%PDF-"
