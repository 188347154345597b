"""Salted password hashes through werkzeug.security (scrypt). Pure: no I/O."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8
METHOD = "scrypt"


class PasswordError(ValueError):
    """A password does not meet the policy; the message says why (Chinese, shown to operators)."""


def check_policy(password: str) -> None:
    """Raise :class:`PasswordError` when ``password`` is too short."""
    from core.i18n.security import S

    if len(password) < MIN_LENGTH:
        raise PasswordError(S.PASSWORD_SHORT.format(n=MIN_LENGTH))


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password`` (each call uses a fresh salt)."""
    return generate_password_hash(password, method=METHOD)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; a malformed hash never matches."""
    try:
        return check_password_hash(stored_hash, password)
    except (ValueError, TypeError):
        return False
