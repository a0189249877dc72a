"""Fixed content of the demonstration: organisations, accounts, notice texts and documents.

Everything here is fictitious and says so: company names carry "Demo", "Example", "Sample"
or "Seed", e-mail addresses are under example.com, and the identifiers are computed, not
looked up. Corporate numbers get their check digit from ``stdnum.jp.cn`` and LEIs their
ISO 7064 mod 97-10 check digits, so that the registry's validators accept them, but their
bodies (``...9999...``, ``DEMO00...``, ``SEED00...``) are not any real company's.
"""

import base64
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from stdnum import lei as stdnum_lei
from stdnum.iso7064 import mod_97_10
from stdnum.jp import cn as stdnum_cn

from ..accounts.models import Role

# Meets the 12-128 character rule. Printed by `flask demo load`: never use it elsewhere.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - published on purpose


def corporate_number(body: str) -> str:
    """A 13-digit corporate number: the check digit computed for the 12-digit ``body``."""
    if len(body) != 12 or not body.isdigit():
        raise ValueError(f"a corporate number body has 12 digits, not {body!r}")
    number = stdnum_cn.calc_check_digit(body) + body
    return stdnum_cn.validate(number)


def lei(base: str) -> str:
    """A 20-character LEI: ``base`` (18 characters) and its two mod 97-10 check digits."""
    base = base.upper()
    if len(base) != 18 or not base.isalnum():
        raise ValueError(f"an LEI base has 18 letters or digits, not {base!r}")
    return stdnum_lei.validate(base + mod_97_10.calc_check_digits(base))


# --- the two demonstration providers ------------------------------------------------------

ORGANISATIONS = {
    "a": {
        "kind": "domestic",
        "name_ja": "デモカストディ・システムズ株式会社",
        "name_en": "Demo Custody Systems K.K.",
        "corporate_number": corporate_number("701099990001"),
        "country": "JP",
        "lei": None,
        "postal_code": "103-0027",
        "address": "東京都中央区日本橋9-99-9 デモビル8階",
        "representative_name": "見本 太郎",
        "representative_title": "代表取締役社長",
        "contact_name": "試験 花子",
        "contact_department": "コンプライアンス部",
        "contact_email": "compliance@demo-custody.example.com",
        "contact_phone": "+81355550100",
    },
    "b": {
        "kind": "foreign",
        "name_ja": "エグザンプル・ボールト・テクノロジーズ・ピーティーイー・リミテッド",
        "name_en": "Example Vault Technologies Pte. Ltd.",
        "corporate_number": None,
        "country": "SG",
        "lei": lei("DEMO00EXAMPLEVAULT"),
        # The contact address in Japan (the profile form asks for a Japanese postal code).
        "postal_code": "105-0001",
        "address": "東京都港区虎ノ門9-9-9 サンプルタワー20階（日本支店）",
        "representative_name": "Alex Example",
        "representative_title": "Chief Executive Officer",
        "contact_name": "例示 次郎",
        "contact_department": "Japan Regulatory Affairs",
        "contact_email": "japan@example-vault.example.com",
        "contact_phone": "+81355550200",
    },
}


@dataclass(frozen=True)
class DemoAccount:
    key: str
    role: Role
    name: str
    email: str
    organisation: str | None = None  # a key of ORGANISATIONS for provider roles
    locale: str = "ja"
    password: str = DEMO_PASSWORD


ACCOUNTS = (
    DemoAccount("a_admin", Role.PROVIDER_ADMIN, "見本 太郎", "admin@demo-custody.example.com", "a"),
    DemoAccount(
        "a_user", Role.PROVIDER_USER, "試験 花子", "user@demo-custody.example.com", "a", "en"
    ),
    DemoAccount(
        "b_admin",
        Role.PROVIDER_ADMIN,
        "Alex Example",
        "admin@example-vault.example.com",
        "b",
        "en",
    ),
    DemoAccount("reviewer", Role.REVIEWER, "審査 一郎", "reviewer@fsa-demo.example.com"),
    DemoAccount(
        "reviewer2", Role.REVIEWER, "審査 二葉", "reviewer2@fsa-demo.example.com", None, "en"
    ),
    DemoAccount("supervisor", Role.SUPERVISOR, "監督 三郎", "supervisor@fsa-demo.example.com"),
    DemoAccount("supervisor2", Role.SUPERVISOR, "監督 四季", "supervisor2@fsa-demo.example.com"),
    DemoAccount(
        "administrator", Role.ADMINISTRATOR, "運用 五月", "administrator@fsa-demo.example.com"
    ),
)
ACCOUNTS_BY_KEY = {account.key: account for account in ACCOUNTS}


