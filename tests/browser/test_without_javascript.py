"""The provider's journey works with JavaScript switched off: plain forms and links."""

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.pages import RECEIPT_NUMBER, Dashboard, Person

pytestmark = pytest.mark.browser


def test_register_fill_submit_and_get_a_receipt_without_javascript(
    open_context, audit, unique, tmp_path
):
    lang = "ja"
    org = flows.organisation(unique, lang)
    a = flows.answers(lang)
    provider = Person(open_context(lang, javascript=False), lang, audit)

    form = flows.register(provider, org).start_a_new_notice()
    # Nothing saves by itself here: each section is saved with its own button.
    flows.fill_sections(form, a, flows.small_pdf(tmp_path))
    receipt = form.check_and_submit().submit()

    number = receipt.receipt_number()
    assert RECEIPT_NUMBER.fullmatch(number)
    expect(provider.heading()).to_have_text(provider._("Your notice has been received"))
    expect(Dashboard(provider).open().row(number)).to_contain_text(provider._("Received"))
    audit.assert_clean()
