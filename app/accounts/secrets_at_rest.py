"""Second-factor keys encrypted at rest (Fernet: AES-128-CBC with HMAC-SHA256).

A copy of the database (a backup, a stolen dump, a read-only SQL injection) must not be
enough to make a person's sign-in codes: ``users.totp_secret`` holds the key encrypted
with a key derived from the application's ``SECRET_KEY`` (HKDF-SHA256), which lives in
the environment, not in the database. The column type does it on the way in and out, so
the rest of the code sees the plain base32 key.

Changing ``SECRET_KEY`` makes the stored keys unreadable: the people concerned then sign
in with a recovery code or have an administrator reset their second factor. A key that
cannot be decrypted is logged and read as absent, never as a failed page.
"""

import base64
import logging

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

logger = logging.getLogger(__name__)

_INFO = b"advance-notice-registry totp secrets v1"
_cache: dict[str, Fernet] = {}


def fernet_for(secret_key: str) -> Fernet:
    """The Fernet of a given SECRET_KEY (also used by the migration that encrypts)."""
    fernet = _cache.get(secret_key)
    if fernet is None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
            secret_key.encode()
        )
        fernet = _cache[secret_key] = Fernet(base64.urlsafe_b64encode(derived))
    return fernet


def _fernet() -> Fernet:
    return fernet_for(current_app.config["SECRET_KEY"])


class EncryptedString(TypeDecorator):
    """A short string stored as a Fernet token (about 120 characters for a 32-character
    TOTP key)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return _fernet().encrypt(value.encode()).decode("ascii")

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        try:
            return _fernet().decrypt(value.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            logger.error("a stored second-factor key cannot be decrypted (SECRET_KEY changed?)")
            return None
