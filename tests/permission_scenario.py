"""What the permission grid needs: provider A's notices in the right states, and for every
endpoint the URL values and form to send.

``Scenario(people)`` holds org A's draft (with a client, a subcontractor, a certification
and an attachment) and submitted notice (with its attachment and the receipt issued on
submission), built through the operations layer. Org B has nothing.

``TARGETS[endpoint](scenario)`` gives a ``Target``: the ``url_for`` values and a minimal
valid form. Targets of state-changing endpoints build a fresh object on every call, so
the grid asks for a new target after each request that succeeded.
"""

import io
import itertools
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import pyotp
import pytest
from sqlalchemy import select

from app.accounts import operations as accounts
from app.accounts import two_factor
from app.accounts.models import Role
from app.acknowledgements import operations as acknowledgement_ops
from app.acknowledgements.models import Acknowledgement, DocumentKind
from app.domain import calendar
from app.domain.workflow import Status
from app.extensions import db
from app.filing import operations as filing_ops
from tests.factories import make_user
from tests.filing_helpers import attach_pdf, complete_draft, distinct_pdf, minimal_pdf
from tests.review_helpers import jst_today, notice_at

# An id no row has: a URL carrying it must answer exactly as one carrying another
# organisation's id.
MISSING_ID = 987_654_321

_serial = itertools.count(1)


@pytest.fixture
def quick_acknowledgements(monkeypatch):
    """Acknowledgements issued without WeasyPrint: a real one-page PDF made unique.

    A render takes about a second, and the grid issues dozens of acknowledgements (every
    submission, information request and decision). Who may fetch a document does not
    depend on its contents; rendering is tested in test_acknowledgement_render.py.
    """

    def render(doc, timeout=None):
        return minimal_pdf() + f"% grid {doc['kind']} {next(_serial)}\n".encode()

    monkeypatch.setattr(acknowledgement_ops, "render_acknowledgement", render)


@dataclass(frozen=True)
class PdfUpload:
    """A file field; a new stream is made for every request, since a request reads it."""

    filename: str = "permissions.pdf"

    def stream(self):
        return io.BytesIO(distinct_pdf()), self.filename


@dataclass
class Target:
    values: dict = field(default_factory=dict)
    form: dict = field(default_factory=dict)

    def payload(self) -> dict:
        return {
            name: value.stream() if isinstance(value, PdfUpload) else value
            for name, value in self.form.items()
        }

    def missing(self) -> "Target":
        """The same request with every id replaced by one that does not exist."""
        values = {
            name: MISSING_ID if isinstance(value, int) else value
            for name, value in self.values.items()
        }
        return Target(values, self.form)


class Scenario:
    def __init__(self, people):
        self.people = people
        self.provider = people.provider_a_user

    def commit(self, thing):
        db.session.commit()
        return thing

    # --- org A's standing objects ----------------------------------------------------

    @cached_property
    def draft(self):
        notice = complete_draft(self.provider)
        filing_ops.add_subcontractor(
            notice, {"name": "Example Dev K.K.", "country": "VN", "function": "development"}
        )
        filing_ops.add_certification(
            notice,
            {
                "kind": "iso27001",
                "reference": "IS 000000",
                "issuer": "Example Certification Body",
                "valid_from": date(2025, 4, 1),
                "valid_until": date(2028, 3, 31),
            },
        )
        return self.commit(notice)

    @cached_property
    def submitted(self):
        return notice_at(Status.SUBMITTED, self.people)

    @cached_property
    def receipt(self) -> Acknowledgement:
        return db.session.scalar(
            select(Acknowledgement).where(
                Acknowledgement.notice_id == self.submitted.id,
                Acknowledgement.kind == DocumentKind.RECEIPT,
            )
        )

    def build(self):
        """All of org A's standing objects, whichever a row uses."""
        assert self.draft.clients and self.draft.subcontractors
        assert self.draft.certifications and self.draft.attachments
        assert self.submitted.attachments and self.receipt is not None
        return self

    # --- fresh objects for state-changing requests --------------------------------------

    def new_draft(self):
        return self.commit(complete_draft(self.provider))

    def notice_in(self, status):
        return notice_at(status, self.people)

    def new_client(self):
        name = f"Example Exchange {next(_serial)} (fictitious)"
        return self.commit(filing_ops.add_client(self.draft, name=name))

    def new_attachment(self):
        return self.commit(attach_pdf(self.draft, self.provider, data=distinct_pdf()))


