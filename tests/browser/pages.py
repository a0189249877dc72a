"""Page objects: what a person sees and does on each page, found by visible labels and roles.

Labels are the app's own English msgids, translated through the app's catalogs, so the
same page object serves the Japanese and the English pages.
"""

import re
import time
from pathlib import Path

import babel
import pyotp
from babel.support import Translations
from playwright.sync_api import Locator, expect

ROOT = Path(__file__).resolve().parents[2]
RECEIPT_NUMBER = re.compile(r"AN-\d{4}-\d{6}")

FOCUS_STYLE = """el => {
  const s = getComputedStyle(el);
  return {
    outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0,
    shadow: s.boxShadow !== "none",
    what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " "
      + (el.textContent || "").trim().slice(0, 40),
  };
}"""


class Translator:
    def __init__(self, lang):
        self.lang = lang
        self._catalog = Translations.load(str(ROOT / "app" / "translations"), [lang])

    def __call__(self, msgid, **values):
        text = self._catalog.gettext(msgid)
        return text % values if values else text


class Person:
    """Someone at a browser: a page in a context of their own, in their language."""

    def __init__(self, context, lang, audit=None):
        self.context = context
        self.lang = lang
        self.page = context.new_page()
        self._ = Translator(lang)
        self.audit = audit
        if audit is not None:
            audit.watch(self.page)

    # moving about

    def open(self, path):
        self.page.goto(path)
        return self.arrived()

    def follow(self, target: Locator):
        """Click a link or press a button that loads another page, and look at it."""
        with self.page.expect_navigation():
            target.click()
        return self.arrived()

    def arrived(self, name=None):
        self.page.wait_for_load_state()
        if self.audit is not None:
            self.audit.page(self.page, name)
        return self

    # what every page has

    def field(self, label, scope=None) -> Locator:
        return (scope or self.page).get_by_label(self._(label), exact=True)

    def button(self, label, scope=None, *, about=None) -> Locator:
        """The button named ``label``; ``about``: the thing it acts on, which the button
        names too for screen readers ("Delete draft KeyVault")."""
        name = f"{self._(label)} {about}" if about else self._(label)
        return (scope or self.page).get_by_role("button", name=name, exact=True)

    def link(self, label, scope=None) -> Locator:
        return (scope or self.page).get_by_role("link", name=self._(label), exact=True)

    def group(self, legend) -> Locator:
        return self.page.get_by_role("group", name=self._(legend), exact=True)

    def choose(self, legend, *options):
        for option in options:
            self.field(option, self.group(legend)).check()

    def country(self, code) -> str:
        """A country's name as the forms print it (Babel's, in this person's language)."""
        return babel.Locale.parse(self.lang).territories[code]

    def choose_countries(self, legend, *codes):
        """Narrow a long list of countries with its search box (shown only with JavaScript),
        then tick each one."""
        group = self.group(legend)
        search = self.field("Find in the list", group)
        for code in codes:
            name = self.country(code)
            if search.is_visible():
                search.fill(name)
            self.field(name, group).check()
        if search.is_visible():
            search.fill("")

    def heading(self) -> Locator:
        return self.page.get_by_role("heading", level=1)

    def flash(self) -> Locator:
        return self.page.locator(".flashes")

    def main_nav(self) -> Locator:
        return self.page.get_by_role("navigation", name=self._("Main"))

    def language(self) -> str:
        return self.page.locator("html").get_attribute("lang")

    def use_language(self):
        """Press the language switch in the header if the page is not in our language."""
        if self.language() != self.lang:
            name = {"ja": "日本語", "en": "English"}[self.lang]
            # The page is in the other language: the switch is found by its own name.
            switch = self.page.get_by_role("banner").get_by_role("button", name=name, exact=True)
            self.follow(switch)
        expect(self.page.locator("html")).to_have_attribute("lang", self.lang)
        return self

    def sign_out(self):
        self.follow(
            self.main_nav().get_by_role("button", name=re.compile(re.escape(self._("Sign out"))))
        )
        expect(self.flash()).to_contain_text(self._("You have signed out."))
        return SignInPage(self)

    # the keyboard

    def focused_is(self, target: Locator) -> bool:
        return target.evaluate("el => el === document.activeElement")

    def tab_to(self, target: Locator, limit=80):
        """Press Tab until ``target`` has focus; every element on the way shows its focus."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            style = self.page.evaluate(f"() => ({FOCUS_STYLE})(document.activeElement)")
            assert style["outline"] or style["shadow"], f"no visible focus on {style['what']}"
            if self.focused_is(target):
                return
        raise AssertionError(f"Tab never reached {target}")

    def press_and_arrive(self, key):
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        return self.arrived()


class Home:
    def __init__(self, person: Person):
        self.person = person

    def open(self):
        self.person.open("/")
        return self

    def register_an_organisation(self):
        p = self.person
        p.follow(p.link("Register an organisation", p.page.get_by_role("main")))
        return SignUpPage(p)

    def public_register(self):
        p = self.person
        p.follow(p.link("Public register", p.main_nav()))
        return PublicRegister(p)


class SignUpPage:
    def __init__(self, person: Person):
        self.person = person

    def register(self, org):
        p = self.person
        p.choose("Type of company", "Japanese company (corporate number)")
        for label, value in [
            ("Legal name (Japanese)", org.name_ja),
            ("Legal name (English)", org.name_en),
            ("Corporate number", org.corporate_number),
            ("Postal code", org.postal_code),
            ("Head-office address", org.address),
            ("Representative's name", org.representative_name),
            ("Representative's title", org.representative_title),
            ("Contact person", org.contact_name),
            ("Contact department", org.contact_department),
            ("Contact e-mail address", org.contact_email),
            ("Contact telephone", org.contact_phone),
            ("Your name", org.user_name),
            ("Your e-mail address", org.email),
            ("Password", org.password),
            ("Password again", org.password),
        ]:
            p.field(label).fill(value)
        p.follow(p.button("Register"))
        expect(p.flash()).to_be_visible()
        return Dashboard(p)


class SignInPage:
    def __init__(self, person: Person):
        self.person = person

    def open(self):
        self.person.open("/login")
        return self

    def sign_in(self, email, password, totp_secret=None):
        p = self.person
        p.field("E-mail address").fill(email)
        p.field("Password").fill(password)
        p.follow(p.button("Sign in"))
        if totp_secret:
            p.field("Code").fill(next_code(totp_secret))
            p.follow(p.button("Sign in"))
        return p


# The time step whose code was last entered, per secret: the app takes each code once.
_used_steps: dict[str, int] = {}


def next_code(secret: str) -> str:
    """The authenticator's code, waiting for the next one if this one was used already,
    as a person would."""
    totp = pyotp.TOTP(secret)
    step = totp.timecode(time.time())
    if step <= _used_steps.get(secret, -1):
        time.sleep(totp.interval - time.time() % totp.interval + 0.1)
        step = totp.timecode(time.time())
    _used_steps[secret] = step
    return totp.generate_otp(step)


class Dashboard:
    def __init__(self, person: Person):
        self.person = person

    def open(self):
        self.person.open("/notices/")
        return self

    def start_a_new_notice(self):
        p = self.person
        p.follow(p.link("Start a new notice"))
        p.choose("Type of notice", "New service")
        p.follow(p.button("Create draft"))
        return NoticeForm(p)

    def continue_the_draft(self):
        p = self.person
        # Each draft's link also names its draft (for screen readers): match the start.
        continue_link = p.page.get_by_role("link", name=p._("Continue the draft"), exact=False)
        p.follow(continue_link.first)
        return NoticeForm(p)

    def row(self, text) -> Locator:
        return self.person.page.get_by_role("row").filter(has_text=text)

    def answer_the_information_request(self, receipt_number):
        p = self.person
        p.follow(p.link("Answer the information request", self.row(receipt_number)))
        return ProviderNotice(p)

    def open_notice(self, receipt_number):
        p = self.person
        p.follow(self.row(receipt_number).get_by_role("link", name=receipt_number))
        return ProviderNotice(p)


class NoticeForm:
    """The draft: its progress list and its sections."""

    def __init__(self, person: Person):
        self.person = person

    def progress(self) -> Locator:
        return self.person.page.get_by_role(
            "navigation", name=self.person._("Sections of the notice")
        )

    def section_link(self, title) -> Locator:
        return self.progress().get_by_role("link", name=re.compile(re.escape(self.person._(title))))

    def state_of(self, title) -> str:
        return self.section_link(title).locator(".progress__state").inner_text()

    def open_section(self, title):
        self.person.follow(self.section_link(title))
        expect(self.person.heading()).to_have_text(self.person._(title))
        return self

    def save_and_continue(self):
        p = self.person
        p.follow(p.button("Save and continue"))
        expect(p.flash()).to_be_visible()
        return self

    def save_draft(self):
        p = self.person
        p.follow(p.button("Save draft"))
        expect(p.flash()).to_be_visible()
        return self

    def continue_(self):
        p = self.person
        p.follow(p.link("Continue", p.page.get_by_role("main")))
        return self

    def autosave_status(self) -> Locator:
        """The line under the section form where autosave says what it did."""
        return self.person.page.locator("[data-autosave-status]")

    # the sections, each filled as a person would

    def fill_notice(self, a):
        p = self.person
        p.field("Planned service start (or end) date").fill(a.planned_date)

    def fill_system(self, a):
        p = self.person
        p.field("System name").fill(a.system_name)
        p.field("Version").fill(a.system_version)
        p.choose("Categories", *a.categories)
        p.choose("Delivery model", a.delivery_model)
        p.field("Hosting provider").fill(a.hosting_provider)
        p.choose_countries("Countries where data resides", *a.data_countries)
        p.choose_countries("Countries where keys reside", *a.key_countries)
        p.field("Supported crypto-assets").fill(a.supported_assets)
        p.field("Description of the system").fill(a.description)

    def add_registered_client(self, registration_number):
        p = self.person
        p.field("Registered exchange").select_option(registration_number)
        p.follow(p.button("Add client"))
        expect(self.clients()).to_contain_text(registration_number)

    def add_unregistered_client(self, name, name_en):
        p = self.person
        p.field("Name of an exchange not in the register").fill(name)
        p.field("English name (optional)").fill(name_en)
        p.follow(p.button("Add client"))
        expect(self.clients()).to_contain_text(name)

    def clients(self) -> Locator:
        return self.person.page.locator("#clients")

    def fill_security(self, a):
        p = self.person
        p.field("Share of assets in hot storage (per cent)").fill(a.hot_wallet_percent)
        p.choose("Signing scheme", a.signing_scheme)
        p.field("Signatures required (m)").fill(a.signing_m)
        p.field("Key holders (n)").fill(a.signing_n)
        p.field("HSM certification level").fill(a.hsm_certification)
        p.field("Privileged access and approval controls").fill(a.access_controls)
        p.choose("Compliance with the FISC security guidelines", a.fisc)
        p.field("Last external penetration test (date)").fill(a.pentest_date)
        p.field("Penetration tester").fill(a.pentest_tester)
        p.field("24/7 incident contact").fill(a.incident_contact)
        p.field("Hours within which clients are told of an incident").fill(a.client_hours)
        p.field("Hours within which the FSA is told of an incident").fill(a.fsa_hours)
        p.field("Personnel security (background checks, insider controls)").fill(a.personnel)
        p.field("Recovery time objective (minutes)").fill(a.rto)
        p.field("Recovery point objective (minutes)").fill(a.rpo)

    def add_certification(self, c):
        p = self.person
        p.field("Certification").select_option(label=p._(c.kind))
        p.field("Certificate or report number").fill(c.reference)
        p.field("Issued by").fill(c.issuer)
        p.field("Valid from (or period start)").fill(c.valid_from)
        p.field("Valid until (or period end)").fill(c.valid_until)
        p.follow(p.button("Add certification"))
        expect(p.page.locator("#certifications")).to_contain_text(c.reference)

    def add_subcontractor(self, s):
        p = self.person
        p.field("Subcontractor name").fill(s.name)
        p.field("Country").select_option(s.country)
        p.field("Function").fill(s.function)
        p.follow(p.button("Add subcontractor"))
        expect(p.page.locator("#subcontractors")).to_contain_text(s.name)

    def attach(self, path, kind):
        p = self.person
        p.field("Kind of document").select_option(label=p._(kind))
        p.field("PDF file").set_input_files(path)
        p.follow(p.button("Upload"))
        expect(p.page.locator("#attachments")).to_contain_text(Path(path).name)

    def fill_declaration(self, a):
        p = self.person
        p.field("Name of the attesting officer").fill(a.declarant_name)
        p.field("Title of the attesting officer").fill(a.declarant_title)
        p.field("I attest that this notice is true and complete.").check()

    def fill_declaration_with_keyboard(self, a):
        """Tab, type, Space and Enter only: no mouse."""
        p = self.person
        name = p.field("Name of the attesting officer")
        p.tab_to(name)
        p.page.keyboard.type(a.declarant_name)
        p.tab_to(p.field("Title of the attesting officer"))
        p.page.keyboard.type(a.declarant_title)
        attest = p.field("I attest that this notice is true and complete.")
        p.tab_to(attest)
        p.page.keyboard.press("Space")
        expect(attest).to_be_checked()
        p.tab_to(p.button("Save and continue"))
        p.press_and_arrive("Enter")
        expect(p.flash()).to_be_visible()

    def check_and_submit(self):
        p = self.person
        p.follow(self.progress().get_by_role("link", name=p._("Check and submit")))
        return SubmitPage(p)

    def check_and_submit_with_keyboard(self):
        p = self.person
        p.tab_to(self.progress().get_by_role("link", name=p._("Check and submit")))
        p.press_and_arrive("Enter")
        return SubmitPage(p)


class SubmitPage:
    def __init__(self, person: Person):
        self.person = person

    def problems(self) -> Locator:
        return self.person.page.locator("[data-error-summary]")

    def submit(self):
        p = self.person
        p.follow(p.button("Submit the notice"))
        return ReceiptPage(p)

    def submit_with_keyboard(self):
        p = self.person
        p.tab_to(p.button("Submit the notice"))
        p.press_and_arrive("Enter")
        return ReceiptPage(p)


class ReceiptPage:
    def __init__(self, person: Person):
        self.person = person

    def receipt_number(self) -> str:
        text = self.person.page.locator(".receipt-number").inner_text()
        found = RECEIPT_NUMBER.search(text)
        assert found, f"no receipt number in {text!r}"
        return found.group(0)

    def pdf_link(self) -> Locator:
        return self.person.page.get_by_role(
            "link", name=self.person._("Download the receipt (PDF)")
        )


class ProviderNotice:
    """A filed notice as its provider sees it."""

    def __init__(self, person: Person):
        self.person = person

    def status(self) -> Locator:
        return self.person.page.locator(".summary .status").first

    def respond(self, message, pdf=None):
        p = self.person
        p.field("Your response").fill(message)
        if pdf is not None:
            p.field("Kind of document").select_option(label=p._("Security assessment"))
            p.field("PDF documents (optional)").set_input_files(pdf)
        p.follow(p.button("Send the response"))
        return self

    def information_requests(self) -> Locator:
        p = self.person
        title = re.escape(p._("Information request of %(time)s")).replace(r"%\(time\)s", ".*")
        return p.page.get_by_role("region", name=re.compile(title))

    def decision(self) -> Locator:
        p = self.person
        return p.page.get_by_role("region", name=p._("Decision"))


class ReviewQueue:
    def __init__(self, person: Person):
        self.person = person

    def open(self):
        self.person.open("/review/")
        return self

    def table(self) -> Locator:
        return self.person.page.get_by_role("table", name=self.person._("Notices in the queue"))

    def open_notice(self, receipt_number):
        p = self.person
        p.follow(self.table().get_by_role("link", name=receipt_number))
        return ReviewNotice(p)


class ReviewNotice:
    def __init__(self, person: Person):
        self.person = person

    def actions(self) -> Locator:
        return self.person.page.get_by_role("region", name=self.person._("Actions"))

    def take(self):
        p = self.person
        p.follow(p.button("Take this notice", self.actions()))
        return self

    def request_information(self, comment, reply_by):
        p = self.person
        p.field("Information needed").fill(comment)
        p.field("Reply by").fill(reply_by)
        p.follow(p.button("Send the request"))
        return self

    def propose(self, outcome, reasons):
        p = self.person
        p.choose("Proposed decision", outcome)
        p.field("Reasons").fill(reasons)
        p.follow(p.button("Propose"))
        return self

    def confirm(self):
        """Confirms the proposed decision, answering yes when the page asks first."""
        p = self.person
        p.page.once("dialog", lambda dialog: dialog.accept())
        p.follow(p.button("Confirm the decision"))
        return self

    def status(self) -> Locator:
        return self.person.page.locator(".summary dd").first


class PublicRegister:
    def __init__(self, person: Person):
        self.person = person

    def search(self, text):
        p = self.person
        p.page.get_by_role("searchbox", name=p._("Search")).fill(text)
        p.follow(p.button("Search"))
        return self

    def entry(self, receipt_number) -> Locator:
        return self.person.page.get_by_role("row").filter(has_text=receipt_number)
