"""Provider pages: the dashboard, starting a notice and editing its sections."""

from functools import partial

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import provider_required
from ..domain import calendar
from ..domain.workflow import Status, TransitionRefused
from ..extensions import db
from ..forms import options
from ..i18n import listed
from ..labels import jst, refusal
from ..reference import exchange_choices, reference_source
from . import forms, operations
from .access import own_notice
from .completeness import find_problems, progress
from .copying import changes_in_review
from .dashboard import DashboardFilters, dashboard_page, face_counts
from .models import Notice
from .sections import FINGERPRINT_FIELD, SECTIONS, answers_fingerprint

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
    filing_rules, now = rules(), calendar.utcnow()
    earliest_start = filing_rules.earliest_start(now)
    problems = find_problems(
        notice,
        notice.organisation,
        today=calendar.to_jst(now).date(),
        earliest_start=earliest_start,
        advance_business_days=filing_rules.advance_business_days,
        accepted_ids=operations.accepted_notice_ids(notice.organisation_id),
    )
    return {
        "notice": notice,
        "sections": SECTIONS,
        "progress": progress(notice, problems),
        "problems": problems,
        "earliest_start": earliest_start,
    }


@provider_required
def edit(notice_id):
    from ..review.operations import confirmed_decision

    notice = own_notice(notice_id)
    if notice.status != Status.DRAFT:
        flash(_submitted_as(notice), "info")
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
    form_class = forms.SECTION_FORMS.get(key)
    autosave = bool(request.headers.get("X-Autosave"))
    if notice.status != Status.DRAFT:
        return _not_a_draft(notice, key, form_class, autosave)
    form = form_class(obj=notice) if form_class else None
    if key == "notice":
        _refers_to_choices(form, notice)
    if form is None or request.method != "POST":
        return render_section(notice, key, form=form)
    seen = request.form.get(FINGERPRINT_FIELD) or None
    if not form.validate_on_submit():
        if autosave:
            return {"saved": False, "errors": form.errors}, 422
        return render_section(notice, key, form=form, seen=seen), 422
    data = {name: form[name].data for name in _section_fields(form)}
    try:
        stored = operations.save_section_seen(
            notice, data, seen=seen, fingerprint_of=partial(answers_fingerprint, form_class)
        )
    except operations.SectionChanged as changed:
        # Nothing written: the page keeps the person's answers and says what happened. The
        # form now carries what is stored, so that pressing Save again replaces it.
        db.session.rollback()
        if autosave:
            return {"saved": False, "conflict": True, "message": str(CHANGED_ELSEWHERE)}, 409
        return render_section(notice, key, form=form, seen=changed.current, conflict=True), 409
    except operations.NotADraft:
        db.session.rollback()  # submitted by another request while this one waited
        return _not_a_draft(notice, key, form_class, autosave)
    db.session.commit()
    saved_at = format_datetime(calendar.utcnow(), "HH:mm")
    if autosave:
        return {"saved": True, "saved_at": saved_at, "fingerprint": stored}
    flash(_("Saved at %(time)s.", time=saved_at), "success")
    return redirect(_after_saving(notice, key, "save_next" in request.form))


CHANGED_ELSEWHERE = _l(
    "Not saved: this section was changed in another window or by a colleague after you "
    "opened this page. Your answers are still on this page; press “Save draft” to choose "
    "which answers to keep."
)


def _submitted_as(notice) -> str:
    return _(
        "This notice was submitted as %(number)s on %(time)s and can no longer be changed.",
        number=notice.receipt_number,
        time=jst(notice.submitted_at),
    )


def _not_a_draft(notice, key, form_class, autosave: bool):
    """A section of a notice that is no longer a draft (submitted in another tab, or an old
    bookmark): said, never a silent redirect; the answers sent are shown to copy."""
    if request.method != "POST":
        flash(_submitted_as(notice), "info")
        return redirect(url_for("filing.show", notice_id=notice.id))
    if autosave:
        message = " ".join(
            (
                _submitted_as(notice),
                _("Your unsaved text is still on this page: copy it if you need it."),
            )
        )
        return {"saved": False, "submitted": True, "message": message}, 409
    sent = []
    if form_class is not None:
        form = form_class(meta={"csrf": False})
        if key == "notice":
            _refers_to_choices(form, notice)
        sent = _sent_answers(form)
    return render_template("filing/section_closed.html", notice=notice, sent=sent), 409


def _sent_answers(form) -> list[tuple[str, str]]:
    """The answers a section form sent, as text: each field's label and value."""
    sent = []
    for f in form:
        if f.type in ("CSRFTokenField", "HiddenField") or f.name not in request.form:
            continue
        if f.type == "BooleanField":
            text = _("Ticked") if f.data else ""
        elif f.type in ("RadioField", "SelectField", "MultiCheckboxField", "CountriesField"):
            chosen = [str(option.label.text) for option in f if option.checked]
            text = listed(chosen or [v for v in f.raw_data if v])
        else:
            text = "\n".join(f.raw_data)
        if text.strip():
            sent.append((str(f.label.text), text))
    return sent


def render_section(notice, key, form=None, *, seen=None, conflict=False, **group_forms):
    """The section page. Its form carries the fingerprint of the section's answers: ``seen``
    (the one the person's page was opened with, or what is stored after a conflict), else
    the answers stored now."""
    context = overview_context(notice)
    group_forms.setdefault("client_form", forms.ClientForm(prefix="client"))
    group_forms["client_form"].exchange.choices = options(
        [("", _("Choose…")), *exchange_choices(current_app.config.get("EXCHANGE_REGISTER_PATH"))]
    )
    group_forms.setdefault("subcontractor_form", forms.SubcontractorForm(prefix="sub"))
    group_forms.setdefault("certification_form", forms.CertificationForm(prefix="cert"))
    group_forms.setdefault("attachment_form", forms.AttachmentForm(prefix="file"))
    if form is not None and seen is None:
        seen = answers_fingerprint(type(form), notice)
    return render_template(
        f"filing/section_{key}.html",
        key=key,
        form=form,
        fingerprint_field=FINGERPRINT_FIELD,
        section_fingerprint=seen,
        conflict=conflict,
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
