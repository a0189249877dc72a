"""Complete drafts in a few milliseconds, through the operations layer rather than HTTP.

``complete_draft(user)`` gives a notice on which every section is valid: the planned date
lies well beyond the earliest permitted date, there is one client from the register and one
real PDF stored through the app's storage. The functions flush; the caller commits (the
test client commits the test's session before each request).
"""

import copy
import io
import itertools
import os
from datetime import date, timedelta
from functools import lru_cache

from flask import current_app
from pypdf import PdfWriter
from sqlalchemy import update

from app.domain import calendar
from app.domain.workflow import Status
from app.extensions import db
from app.files import storage
from app.filing import operations
from app.filing.models import Notice, NoticeType
from app.reference import load_exchanges

# Days added to the earliest permitted date, so that a draft made today is still valid
# when a slow run submits it tomorrow.
PLANNED_DATE_MARGIN = timedelta(days=30)

SYSTEM = {
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
}

SECURITY = {
    "hot_wallet_percent": 5,
    "signing_scheme": "mpc",
    "signing_threshold_m": 2,
    "signing_threshold_n": 3,
    "hsm_certification": "",
    "access_controls": "四眼原則による承認、特権アカウントの定期棚卸し。",
    "fisc_compliance": "full",
    "pentest_date": date(2026, 6, 1),
    "pentest_tester": "Example Security K.K.",
    "incident_contact": "+81-3-0000-0000 (24/7)",
    "incident_client_hours": 24,
    "incident_fsa_hours": 24,
    "personnel_security": "採用時の経歴確認、職務分離。",
    "rto_minutes": 60,
    "rpo_minutes": 5,
}

DECLARATION = {
    "declarant_name": "山田 太郎",
    "declarant_title": "代表取締役",
    "declaration_confirmed": True,
}


@lru_cache(maxsize=8)
def minimal_pdf(pages: int = 1) -> bytes:
    """A real, readable PDF of ``pages`` blank A4 pages, made by pypdf."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


_distinct = itertools.count(1)


def distinct_pdf() -> bytes:
    """A readable one-page PDF whose bytes no other call returns: a notice holds a file
    once, so a test that attaches more to a draft (say a ``complete_draft``) needs new
    ones. (Readers tolerate a comment after %%EOF.)"""
    return minimal_pdf() + f"% distinct {os.getpid()} {next(_distinct)}\n".encode()


def rules() -> operations.FilingRules:
    return operations.FilingRules.from_config(current_app.config)


def jst_today() -> date:
    return calendar.to_jst(calendar.utcnow()).date()


def default_planned_date(today: date | None = None) -> date:
    """The earliest permitted date for a submission on ``today`` (JST), plus a margin."""
    days = current_app.config["ADVANCE_BUSINESS_DAYS"]
    return calendar.earliest_start_date(today or jst_today(), days) + PLANNED_DATE_MARGIN


def first_exchange():
    return load_exchanges(current_app.config.get("EXCHANGE_REGISTER_PATH"))[0]


def attach_pdf(notice, user, *, data=None, filename="システム構成図.pdf", category="architecture"):
    return operations.add_attachment(
        notice,
        user,
        category=category,
        filename=filename,
        data=minimal_pdf() if data is None else data,
        storage=storage(),
        rules=rules(),
    )


def complete_draft(user, **overrides) -> Notice:
    """A draft of ``user``'s organisation that is ready to submit.

    ``overrides`` are values of the notice's columns (``planned_date=...``,
    ``system_name=...``); ``notice_type`` and ``refers_to_id`` go to ``create_draft``.
    """
    notice_type = overrides.pop("notice_type", NoticeType.NEW)
    refers_to_id = overrides.pop("refers_to_id", None)
    notice = operations.create_draft(user, notice_type, refers_to_id)
    values = {
        "planned_date": default_planned_date(),
        **copy.deepcopy(SYSTEM),
        **SECURITY,
        **DECLARATION,
        **overrides,
    }
    operations.save_section(notice, values)
    # A change starts with the clients and documents of the notice it refers to.
    if not notice.clients:
        operations.add_client(notice, registration_number=first_exchange().registration_number)
    if not notice.attachments:
        attach_pdf(notice, user)
    db.session.flush()
    return notice


def accepted_notice(user, *, now) -> Notice:
    """A complete notice of ``user``'s organisation, submitted at ``now`` and then simply
    marked accepted: for tests of what refers to an accepted notice, not of the review."""
    notice = complete_draft(user)
    operations.submit_notice(notice, user, now=now, rules=rules())
    db.session.execute(update(Notice).where(Notice.id == notice.id).values(status=Status.ACCEPTED))
    db.session.commit()
    return notice
