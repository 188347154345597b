"""Signing in and out: throttled, constant-time password checks that open a server-side session.

:func:`authenticate` runs two short transactions around the password check, so the throttle's lock
(security.throttle) is never held while scrypt runs:

1. lock the attempt's throttle stripes, refuse it if locked, else store it as a failure (in flight);
2. check the password — always against a scrypt hash: the user's, or a dummy one for an unknown or
   disabled user, so the answer takes as long whether or not the name exists;
3. record the outcome: mark the attempt ok, open a session (security.sessions), audit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.i18n.security import S
from db.models_security import LoginAttempt, SessionEnd, User
from db.session import transaction
from security import audit
from security.passwords import hash_password, verify_password
from security.sessions import end_session, open_session, prune
from security.throttle import reserve

USERNAME_MAX = 64


@dataclass(frozen=True)
class LoginResult:
    """Outcome of one login attempt: on success the user's id and the new session's id (for the cookie),
    else a Chinese ``message`` (and ``locked_until`` when throttled)."""

    user_id: int | None
    session_token: str = ""
    message: str = ""
    locked_until: datetime | None = None


@cache
def _dummy_hash() -> str:
    """A scrypt hash of a random password nobody knows, made with the same parameters as real ones:
    checking a password for an unknown user against it costs what a real check costs."""
    return hash_password(secrets.token_urlsafe(16))


def authenticate(sessions: sessionmaker[Session], username: str, password: str, remote_addr: str, now: datetime,
                 *, max_failures: int, window: timedelta, idle: timedelta) -> LoginResult:
    """Check a login, record the attempt, audit it and, on success, open a session (``idle``: the
    session lifetime, for pruning). Each step commits its own transaction (see the module docstring).
    Throttled attempts are refused before the password is checked and are not counted as failures
    (so a lock ends on time)."""
    username = username.strip()[:USERNAME_MAX]
    with transaction(sessions) as s:
        got = reserve(s, username, remote_addr, now, max_failures, window)
        if isinstance(got, datetime):
            audit.record(s, username or "-", "login.refused", "user", username or "-", remote_addr=remote_addr,
                         summary=S.AUDIT_LOGIN_REFUSED.format(user=username), at=now)
            minutes = max(1, int((got - now).total_seconds() + 59) // 60)
            return LoginResult(None, message=S.THROTTLED.format(minutes=minutes), locked_until=got)
        attempt_id = got.id
        user = s.scalar(select(User).where(User.username == username))
        stored = user.password_hash if user is not None and user.active else None
    matches = verify_password(stored or _dummy_hash(), password) and stored is not None
    with transaction(sessions) as s:
        user = s.scalar(select(User).where(User.username == username)) if matches else None
        if user is None or not user.active:  # also: disabled while its password was being checked
            audit.record(s, username or "-", "login.failed", "user", username or "-", remote_addr=remote_addr,
                         summary=S.AUDIT_LOGIN_FAILED.format(user=username), at=now)
            return LoginResult(None, message=S.BAD_CREDENTIALS)
        attempt = s.get(LoginAttempt, attempt_id)
        if attempt is not None:
            attempt.ok = True
        user.last_login_at = now
        prune(s, now, keep=max(idle, timedelta(days=30)))
        token = open_session(s, user, now, remote_addr)
        audit.record(s, username, "login", "user", user.id, scope_code=user.scope_code, remote_addr=remote_addr,
                     summary=S.AUDIT_LOGIN.format(user=username), at=now)
        return LoginResult(user.id, session_token=token)


def sign_out(session: Session, token: str, remote_addr: str | None, now: datetime) -> bool:
    """End the session ``token`` and audit the logout; False when it was no session (nothing written)."""
    user_id = end_session(session, token, now, SessionEnd.LOGOUT)
    user = session.get(User, user_id) if user_id is not None else None
    if user is None:
        return False
    audit.record(session, user.username, "logout", "user", user.id, scope_code=user.scope_code,
                 remote_addr=remote_addr, summary=S.AUDIT_LOGOUT.format(user=user.username), at=now)
    return True
