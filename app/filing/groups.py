"""Repeating groups (clients, subcontractors, certifications, attachments): add and
remove with plain form posts, so they work without JavaScript."""

import io

from flask import abort, current_app, flash, redirect, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import provider_required
from ..extensions import db
from ..files import storage
from ..forms import options
from . import forms, operations
from .access import own_notice
from .views import render_section, rules

GROUP_SECTION = {"clients": "clients", "subcontractors": "security", "certifications": "security"}


def _back(notice, key, anchor=None):
    url = url_for("filing.section", notice_id=notice.id, key=key)
    return redirect(f"{url}#{anchor or key}")


def _refused(notice, key, message, **group_forms):
    flash(message, "error")
    return render_section(notice, key, form=_section_form(notice, key), **group_forms), 422


def _section_form(notice, key):
    form_class = forms.SECTION_FORMS.get(key)
    return form_class(obj=notice, formdata=None) if form_class else None


@provider_required
def add_client(notice_id):
    notice = own_notice(notice_id)
    form = forms.ClientForm(prefix="client")
    form.exchange.choices = options([("", ""), *_exchange_choices()])
    if not form.validate_on_submit():
        return render_section(notice, "clients", client_form=form), 422
    try:
        operations.add_client(
            notice,
            registration_number=form.exchange.data or "",
            name=form.name.data or "",
            name_en=form.name_en.data or "",
            rules=rules(),
        )
    except operations.AttachmentRefused as refused:
        form.exchange.errors = [*form.exchange.errors, refused.message]
        return render_section(notice, "clients", client_form=form), 422
    db.session.commit()
    flash(_("The client is added."), "success")
    return _back(notice, "clients")


def _exchange_choices():
    from ..reference import exchange_choices

    return exchange_choices(current_app.config.get("EXCHANGE_REGISTER_PATH"))


@provider_required
def add_subcontractor(notice_id):
    notice = own_notice(notice_id)
    form = forms.SubcontractorForm(prefix="sub")
    if not form.validate_on_submit():
        return render_section(
            notice, "security", form=_section_form(notice, "security"), subcontractor_form=form
        ), 422
    operations.add_subcontractor(
        notice,
        {"name": form.name.data, "country": form.country.data, "function": form.function.data},
    )
    db.session.commit()
    flash(_("The subcontractor is added."), "success")
    return _back(notice, "security", "subcontractors")


@provider_required
def add_certification(notice_id):
    notice = own_notice(notice_id)
    form = forms.CertificationForm(prefix="cert")
    if not form.validate_on_submit():
        return render_section(
            notice, "security", form=_section_form(notice, "security"), certification_form=form
        ), 422
    operations.add_certification(
        notice,
        {
            name: form[name].data
            for name in ("kind", "reference", "issuer", "valid_from", "valid_until")
        },
    )
    db.session.commit()
    flash(_("The certification is added."), "success")
    return _back(notice, "security", "certifications")


@provider_required
def remove_item(notice_id, group, item_id):
    notice = own_notice(notice_id)
    if group not in GROUP_SECTION:
        abort(404)
    if not operations.remove_group_item(notice, group, item_id):
        abort(404)
    db.session.commit()
    flash(_("The entry is removed."), "success")
    return _back(notice, GROUP_SECTION[group], group)


@provider_required
def upload_attachment(notice_id):
    notice = own_notice(notice_id)
    form = forms.AttachmentForm(prefix="file")
    if not form.validate_on_submit():
        return render_section(notice, "attachments", attachment_form=form), 422
    upload = form.file.data
    limit = rules().max_attachment_bytes
    data = upload.stream.read(limit + 1)
    try:
        operations.add_attachment(
            notice,
            current_user,
            category=form.category.data,
            filename=upload.filename,
            data=data,
            storage=storage(),
            rules=rules(),
        )
    except operations.AttachmentRefused as refused:
        db.session.rollback()
        form.file.errors = [*form.file.errors, refused.message]
        return render_section(notice, "attachments", attachment_form=form), 422
    db.session.commit()
    flash(_("The document is attached."), "success")
    return _back(notice, "attachments")


@provider_required
def remove_attachment(notice_id, attachment_id):
    notice = own_notice(notice_id)
    key = operations.remove_attachment(notice, attachment_id)
    if key is None:
        abort(404)
    db.session.commit()
    storage().delete(key)
    flash(_("The document is removed."), "success")
    return _back(notice, "attachments")


@provider_required
def download_attachment(notice_id, attachment_id):
    notice = own_notice(notice_id)
    return send_attachment(notice, attachment_id)


def pdf_file_name(name: str) -> str:
    """The name a download is saved under: every stored document is a PDF (checked when it
    was attached), so it ends in .pdf, whatever the uploaded file was called ("doc.docx")."""
    return name if name.lower().endswith(".pdf") else f"{name}.pdf"


def send_attachment(notice, attachment_id):
    """Serve the stored bytes as a download, for the owner organisation and staff only."""
    attachment = next((a for a in notice.attachments if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    response = send_file(
        io.BytesIO(storage().get(attachment.storage_key)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=pdf_file_name(attachment.display_name),
        etag=attachment.sha256,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
