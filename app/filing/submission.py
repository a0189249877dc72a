"""Submitting, the receipt, the provider's view of a filed notice, deleting and withdrawing."""

import json

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import provider_required
from ..acknowledgements import operations as acknowledgements
from ..domain import calendar
from ..domain.workflow import Side, Status, TransitionRefused, allowed_actions, provider_status
from ..extensions import db
from ..files import storage
from ..history.operations import events_for
from ..history.versions import with_chosen_versions
from ..labels import refusal
from . import changes, forms, operations
from .access import own_notice
from .copying import changes_in_review, filed_again_as
from .snapshot import answers, read_back_fingerprint
from .transitions import StaleNotice
from .views import overview_context, rules


@provider_required
def submit(notice_id):
    notice = own_notice(notice_id)
    if notice.status != Status.DRAFT:
        # A double click or a resent form: the notice is filed once; show its receipt.
        if request.method == "POST":
            flash(_("This notice has already been submitted."), "info")
        return redirect(url_for("filing.receipt", notice_id=notice.id))
    form = forms.SubmitForm(version=notice.version)
    changed = False
    if form.validate_on_submit():
        try:
            operations.submit_notice(
                notice,
                current_user,
                now=calendar.utcnow(),
                rules=rules(),
                read_back=form.read_back.data or None,
            )
        except operations.SubmissionIncomplete:
            db.session.rollback()
            notice = own_notice(notice_id)
        except operations.ChangedSinceRead:
            db.session.rollback()
            notice = own_notice(notice_id)
            changed = True
        except StaleNotice:
            return redirect(url_for("filing.receipt", notice_id=notice_id))
        else:
            db.session.commit()
            return redirect(url_for("filing.receipt", notice_id=notice.id), code=303)
    context = overview_context(notice)
    if not context["problems"]:
        # What will be filed, read back before the declaration is made true by submitting;
        # the form carries it, so that what is filed is what was read.
        context["snapshot"] = answers(notice, notice.organisation)
        context["comparisons"] = changes.comparisons(notice, context["snapshot"])
        form.read_back.data = read_back_fingerprint(notice, notice.organisation)
    status = 409 if changed else (422 if request.method == "POST" else 200)
    return render_template("filing/submit.html", form=form, changed=changed, **context), status


def _snapshot(notice):
    version = notice.latest_version
    return json.loads(version.snapshot) if version else None


@provider_required
def receipt(notice_id):
    notice = own_notice(notice_id)
    if notice.status == Status.DRAFT:
        return redirect(url_for("filing.edit", notice_id=notice.id))
    first = notice.versions[0]
    return render_template(
        "filing/receipt.html",
        acknowledgements=acknowledgements.for_notice(notice),
        notice=notice,
        version=first,
        snapshot=json.loads(first.snapshot),
        received_at=calendar.to_jst(notice.submitted_at),
    )


@provider_required
def show(notice_id):
    notice = own_notice(notice_id)
    if notice.status == Status.DRAFT:
        return redirect(url_for("filing.edit", notice_id=notice.id))
    return show_page(notice)


def show_page(notice, response_form=None):
    from ..review.forms import ResponseForm
    from ..review.models import InformationRequest
    from ..review.operations import confirmed_decision

    requests = db.session.scalars(
        select(InformationRequest)
        .where(InformationRequest.notice_id == notice.id)
        .order_by(InformationRequest.id)
    ).all()
    decision = confirmed_decision(notice)
    snapshot = _snapshot(notice)
    return render_template(
        "filing/show.html",
        notice=notice,
        snapshot=snapshot,
        face=provider_status(Status(notice.status)),
        events=events_for(notice, include_internal=False),
        actions=allowed_actions(Status(notice.status), Side.PROVIDER),
        withdraw_form=forms.WithdrawForm(),
        response_form=response_form or ResponseForm(version=notice.version),
        requests=requests,
        decision=decision,
        attachment_links={
            a.sha256: url_for("filing.download_attachment", notice_id=notice.id, attachment_id=a.id)
            for a in notice.attachments
        },
        acknowledgements=acknowledgements.for_notice(notice),
        comparisons=with_chosen_versions(
            notice, changes.comparisons(notice, snapshot), request.args
        ),
        filed_again_as=filed_again_as(notice, drafts=True),
        changes_in_review=(changes_in_review(notice) if notice.status == Status.ACCEPTED else []),
    )


@provider_required
def delete(notice_id):
    notice = own_notice(notice_id)
    try:
        keys = operations.delete_draft(notice)
    except TransitionRefused as refused:
        return render_template("core/refused.html", notice=notice, reason=refusal(refused)), 409
    db.session.commit()
    for key in keys:
        storage().delete(key)
    flash(_("The draft is deleted."), "success")
    return redirect(url_for("filing.dashboard"))


@provider_required
def withdraw(notice_id):
    notice = own_notice(notice_id)
    form = forms.WithdrawForm()
    expected = request.form.get("version", type=int)
    if form.validate_on_submit():
        try:
            operations.withdraw_notice(
                notice,
                current_user,
                reason=form.reason.data,
                expected_version=expected if expected is not None else notice.version,
            )
        except TransitionRefused:
            return render_template(
                "core/refused.html",
                notice=notice,
                reason=_("This notice can no longer be withdrawn."),
            ), 409
        except StaleNotice as stale:
            return render_template(
                "core/refused.html", notice=own_notice(notice_id), stale=stale
            ), 409
        db.session.commit()
        flash(_("The notice is withdrawn."), "success")
        return redirect(url_for("filing.show", notice_id=notice.id), code=303)
    return render_template("filing/withdraw.html", notice=notice, form=form), (
        422 if request.method == "POST" else 200
    )
