"""Tests for identifier normalisation, the exchange reference list and validators."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask_babel import Babel
from stdnum import lei as stdnum_lei
from stdnum.jp import cn as stdnum_cn
from wtforms import BooleanField, Form, StringField

from app import reference
from app.domain.identifiers import (
    InvalidIdentifier,
    country_choices,
    country_name,
    is_country_code,
    normalise_corporate_number,
    normalise_country_code,
    normalise_lei,
    normalise_phone,
    normalise_postal_code_jp,
)
from app.validators import LEI, CorporateNumber, CountryCode, Phone, PostalCodeJP, RequiredIf

# A valid corporate number computed from 12 arbitrary digits.
BODY = "123456789012"
VALID_CN = stdnum_cn.calc_check_digit(BODY) + BODY
WRONG_CN = str(int(VALID_CN[0]) % 9 + 1) + BODY  # another non-zero first digit
KNOWN_CN = "5835678256246"  # stdnum's documented example
KNOWN_LEI = "5493001KJTIIGC8Y1R12"

FULLWIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def fullwidth(text: str) -> str:
    return text.translate(FULLWIDTH)


# --- corporate number -------------------------------------------------------


def test_test_data_assumptions_hold():
    assert stdnum_cn.is_valid(VALID_CN)
    assert not stdnum_cn.is_valid(WRONG_CN)
    assert stdnum_cn.is_valid(KNOWN_CN)
    assert stdnum_lei.is_valid(KNOWN_LEI)


@pytest.mark.parametrize(
    "value",
    [
        KNOWN_CN,
        "5-8356-7825-6246",
        " 5835 6782 5624 6 ",
        fullwidth(KNOWN_CN),
        fullwidth("5-8356-7825-6246"),
        "５８３５　６７８２　５６２４６",  # ideographic spaces
        "5ー8356ー7825ー6246",  # katakana prolonged sound mark typed as a hyphen
    ],
)
def test_corporate_number_accepts_variants(value):
    assert normalise_corporate_number(value) == KNOWN_CN


def test_corporate_number_computed_valid():
    assert normalise_corporate_number(VALID_CN) == VALID_CN


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (WRONG_CN, "checksum"),
        ("2-8356-7825-6246", "checksum"),
        ("583567825624", "length"),
        ("58356782562460", "length"),
        ("58356782562A6", "format"),
        ("٥٨٣٥٦٧٨٢٥٦٢٤٦", "format"),  # Arabic-Indic digits are not accepted
        ("", "length"),
        (None, "type"),
    ],
)
def test_corporate_number_rejects(value, reason):
    with pytest.raises(InvalidIdentifier) as info:
        normalise_corporate_number(value)
    assert info.value.code == "corporate_number"
    assert info.value.reason == reason
    assert isinstance(info.value, ValueError)


# --- LEI --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        KNOWN_LEI,
        KNOWN_LEI.lower(),
        " 5493 001K JTII GC8Y 1R12 ",
        "５４９３００１ＫＪＴＩＩＧＣ８Ｙ１Ｒ１２",
    ],
)
def test_lei_accepts_variants(value):
    assert normalise_lei(value) == KNOWN_LEI


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("5493001KJTIIGC8Y1R13", "checksum"),
        ("5493001KJTIIGC8Y1R1", "length"),
        ("1", "length"),  # stdnum.lei alone would accept this
        ("5493001KJTIIGC8Y1RAB", "format"),
        ("5493001KJTIIGC8Y1_12", "format"),
    ],
)
def test_lei_rejects(value, reason):
    with pytest.raises(InvalidIdentifier) as info:
        normalise_lei(value)
    assert (info.value.code, info.value.reason) == ("lei", reason)


# --- postal code ------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["1000013", "100-0013", "１００－００１３", "１００００１３", "〒100-0013", " 100 0013 "],
)
def test_postal_code_forms(value):
    assert normalise_postal_code_jp(value) == "100-0013"


@pytest.mark.parametrize("value", ["100001", "10000134", "10-00013", "abc-defg", "100--0013", ""])
def test_postal_code_rejects(value):
    with pytest.raises(InvalidIdentifier) as info:
        normalise_postal_code_jp(value)
    assert info.value.code == "postal_code"


# --- phone ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["03-1234-5678", "0312345678", "０３－１２３４－５６７８", "+81 3-1234-5678", "(03) 1234 5678"],
)
def test_phone_valid_jp(value):
    assert normalise_phone(value) == "+81312345678"


def test_phone_mobile_and_foreign():
    assert normalise_phone("090-1234-5678") == "+819012345678"
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"
    assert normalise_phone("020 7946 0958", region="GB") == "+442079460958"


@pytest.mark.parametrize("value", ["12", "03-1234", "not a number", "", "+81 0000000000"])
def test_phone_invalid(value):
    with pytest.raises(InvalidIdentifier) as info:
        normalise_phone(value)
    assert info.value.code == "phone"


# --- countries --------------------------------------------------------------


def test_country_codes():
    assert is_country_code("JP")
    assert is_country_code("jp")
    assert is_country_code(" ＪＰ ")
    assert not is_country_code("XX")
    assert not is_country_code("JPN")
    assert not is_country_code("")
    assert not is_country_code(None)
    assert normalise_country_code("jp") == "JP"
    assert country_name("JP") == "Japan"
    assert country_name("tw") == "Taiwan"
    with pytest.raises(InvalidIdentifier) as info:
        country_name("XX")
    assert info.value.code == "country"


def test_country_choices():
    choices = country_choices()
    assert ("JP", "Japan") in choices
    assert len(choices) == len({code for code, _ in choices}) >= 249
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code, _ in choices)
    names = [name for _, name in choices]
    assert names[0] == "Afghanistan"
    # Accented names sort with their base letter, not after "Z".
    assert names.index("Åland Islands") < names.index("Albania")
    choices.insert(0, ("", "—"))  # callers get their own copy
    assert country_choices()[0] == ("AF", "Afghanistan")


# --- reference list of exchanges --------------------------------------------

CANONICAL_NUMBER = re.compile(
    r"(北海道|東北|関東|北陸|東海|近畿|中国|四国|九州)財務局長 第[0-9]{5}号"
    r"|福岡財務支局長 第[0-9]{5}号|沖縄総合事務局長 第[0-9]{5}号"
)
FICTITIOUS_EN = ("Sample", "Test", "Fictitious", "Example", "Demo")
FICTITIOUS_JA = ("サンプル", "テスト", "架空", "例示", "デモ")


def test_reference_source_header():
    source = reference.reference_source()
    assert source["source"].startswith("SAMPLE DATA")
    assert "https://www.fsa.go.jp/" in source["source"]
    assert source["as_of"] == "2026-11-26"


def test_reference_rows_are_canonical_and_fictitious():
    exchanges = reference.load_exchanges()
    assert 6 <= len(exchanges) <= 12
    assert len({e.registration_number for e in exchanges}) == len(exchanges)
    assert {e.bureau for e in exchanges} >= {"関東財務局長", "近畿財務局長", "福岡財務支局長"}
    for exchange in exchanges:
        number = exchange.registration_number
        assert CANONICAL_NUMBER.fullmatch(number), number
        assert reference.normalise_registration_number(number) == number
        assert number.startswith(exchange.bureau + " ")
        assert any(word in exchange.name_en for word in FICTITIOUS_EN), exchange.name_en
        assert any(word in exchange.name_ja for word in FICTITIOUS_JA), exchange.name_ja


def test_reference_lookup_and_choices():
    first = reference.load_exchanges()[0]
    assert reference.exchange_by_number(first.registration_number) == first
    assert reference.exchange_by_number("関東財務局長第９９００１号") == first
    assert reference.exchange_by_number("関東財務局長 第99999号") is None
    assert reference.exchange_by_number("garbage") is None
    value, label = reference.exchange_choices()[0]
    assert value == first.registration_number
    assert first.name_ja in label
    with pytest.raises(AttributeError):
        first.name_ja = "changed"  # frozen


@pytest.mark.parametrize(
    "value",
    [
        "関東財務局長 第00001号",
        "関東財務局長第00001号",
        "関東財務局長　第１号",
        "関東財務局長 第 1 号",
        "関東財務局 第00001号",
    ],
)
def test_registration_number_variants(value):
    assert reference.normalise_registration_number(value) == "関東財務局長 第00001号"


@pytest.mark.parametrize(
    "value",
    ["大阪財務局長 第00001号", "関東財務局長 第0号", "関東財務局長 第123456号", "第00001号", ""],
)
def test_registration_number_rejects(value):
    with pytest.raises(ValueError):
        reference.normalise_registration_number(value)


HEADER = "registration_number,name_ja,name_en,bureau\n"
ROW = "近畿財務局長第１２号,テスト株式会社,Test K.K.,近畿財務局長\n"


def test_reference_path_override(tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(
        "\ufeff# source: operator test file\n# as-of: 2026-01-02\n" + HEADER + ROW,
        encoding="utf-8",
    )
    reference.clear_cache()
    assert reference.reference_source(path) == {
        "source": "operator test file",
        "as_of": "2026-01-02",
    }
    (exchange,) = reference.load_exchanges(str(path))
    assert exchange.registration_number == "近畿財務局長 第00012号"
    assert reference.exchange_by_number("近畿財務局長 第00012号", path) == exchange
    # The bundled sample is unaffected.
    assert reference.exchange_by_number("近畿財務局長 第00012号") is None


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("# as-of: 2026-01-02\n" + HEADER + ROW, "source"),
        ("# source: x\n" + HEADER + ROW, "as-of"),
        ("# source: x\n# as-of: 2 Jan 2026\n" + HEADER + ROW, "YYYY-MM-DD"),
        ("# source: x\n# as-of: 2026-01-02\nregistration_number,name_ja\n", "missing columns"),
        ("# source: x\n# as-of: 2026-01-02\n" + HEADER + ROW + ROW, ":5: duplicate"),
        (
            "# source: x\n# as-of: 2026-01-02\n" + HEADER + ROW.replace(",近畿", ",関東"),
            ":4: bureau",
        ),
    ],
)
def test_reference_rejects_bad_files(tmp_path, text, needle):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(reference.ReferenceDataError, match=re.escape(needle)):
        reference.load_exchanges(path)


# --- WTForms validators -----------------------------------------------------


class NoticeForm(Form):
    corporate_number = StringField(validators=[CorporateNumber()])
    lei = StringField(validators=[LEI()])
    postal_code = StringField(validators=[PostalCodeJP()])
    phone = StringField(validators=[Phone()])
    country = StringField(validators=[CountryCode()])
    is_foreign = BooleanField()
    foreign_address = StringField(validators=[RequiredIf("is_foreign", True)])
    other_country = StringField(
        validators=[
            RequiredIf("country", lambda code: code not in (None, "", "JP"), message="Say where."),
            CountryCode(),
        ]
    )


class FakeData(dict):
    """Minimal multidict for ``Form(formdata=...)``."""

    def getlist(self, key):
        return [self[key]] if key in self else []


@pytest.fixture
def app_ctx():
    app = Flask(__name__)
    app.config.update(TESTING=True, BABEL_DEFAULT_LOCALE="en")
    Babel(app)
    with app.test_request_context("/"):
        yield app


def make_form(**data):
    return NoticeForm(formdata=FakeData(data))


def test_validators_normalise_on_success(app_ctx):
    form = make_form(
        corporate_number=fullwidth("5-8356-7825-6246"),
        lei=KNOWN_LEI.lower(),
        postal_code="1000013",
        phone="03-1234-5678",
        country="jp",
    )
    assert form.validate(), form.errors
    assert form.corporate_number.data == KNOWN_CN
    assert form.lei.data == KNOWN_LEI
    assert form.postal_code.data == "100-0013"
    assert form.phone.data == "+81312345678"
    assert form.country.data == "JP"


def test_validators_leave_empty_values_alone(app_ctx):
    form = make_form(corporate_number="", lei="  ", postal_code="", phone="", country="")
    assert form.validate(), form.errors
    assert form.lei.data == "  "


def test_validators_report_translatable_messages(app_ctx):
    form = make_form(
        corporate_number=WRONG_CN,
        lei="5493001KJTIIGC8Y1R13",
        postal_code="12",
        phone="12",
        country="XX",
        other_country="GB",
    )
    assert not form.validate()
    errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    assert errors == {
        "corporate_number": ["Enter a valid 13-digit corporate number with a correct check digit."],
        "lei": [
            "Enter a valid 20-character Legal Entity Identifier (LEI) with correct check digits."
        ],
        "postal_code": ["Enter a valid Japanese postal code of 7 digits, such as 100-8967."],
        "phone": [
            "Enter a valid telephone number. For numbers outside Japan, "
            "start with + and the country code."
        ],
        "country": ["Select a valid country."],
    }
    assert form.corporate_number.data == WRONG_CN  # left as typed on failure


def test_custom_message_and_region():
    form_cls = type(
        "F",
        (Form,),
        {"phone": StringField(validators=[Phone(region="GB", message="Bad phone.")])},
    )
    form = form_cls(formdata=FakeData(phone="020 7946 0958"))
    assert form.validate()
    assert form.phone.data == "+442079460958"
    form = form_cls(formdata=FakeData(phone="12"))
    assert not form.validate()
    assert form.errors == {"phone": ["Bad phone."]}


def test_required_if_value(app_ctx):
    form = make_form(is_foreign="y", foreign_address="")
    assert not form.validate()
    assert [str(e) for e in form.foreign_address.errors] == ["This field is required."]

    assert make_form(is_foreign="y", foreign_address="1 Main St").validate()
    assert make_form(foreign_address="").validate()  # unticked: not required


def test_required_if_callable_stops_chain(app_ctx):
    form = make_form(country="US", other_country="")
    assert not form.validate()
    # StopValidation: only RequiredIf's message, CountryCode does not run.
    assert form.errors == {"other_country": ["Say where."]}

    form = make_form(country="US", other_country="gb")
    assert form.validate(), form.errors
    assert form.other_country.data == "GB"
    assert make_form(country="JP", other_country="").validate()


def test_required_if_collection(app_ctx):
    form_cls = type(
        "F",
        (Form,),
        {
            "kind": StringField(),
            "detail": StringField(validators=[RequiredIf("kind", {"a", "b"})]),
        },
    )
    assert not form_cls(formdata=FakeData(kind="b")).validate()
    assert form_cls(formdata=FakeData(kind="b", detail="x")).validate()
    assert form_cls(formdata=FakeData(kind="c")).validate()


def test_required_if_unknown_field_is_an_error(app_ctx):
    form_cls = type(
        "F", (Form,), {"broken": StringField(validators=[RequiredIf("no_such_field", True)])}
    )
    with pytest.raises(LookupError, match="no_such_field"):
        form_cls(formdata=FakeData()).validate()
