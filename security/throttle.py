"""Login throttling: too many recent failures per user name or per address lock further attempts.

:func:`locked_until` is pure; :func:`reserve` counts and records an attempt atomically. Atomic because
parallel attempts must not all read "4 failures so far" before any of them is written (the issue saw
11 of 40 parallel attempts admitted with a limit of 5): an attempt first locks the :class:`LoginGate`
rows of its user name's and its address's stripes — a row lock on PostgreSQL, the database's write
lock on SQLite — then counts, then stores itself as a failure before its password is even checked
(marked ok afterwards if it succeeds). Attempts in flight therefore count against the limit, and the
lock is held only for a few statements, never while a password hash is computed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from db.models_security import LoginAttempt, LoginGate
from db.timestamps import aware

STRIPES = 4096  # lock rows; two names sharing a stripe only wait for each other for a few statements


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


def stripes(username: str, remote_addr: str) -> list[int]:
    """The gate rows an attempt locks, in the order it locks them (sorted: no two attempts deadlock)."""
    def stripe(kind: str, key: str) -> int:
        digest = hashlib.sha256(f"{kind}\0{key}".encode()).digest()
        return int.from_bytes(digest[:4], "big") % STRIPES

    return sorted({stripe("user", username), stripe("addr", remote_addr)})


def _enter_gate(session: Session, keys: list[int], now: datetime) -> None:
    """Lock the gate rows ``keys`` until the caller's transaction ends (created on first use)."""
    rows = [{"stripe": k, "touched_at": now} for k in keys]
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(LoginGate).values(rows).on_conflict_do_nothing(index_elements=["stripe"]))
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        # SQLite: this write takes the database's write lock before anything is read in the transaction.
        session.execute(sqlite_insert(LoginGate).values(rows).on_conflict_do_nothing(index_elements=["stripe"]))
    for key in keys:  # PostgreSQL: row locks, one at a time in sorted order
        session.execute(update(LoginGate).where(LoginGate.stripe == key).values(touched_at=now)
                        .execution_options(synchronize_session=False))


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


def reserve(session: Session, username: str, remote_addr: str, now: datetime, max_failures: int,
            window: timedelta) -> LoginAttempt | datetime:
    """Admit one attempt: a new :class:`LoginAttempt` stored as failed (set ``ok`` once the password
    matches), or the time the lock ends when the attempt is refused (nothing stored). Must be the
    first statement of the caller's transaction; the caller commits at once, ending the lock."""
    _enter_gate(session, stripes(username, remote_addr), now)
    until = check(session, username, remote_addr, now, max_failures, window)
    if until is not None:
        return until
    attempt = LoginAttempt(username=username, remote_addr=remote_addr, at=now, ok=False)
    session.add(attempt)
    session.flush()
    return attempt
