"""The whole filing journey through the site, as a provider would make it, in Japanese and
in English: sign up, draft every section, add and remove list entries, leave, come back to
find every answer kept, submit, read the receipt, and see the notice on the dashboard."""

import hashlib
import io
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from babel.dates import format_date
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.accounts.models import User
from app.domain import calendar
from app.extensions import db
from app.filing.models import Notice, NoticeVersion
from tests.factories import valid_corporate_number
from tests.filing_helpers import default_planned_date, first_exchange, minimal_pdf

PASSWORD = "correct horse battery staple"


class FormValues(HTMLParser):
    """What a browser would send back: each named control's current value(s)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, list[str]] = {}
        self._textarea = None
        self._select = None

    def _add(self, name, value):
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a["name"], a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self._add(a["name"], a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values.setdefault(self._textarea, [""])
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][-1] += data


def form_values(response):
    parser = FormValues()
    parser.feed(response.get_data(as_text=True))
    # A textarea's first newline is not part of its value.
    return {
        name: [re.sub(r"^\r?\n", "", v) for v in values] for name, values in parser.values.items()
    }


def html_lang(response):
    return re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True)).group(1)


def translated(lang, message):
    with force_locale(lang):
        return gettext(message)


def signup_form(email):
    return {
        "kind": "domestic",
        "name_ja": "カストディ技研株式会社",
        "name_en": "Custody Giken K.K.",
        "corporate_number": valid_corporate_number(),
        "country": "JP",
        "postal_code": "1000013",
        "address": "東京都千代田区霞が関3-2-1",
        "representative_name": "山田 太郎",
        "representative_title": "代表取締役",
        "contact_name": "鈴木 花子",
        "contact_department": "コンプライアンス部",
        "contact_email": "compliance@custody-giken.example.com",
        "contact_phone": "03-3506-6000",
        "user_name": "鈴木 花子",
        "email": email,
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }


def sections(planned: date):
    return {
        "notice": {"notice_type": "new", "refers_to_id": "", "planned_date": planned.isoformat()},
        "system": {
            "system_name": "VaultCore カストディ",
            "system_version": "3.2.1",
            "categories": ["hot_wallet", "key_management", "other"],
            "category_other": "鍵のバックアップ管理",
            "delivery_model": "hybrid",
            "hosting_provider": "AWS 東京リージョン",
            "data_countries": ["JP"],
            "key_countries": ["JP", "SG"],
            "supported_assets": "BTC, ETH, XRP",
            "description": "MPC による鍵管理と\n多段階の承認ワークフロー。",
        },
        "security": {
            "hot_wallet_percent": "5",
            "signing_scheme": "hsm",
            "signing_threshold_m": "3",
            "signing_threshold_n": "5",
            "hsm_certification": "FIPS 140-3 Level 3",
            "access_controls": "四眼原則による承認。",
            "fisc_compliance": "partial",
            "pentest_date": "2026-06-01",
            "pentest_tester": "Example Security K.K.",
            "incident_contact": "+81-3-0000-0000 (24/7)",
            "incident_client_hours": "24",
            "incident_fsa_hours": "12",
            "personnel_security": "採用時の経歴確認と職務分離。",
            "rto_minutes": "240",
            "rpo_minutes": "15",
        },
        "declaration": {
            "declarant_name": "山田 太郎",
            "declarant_title": "代表取締役",
            "declaration_confirmed": "y",
        },
    }


def as_lists(data):
    return {k: v if isinstance(v, list) else [v] for k, v in data.items()}


@pytest.fixture(params=["ja", "en"])
def lang(request):
    return request.param


def test_the_whole_filing_journey(app, client, lang):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    assert client.post("/language", data={"lang": lang}).status_code == 302
    email = f"hanako.{lang}@custody-giken.example.com"

    # Sign up: the organisation and its first user, signed in at once.
    assert html_lang(client.get("/signup")) == lang
    signed_up = client.post("/signup", data=signup_form(email))
    assert signed_up.status_code == 302
    assert signed_up.location.endswith("/notices/")
    # The language is chosen again once signed in (the choice made before signing up is
    # not carried over: see test_the_language_chosen_before_signing_up_is_kept).
    assert client.post("/language", data={"lang": lang}).status_code == 302
    dashboard = client.get("/notices/")
    assert dashboard.status_code == 200
    assert html_lang(dashboard) == lang

    # Start a notice.
    started = client.post("/notices/new", data={"notice_type": "new"})
    assert started.status_code == 302
    notice_id = int(re.search(r"/notices/(\d+)/edit$", started.location).group(1))
    base = f"/notices/{notice_id}"

    # Fill every section.
    planned = default_planned_date()
    answers = sections(planned)
    for key, data in answers.items():
        saved = client.post(f"{base}/edit/{key}", data=data)
        assert saved.status_code == 302, (key, form_errors(saved))
        assert saved.location.endswith(f"{base}/edit/{key}")

    # Clients: one from the register, one named free-form, one added and removed again.
    exchange = first_exchange()
    assert (
        client.post(
            f"{base}/clients", data={"client-exchange": exchange.registration_number}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{base}/clients",
            data={
                "client-name": "未登録暗号資産交換所株式会社",
                "client-name_en": "Unregistered Exchange K.K.",
            },
        ).status_code
        == 302
    )
    # Both a registered exchange and a name: refused, not half taken.
    both = client.post(
        f"{base}/clients",
        data={"client-exchange": exchange.registration_number, "client-name": "二重指定取引所"},
    )
    assert both.status_code == 422
    assert form_errors(both) == ["client-name-error"]
    assert client.post(f"{base}/clients", data={"client-name": "取消予定取引所"}).status_code == 302
    assert remove_entry(client, base, "clients", "取消予定取引所") == 302

    # Subcontractors and certifications: two each, one removed.
    for name, country in (("DevCo Vietnam", "VN"), ("一時委託先", "JP")):
        added = client.post(
            f"{base}/subcontractors",
            data={"sub-name": name, "sub-country": country, "sub-function": "外部委託開発"},
        )
        assert added.status_code == 302
    assert remove_entry(client, base, "subcontractors", "一時委託先") == 302
    for reference in ("IS 123456", "SOC2-2025-REMOVE"):
        added = client.post(
            f"{base}/certifications",
            data={
                "cert-kind": "iso27001" if reference.startswith("IS") else "soc2_type2",
                "cert-reference": reference,
                "cert-issuer": "BSI",
                "cert-valid_from": "2025-04-01",
                "cert-valid_until": "2028-03-31",
            },
        )
        assert added.status_code == 302
    assert remove_entry(client, base, "certifications", "SOC2-2025-REMOVE") == 302

    # Attachments: two uploaded, one removed.
    kept_pdf, removed_pdf = minimal_pdf(2), minimal_pdf(1)
    for data, name in ((kept_pdf, "システム構成図.pdf"), (removed_pdf, "古い資料.pdf")):
        uploaded = client.post(
            f"{base}/attachments",
            data={"file-category": "architecture", "file-file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        assert uploaded.status_code == 302
    assert remove_attachment(client, base, "古い資料.pdf") == 302

    # Leave, and come back.
    assert client.post("/logout").status_code == 302
    assert client.get(f"{base}/edit/system").status_code == 302  # to the sign-in page
    back = client.post("/login", data={"email": email, "password": PASSWORD})
    assert back.status_code == 302

    # Every answer is kept.
    for key, data in answers.items():
        page = client.get(f"{base}/edit/{key}")
        assert page.status_code == 200
        assert html_lang(page) == lang
        values = form_values(page)
        for name, expected in as_lists(data).items():
            if name == "refers_to_id":
                continue
            assert values.get(name) == expected, (key, name)
    clients_page = client.get(f"{base}/edit/clients").get_data(as_text=True)
    assert exchange.name_ja in clients_page and exchange.registration_number in clients_page
    assert "未登録暗号資産交換所株式会社" in clients_page
    assert "Unregistered Exchange K.K." in clients_page
    assert "二重指定取引所" not in clients_page
    assert "取消予定取引所" not in clients_page
    security_page = client.get(f"{base}/edit/security").get_data(as_text=True)
    assert "DevCo Vietnam" in security_page and "一時委託先" not in security_page
    assert "IS 123456" in security_page and "SOC2-2025-REMOVE" not in security_page
    attachments_page = client.get(f"{base}/edit/attachments").get_data(as_text=True)
    assert "システム構成図.pdf" in attachments_page and "古い資料.pdf" not in attachments_page
    kept_sha = hashlib.sha256(kept_pdf).hexdigest()
    assert kept_sha in attachments_page

    # Nothing is missing, so the notice can be submitted.
    check = client.get(f"{base}/submit")
    assert check.status_code == 200
    assert 'id="error-summary-title"' not in check.get_data(as_text=True)
    submitted = client.post(f"{base}/submit", data={})
    assert submitted.status_code == 303
    assert submitted.location.endswith(f"{base}/receipt")

    # The receipt.
    receipt = client.get(f"{base}/receipt")
    assert receipt.status_code == 200
    assert html_lang(receipt) == lang
    body = receipt.get_data(as_text=True)
    notice = db.session.get(Notice, notice_id)
    version = db.session.scalars(select(NoticeVersion)).one()
    received = calendar.to_jst(notice.submitted_at)
    assert re.fullmatch(rf"AN-{received.year}-\d{{6}}", notice.receipt_number)
    assert notice.receipt_number in body
    assert received.strftime("%Y-%m-%d %H:%M:%S") + " JST" in body
    assert re.fullmatch(r"[0-9a-f]{64}", version.fingerprint)
    assert version.fingerprint in body
    assert kept_sha in body
    assert hashlib.sha256(removed_pdf).hexdigest() not in body
    assert format_date(notice.review_deadline, "long", locale=lang) in body
    assert translated(lang, "Your notice has been received") in body
    assert notice.organisation.name_ja in body

    # The dashboard lists it as received.
    dashboard = client.get("/notices/").get_data(as_text=True)
    row = next(r for r in dashboard.split("<tr>") if notice.receipt_number in r)
    assert translated(lang, "Received") in row
    assert "VaultCore カストディ" in row
    user = db.session.scalars(select(User).where(User.email == email)).one()
    assert notice.submitted_by_id == user.id


@pytest.mark.parametrize("choice", ["en", "ja"])
def test_the_language_chosen_before_signing_up_is_kept(client, choice):
    other = {"en": "ja", "ja": "en"}[choice]
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = other
    client.post("/language", data={"lang": choice})
    assert html_lang(client.get("/signup")) == choice

    client.post("/signup", data=signup_form("early.chooser@custody-giken.example.com"))

    assert html_lang(client.get("/notices/")) == choice
    assert client.post("/logout").status_code == 302
    client.post(
        "/login", data={"email": "early.chooser@custody-giken.example.com", "password": PASSWORD}
    )
    assert html_lang(client.get("/notices/")) == choice


def test_japanese_pages_are_in_japanese(client):
    """Japanese is the default language, and its catalog has the words of the journey."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"

    page = client.get("/signup")

    assert html_lang(page) == "ja"
    body = page.get_data(as_text=True)
    for message in ("Register an organisation", "Legal name (Japanese)", "Password"):
        japanese = translated("ja", message)
        assert japanese != message, f"no Japanese for {message!r}"
        assert japanese in body


def form_errors(response):
    return re.findall(r'class="error-message" id="([^"]+)"', response.get_data(as_text=True))


def remove_entry(client, base, group, text):
    key = {"clients": "clients", "subcontractors": "security", "certifications": "security"}[group]
    page = client.get(f"{base}/edit/{key}").get_data(as_text=True)
    row = next(r for r in page.split("<tr>") if text in r)
    action = re.search(rf'action="({re.escape(base)}/{group}/\d+/remove)"', row).group(1)
    return client.post(action).status_code


def remove_attachment(client, base, name):
    page = client.get(f"{base}/edit/attachments").get_data(as_text=True)
    row = next(r for r in page.split("<tr>") if name in r)
    action = re.search(rf'action="({re.escape(base)}/attachments/\d+/remove)"', row).group(1)
    return client.post(action).status_code
