"""Rows for tests: plain functions that add to ``db.session`` and flush (the caller commits).

Every call gives fresh unique values (e-mail, corporate number, LEI), so a test can make as
many as it needs. Values are stored in the canonical form the forms would produce
(``100-8967``, ``+81335066000``), so a row made here looks like one made through the site.
"""

import itertools
import secrets

import pyotp
from stdnum.iso7064 import mod_97_10
from stdnum.jp import cn as corporate_number

from app.accounts.models import Organisation, OrganisationKind, Role, User
from app.accounts.operations import new_session_nonce
from app.accounts.passwords import hash_password
from app.extensions import db
from app.models import utcnow

PASSWORD = "correct horse battery"

_sequence = itertools.count(1)
# Keeps values unique even if this module is imported twice under two names
# (``tests.factories`` and ``factories``), each with its own counter.
_RUN = secrets.randbelow(10**6)


def _next() -> int:
    return next(_sequence)


def valid_corporate_number(n: int | None = None) -> str:
    """A 13-digit corporate number whose leading check digit is correct."""
    body = f"{_RUN:06d}{(_next() if n is None else n) % 10**6:06d}"
    return corporate_number.calc_check_digit(body) + body


def valid_lei(n: int | None = None) -> str:
    """An ISO 17442 LEI: 18 characters, then two ISO 7064 mod 97-10 check digits."""
    base = f"5493{_RUN:06d}TEST{(_next() if n is None else n) % 10**4:04d}"
    return base + mod_97_10.calc_check_digits(base)


def _profile(n: int) -> dict:
    return {
        "name_ja": f"テスト暗号資産システム株式会社{n}",
        "name_en": f"Test Custody Systems {n} K.K.",
        "postal_code": "100-8967",
        "address": "東京都千代田区霞が関3-2-1",
        "representative_name": "山田 太郎",
        "representative_title": "代表取締役",
        "contact_name": "佐藤 花子",
        "contact_department": "コンプライアンス部",
        "contact_email": f"compliance{n}-{_RUN}@example.com",
        "contact_phone": "+81335066000",
    }


def make_organisation(**overrides) -> Organisation:
    """A Japanese company with a valid corporate number and every profile field filled."""
    n = _next()
    values = {
        "kind": OrganisationKind.DOMESTIC,
        "corporate_number": valid_corporate_number(n),
        "country": "JP",
        "lei": None,
        **_profile(n),
    }
    values.update(overrides)
    organisation = Organisation(**values)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_foreign_organisation(**overrides) -> Organisation:
    """A company incorporated abroad, identified by a valid LEI."""
    n = _next()
    values = {
        "kind": OrganisationKind.FOREIGN,
        "corporate_number": None,
        "country": "SG",
        "lei": valid_lei(n),
        **_profile(n),
        "name_ja": f"テスト・カストディ・システムズ{n}",
        "name_en": f"Test Custody Systems {n} Pte. Ltd.",
        "address": f"{n} Marina Boulevard, Singapore",
    }
    values.update(overrides)
    organisation = Organisation(**values)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_user(role, organisation=None, password=PASSWORD, **overrides) -> User:
    """A user with ``role``; provider roles get ``organisation`` (a new one when not given).

    Staff roles never belong to an organisation (the database refuses it), and are enrolled
    in the second factor with a secret of their own (``user.totp_secret``), which
    ``auth.login`` uses; pass ``totp_secret=None, totp_enabled_at=None`` for one who is not.
    """
    role = Role(role)
    if role.is_provider and organisation is None:
        organisation = make_organisation()
    if role.is_staff and organisation is not None:
        raise ValueError(f"a {role} does not belong to an organisation")
    n = _next()
    values = {
        "email": f"user{n}-{_RUN}@example.com",
        "name": f"Test User {n}",
        "password_hash": hash_password(password),
        "role": role,
        "organisation": organisation,
        # English pages, so that tests can look for English messages whatever catalogs exist.
        "locale": "en",
        "active": True,
        "session_nonce": new_session_nonce(),
    }
    if role.is_staff:
        values["totp_secret"] = pyotp.random_base32()
        values["totp_enabled_at"] = utcnow()
    values.update(overrides)
    user = User(**values)
    db.session.add(user)
    db.session.flush()
    return user
