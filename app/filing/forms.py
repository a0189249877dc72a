"""One form per section of the notice. Drafts check format and length only;
what must be filled in is checked at submission (see completeness.py)."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional, ValidationError

from .. import labels
from ..domain.calendar import jst_today
from ..domain.plausibility import (
    PENTEST_IN_FUTURE,
    THRESHOLD_EXCEEDS,
    pentest_in_future,
    planned_too_far,
    planned_too_far_message,
    threshold_exceeds,
)
from ..forms import (
    CountriesField,
    DateField,
    IntegerField,
    MultiCheckboxField,
    country_options,
    limit,
    number_range,
    options,
)
from ..validators import CountryCode
from . import models as m

REQUIRED = _l("This field is required.")
MUST_REFER = _l("A change or discontinuation must refer to one of your accepted notices.")


def _text(label, maximum, description=None, area=False):
    cls = TextAreaField if area else StringField
    return cls(label, validators=[Optional(), limit(maximum)], description=description)


def _int(label, minimum, maximum, description=None):
    return IntegerField(
        label, validators=[Optional(), number_range(minimum, maximum)], description=description
    )


class NoticeForm(FlaskForm):
    notice_type = RadioField(
        _l("Type of notice"),
        choices=labels.choices(labels.NOTICE_TYPE),
        validators=[Optional()],
    )
    refers_to_id = SelectField(
        _l("Earlier notice this one refers to"),
        coerce=lambda v: int(v) if v not in (None, "", "None") else None,
        validators=[Optional()],
        description=_l("For a material change or a discontinuation: one of your accepted notices."),
    )
    planned_date = DateField(_l("Planned service start (or end) date"), validators=[Optional()])

    def validate_planned_date(self, field):
        if planned_too_far(field.data, jst_today()):
            raise ValidationError(planned_too_far_message())


class SystemForm(FlaskForm):
    system_name = _text(_l("System name"), m.SHORT)
    system_version = _text(_l("Version"), m.VERSION)
    categories = MultiCheckboxField(
        _l("Categories"), choices=labels.choices(labels.CATEGORY), validators=[Optional()]
    )
    category_other = _text(_l("Other category (describe)"), m.SHORT)
    delivery_model = RadioField(
        _l("Delivery model"),
        choices=labels.choices(labels.DELIVERY_MODEL),
        validators=[Optional()],
    )
    hosting_provider = _text(
        _l("Hosting provider"), m.SHORT, _l("For example the cloud provider and region.")
    )
    data_countries = CountriesField(_l("Countries where data resides"), validators=[Optional()])
    key_countries = CountriesField(_l("Countries where keys reside"), validators=[Optional()])
    supported_assets = _text(
        _l("Supported crypto-assets"), m.MEDIUM_TEXT, _l("For example BTC, ETH, XRP."), area=True
    )
    description = _text(_l("Description of the system"), m.LONG_TEXT, area=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = country_options()
        self.data_countries.choices = choices
        self.key_countries.choices = choices


class SecurityForm(FlaskForm):
    hot_wallet_percent = _int(
        _l("Share of assets in hot storage (per cent)"), 0, 100, _l("The rest is in cold storage.")
    )
    signing_scheme = RadioField(
        _l("Signing scheme"), choices=labels.choices(labels.SIGNING_SCHEME), validators=[Optional()]
    )
    signing_threshold_m = _int(_l("Signatures required (m)"), 1, 100)
    signing_threshold_n = _int(_l("Key holders (n)"), 1, 100)
    hsm_certification = _text(
        _l("HSM certification level"), m.SHORT, _l("For example FIPS 140-3 Level 3.")
    )
    access_controls = _text(_l("Privileged access and approval controls"), m.LONG_TEXT, area=True)
    fisc_compliance = RadioField(
        _l("Compliance with the FISC security guidelines"),
        choices=labels.choices(labels.FISC),
        validators=[Optional()],
    )
    pentest_date = DateField(_l("Last external penetration test (date)"), validators=[Optional()])
    pentest_tester = _text(_l("Penetration tester"), m.SHORT)
    incident_contact = _text(_l("24/7 incident contact"), m.SHORT)
    incident_client_hours = _int(_l("Hours within which clients are told of an incident"), 0, 720)
    incident_fsa_hours = _int(_l("Hours within which the FSA is told of an incident"), 0, 720)
    personnel_security = _text(
        _l("Personnel security (background checks, insider controls)"), m.LONG_TEXT, area=True
    )
    rto_minutes = _int(_l("Recovery time objective (minutes)"), 0, 100000)
    rpo_minutes = _int(_l("Recovery point objective (minutes)"), 0, 100000)

    def validate_signing_threshold_m(self, field):
        if threshold_exceeds(field.data, self.signing_threshold_n.data):
            raise ValidationError(THRESHOLD_EXCEEDS)

    def validate_pentest_date(self, field):
        if pentest_in_future(field.data, jst_today()):
            raise ValidationError(PENTEST_IN_FUTURE)


class DeclarationForm(FlaskForm):
    declarant_name = _text(_l("Name of the attesting officer"), m.NAME)
    declarant_title = _text(_l("Title of the attesting officer"), m.NAME)
    declaration_confirmed = BooleanField(
        _l("I attest that this notice is true and complete."), validators=[Optional()]
    )


class ClientForm(FlaskForm):
    exchange = SelectField(
        _l("Registered exchange"),
        validators=[Optional()],
        description=_l("Choose from the register, or name an exchange that is not yet registered."),
    )
    name = StringField(
        _l("Name of an exchange not in the register"),
        validators=[Optional(), limit(m.SHORT)],
    )
    name_en = StringField(_l("English name (optional)"), validators=[Optional(), limit(m.SHORT)])

    def validate(self, extra_validators=None):
        """One client is either an exchange of the register or one named here: given both,
        the name would be dropped without a word, so the pair is refused."""
        if not super().validate(extra_validators):
            return False
        if self.exchange.data and (self.name.data or self.name_en.data):
            self.name.errors.append(
                _l("Choose an exchange from the register or name one that is not in it, not both.")
            )
            return False
        return True


class SubcontractorForm(FlaskForm):
    name = StringField(
        _l("Subcontractor name"), validators=[DataRequired(message=REQUIRED), limit(m.SHORT)]
    )
    country = SelectField(
        _l("Country"), default="JP", validators=[DataRequired(message=REQUIRED), CountryCode()]
    )
    function = StringField(
        _l("Function"),
        validators=[DataRequired(message=REQUIRED), limit(m.SHORT)],
        description=_l("For example outsourced development or operation."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_options()


class CertificationForm(FlaskForm):
    kind = SelectField(
        _l("Certification"),
        choices=labels.choices(labels.CERTIFICATION_KIND),
        validators=[DataRequired(message=REQUIRED)],
    )
    reference = StringField(
        _l("Certificate or report number"),
        validators=[DataRequired(message=REQUIRED), limit(m.NAME)],
    )
    issuer = StringField(_l("Issued by"), validators=[Optional(), limit(m.SHORT)])
    valid_from = DateField(_l("Valid from (or period start)"), validators=[Optional()])
    valid_until = DateField(_l("Valid until (or period end)"), validators=[Optional()])

    def validate_valid_until(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("The end must not be before the start."))


class AttachmentForm(FlaskForm):
    category = SelectField(
        _l("Kind of document"),
        choices=labels.choices(labels.ATTACHMENT_CATEGORY),
        validators=[DataRequired(message=REQUIRED)],
    )
    file = FileField(
        _l("PDF file"),
        validators=[DataRequired(message=_l("Choose a PDF file."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mb = current_app.config["MAX_ATTACHMENT_BYTES"] // (1024 * 1024)
        total = current_app.config["MAX_NOTICE_ATTACHMENT_BYTES"] // (1024 * 1024)
        self.file.description = _l(
            "PDF only, up to %(mb)d MB a file and %(total)d MB a notice.", mb=mb, total=total
        )


class SubmitForm(FlaskForm):
    """Nothing to fill in: the CSRF token, the draft's version, and what the check page
    showed (snapshot.read_back_fingerprint), so that only what was read is filed."""

    version = HiddenField()
    read_back = HiddenField(validators=[Optional(), limit(64)])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for withdrawal"),
        validators=[DataRequired(message=REQUIRED), limit(m.LONG_TEXT)],
    )


def _notice_id(value):
    """A notice id from the form, or None: anything else is simply no reference."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class NewNoticeForm(FlaskForm):
    """The type of a new notice and, for a change or a discontinuation, the earlier notice.

    ``accepted`` is the organisation's own accepted notices as (id, label) pairs: the only
    notices a change may refer to. Any other id (another organisation's, one not accepted,
    one that does not exist) is refused with the same message."""

    notice_type = RadioField(
        _l("Type of notice"),
        choices=labels.choices(labels.NOTICE_TYPE),
        default=m.NoticeType.NEW.value,
        validators=[DataRequired(message=REQUIRED)],
    )
    refers_to_id = SelectField(
        _l("Earlier notice this one refers to"),
        coerce=_notice_id,
        validate_choice=False,
        description=_l(
            "For a material change or a discontinuation: one of your accepted notices. The "
            "new draft starts with its answers and documents."
        ),
    )

    def __init__(self, *args, accepted=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.accepted_ids = frozenset(notice_id for notice_id, _label in accepted)
        self.refers_to_id.choices = options([("", _l("None")), *accepted])

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if self.notice_type.data == m.NoticeType.NEW:
            return True
        if self.refers_to_id.data not in self.accepted_ids:
            # Without accepted notices there is no list to choose from: the type is wrong.
            field = self.refers_to_id if self.accepted_ids else self.notice_type
            field.errors.append(MUST_REFER)
            return False
        return True


SECTION_FORMS = {
    "notice": NoticeForm,
    "system": SystemForm,
    "security": SecurityForm,
    "declaration": DeclarationForm,
}
