"""值班表: who is on duty now, per scope (a city or the province) and tier; shift handover (交接班).

A city's alert goes to that city's roster at the tier, falling back to the province's when the city
has nobody on duty. Changes write an audit entry in the caller's session (flushed, not committed).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts import text as T
from alerts.errors import ScopeError
from db.models_alerts import OPEN_STATES, Alert, DutyShift, Handover
from security import audit
from security.scope import PROVINCE_CODE, can_see, scope_filter


class RosterError(ValueError):
    """A shift or handover is malformed; the message says which field."""


def on_duty(session: Session, scope_code: str, tier: int, now: datetime) -> list[str]:
    """Usernames on duty for ``scope_code`` at ``tier`` at ``now`` (start inclusive, end exclusive), sorted."""
    rows = session.scalars(select(DutyShift.username).where(
        DutyShift.scope_code == scope_code, DutyShift.tier == tier,
        DutyShift.starts_at <= now, DutyShift.ends_at > now)).all()
    return sorted(set(rows))


def recipients(session: Session, city_code: str, tier: int, now: datetime) -> list[str]:
    """Who is told about a ``city_code`` alert at ``tier`` now: the city's roster, else the province's."""
    people = on_duty(session, city_code, tier, now) if city_code != PROVINCE_CODE else []
    return people or on_duty(session, PROVINCE_CODE, tier, now)


def add_shift(session: Session, scope_code: str, tier: int, username: str, starts_at: datetime,
              ends_at: datetime, *, actor: str, actor_scope: str, now: datetime) -> DutyShift:
    """Put ``username`` on the roster; raises :class:`RosterError` or :class:`ScopeError`."""
    if not can_see(actor_scope, scope_code):
        raise ScopeError(f"roster of {scope_code} is outside scope {actor_scope}")
    if ends_at <= starts_at:
        raise RosterError(f"shift of {username}: ends_at {ends_at.isoformat()} is not after starts_at")
    if tier < 1:
        raise RosterError(f"shift of {username}: tier must be 1 or more, got {tier}")
    shift = DutyShift(scope_code=scope_code, tier=tier, username=username, starts_at=starts_at, ends_at=ends_at)
    session.add(shift)
    session.flush()
    audit.record(session, actor, "roster.add_shift", "duty_shift", shift.id, scope_code=scope_code, at=now,
                 summary=T.AUDIT_SHIFT.format(user=username, tier=tier, start=starts_at.isoformat(timespec="minutes"),
                                              end=ends_at.isoformat(timespec="minutes")))
    return shift


def open_alert_ids(session: Session, scope_code: str) -> list[int]:
    """Ids of open alerts a ``scope_code`` shift is responsible for."""
    q = select(Alert.id).where(Alert.state.in_(OPEN_STATES)).order_by(Alert.id)
    city = scope_filter(scope_code)
    if city is not None:
        q = q.where(Alert.city_code == city)
    return list(session.scalars(q).all())


def handover(session: Session, scope_code: str, from_user: str, to_user: str, note: str, *, actor: str,
             actor_scope: str, now: datetime, remote_addr: str | None = None) -> Handover:
    """Record a shift handover with the open alerts passed on; audited."""
    if not can_see(actor_scope, scope_code):
        raise ScopeError(f"handover in {scope_code} is outside scope {actor_scope}")
    if not from_user or not to_user or from_user == to_user:
        raise RosterError(f"handover: from_user {from_user!r} and to_user {to_user!r} must be two people")
    ids = open_alert_ids(session, scope_code)
    h = Handover(scope_code=scope_code, from_user=from_user, to_user=to_user, at=now, note=note,
                 open_alert_ids=ids)
    session.add(h)
    session.flush()
    audit.record(session, actor, "roster.handover", "handover", h.id, scope_code=scope_code, at=now,
                 remote_addr=remote_addr, detail={"open_alert_ids": ids},
                 summary=T.AUDIT_HANDOVER.format(from_user=from_user, to_user=to_user, count=len(ids), note=note))
    return h
