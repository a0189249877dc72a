"""Password hashing: memory-hard scrypt by default; tests may choose a cheaper method. And
the hash stored in place of a random secret (a session token, a link's token, a recovery
code)."""

import hashlib

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

# Compared against when the account does not exist, so both paths cost the same.
_DUMMY = {}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH"])


def verify_password(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        method = current_app.config["PASSWORD_HASH"]
        if method not in _DUMMY:
            _DUMMY[method] = hash_password("not-a-real-password-0000")
        check_password_hash(_DUMMY[method], password)
        return False
    return check_password_hash(password_hash, password)


def secret_hash(secret: str) -> str:
    """What is stored of a random secret of ours: its SHA-256. The secrets carry 120 bits or
    more, so a plain hash is enough (ASVS 6.5.2); a person's password gets hash_password."""
    return hashlib.sha256(secret.encode()).hexdigest()
