from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import DataRequired

from ..forms import limit

REQUIRED = _l("This field is required.")


class VerifyForm(FlaskForm):
    number = StringField(
        _l("Receipt number"),
        validators=[DataRequired(REQUIRED), limit(20)],
        description=_l("For example AN-2026-000123."),
    )
    code = StringField(
        _l("Verification code"),
        validators=[DataRequired(REQUIRED), limit(40)],
        description=_l("Printed on the document, for example ACDE-FGHJ-KLMN."),
    )


class UploadForm(FlaskForm):
    file = FileField(
        _l("The PDF document"), validators=[DataRequired(message=_l("Choose a PDF file."))]
    )