def totp_secret(account: DemoAccount) -> str | None:
    """The fixed, published second-factor secret of a demonstration staff account."""
    if not account.role.is_staff:
        return None
    digest = hashlib.sha256(f"advance-notice-registry demo {account.key}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()


# The demonstration exists when this account does.
MARKER_EMAIL = ACCOUNTS_BY_KEY["administrator"].email


# --- what the demonstration notices say ---------------------------------------------------

SYSTEMS = {
    "vaultcore": {
        "system_name": "DemoVault カストディ基盤",
        "system_version": "3.2",
        "categories": ["hot_wallet", "cold_storage", "key_management", "signing_workflow"],
        "category_other": "",
        "delivery_model": "saas",
        "hosting_provider": "サンプルクラウド 東京リージョン",
        "data_countries": ["JP"],
        "key_countries": ["JP"],
        "supported_assets": "BTC, ETH, XRP, USDC",
        "description": (
            "暗号資産交換業者向けのカストディ基盤。MPC による鍵の分散管理、"
            "出金の多段承認ワークフロー、ホット／コールドウォレットの自動リバランスを提供する。"
        ),
    },
    "signflow": {
        "system_name": "DemoSign 承認ワークフロー",
        "system_version": "1.8",
        "categories": ["signing_workflow", "screening"],
        "category_other": "",
        "delivery_model": "on_premises",
        "hosting_provider": "利用者のデータセンター（オンプレミス）",
        "data_countries": ["JP"],
        "key_countries": ["JP"],
        "supported_assets": "BTC, ETH",
        "description": (
            "出金トランザクションの署名前に、アドレススクリーニングと四眼承認を行う"
            "オンプレミス型ソフトウェア。"
        ),
    },
    "nodeops": {
        "system_name": "DemoNode ノード運用サービス",
        "system_version": "2.0",
        "categories": ["node_operation", "other"],
        "category_other": "ブロック監視とアラート",
        "delivery_model": "managed",
        "hosting_provider": "サンプルクラウド 大阪リージョン",
        "data_countries": ["JP"],
        "key_countries": ["JP"],
        "supported_assets": "BTC, ETH, SOL",
        "description": "フルノードの運用・監視と、入出金の検知をマネージドサービスとして提供する。",
    },
    "hsmvault": {
        "system_name": "Example Vault HSM Custody",
        "system_version": "5.1",
        "categories": ["cold_storage", "key_management"],
        "category_other": "",
        "delivery_model": "hybrid",
        "hosting_provider": "Example Cloud (Tokyo and Singapore regions)",
        "data_countries": ["JP", "SG"],
        "key_countries": ["JP", "SG"],
        "supported_assets": "BTC, ETH, USDT, USDC",
        "description": (
            "Cold storage on FIPS 140-3 Level 3 HSMs in two countries, with a hosted policy "
            "engine and on-premises signing appliances at the exchange."
        ),
    },
    "screening": {
        "system_name": "Example Vault Screening Gateway",
        "system_version": "2.4",
        "categories": ["screening"],
        "category_other": "",
        "delivery_model": "saas",
        "hosting_provider": "Example Cloud (Tokyo region)",
        "data_countries": ["JP"],
        "key_countries": ["JP"],
        "supported_assets": "BTC, ETH, USDT",
        "description": "Address and transaction screening before withdrawal and after deposit.",
    },
}

SECURITY_MPC = {
    "hot_wallet_percent": 5,
    "signing_scheme": "mpc",
    "signing_threshold_m": 2,
    "signing_threshold_n": 3,
    "hsm_certification": "",
    "access_controls": (
        "特権操作は四眼原則で承認し、特権アカウントを四半期ごとに棚卸しする。"
        "本番環境への接続は踏み台サーバー経由に限り、全操作を記録する。"
    ),
    "fisc_compliance": "full",
    "pentest_tester": "サンプルセキュリティ株式会社",
    "incident_contact": "セキュリティ運用センター 03-5555-0199（24時間365日）",
    "incident_client_hours": 2,
    "incident_fsa_hours": 24,
    "personnel_security": "採用時の経歴確認、職務分離、年1回の内部不正対策研修。",
    "rto_minutes": 120,
    "rpo_minutes": 5,
}

SECURITY_HSM = {
    "hot_wallet_percent": 2,
    "signing_scheme": "hsm",
    "signing_threshold_m": 3,
    "signing_threshold_n": 5,
    "hsm_certification": "FIPS 140-3 Level 3",
    "access_controls": (
        "Quorum of three of five key custodians for any signing policy change; "
        "privileged sessions recorded and reviewed weekly."
    ),
    "fisc_compliance": "partial",
    "pentest_tester": "Example Assurance Pte. Ltd.",
    "incident_contact": "Security operations +65 6555 0100 (24/7)",
    "incident_client_hours": 1,
    "incident_fsa_hours": 12,
    "personnel_security": "Background checks before hiring and every three years; dual control.",
    "rto_minutes": 60,
    "rpo_minutes": 0,
}

DECLARANTS = {
    "a": {"declarant_name": "見本 太郎", "declarant_title": "代表取締役社長"},
    "b": {"declarant_name": "Alex Example", "declarant_title": "Chief Executive Officer"},
}

SUBCONTRACTORS = {
    "a": {"name": "サンプル開発合同会社", "country": "JP", "function": "ウォレット機能の保守開発"},
    "b": {"name": "Example Offshore Engineering Ltd.", "country": "VN", "function": "QA testing"},
}


def certification(organisation: str, today: date) -> dict:
    if organisation == "a":
        return {
            "kind": "iso27001",
            "reference": "DEMO-ISMS-0001",
            "issuer": "サンプル認証機構",
            "valid_from": today - timedelta(days=400),
            "valid_until": today + timedelta(days=695),
        }
    return {
        "kind": "soc2_type2",
        "reference": "EX-SOC2-2025",
        "issuer": "Example Audit LLP",
        "valid_from": today - timedelta(days=330),
        "valid_until": today - timedelta(days=150),
    }


# A prospective client that is not yet on the register, named free-form.
UNREGISTERED_CLIENT = {
    "name": "デモ暗号資産交換準備株式会社",
    "name_en": "Demo Exchange Preparatory K.K.",
}

INFORMATION_REQUESTS = (
    "鍵のバックアップ手順（保管場所と復旧時の承認者）を記載した資料を提出してください。",
    "Please provide the latest penetration test report, including the remediation status.",
    "外部委託先におけるアクセス管理の方法を説明してください。",
    "ホットウォレットの保有上限を超えた場合の運用手順を示してください。",
    "Please describe how signing quorum changes are approved and logged.",
)
RESPONSES = (
    "ご依頼の資料を添付します。鍵のバックアップは国内2拠点で分散保管しています。",
    "The report is attached; all high findings were fixed and re-tested.",
    "委託先からの接続は専用端末に限定し、作業ごとに承認を得ています。",
    "上限超過時は自動でコールドウォレットへ移管し、担当役員へ通知します。",
    "Quorum changes need three custodians and are recorded in the audit log.",
)
ACCEPT_REASONS = (
    "記載事項及び添付書類に不備は認められない。",
    "The notice and its documents are complete.",
    "追加資料により鍵管理体制が確認できたため受理相当。",
)
RETURN_REASONS = (
    "インシデント発生時の当局への報告体制が記載されていないため返戻する。",
    "The security assessment does not cover the signing appliances; please re-file.",
)
SEND_BACK_COMMENTS = (
    "理由欄に確認した添付資料を明記してください。",
    "Please mention the penetration test in the reasons.",
)
WITHDRAWAL_REASONS = (
    "サービス開始時期を見直すため、いったん取り下げます。",
    "We are changing the hosting provider and will file again.",
    "顧客との契約が見送りとなったため取り下げます。",
)


# --- documents -------------------------------------------------------------------------


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def demo_pdf(title: str, lines: tuple[str, ...] = ()) -> bytes:
    """A small, valid one-page A4 PDF with ``title`` and ``lines`` (ASCII) in Helvetica."""
    text = [f"BT /F1 18 Tf 72 770 Td ({_pdf_text(title)}) Tj ET"]
    y = 740
    for line in (*lines, "DEMONSTRATION DATA - fictitious content, not a real filing."):
        text.append(f"BT /F1 11 Tf 72 {y} Td ({_pdf_text(line)}) Tj ET")
        y -= 18
    stream = "\n".join(text).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Title (%s) /Producer (Advance Notice Registry demo) >>"
        % _pdf_text(title).encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        len(objects),
        xref,
    )
    return bytes(out)


