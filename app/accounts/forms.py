from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import AnyOf, DataRequired, Email, EqualTo, InputRequired, ValidationError

from ..forms import country_options, limit, options
from ..validators import LEI, CorporateNumber, CountryCode, Phone, PostalCodeJP, RequiredIf
from .models import Organisation, OrganisationKind, Role, User
from .operations import country_problem

REQUIRED = _l("This field is required.")


def _email(label, autocomplete="email"):
    return EmailField(
        label,
        validators=[
            DataRequired(message=REQUIRED),
            limit(User.EMAIL_MAX),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
        ],
        render_kw={"autocomplete": autocomplete},
    )


def _password(label):
    return PasswordField(
        label,
        validators=[
            DataRequired(message=REQUIRED),
            limit(User.PASSWORD_MAX, User.PASSWORD_MIN),
        ],
        description=_l("At least %(min)d characters.", min=User.PASSWORD_MIN),
        render_kw={"autocomplete": "new-password"},
    )


def _existing_password(label):
    """A password already set: checked against its hash, so only its length is limited."""
    return PasswordField(
        label,
        validators=[DataRequired(message=REQUIRED), limit(User.PASSWORD_INPUT_MAX)],
        render_kw={"autocomplete": "current-password"},
    )


def _password_again(label=None, field="password"):
    return PasswordField(
        label or _l("Password again"),
        validators=[
            DataRequired(message=REQUIRED),
            limit(User.PASSWORD_INPUT_MAX),
            EqualTo(field, message=_l("The passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(message=REQUIRED), limit(User.EMAIL_MAX)],
        render_kw={"autocomplete": "username"},
    )
    password = _existing_password(_l("Password"))


class ChangePasswordForm(FlaskForm):
    current_password = _existing_password(_l("Current password"))
    new_password = _password(_l("New password"))
    new_password_confirm = _password_again(_l("New password again"), "new_password")


class ForgotPasswordForm(FlaskForm):
    email = _email(_l("E-mail address"), autocomplete="username")


class ResetPasswordForm(FlaskForm):
    """A new password through a mailed link: no current password to give."""

    new_password = _password(_l("New password"))
    new_password_confirm = _password_again(_l("New password again"), "new_password")


class CodeForm(FlaskForm):
    """The second step: a code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"),
        description=_l(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
        validators=[DataRequired(message=REQUIRED), limit(40)],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false"},
    )


class RequireTwoFactorForm(FlaskForm):
    require = BooleanField(_l("Every user of this organisation must sign in in two steps"))


class OrganisationForm(FlaskForm):
    """Every field of DOMAIN.md section 1."""

    kind = RadioField(
        _l("Type of company"),
        choices=options(
            [
                (OrganisationKind.DOMESTIC.value, _l("Japanese company (corporate number)")),
                (OrganisationKind.FOREIGN.value, _l("Foreign company (LEI)")),
            ]
        ),
        default=OrganisationKind.DOMESTIC.value,
        validators=[InputRequired(message=REQUIRED)],
    )
    name_ja = StringField(
        _l("Legal name (Japanese)"),
        validators=[DataRequired(message=REQUIRED), limit(Organisation.NAME_MAX)],
    )
    name_en = StringField(
        _l("Legal name (English)"),
        validators=[DataRequired(message=REQUIRED), limit(Organisation.NAME_MAX)],
    )
    corporate_number = StringField(
        _l("Corporate number"),
        description=_l("13 digits, as published by the National Tax Agency."),
        validators=[
            RequiredIf("kind", OrganisationKind.DOMESTIC.value, message=REQUIRED),
            limit(20),
            CorporateNumber(),
        ],
    )
    country = SelectField(
        _l("Country of incorporation"),
        default="JP",
        validators=[DataRequired(message=REQUIRED), CountryCode()],
    )
    lei = StringField(
        _l("LEI (Legal Entity Identifier)"),
        description=_l("20 characters (ISO 17442)."),
        validators=[
            RequiredIf("kind", OrganisationKind.FOREIGN.value, message=REQUIRED),
            limit(24),
            LEI(),
        ],
    )
    postal_code = StringField(
        _l("Postal code"),
        description=_l("For example 100-8967."),
        validators=[DataRequired(message=REQUIRED), limit(10)],
    )
    address = StringField(
        _l("Head-office address"),
        validators=[DataRequired(message=REQUIRED), limit(Organisation.ADDRESS_MAX)],
    )
    representative_name = StringField(
        _l("Representative's name"),
        validators=[DataRequired(message=REQUIRED), limit(Organisation.PERSON_MAX)],
    )
    representative_title = StringField(
        _l("Representative's title"),
        validators=[DataRequired(message=REQUIRED), limit(Organisation.PERSON_MAX)],
    )
    contact_name = StringField(
        _l("Contact person"),
        validators=[DataRequired(message=REQUIRED), limit(Organisation.PERSON_MAX)],
    )
    contact_department = StringField(
        _l("Contact department"),
        validators=[DataRequired(message=REQUIRED), limit(Organisation.PERSON_MAX)],
    )
    contact_email = EmailField(
        _l("Contact e-mail address"),
        validators=[
            DataRequired(message=REQUIRED),
            limit(Organisation.EMAIL_MAX),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
        ],
    )
    contact_phone = StringField(
        _l("Contact telephone"),
        validators=[DataRequired(message=REQUIRED), limit(Organisation.PHONE_MAX), Phone()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_options()

    def validate_country(self, field):
        problem = country_problem(self.kind.data, field.data)
        if problem is not None:
            raise ValidationError(problem)

    def validate_postal_code(self, field):
        # A Japanese postal code for a Japanese company; a foreign head office has its own.
        if self.kind.data == OrganisationKind.DOMESTIC.value:
            PostalCodeJP()(self, field)


class RegistrationForm(OrganisationForm):
    user_name = StringField(
        _l("Your name"),
        validators=[DataRequired(message=REQUIRED), limit(User.NAME_MAX)],
        render_kw={"autocomplete": "name"},
    )
    email = _email(_l("Your e-mail address"))
    password = _password(_l("Password"))
    password_confirm = _password_again()


class InvitationForm(FlaskForm):
    # Someone else's address: the browser must not offer one's own.
    email = _email(_l("Colleague's e-mail address"), autocomplete="off")
    role = SelectField(
        _l("Role"),
        choices=options(
            [
                (Role.PROVIDER_USER.value, _l("Provider user")),
                (Role.PROVIDER_ADMIN.value, _l("Provider administrator")),
            ]
        ),
        default=Role.PROVIDER_USER.value,
    )


class ColleagueActiveForm(FlaskForm):
    """The disable or enable button of a row of the organisation's users."""

    active = HiddenField(validators=[AnyOf(["0", "1"])])


class ColleagueRoleForm(FlaskForm):
    """The "make administrator" or "make provider user" button of a row."""

    role = HiddenField(validators=[AnyOf([Role.PROVIDER_USER.value, Role.PROVIDER_ADMIN.value])])


class AcceptInvitationForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(message=REQUIRED), limit(User.NAME_MAX)],
        render_kw={"autocomplete": "name"},
    )
    password = _password(_l("Password"))
    password_confirm = _password_again()


class StaffUserForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(message=REQUIRED), limit(User.NAME_MAX)]
    )
    email = _email(_l("E-mail address"))
    role = SelectField(
        _l("Role"),
        choices=options(
            [
                (Role.REVIEWER.value, _l("Reviewer")),
                (Role.SUPERVISOR.value, _l("Supervisor")),
                (Role.ADMINISTRATOR.value, _l("Administrator")),
            ]
        ),
    )
    password = _password(_l("Initial password"))