# --- the request for each endpoint ------------------------------------------------------


def _none(s):
    return Target()


def _draft(s):
    return Target({"notice_id": s.draft.id})


def _submitted(s):
    return Target({"notice_id": s.submitted.id})


def _version(notice, **form):
    return Target({"notice_id": notice.id}, {"version": str(notice.version), **form})


def _enrolled(role, organisation=None):
    user = make_user(role, organisation, email=f"enrolled{next(_serial)}@example.com")
    two_factor.enrol_with_secret(user, pyotp.random_base32())
    db.session.commit()
    return user


def _colleague(s):
    """A fresh user of org A: disabling or promoting them changes no one the grid signs in."""
    user = make_user(Role.PROVIDER_USER, s.people.org_a)
    db.session.commit()
    return user


def _organisation(s):
    org = s.people.org_a
    names = [
        "kind", "name_ja", "name_en", "corporate_number", "country", "postal_code", "address",
        "representative_name", "representative_title", "contact_name", "contact_department",
        "contact_email", "contact_phone",
    ]  # fmt: skip
    return Target(form={name: str(getattr(org, name) or "") for name in names})


def _reply_by():
    return calendar.add_business_days(jst_today(), 10).isoformat()


def _pending_invitation(s) -> Target:
    """A fresh invitation of provider A each time: withdrawing or sending one again ends it."""
    accounts.invite_user(
        s.people.org_a,
        s.people.provider_a_admin,
        f"invitee{next(_serial)}@provider-a.example.com",
        Role.PROVIDER_USER,
    )
    db.session.commit()
    return Target({"invitation_id": accounts.pending_invitations(s.people.org_a.id)[0].id})


