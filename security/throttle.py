"""Login throttling: too many recent failures per user name or per address lock further attempts.

:func:`locked_until` is pure; :func:`check` reads :class:`LoginAttempt` rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models_security import LoginAttempt


def aware(t: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored here is UTC."""
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def locked_until(failures: Sequence[datetime], now: datetime, max_failures: int,
                 window: timedelta) -> datetime | None:
    """When attempts may resume, or None if they may now.

    Locked while at least ``max_failures`` failures lie within ``window`` before ``now``; the lock
    ends when the ``max_failures``-th newest of them leaves the window.
    """
    recent = sorted(aware(t) for t in failures if now - window < aware(t) <= now)
    if len(recent) < max_failures:
        return None
    return recent[-max_failures] + window


def check(session: Session, username: str, remote_addr: str, now: datetime, max_failures: int,
          window: timedelta) -> datetime | None:
    """``locked_until`` over the failed attempts for ``username`` and, separately, for ``remote_addr``."""
    rows = session.execute(
        select(LoginAttempt.username, LoginAttempt.remote_addr, LoginAttempt.at)
        .where(LoginAttempt.ok.is_(False), LoginAttempt.at > now - window,
               or_(LoginAttempt.username == username, LoginAttempt.remote_addr == remote_addr))).all()
    by_user = [r.at for r in rows if r.username == username]
    by_addr = [r.at for r in rows if r.remote_addr == remote_addr]
    ends = [t for t in (locked_until(by_user, now, max_failures, window),
                        locked_until(by_addr, now, max_failures, window)) if t is not None]
    return max(ends) if ends else None
