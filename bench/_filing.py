"""Filing a complete notice through HTTP, as a provider's browser would: create the draft,
fill every section, add a client from the exchange register, attach a PDF, submit.

The answers are those of tests/filing_helpers.py; the planned date is computed with the
app's own calendar, so the notice is valid whenever it runs.
"""

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta

from pypdf import PdfWriter

from app.domain import calendar

from ._session import Client, hidden_inputs

ADVANCE_BUSINESS_DAYS = 40  # the default; a server configured otherwise needs another date


def planned_date():
    today = calendar.to_jst(calendar.utcnow()).date()
    return calendar.earliest_start_date(today, ADVANCE_BUSINESS_DAYS) + timedelta(days=30)


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def sections(planned) -> dict[str, dict]:
    return {
        "notice": {"notice_type": "new", "refers_to_id": "", "planned_date": planned.isoformat()},
        "system": {
            "system_name": "VaultCore カストディ",
            "system_version": "3.2.1",
            "categories": ["hot_wallet", "key_management"],
            "category_other": "",
            "delivery_model": "saas",
            "hosting_provider": "AWS 東京リージョン",
            "data_countries": ["JP"],
            "key_countries": ["JP", "SG"],
            "supported_assets": "BTC, ETH, XRP",
            "description": "MPC による鍵管理と承認ワークフローを備えたカストディ基盤。",
        },
        "security": {
            "hot_wallet_percent": "5",
            "signing_scheme": "mpc",
            "signing_threshold_m": "2",
            "signing_threshold_n": "3",
            "hsm_certification": "",
            "access_controls": "四眼原則による承認、特権アカウントの定期棚卸し。",
            "fisc_compliance": "full",
            "pentest_date": "2026-06-01",
            "pentest_tester": "Example Security K.K.",
            "incident_contact": "+81-3-0000-0000 (24/7)",
            "incident_client_hours": "24",
            "incident_fsa_hours": "24",
            "personnel_security": "採用時の経歴確認、職務分離。",
            "rto_minutes": "60",
            "rpo_minutes": "5",
        },
        "declaration": {
            "declarant_name": "山田 太郎",
            "declarant_title": "代表取締役",
            "declaration_confirmed": "y",
        },
    }


@dataclass
class Filing:
    """What one filing did: the notice, its receipt number, each step's status and time."""

    notice_id: int | None = None
    receipt_number: str = ""
    steps: list[tuple[str, int, float]] = field(default_factory=list)

    def record(self, step, response, expected):
        self.steps.append((step, response.status, response.seconds))
        if response.status != expected:
            raise FilingFailed(step, response)
        return response


class FilingFailed(Exception):
    def __init__(self, step, response):
        super().__init__(f"{step}: HTTP {response.status}")
        self.step = step
        self.response = response


RECEIPT_NUMBER = re.compile(r"AN-\d{4}-\d{6}")


def file_notice(client: Client, *, exchange: str, pdf: bytes, planned) -> Filing:
    """One complete notice by the signed-in provider; raises FilingFailed on a bad step."""
    filing = Filing()
    started = filing.record("create", client.post("/notices/new", {"notice_type": "new"}), 302)
    filing.notice_id = int(re.search(r"/notices/(\d+)/edit", started.location).group(1))
    base = f"/notices/{filing.notice_id}"
    for key, values in sections(planned).items():
        filing.record(f"section:{key}", client.post(f"{base}/edit/{key}", values), 302)
    filing.record("client", client.post(f"{base}/clients", {"client-exchange": exchange}), 302)
    filing.record(
        "attach",
        client.post(
            f"{base}/attachments",
            {"file-category": "architecture"},
            files={"file-file": ("architecture.pdf", pdf, "application/pdf")},
        ),
        302,
    )
    check = filing.record("submit page", client.get(f"{base}/submit"), 200)
    form = {k: v for k, v in hidden_inputs(check.text).items() if k != "csrf_token"}
    filing.record("submit", client.post(f"{base}/submit", form), 303)
    receipt = filing.record("receipt page", client.get(f"{base}/receipt"), 200)
    found = RECEIPT_NUMBER.search(receipt.text)
    filing.receipt_number = found.group(0) if found else ""
    return filing