TARGETS = {
    "static": lambda s: Target({"filename": "css/app.css"}),
    "core.index": _none,
    "core.set_language": lambda s: Target(form={"lang": "en"}),
    "core.healthz": _none,
    "core.readyz": _none,
    "accounts.login": lambda s: Target(
        form={"email": "nobody@example.com", "password": "not the password"}
    ),
    "accounts.login_code": lambda s: Target(form={"code": "000000"}),
    "accounts.login_enrol": lambda s: Target(form={"code": "000000"}),
    "accounts.two_factor": lambda s: Target(form={"code": "000000"}),
    "accounts.two_factor_off": lambda s: Target(form={"code": "000000"}),
    "accounts.logout": _none,
    "accounts.extend_session": _none,
    "accounts.register": _none,
    "accounts.account": _none,
    # A wrong current password: the form answers 200 and nothing changes for later roles.
    "accounts.change_password": lambda s: Target(
        form={
            "current_password": "not the password",
            "new_password": "a new long password",
            "new_password_confirm": "a new long password",
        }
    ),
    "accounts.organisation": _organisation,
    # Leaves the requirement off, as it was: the later roles sign in as before.
    "accounts.organisation_two_factor": _none,
    "accounts.organisation_users": _none,
    "activity.own": _none,
    "accounts.end_other_sessions": _none,
    "activity.organisation": _none,
    "activity.everyone": _none,
    "settings.index": _none,
    "accounts.invite": lambda s: Target(
        form={"email": f"colleague{next(_serial)}@provider-a.example.com", "role": "provider_user"}
    ),
    "accounts.accept_invitation": lambda s: Target(
        {"token": "no-such-invitation"}, {"name": "Nobody", "password": "x" * 16}
    ),
    "accounts.forgot_password": lambda s: Target(form={"email": "nobody@example.com"}),
    "accounts.reset_password": lambda s: Target(
        {"token": "no-such-link"}, {"new_password": "x" * 16, "new_password_confirm": "x" * 16}
    ),
    "accounts.withdraw_invitation": lambda s: _pending_invitation(s),
    "accounts.resend_invitation": lambda s: _pending_invitation(s),
    "accounts.staff_users": lambda s: Target(
        form={
            "name": "New Reviewer",
            "email": f"reviewer{next(_serial)}@fsa.example.com",
            "role": "reviewer",
            "password": "a long initial password",
        }
    ),
    # Reactivates an active account: allowed, and harmless to the roles that follow.
    "accounts.set_user_active": lambda s: Target(
        {"user_id": s.people.reviewer.id}, {"active": "1"}
    ),
    # A fresh enrolled person each time, so that a reset changes no one the grid signs in.
    "accounts.reset_staff_two_factor": lambda s: Target({"user_id": _enrolled(Role.REVIEWER).id}),
    "accounts.reset_colleague_two_factor": lambda s: Target(
        {"user_id": _enrolled(Role.PROVIDER_USER, s.people.org_a).id}
    ),
    "accounts.set_colleague_active": lambda s: Target(
        {"user_id": _colleague(s).id}, {"active": "0"}
    ),
    "accounts.set_colleague_role": lambda s: Target(
        {"user_id": _colleague(s).id}, {"role": "provider_admin"}
    ),
    # Staff give a wrong code (422, nothing changes); providers have no second factor here.
    "accounts.replace_recovery_codes": lambda s: Target(form={"recovery-code": "000000"}),
    "public.register": _none,
    "public.register_csv": _none,
    "public.register_json": _none,
    "acknowledgements.verify": _none,
    "acknowledgements.verify_upload": lambda s: Target(form={"file": PdfUpload()}),
    "acknowledgements.provider_download": lambda s: Target(
        {"notice_id": s.submitted.id, "acknowledgement_id": s.receipt.id}
    ),
    "acknowledgements.staff_download": lambda s: Target(
        {"notice_id": s.submitted.id, "acknowledgement_id": s.receipt.id}
    ),
    "filing.dashboard": _none,
    "filing.new_notice": lambda s: Target(form={"notice_type": "new"}),
    "filing.show": _submitted,
    "filing.edit": _draft,
    "filing.section": lambda s: Target(
        {"notice_id": s.draft.id, "key": "declaration"},
        {
            "declarant_name": "山田 太郎",
            "declarant_title": "代表取締役",
            "declaration_confirmed": "y",
        },
    ),
    "filing.add_client": lambda s: Target(
        {"notice_id": s.draft.id}, {"client-name": f"Example Exchange {next(_serial)}"}
    ),
    "filing.add_subcontractor": lambda s: Target(
        {"notice_id": s.draft.id},
        {"sub-name": "Example Ops Ltd.", "sub-country": "SG", "sub-function": "operation"},
    ),
    "filing.add_certification": lambda s: Target(
        {"notice_id": s.draft.id}, {"cert-kind": "soc2_type2", "cert-reference": "SOC-2026"}
    ),
    "filing.remove_item": lambda s: Target(
        {"notice_id": s.draft.id, "group": "clients", "item_id": s.new_client().id}
    ),
    "filing.upload_attachment": lambda s: Target(
        {"notice_id": s.draft.id}, {"file-category": "other", "file-file": PdfUpload()}
    ),
    "filing.download_attachment": lambda s: Target(
        {"notice_id": s.draft.id, "attachment_id": s.draft.attachments[0].id}
    ),
    "filing.remove_attachment": lambda s: Target(
        {"notice_id": s.draft.id, "attachment_id": s.new_attachment().id}
    ),
    "filing.submit": lambda s: _version(s.new_draft()),
    "filing.receipt": _submitted,
    "filing.delete": lambda s: Target({"notice_id": s.new_draft().id}),
    "filing.withdraw": lambda s: _version(
        s.notice_in(Status.SUBMITTED), reason="We no longer offer the service."
    ),
    "filing.respond": lambda s: _version(
        s.notice_in(Status.INFORMATION_REQUESTED), message="The report is attached."
    ),
    "filing.file_again": lambda s: Target({"notice_id": s.notice_in(Status.RETURNED).id}),
    "review.queue": _none,
    "review.overview": _none,
    "review.notice": _submitted,
    "review.download_attachment": lambda s: Target(
        {"notice_id": s.submitted.id, "attachment_id": s.submitted.attachments[0].id}
    ),
    "review.take": lambda s: _version(s.notice_in(Status.SUBMITTED)),
    "review.assign": lambda s: _version(
        s.notice_in(Status.SUBMITTED), assignee=str(s.people.reviewer.id)
    ),
    "review.request_information": lambda s: _version(
        s.notice_in(Status.UNDER_REVIEW),
        comment="Send the penetration test report.",
        reply_by=_reply_by(),
    ),
    "review.propose_decision": lambda s: _version(
        s.notice_in(Status.UNDER_REVIEW), outcome="accept", reasons="Complete and consistent."
    ),
    "review.confirm_decision": lambda s: _version(s.notice_in(Status.DECISION_PROPOSED)),
    "review.send_back": lambda s: _version(
        s.notice_in(Status.DECISION_PROPOSED), comment="Check the key custody section again."
    ),
    "review.note": lambda s: Target({"notice_id": s.submitted.id}, {"body": "Internal."}),
}
