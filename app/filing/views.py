"""Provider pages: the dashboard, starting a notice and editing its sections."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import provider_required
from ..domain import calendar
from ..domain.workflow import Status, TransitionRefused
from ..extensions import db
from ..forms import options
from ..labels import refusal
from ..reference import exchange_choices, reference_source
from . import forms, operations
from .access import own_notice
from .completeness import find_problems, progress
from .copying import changes_in_review
from .dashboard import DashboardFilters, dashboard_page, face_counts
from .models import Notice
from .sections import SECTIONS

EDITABLE_SECTIONS = {
    "provider",
    "notice",
    "system",
    "clients",
    "security",
    "attachments",
    "declaration",
}


@provider_required
def dashboard():
    filters = DashboardFilters.from_args(request.args)
    organisation_id = current_user.organisation_id
    notices, next_cursor = dashboard_page(
        filters, organisation_id, size=current_app.config["PAGE_SIZE"], today=calendar.jst_today()
    )
    return render_template(
        "filing/dashboard.html",
        notices=notices,
        filters=filters,
        next_cursor=next_cursor,
        counts=face_counts(organisation_id),
        new_form=forms.NewNoticeForm(),
    )


@provider_required
def new_notice():
    accepted = db.session.scalars(
        select(Notice).where(
            Notice.organisation_id == current_user.organisation_id,
            Notice.status == Status.ACCEPTED,
        )
    ).all()
    form = forms.NewNoticeForm(accepted=[(n.id, _notice_label(n)) for n in accepted])
    if form.validate_on_submit():
        notice = operations.create_draft(
            current_user, form.notice_type.data, form.refers_to_id.data
        )
        db.session.commit()
        return redirect(url_for("filing.edit", notice_id=notice.id))
    status = 422 if form.errors else 200
    return render_template("filing/new.html", form=form, accepted=accepted), status


@provider_required
def file_again(notice_id):
    """A new draft from a returned or withdrawn notice, to correct and file again."""
    earlier = own_notice(notice_id)
    try:
        notice = operations.file_again(earlier, current_user)
    except TransitionRefused as refused:
        db.session.rollback()
        return render_template("core/refused.html", notice=earlier, reason=refusal(refused)), 409
    db.session.commit()
    flash(
        _(
            "This new draft holds the answers and documents of %(number)s. Check each "
            "section, give the planned date and the declaration, then submit it.",
            number=earlier.receipt_number,
        ),
        "success",
    )
    return redirect(url_for("filing.edit", notice_id=notice.id), code=303)


def _notice_label(notice):
    return f"{notice.receipt_number} {notice.system_name}"


def rules() -> operations.FilingRules:
    return operations.FilingRules.from_config(current_app.config)


def overview_context(notice):
    problems = find_problems(
        notice,
        notice.organisation,
        today=calendar.jst_today(),
        advance_business_days=rules().advance_business_days,
        accepted_ids=operations.accepted_notice_ids(notice.organisation_id),
    )
    return {
        "notice": notice,
        "sections": SECTIONS,
        "progress": progress(notice, problems),
        "problems": problems,
        "earliest_start": calendar.earliest_start_date(
            calendar.jst_today(), rules().advance_business_days
        ),
    }


@provider_required
def edit(notice_id):
    from ..review.operations import confirmed_decision

    notice = own_notice(notice_id)
    if notice.status != Status.DRAFT:
        return redirect(url_for("filing.show", notice_id=notice.id))
    # Filed again: the notice it starts from, and what the review said of it.
    earlier = notice.refiling.earlier if notice.refiling else None
    return render_template(
        "filing/edit.html",
        earlier=earlier,
        earlier_decision=confirmed_decision(earlier) if earlier else None,
        changes_in_review=(changes_in_review(notice.refers_to) if notice.refers_to else []),
        **overview_context(notice),
    )


@provider_required
def section(notice_id, key):
    notice = own_notice(notice_id)
    if key not in EDITABLE_SECTIONS:
        abort(404)
    if notice.status != Status.DRAFT:
        return redirect(url_for("filing.show", notice_id=notice.id))
    form_class = forms.SECTION_FORMS.get(key)
    form = form_class(obj=notice) if form_class else None
    if key == "notice":
        _refers_to_choices(form, notice)
    status = 200
    if form is not None and request.method == "POST":
        if form.validate_on_submit():
            data = {name: form[name].data for name in _section_fields(form)}
            operations.save_section(notice, data)
            db.session.commit()
            saved_at = format_datetime(calendar.utcnow(), "HH:mm")
            if request.headers.get("X-Autosave"):
                return {"saved": True, "saved_at": saved_at}
            flash(_("Saved at %(time)s.", time=saved_at), "success")
            return redirect(_after_saving(notice, key, "save_next" in request.form))
        if request.headers.get("X-Autosave"):
            return {"saved": False, "errors": form.errors}, 422
        status = 422
    return render_section(notice, key, form=form), status


def render_section(notice, key, form=None, **group_forms):
    context = overview_context(notice)
    group_forms.setdefault("client_form", forms.ClientForm(prefix="client"))
    group_forms["client_form"].exchange.choices = options(
        [("", _("Choose…")), *exchange_choices(current_app.config.get("EXCHANGE_REGISTER_PATH"))]
    )
    group_forms.setdefault("subcontractor_form", forms.SubcontractorForm(prefix="sub"))
    group_forms.setdefault("certification_form", forms.CertificationForm(prefix="cert"))
    group_forms.setdefault("attachment_form", forms.AttachmentForm(prefix="file"))
    return render_template(
        f"filing/section_{key}.html",
        key=key,
        form=form,
        reference=reference_source(current_app.config.get("EXCHANGE_REGISTER_PATH")),
        **group_forms,
        **context,
    )


def _section_fields(form):
    return [name for name in form.data if name not in ("csrf_token",)]


def _after_saving(notice, key, go_on: bool) -> str:
    """Where a saved section leads: the same page, the next section, or after the last one
    the page that checks the whole notice and submits it."""
    keys = [s.key for s in SECTIONS]
    index = keys.index(key)
    if not go_on:
        return url_for("filing.section", notice_id=notice.id, key=key)
    if index + 1 < len(keys):
        return url_for("filing.section", notice_id=notice.id, key=keys[index + 1])
    return url_for("filing.submit", notice_id=notice.id)


def _refers_to_choices(form, notice):
    accepted = db.session.scalars(
        select(Notice).where(
            Notice.organisation_id == notice.organisation_id, Notice.status == Status.ACCEPTED
        )
    ).all()
    form.refers_to_id.choices = options(
        [("", _("None")), *((n.id, _notice_label(n)) for n in accepted)]
    )
