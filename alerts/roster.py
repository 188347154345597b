"""值班表: who is on duty now, per scope (a city or the province) and tier; shift handover (交接班).

A city's alert goes to that city's roster at the tier, falling back to the province's when the city
has nobody on duty. Changes write an audit entry in the caller's session (flushed, not committed).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.errors import ScopeError
from alerts.states import OPEN_STATES
from core.i18n import alerts as T
from db.models_alerts import Alert, DutyShift, Handover
from security import audit
from security.scope import PROVINCE_CODE, can_see, city_prefilter, node_of, scope_filter


class RosterError(ValueError):
    """A shift or handover is malformed; the message says which field."""


class ShiftRefused(RosterError):
    """A refusal about one existing shift (``shift_id``): it overlaps, does not exist or is over."""

    def __init__(self, message: str, shift_id: int) -> None:
        super().__init__(message)
        self.shift_id = shift_id


class ShiftOverlapError(ShiftRefused):
    """The same person already holds a shift at that scope and tier overlapping the new one."""


class ShiftNotFoundError(ShiftRefused):
    """No shift has that id (never did, or someone removed it first)."""


class ShiftOverError(ShiftRefused):
    """The shift has ended; it stays as the record of who was on duty."""


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
              ends_at: datetime, *, actor: str, actor_scope: str, now: datetime,
              remote_addr: str | None = None) -> DutyShift:
    """Put ``username`` on the roster; raises :class:`RosterError` or :class:`ScopeError`.

    The same person may not hold two overlapping shifts at the same scope and tier (a double entry
    would double every notification); back-to-back shifts are fine (the end is exclusive).
    """
    if not can_see(actor_scope, scope_code):
        raise ScopeError(f"roster of {scope_code} is outside scope {actor_scope}")
    if not username:
        raise RosterError("shift: username is required")
    if ends_at <= starts_at:
        raise RosterError(f"shift of {username}: ends_at {ends_at.isoformat()} is not after starts_at")
    if tier < 1:
        raise RosterError(f"shift of {username}: tier must be 1 or more, got {tier}")
    clash = session.scalars(select(DutyShift).where(
        DutyShift.scope_code == scope_code, DutyShift.tier == tier, DutyShift.username == username,
        DutyShift.starts_at < ends_at, DutyShift.ends_at > starts_at).order_by(DutyShift.starts_at)).first()
    if clash is not None:
        raise ShiftOverlapError(f"shift of {username}: overlaps shift {clash.id} "
                          f"({clash.starts_at.isoformat(timespec='minutes')} – "
                          f"{clash.ends_at.isoformat(timespec='minutes')}) at the same scope and tier",
                                clash.id)
    shift = DutyShift(scope_code=scope_code, tier=tier, username=username, starts_at=starts_at, ends_at=ends_at)
    session.add(shift)
    session.flush()
    audit.record(session, actor, "roster.add_shift", "duty_shift", shift.id, scope_code=scope_code, at=now,
                 remote_addr=remote_addr,
                 summary=T.AUDIT_SHIFT.format(user=username, tier=tier, start=starts_at.isoformat(timespec="minutes"),
                                              end=ends_at.isoformat(timespec="minutes")))
    return shift


def remove_shift(session: Session, shift_id: int, *, actor: str, actor_scope: str, now: datetime,
                 remote_addr: str | None = None) -> DutyShift:
    """Delete a shift that has not ended yet; audited. Returns the deleted (detached) row.

    Raises :class:`RosterError` for an unknown id or a shift already over (past shifts are the record
    of who was on duty), :class:`ScopeError` for another region's roster.
    """
    shift = session.get(DutyShift, shift_id)
    if shift is None:
        raise ShiftNotFoundError(f"shift {shift_id} does not exist", shift_id)
    if not can_see(actor_scope, shift.scope_code):
        raise ScopeError(f"shift {shift_id} belongs to {shift.scope_code}, outside scope {actor_scope}")
    start, end = shift.starts_at, shift.ends_at
    if end <= now:
        raise ShiftOverError(f"shift {shift_id} ended at {end.isoformat(timespec='minutes')} and is kept as record",
                             shift_id)
    session.delete(shift)
    session.flush()
    audit.record(session, actor, "roster.remove_shift", "duty_shift", shift_id, scope_code=shift.scope_code,
                 at=now, remote_addr=remote_addr,
                 detail={"username": shift.username, "tier": shift.tier, "starts_at": start.isoformat(),
                         "ends_at": end.isoformat()},
                 summary=T.AUDIT_SHIFT_REMOVE.format(user=shift.username, tier=shift.tier,
                                                     start=start.isoformat(timespec="minutes"),
                                                     end=end.isoformat(timespec="minutes")))
    return shift


def list_shifts(session: Session, now: datetime, *, scope_code: str, days_ahead: int = 7) -> list[DutyShift]:
    """Shifts inside the viewer's scope that overlap today (from midnight in ``now``'s zone) up to
    ``days_ahead`` days from now, by start time, scope and tier."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    q = select(DutyShift).where(DutyShift.ends_at > midnight,
                                DutyShift.starts_at < now + timedelta(days=days_ahead))
    city = scope_filter(scope_code)
    if city is not None:
        q = q.where(DutyShift.scope_code == city)
    return list(session.scalars(q.order_by(DutyShift.starts_at, DutyShift.scope_code, DutyShift.tier,
                                           DutyShift.username)).all())


def recent_handovers(session: Session, *, scope_code: str, limit: int = 20) -> list[Handover]:
    """The newest ``limit`` handovers inside the viewer's scope, newest first."""
    q = select(Handover).order_by(Handover.at.desc(), Handover.id.desc()).limit(limit)
    city = scope_filter(scope_code)
    if city is not None:
        q = q.where(Handover.scope_code == city)
    return list(session.scalars(q).all())


def open_alert_ids(session: Session, scope_code: str) -> list[int]:
    """Ids of open alerts a ``scope_code`` shift is responsible for (a county's: those of its node)."""
    q = select(Alert.id, Alert.city_code, Alert.labels).where(Alert.state.in_(OPEN_STATES)).order_by(Alert.id)
    city = city_prefilter(scope_code)
    if city is not None:
        q = q.where(Alert.city_code == city)
    return [aid for aid, code, labels in session.execute(q) if can_see(scope_code, code, node_of(labels))]


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
