"""Downloads of issued acknowledgements, and the public verification page."""

import hashlib
import io

from flask import abort, render_template, request, send_file

from ..accounts.access import provider_required, review_staff_required
from ..extensions import db, limiter
from ..filing.access import own_notice
from ..review.views import staff_notice
from .codes import normalise_code
from .forms import UploadForm, VerifyForm
from .models import Acknowledgement
from .operations import find, find_by_hash

VERIFY_LIMIT = "20 per minute"


def send_acknowledgement(notice, acknowledgement_id):
    """The stored bytes, every time, with their SHA-256 as the ETag."""
    acknowledgement = db.session.get(Acknowledgement, acknowledgement_id)
    if acknowledgement is None or acknowledgement.notice_id != notice.id:
        abort(404)
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
    return send_acknowledgement(own_notice(notice_id), acknowledgement_id)


@review_staff_required
def staff_download(notice_id, acknowledgement_id):
    return send_acknowledgement(staff_notice(notice_id), acknowledgement_id)


@limiter.limit(VERIFY_LIMIT)
def verify():
    form = VerifyForm(request.args, meta={"csrf": False})
    result = None
    searched = bool(request.args.get("number") or request.args.get("code"))
    if searched and form.validate():
        result = find(form.number.data.strip().upper(), normalise_code(form.code.data))
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
