"""Console passwords: argon2id hashes (argon2-cffi), and the rules a new password must meet."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from riverflow.gateway.errors import ApiError

__all__ = ["hash_password", "verify_password", "check_password_rules", "DUMMY_HASH"]

_hasher = PasswordHasher()
#: Verified against when the e-mail is unknown, so both cases take the same time.
DUMMY_HASH = _hasher.hash("riverflow-no-such-account")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str | None) -> str:
    if not password or len(password) < 8 or len(password) > 128:
        raise ApiError(
            400, "invalid_param", "The password must be 8 to 128 characters long.", params="password"
        )
    if password.isalpha() or password.isdigit():
        raise ApiError(
            400, "invalid_param", "The password must contain letters and digits.", params="password"
        )
    return password
