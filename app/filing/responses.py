"""The provider's answer to an information request."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import provider_required
from ..domain import calendar
from ..domain.workflow import TransitionRefused
from ..extensions import db
from ..files import storage
from ..labels import refusal
from ..review import operations as review_ops
from ..review.forms import ResponseForm
from .access import own_notice
from .operations import AttachmentRefused
from .transitions import StaleNotice
from .views import rules


@provider_required
def respond(notice_id):
    notice = own_notice(notice_id)
    form = ResponseForm()
    if not form.validate_on_submit():
        from .submission import show_page

        return show_page(notice, response_form=form), 422
    limit = rules().max_attachment_bytes
    files = [
        (form.category.data, upload.filename, upload.stream.read(limit + 1))
        for upload in (form.files.data or [])
        if upload and upload.filename
    ]
    try:
        review_ops.respond_to_request(
            notice,
            current_user,
            message=form.message.data,
            files=files,
            now=calendar.utcnow(),
            expected_version=int(form.version.data),
            storage=storage(),
            rules=rules(),
        )
    except AttachmentRefused as refused:
        db.session.rollback()
        from .submission import show_page

        # Several files may come at once: say which one was refused.
        form.files.errors = [*form.files.errors, refused.naming_the_file()]
        return show_page(own_notice(notice_id), response_form=form), 422
    except TransitionRefused as refused:
        db.session.rollback()
        return render_template(
            "core/refused.html", notice=own_notice(notice_id), reason=refusal(refused)
        ), 409
    except StaleNotice as stale:
        return render_template("core/refused.html", notice=own_notice(notice_id), stale=stale), 409
    db.session.commit()
    flash(_("Your response is sent. The review continues."), "success")
    return redirect(url_for("filing.show", notice_id=notice.id), code=303)
