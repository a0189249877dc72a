"""Staff pages: the queue, the supervisor's overview and the notice as staff see it."""

import json

from flask import abort, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import review_staff_required
from ..accounts.models import REVIEW_ROLES, Role, User
from ..acknowledgements import operations as acknowledgements
from ..domain import calendar
from ..domain.workflow import Side, Status, allowed_actions
from ..extensions import db
from ..filing import changes
from ..filing.copying import filed_again_as
from ..filing.groups import send_attachment
from ..filing.models import Notice
from ..forms import options
from ..history.operations import events_for
from ..history.versions import with_chosen_versions
from . import forms, overview_stats
from .models import Decision, InformationRequest
from .queue import QueueFilters, days_left, queue_page, review_staff, status_counts


@review_staff_required
def queue():
    named = request.args.get("handler", "")
    staff = review_staff(
        including=int(named) if named.isascii() and named.isdigit() and len(named) < 10 else None
    )
    filters = QueueFilters.from_args(request.args, staff_ids={u.id for u in staff})
    rows, next_cursor = queue_page(
        filters, current_user, today=calendar.jst_today(), size=current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "review/queue.html",
        rows=rows,
        filters=filters,
        staff=staff,
        next_cursor=next_cursor,
        counts=status_counts(),
    )


@review_staff_required
def overview():
    if current_user.role != Role.SUPERVISOR:
        abort(403)
    return render_template("review/overview.html", **overview_stats.collect(calendar.jst_today()))


def staff_notice(notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.status == Status.DRAFT:
        abort(404)
    return notice


def assignee_choices():
    staff = db.session.scalars(
        select(User)
        .where(User.role.in_(list(REVIEW_ROLES)), User.active.is_(True))
        .order_by(User.name)
    ).all()
    return options((u.id, u.name) for u in staff)


def default_reply_by():
    """The reply-by date a new request offers: the usual period, or the earliest permitted
    date if that is later."""
    today = calendar.jst_today()
    usual = calendar.add_business_days(today, current_app.config["INFORMATION_REPLY_BUSINESS_DAYS"])
    return max(usual, forms.InformationRequestForm.earliest_reply_by(today))


def notice_page(notice: Notice, **forms_given):
    version = notice.latest_version
    actions = allowed_actions(Status(notice.status), Side.STAFF)
    defaults = {
        "take_form": forms.TakeForm(version=notice.version),
        "assign_form": forms.AssignForm(version=notice.version),
        "request_form": forms.InformationRequestForm(
            version=notice.version, reply_by=default_reply_by()
        ),
        "propose_form": forms.ProposeForm(version=notice.version),
        "confirm_form": forms.ConfirmForm(version=notice.version),
        "send_back_form": forms.SendBackForm(version=notice.version),
        "note_form": forms.NoteForm(),
    }
    for name, form in forms_given.items():
        defaults[name] = form
    defaults["assign_form"].assignee.choices = assignee_choices()
    requests = db.session.scalars(
        select(InformationRequest)
        .where(InformationRequest.notice_id == notice.id)
        .order_by(InformationRequest.id)
    ).all()
    decisions = db.session.scalars(
        select(Decision).where(Decision.notice_id == notice.id).order_by(Decision.id)
    ).all()
    snapshot = json.loads(version.snapshot)
    today = calendar.jst_today()
    waiting = next((r for r in reversed(requests) if r.response is None), None)
    reply_overdue = (
        waiting.reply_by
        if waiting is not None
        and notice.status == Status.INFORMATION_REQUESTED
        and waiting.reply_by < today
        else None
    )
    return render_template(
        "review/notice.html",
        notice=notice,
        snapshot=snapshot,
        version=version,
        events=events_for(notice, include_internal=True),
        actions=actions,
        requests=requests,
        decisions=decisions,
        days_left=days_left(notice, today),
        reply_overdue=reply_overdue,
        acknowledgements=acknowledgements.for_notice(notice),
        comparisons=with_chosen_versions(
            notice, changes.comparisons(notice, snapshot), request.args
        ),
        # The filed version's attachments (section 6) link to the notice's files.
        attachment_links={
            a.sha256: url_for("review.download_attachment", notice_id=notice.id, attachment_id=a.id)
            for a in notice.attachments
        },
        filed_again_as=filed_again_as(notice, drafts=False),
        **defaults,
    )


@review_staff_required
def notice(notice_id):
    return notice_page(staff_notice(notice_id))


@review_staff_required
def download_attachment(notice_id, attachment_id):
    return send_attachment(staff_notice(notice_id), attachment_id)
