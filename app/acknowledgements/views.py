"""Downloads of issued acknowledgements, and the public verification page."""

import hashlib
import io

from flask import abort, render_template, request, send_file
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import undefer

from ..accounts.access import provider_required, review_staff_required
from ..domain.workflow import Status
from ..extensions import db, limiter
from ..filing.access import own_notice
from ..filing.models import Notice
from .codes import normalise_code, normalise_receipt_number
from .forms import UploadForm, VerifyForm
from .models import Acknowledgement
from .operations import find, find_by_hash

VERIFY_LIMIT = "20 per minute"


def _stored(acknowledgement_id: int, notice_id: int, *conditions):
    """The acknowledgement with its bytes, in one statement, if it belongs to the notice
    and the notice meets ``conditions``."""
    return db.session.scalar(
        select(Acknowledgement)
        .join(Acknowledgement.notice)
        .where(
            Acknowledgement.id == acknowledgement_id,
            Acknowledgement.notice_id == notice_id,
            *conditions,
        )
        .options(undefer(Acknowledgement.pdf))
        # The bytes come with this statement even if the row is already in the session.
        .execution_options(populate_existing=True)
    )


def send_acknowledgement(acknowledgement: Acknowledgement):
    """The stored bytes, every time, with their SHA-256 as the ETag."""
    response = send_file(
        io.BytesIO(acknowledgement.pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{acknowledgement.receipt_number}-{acknowledgement.kind}-"
        f"{acknowledgement.id}.pdf",
        etag=acknowledgement.sha256,
        conditional=True,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@provider_required
def provider_download(notice_id, acknowledgement_id):
    acknowledgement = _stored(
        acknowledgement_id, notice_id, Notice.organisation_id == current_user.organisation_id
    )
    if acknowledgement is None:
        own_notice(notice_id)  # 404; logs a reach for another organisation's notice
        abort(404)
    return send_acknowledgement(acknowledgement)


@review_staff_required
def staff_download(notice_id, acknowledgement_id):
    acknowledgement = _stored(acknowledgement_id, notice_id, Notice.status != Status.DRAFT)
    if acknowledgement is None:
        abort(404)
    return send_acknowledgement(acknowledgement)


@limiter.limit(VERIFY_LIMIT)
def verify():
    form = VerifyForm(request.args, meta={"csrf": False})
    result = None
    # Sent, even with both fields empty, is a check to answer: with the fields' messages.
    sent = "number" in request.args or "code" in request.args
    searched = sent and form.validate()
    if searched:
        result = find(normalise_receipt_number(form.number.data), normalise_code(form.code.data))
    return render_template(
        "acknowledgements/verify.html",
        form=form,
        upload_form=UploadForm(),
        result=result,
        searched=searched,
        by_upload=False,
    )


@limiter.limit(VERIFY_LIMIT)
def verify_upload():
    upload_form = UploadForm()
    result = None
    checked = False
    if upload_form.validate_on_submit():
        data = upload_form.file.data.stream.read(21 * 1024 * 1024)
        result = find_by_hash(hashlib.sha256(data).hexdigest())
        checked = True
    return render_template(
        "acknowledgements/verify.html",
        form=VerifyForm(meta={"csrf": False}),
        upload_form=upload_form,
        result=result,
        searched=checked,
        by_upload=True,
    ), (200 if checked or request.method == "GET" else 422)