# --- bulk seeding ----------------------------------------------------------------------

SEED_NAME_PARTS = (
    ("サンプル", "Sample"),
    ("デモ", "Demo"),
    ("テスト", "Test"),
    ("架空", "Fictitious"),
    ("例示", "Example"),
)
SEED_NAME_CORES = (
    ("カストディ", "Custody"),
    ("ウォレット", "Wallet"),
    ("キーマネジメント", "Key Management"),
    ("セキュアサイン", "Secure Sign"),
    ("チェーンノード", "Chain Node"),
    ("デジタルアセット", "Digital Asset"),
    ("トラストボールト", "Trust Vault"),
)
SEED_FOREIGN_COUNTRIES = ("SG", "US", "GB", "CH", "EE", "KR", "HK", "DE")
SEED_SYSTEM_NAMES = (
    "Custody Core",
    "MPC Wallet",
    "Cold Vault",
    "Sign Gateway",
    "Node Manager",
    "Screening Hub",
    "Key Ceremony Suite",
    "Treasury Console",
)
SEED_HOSTS = (
    "サンプルクラウド 東京リージョン",
    "Example Cloud (Tokyo region)",
    "自社データセンター（東京・大阪）",
    "Example Cloud (Tokyo and Singapore regions)",
)
SEED_ASSETS = ("BTC, ETH", "BTC, ETH, XRP", "BTC, ETH, USDC, USDT", "ETH, SOL, MATIC")
