from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired

from .. import labels
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
