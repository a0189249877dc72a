"""The staff's actions on a notice: parse the form, call one operation, commit, redirect.
A refused action answers 409 with the reason and writes nothing."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import review_staff_required
from ..accounts.models import User
from ..domain import calendar
from ..domain.workflow import TransitionRefused
from ..extensions import db
from ..filing.transitions import StaleNotice
from ..labels import refusal
from . import forms
from . import operations as ops
from .views import notice_page, staff_notice


def _take(notice, form):
    ops.take_notice(notice, current_user, expected_version=int(form.version.data))


def _assign(notice, form):
    ops.assign_notice(
        notice,
        current_user,
        db.session.get(User, form.assignee.data),
        expected_version=int(form.version.data),
    )


def _request_information(notice, form):
    ops.request_information(
        notice,
        current_user,
        comment=form.comment.data,
        reply_by=form.reply_by.data,
        today=calendar.jst_today(),
        expected_version=int(form.version.data),
    )


def _propose(notice, form):
    ops.propose_decision(
        notice,
        current_user,
        outcome=form.outcome.data,
        reasons=form.reasons.data,
        expected_version=int(form.version.data),
    )


def _confirm(notice, form):
    ops.confirm_decision(
        notice, current_user, now=calendar.utcnow(), expected_version=int(form.version.data)
    )


def _send_back(notice, form):
    ops.send_back(
        notice,
        current_user,
        comment=form.comment.data,
        now=calendar.utcnow(),
        expected_version=int(form.version.data),
    )


def _note(notice, form):
    ops.add_internal_note(notice, current_user, form.body.data)


ACTIONS = {
    "take": (forms.TakeForm, _take, "take_form"),
    "assign": (forms.AssignForm, _assign, "assign_form"),
    "request_information": (forms.InformationRequestForm, _request_information, "request_form"),
    "propose_decision": (forms.ProposeForm, _propose, "propose_form"),
    "confirm_decision": (forms.ConfirmForm, _confirm, "confirm_form"),
    "send_back": (forms.SendBackForm, _send_back, "send_back_form"),
    "note": (forms.NoteForm, _note, "note_form"),
}

DONE = {
    "take": lambda: _("You now handle this notice."),
    "assign": lambda: _("The notice is assigned."),
    "request_information": lambda: _("The information request is sent to the provider."),
    "propose_decision": lambda: _("The decision is proposed for confirmation."),
    "confirm_decision": lambda: _("The decision is confirmed."),
    "send_back": lambda: _("The proposal is sent back for review."),
    "note": lambda: _("The internal note is saved."),
}


def view_for(name):
    form_class, operation, form_name = ACTIONS[name]

    @review_staff_required
    def view(notice_id):
        notice = staff_notice(notice_id)
        form = form_class()
        if name == "assign":
            from .views import assignee_choices

            form.assignee.choices = assignee_choices()
        if not form.validate_on_submit():
            return notice_page(notice, **{form_name: form}), 422
        try:
            operation(notice, form)
        except TransitionRefused as refused:
            db.session.rollback()
            return render_template(
                "core/refused.html", notice=staff_notice(notice_id), reason=refusal(refused)
            ), 409
        except StaleNotice as stale:
            return render_template(
                "core/refused.html", notice=staff_notice(notice_id), stale=stale
            ), 409
        db.session.commit()
        flash(DONE[name](), "success")
        return redirect(url_for("review.notice", notice_id=notice.id), code=303)

    view.__name__ = name
    return view
