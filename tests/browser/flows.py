"""What the journeys type in, and the steps several tests share."""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfWriter
from stdnum.jp import cn

from app.domain import calendar
from tests.browser.pages import Dashboard, Home, NoticeForm, Person, SignInPage

PASSWORD = "correct horse battery staple"


def corporate_number(n: int) -> str:
    body = f"{9_000_000_000 + n * 7919:012d}"
    return cn.calc_check_digit(body) + body


@dataclass
class Organisation:
    name_ja: str
    name_en: str
    corporate_number: str
    email: str
    user_name: str
    postal_code: str = "100-8967"
    address: str = "東京都千代田区霞が関3-2-1"
    representative_name: str = "山田 太郎"
    representative_title: str = "代表取締役"
    contact_name: str = "鈴木 花子"
    contact_department: str = "コンプライアンス部"
    contact_email: str = "compliance@vault.example.com"
    contact_phone: str = "03-1234-5678"
    password: str = PASSWORD


def organisation(n: int, lang: str) -> Organisation:
    return Organisation(
        name_ja=f"ボールトテック{n}株式会社",
        name_en=f"VaultTech {n} K.K.",
        corporate_number=corporate_number(n),
        email=f"hanako.{lang}.{n}@vault.example.com",
        user_name="鈴木 花子" if lang == "ja" else "Hanako Suzuki",
    )


@dataclass
class Certification:
    kind: str = "ISO/IEC 27001"
    reference: str = "IS 712345"
    issuer: str = "Example Certification Body"
    valid_from: str = "2025-04-01"
    valid_until: str = "2028-03-31"


@dataclass
class Subcontractor:
    name: str = "Example Dev Co., Ltd."
    country: str = "VN"
    function: str = "Outsourced development"


@dataclass
class Answers:
    """Every answer of a notice. Choice answers are the app's msgids (labels)."""

    planned_date: str
    system_name: str = "VaultCore"
    system_version: str = "3.2"
    categories: tuple = (
        "Hot-wallet management",
        "Key generation and storage (HSM / MPC / multisig)",
    )
    delivery_model: str = "SaaS"
    hosting_provider: str = "Example Cloud, Tokyo region"
    data_countries: tuple = ("JP",)
    key_countries: tuple = ("JP", "SG")
    supported_assets: str = "BTC, ETH, XRP"
    description: str = "MPC custody platform with a policy engine for withdrawals."
    registered_client: str = "関東財務局長 第99001号"
    free_client: str = "未登録サンプル取引所株式会社"
    free_client_en: str = "Unregistered Sample Exchange K.K."
    hot_wallet_percent: str = "5"
    signing_scheme: str = "MPC (threshold signatures)"
    signing_m: str = "2"
    signing_n: str = "3"
    hsm_certification: str = "FIPS 140-3 Level 3"
    access_controls: str = "Four-eyes approval for every privileged operation."
    fisc: str = "Complies in full"
    pentest_date: str = "2026-06-01"
    pentest_tester: str = "Example Security K.K."
    incident_contact: str = "+81-3-0000-0000 (24/7 SOC)"
    client_hours: str = "2"
    fsa_hours: str = "24"
    personnel: str = "Background checks for every employee with key access."
    rto: str = "60"
    rpo: str = "5"
    certification: Certification = field(default_factory=Certification)
    subcontractor: Subcontractor = field(default_factory=Subcontractor)
    attachment_kind: str = "System architecture"
    declarant_name: str = "山田 太郎"
    declarant_title: str = "代表取締役"


def answers(lang: str) -> Answers:
    today = calendar.to_jst(calendar.utcnow()).date()
    planned = calendar.earliest_start_date(today, 40) + dt.timedelta(days=14)
    a = Answers(planned_date=planned.isoformat())
    if lang == "ja":
        a.system_name = "ボールトコア"
        a.description = "出金ポリシーエンジンを備えたMPCカストディ基盤。"
        a.access_controls = "特権操作はすべて二名承認。"
        a.personnel = "鍵に触れる全従業員の経歴確認。"
    return a


def small_pdf(directory: Path, name="system-architecture.pdf") -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    # Titled by its name: a notice holds a file once, so two documents must differ.
    writer.add_metadata({"/Title": Path(name).stem})
    path = directory / name
    with path.open("wb") as f:
        writer.write(f)
    return path


# --- steps ----------------------------------------------------------------------------------


def register(person: Person, org: Organisation) -> Dashboard:
    dashboard = Home(person).open().register_an_organisation().register(org)
    # A new account is saved with the default language (ja) whatever the browser asked
    # for; a person reading English switches once, and the choice is kept.
    person.use_language()
    person.arrived()
    return dashboard


def sign_in(person: Person, email, password=PASSWORD, totp_secret=None):
    SignInPage(person).open().sign_in(email, password, totp_secret)
    person.use_language()
    return person


def fill_sections(form: NoticeForm, a: Answers, pdf: Path, *, declaration=True):
    """Every section, in the order of the progress list, through the form's own buttons."""
    form.open_section("Provider").continue_()
    form.fill_notice(a)
    form.save_and_continue()
    form.fill_system(a)
    form.save_and_continue()
    form.add_registered_client(a.registered_client)
    form.add_unregistered_client(a.free_client, a.free_client_en)
    form.continue_()
    form.fill_security(a)
    form.save_draft()
    form.add_certification(a.certification)
    form.add_subcontractor(a.subcontractor)
    form.open_section("Attachments")
    form.attach(pdf, a.attachment_kind)
    form.continue_()
    if declaration:
        form.fill_declaration(a)
        form.save_and_continue()
    return form
