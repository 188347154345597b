"""Server-side login sessions: a personal login lives as a :class:`LoginSession` row, so the server can
end it — logout, a password change, disabling the account or changing its role or scope end it at
once, and a copied cookie is worth nothing afterwards.

The browser's (signed) session cookie carries a random id; only its SHA-256 is stored, so the table
does not hold usable sessions. :func:`liveness` is pure; the rest take the caller's session (the caller
commits) and ``now``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from db.models_security import LoginSession, SessionEnd, User
from db.timestamps import aware

TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often (one write a minute per session)
KEEP_ENDED = timedelta(days=30)  # ended or long-idle rows are pruned after this long


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def liveness(row: LoginSession, now: datetime, idle: timedelta) -> SessionEnd | None:
    """Why ``row`` is no longer a live session at ``now`` (None: live). Pure."""
    if row.ended_at is not None:
        return row.end_reason or SessionEnd.LOGOUT
    if now - aware(row.last_seen_at) > idle:
        return SessionEnd.EXPIRED
    return None


def open_session(session: Session, user: User, now: datetime, remote_addr: str | None) -> str:
    """Start a session for ``user``; returns the id for the cookie (shown nowhere else)."""
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(token_hash=_hash(token), user_id=user.id, created_at=now, last_seen_at=now,
                             remote_addr=remote_addr))
    return token


def live_user(session: Session, token: str, now: datetime, idle: timedelta) -> User | None:
    """The active user whose live session ``token`` is, or None. A session idle for longer than ``idle``
    is ended here (reason ``expired``); a live one has its ``last_seen_at`` refreshed now and then."""
    if not token:
        return None
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == _hash(token)))
    if row is None:
        return None
    why = liveness(row, now, idle)
    if why is SessionEnd.EXPIRED and row.ended_at is None:
        row.ended_at, row.end_reason = now, why
        return None
    if why is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if now - aware(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
    return user


def end_session(session: Session, token: str, now: datetime, reason: SessionEnd = SessionEnd.LOGOUT) -> int | None:
    """End the live session ``token``; returns its user's id, or None when it was not live."""
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == _hash(token or "")))
    if row is None or row.ended_at is not None:
        return None
    row.ended_at, row.end_reason = now, reason
    return row.user_id


def end_user_sessions(session: Session, user_id: int, now: datetime, reason: SessionEnd) -> int:
    """End every live session of a user; returns how many were live."""
    result = session.execute(update(LoginSession)
                             .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
                             .values(ended_at=now, end_reason=reason)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def prune(session: Session, now: datetime, keep: timedelta = KEEP_ENDED) -> None:
    """Forget sessions ended, or last used, more than ``keep`` ago (they can never become live again)."""
    cutoff = now - keep
    session.execute(delete(LoginSession)
                    .where(or_(LoginSession.ended_at < cutoff, LoginSession.last_seen_at < cutoff))
                    .execution_options(synchronize_session=False))
