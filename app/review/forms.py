from flask import current_app
from flask_babel import format_date, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from .. import labels
from ..domain import calendar
from ..forms import DateField, limit, options
from .models import InformationRequest

REQUIRED = _l("This field is required.")


class ActionForm(FlaskForm):
    """Every action carries the version of the notice it was rendered from."""

    version = HiddenField(validators=[InputRequired()])


class TakeForm(ActionForm):
    pass


class AssignForm(ActionForm):
    assignee = SelectField(_l("Assign to"), coerce=int, validators=[DataRequired(REQUIRED)])


class InformationRequestForm(ActionForm):
    comment = TextAreaField(
        _l("Information needed"),
        validators=[DataRequired(REQUIRED), limit(InformationRequest.TEXT_MAX)],
    )
    reply_by = DateField(_l("Reply by"), validators=[DataRequired(REQUIRED)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser's date picker starts at the earliest day the operation accepts, and
        # the hint says which day that is before anything is sent.
        earliest = self.earliest_reply_by()
        self.reply_by.render_kw = {"min": earliest.isoformat()}
        self.reply_by.description = ngettext(
            "A business day at least %(num)d business day from today. "
            "The earliest permitted date is %(date)s.",
            "A business day at least %(num)d business days from today. "
            "The earliest permitted date is %(date)s.",
            self.min_business_days(),
            date=format_date(earliest, "long"),
        )

    @staticmethod
    def min_business_days() -> int:
        return max(1, current_app.config["INFORMATION_REPLY_MIN_BUSINESS_DAYS"])

    @classmethod
    def earliest_reply_by(cls, today=None):
        return InformationRequest.earliest_reply_by(
            today or calendar.jst_today(), cls.min_business_days()
        )

    def validate_reply_by(self, field):
        """The operation's own rule, checked here so that a refused date is a message beside
        the field (the request text kept) rather than a refusal page."""
        if field.data is None:
            return
        problem = InformationRequest.reply_by_problem(
            field.data, calendar.jst_today(), self.min_business_days()
        )
        if problem is not None:
            raise ValidationError(problem)


class ProposeForm(ActionForm):
    outcome = RadioField(
        _l("Proposed decision"),
        choices=options([("accept", _l("Accept")), ("return", _l("Return"))]),
        validators=[DataRequired(REQUIRED)],
    )
    reasons = TextAreaField(
        _l("Reasons"), validators=[DataRequired(REQUIRED), limit(InformationRequest.TEXT_MAX)]
    )


class ConfirmForm(ActionForm):
    pass


class SendBackForm(ActionForm):
    comment = TextAreaField(
        _l("Why is the proposal sent back?"),
        validators=[DataRequired(REQUIRED), limit(InformationRequest.TEXT_MAX)],
    )


class NoteForm(FlaskForm):
    body = TextAreaField(
        _l("Internal note (staff only)"),
        validators=[DataRequired(REQUIRED), limit(InformationRequest.TEXT_MAX)],
    )


class ResponseForm(ActionForm):
    message = TextAreaField(
        _l("Your response"),
        validators=[DataRequired(REQUIRED), limit(InformationRequest.TEXT_MAX)],
    )
    category = SelectField(
        _l("Kind of document"), choices=labels.choices(labels.ATTACHMENT_CATEGORY), default="other"
    )
    files = MultipleFileField(_l("PDF documents (optional)"))
