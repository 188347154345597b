"""Operator actions on alerts (Zabbix's acknowledge / change severity / assign / unacknowledge / close).

Each action is a guarded transition: it checks the actor's region scope, the alert's current state
and the ``version`` the actor read, then changes the row with ``UPDATE ... WHERE id=? AND version=?``
so of two concurrent changes exactly one wins. Success writes an AlertEvent and an audit entry in the
same transaction; a refused attempt (scope or conflict) is audited too. Every action commits the
session it is given and returns the fresh Alert; failures raise ``ScopeError``, ``ConflictError``,
``TransitionError`` (alerts.errors) or ``LookupError`` for an unknown alert.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from alerts.errors import ConflictError, ScopeError, TransitionError
from alerts.states import OPEN_STATES, AlertState
from core.i18n import alerts as T
from core.i18n.common import SEVERITY
from core.severity import Severity
from db.models_alerts import Alert, AlertEvent
from db.models_federation import NodeCommand
from security import audit
from security.scope import can_see, node_of


@dataclass(frozen=True)
class Actor:
    """Who acts: user name, region scope (430000 = province) and the address the request came from."""

    username: str
    scope_code: str
    remote_addr: str | None = None


def _load(session: Session, alert_id: int, actor: Actor, action: str, now: datetime) -> Alert:
    alert = session.get(Alert, alert_id, populate_existing=True)
    if alert is None:
        raise LookupError(f"alert {alert_id} does not exist")
    if not can_see(actor.scope_code, alert.city_code, node_of(alert.labels)):
        session.rollback()
        audit.record(session, actor.username, f"alert.{action}.denied", "alert", alert_id, at=now,
                     scope_code=actor.scope_code, remote_addr=actor.remote_addr,
                     summary=T.AUDIT_DENIED.format(id=alert_id, city=alert.city_code))
        session.commit()
        raise ScopeError(f"alert {alert_id} belongs to city {alert.city_code}, outside scope {actor.scope_code}")
    return alert


def _conflict(session: Session, alert_id: int, actor: Actor, action: str, now: datetime, version: int) -> ConflictError:
    session.rollback()
    audit.record(session, actor.username, f"alert.{action}.conflict", "alert", alert_id, at=now,
                 scope_code=actor.scope_code, remote_addr=actor.remote_addr, detail={"version": version},
                 summary=T.AUDIT_CONFLICT.format(id=alert_id, action=T.ACTION[action]))
    session.commit()
    return ConflictError(f"alert {alert_id} changed since version {version} was read; reload and try again")


# What the province may do to a city node's alert mirrored here: the city owns it, and its next event would
# overwrite any other change; an acknowledgement is sent down to the city as a command (acknowledge below).
MIRROR_ACTIONS = frozenset({"ack", "note"})


def _transition(session: Session, alert_id: int, version: int, actor: Actor, now: datetime, *, action: str,
                allowed: Collection[AlertState], values: dict[str, Any], to_state: AlertState | None,
                note: str, summary: str, detail: dict[str, Any] | None = None,
                also: Callable[[Alert], None] | None = None) -> Alert:
    alert = _load(session, alert_id, actor, action, now)
    if alert.origin_node and action not in MIRROR_ACTIONS:
        raise TransitionError(f"alert {alert_id} belongs to city node {alert.origin_node}; {action} is done there")
    if alert.version != version:
        raise _conflict(session, alert_id, actor, action, now, version)
    if alert.state not in allowed:
        state = T.ALERT_STATE.get(alert.state.value, alert.state.value)
        raise TransitionError(f"alert {alert_id} is {alert.state.value} ({state}); {action} is not allowed")
    from_state = alert.state
    if to_state is not None:
        values = {**values, "state": to_state}
    res = session.execute(update(Alert).where(Alert.id == alert_id, Alert.version == version)
                          .values(**values, version=version + 1).execution_options(synchronize_session=False))
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise _conflict(session, alert_id, actor, action, now, version)
    session.add(AlertEvent(alert_id=alert_id, at=now, kind=action, actor=actor.username,
                           from_state=from_state.value, to_state=(to_state or from_state).value, note=note,
                           detail=detail or {}))
    audit.record(session, actor.username, f"alert.{action}", "alert", alert_id, at=now,
                 scope_code=alert.city_code, remote_addr=actor.remote_addr, summary=summary,
                 detail={"version": version, **(detail or {})})
    if also is not None:
        also(alert)
    session.commit()
    session.refresh(alert)
    return alert


def acknowledge(session: Session, alert_id: int, version: int, actor: Actor, now: datetime, note: str = "") -> Alert:
    """Firing → acknowledged; stops escalation and says who took it. An alert mirrored from a city node
    (``origin_node``) is acknowledged here at once and, in the same transaction, an ``ack`` command for
    that city is written, which the city pulls and applies to its own alert (docs/federation.md)."""

    def command_the_city(alert: Alert) -> None:
        if alert.origin_node and alert.origin_id is not None:
            session.add(NodeCommand(node_code=alert.origin_node, kind="ack", created_at=now,
                                    created_by=actor.username[:96],
                                    payload={"origin_id": alert.origin_id, "actor": actor.username, "note": note}))

    return _transition(session, alert_id, version, actor, now, action="ack", allowed=(AlertState.FIRING,),
                       values={"acknowledged_at": now, "acknowledged_by": actor.username},
                       to_state=AlertState.ACKNOWLEDGED, note=note, summary=T.AUDIT_ACK.format(id=alert_id, note=note),
                       also=command_the_city)


def unacknowledge(session: Session, alert_id: int, version: int, actor: Actor, now: datetime, note: str = "") -> Alert:
    """Acknowledged → firing; the escalation wait starts again from now."""
    return _transition(session, alert_id, version, actor, now, action="unack", allowed=(AlertState.ACKNOWLEDGED,),
                       values={"acknowledged_at": None, "acknowledged_by": None, "escalated_at": now},
                       to_state=AlertState.FIRING, note=note, summary=T.AUDIT_UNACK.format(id=alert_id))


def change_severity(session: Session, alert_id: int, version: int, actor: Actor, now: datetime,
                    severity: str, note: str = "") -> Alert:
    """Set the alert's severity (the rule's own stays in ``rule_severity``); raises ValueError for an unknown one."""
    try:
        new = Severity(severity)
    except ValueError:
        raise ValueError(f"severity {severity!r} is not one of {', '.join(s.value for s in Severity)}") from None
    alert = session.get(Alert, alert_id)
    old = alert.severity.value if alert is not None else ""
    return _transition(session, alert_id, version, actor, now, action="severity", allowed=OPEN_STATES,
                       values={"severity": new}, to_state=None, note=note, detail={"from": old, "to": new.value},
                       summary=T.AUDIT_SEVERITY.format(id=alert_id, old=SEVERITY.get(old, old),
                                                       new=SEVERITY[new.value]))


def assign(session: Session, alert_id: int, version: int, actor: Actor, now: datetime, user: str,
           note: str = "") -> Alert:
    """Make ``user`` responsible for an open alert."""
    if not user.strip():
        raise ValueError("assign: the user to assign is empty")
    return _transition(session, alert_id, version, actor, now, action="assign", allowed=OPEN_STATES,
                       values={"assigned_to": user.strip()}, to_state=None, note=note, detail={"user": user.strip()},
                       summary=T.AUDIT_ASSIGN.format(id=alert_id, user=user.strip()))


def close(session: Session, alert_id: int, version: int, actor: Actor, now: datetime, reason: str) -> Alert:
    """Resolve by hand with a reason (required); the engine opens a new episode if the condition persists."""
    if not reason.strip():
        raise ValueError("close: a reason is required")
    return _transition(session, alert_id, version, actor, now, action="close", allowed=OPEN_STATES,
                       values={"resolved_at": now, "resolved_by": actor.username, "resolve_reason": reason.strip()},
                       to_state=AlertState.RESOLVED, note=reason.strip(),
                       summary=T.AUDIT_CLOSE.format(id=alert_id, reason=reason.strip()))


def add_note(session: Session, alert_id: int, actor: Actor, now: datetime, note: str) -> AlertEvent:
    """Append a note in any state; notes never conflict, so no version is needed."""
    if not note.strip():
        raise ValueError("add_note: the note is empty")
    alert = _load(session, alert_id, actor, "note", now)
    ev = AlertEvent(alert_id=alert_id, at=now, kind="note", actor=actor.username, from_state=alert.state.value,
                    to_state=alert.state.value, note=note.strip())
    session.add(ev)
    audit.record(session, actor.username, "alert.note", "alert", alert_id, at=now, scope_code=alert.city_code,
                 remote_addr=actor.remote_addr, summary=T.AUDIT_NOTE.format(id=alert_id, note=note.strip()))
    session.commit()
    return ev
