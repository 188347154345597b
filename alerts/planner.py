"""Turns the alerts in the database into notification intents (the I/O around ``alerts.pipeline``).

``plan_notifications(session, now, receivers)`` runs inhibit → silence → maintenance → escalate →
dedup → fan-out and writes Notification rows: ``pending`` for the dispatcher, ``suppressed`` with the
reason in ``detail`` so the console can show why nobody was told. Idempotent by ``idem_key``: a
restart or a repeated cycle writes nothing twice. The caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alerts import pipeline as P
from alerts import roster
from alerts.matchers import parse_matchers
from alerts.silences import active_silences
from alerts.states import AlertState
from core.i18n import alerts as T
from db.models import Node
from db.models_alerts import Alert, AlertEvent, DeliveryStatus, Notification
from security import audit
from security.audit import SYSTEM


@dataclass(frozen=True)
class PlanSettings:
    inhibit_rules: tuple[P.InhibitRule, ...] | None = None  # None: the rule files' (AlertService passes them)
    escalation: P.EscalationPolicy = field(default_factory=P.EscalationPolicy)
    resolved_lookback: timedelta = timedelta(hours=24)  # resolved alerts older than this are not announced


def routes_of(receivers: Any) -> list[P.Route]:
    """Pipeline routes from an ``alerts.receivers.Receivers`` (routes by severity/city) or a list of receivers."""
    if hasattr(receivers, "routes") and hasattr(receivers, "receivers"):
        out: list[P.Route] = []
        for name, r in receivers.receivers.items():
            if not getattr(r, "enabled", True):
                continue
            mine = tuple(rt for rt in receivers.routes if name in rt.receivers)
            if not mine:
                continue

            def accepts(severity: str, city: str, mine: tuple[Any, ...] = mine) -> bool:
                return any(rt.matches(severity, city) for rt in mine)

            out.append(P.Route(name=name, notifier=r.kind, on_duty=bool(r.on_duty), accepts=accepts))
        return out
    return [as_route(r) for r in receivers]


def as_route(r: Any) -> P.Route:
    """A pipeline Route from a receiver object (``name``, ``kind``/``notifier``, optional ``matchers``, ``on_duty``)."""
    if isinstance(r, P.Route):
        return r
    name = r.name
    kind = getattr(r, "notifier", None) or getattr(r, "kind", None) or getattr(r, "type", None)
    raw = getattr(r, "matchers", ()) or ()
    matchers = tuple(parse_matchers(raw, where=f"接收方 {name} 的匹配条件")) if raw and isinstance(
        next(iter(raw)), dict) else tuple(raw)
    return P.Route(name=name, notifier=str(kind), matchers=matchers, on_duty=bool(getattr(r, "on_duty", False)))


def plan_notifications(session: Session, now: datetime, receivers: Any,
                       settings: PlanSettings | None = None,
                       inhibit_rules: Sequence[P.InhibitRule] | None = None) -> list[Notification]:
    """Write this cycle's notification intents; returns the rows newly added (pending and suppressed).

    ``receivers`` is an ``alerts.receivers.Receivers`` or an iterable of ``pipeline.Route``/receiver objects.
    ``inhibit_rules`` are the rule files' (``RuleSet.inhibit_rules``), unless ``settings`` names its own.
    """
    settings = settings or PlanSettings()
    rules = settings.inhibit_rules if settings.inhibit_rules is not None else tuple(inhibit_rules or ())
    routes = routes_of(receivers)
    # A city node's alerts mirrored here (origin_node) are notified and escalated by that city, not here.
    open_rows = session.scalars(select(Alert).where(Alert.state.in_((AlertState.FIRING, AlertState.ACKNOWLEDGED)),
                                                    Alert.origin_node.is_(None)).order_by(Alert.id)).all()
    snaps = [P.AlertSnap.of(a) for a in open_rows]
    silences = active_silences(session, now)
    muted: dict[int, P.Suppression] = {}
    for stage in (P.inhibit(snaps, rules), P.silence(snaps, silences), P.maintenance(snaps, silences)):
        for k, v in stage.items():
            muted.setdefault(k, v)
    loud = [a for a in snaps if a.id not in muted]
    due = P.escalate(loud, now, settings.escalation)
    escalated = {e.alert_id: e for e in due if _apply_escalation(session, e, now)}
    loud = [_bumped(a, escalated[a.id].to_tier, now) if a.id in escalated else a for a in loud]

    groups: dict[str, list[P.AlertSnap]] = {}
    for a in loud:
        groups.setdefault(a.group_key, []).append(a)
    recent = session.scalars(select(Alert.group_key).where(
        Alert.state == AlertState.RESOLVED, Alert.resolved_at >= now - settings.resolved_lookback,
        Alert.fired_at.is_not(None), Alert.origin_node.is_(None))).all()
    for gk in recent:
        groups.setdefault(gk or "", [])

    cache: dict[tuple[str, int], list[str]] = {}

    def who(city: str, tier: int) -> list[str]:
        if (city, tier) not in cache:
            cache[(city, tier)] = roster.recipients(session, city, tier, now)
        return cache[(city, tier)]

    city_names = {code: name for code, name in session.execute(select(Node.code, Node.name))}
    intents: list[P.Intent] = []
    for gk, members in sorted(groups.items()):
        previous = _previous(session, gk)
        lookup = {a.id: a for a in (P.AlertSnap.of(r) for r in _rows(session, [e[0] for e in previous.signature]))
                  } if previous else {}
        change = P.dedup(gk, members, previous, lookup)
        if change is not None:
            intents += P.fan_out(change, routes, who, city_names, now)
    intents += _suppressed_intents(snaps, muted)
    return _write(session, intents, now)


def _apply_escalation(session: Session, e: P.Escalation, now: datetime) -> bool:
    # Guarded like an operator action: if someone acknowledged meanwhile, the escalation is void.
    res = session.execute(update(Alert).where(Alert.id == e.alert_id, Alert.version == e.version,
                                              Alert.state == AlertState.FIRING)
                          .values(escalation_tier=e.to_tier, escalated_at=now, version=Alert.version + 1)
                          .execution_options(synchronize_session=False))
    if res.rowcount != 1:  # type: ignore[attr-defined]
        return False
    alert = session.get(Alert, e.alert_id)
    if alert is not None:
        session.refresh(alert)
    session.add(AlertEvent(alert_id=e.alert_id, at=now, kind="escalate", actor=SYSTEM,
                           detail={"from_tier": e.from_tier, "to_tier": e.to_tier}))
    audit.record(session, SYSTEM, "alert.escalate", "alert", e.alert_id, at=now,
                 scope_code=alert.city_code if alert else None,
                 summary=T.AUDIT_ESCALATE.format(id=e.alert_id, tier=e.to_tier))
    return True


def _bumped(a: P.AlertSnap, tier: int, now: datetime) -> P.AlertSnap:
    from dataclasses import replace

    return replace(a, escalation_tier=tier, escalated_at=now, version=a.version + 1)


def _previous(session: Session, group_key: str) -> P.PreviousPlan | None:
    """The last announced state of a group, read back from the notification log."""
    rows = session.scalars(select(Notification.payload).where(Notification.group_key == group_key)
                           .order_by(Notification.id.desc()).limit(200)).all()
    for payload in rows:
        if payload and payload.get("kind") == "notify":
            sig = tuple(tuple(e) for e in payload.get("signature", []))
            return P.PreviousPlan(sig, int(payload.get("generation", 0)))
    return None


def _rows(session: Session, ids: Sequence[int]) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.id.in_(ids))).all()) if ids else []


def _suppressed_intents(snaps: Sequence[P.AlertSnap], muted: dict[int, P.Suppression]) -> list[P.Intent]:
    """One suppressed record per group and suppression state, so the console shows why nobody was told."""
    by_group: dict[str, list[P.AlertSnap]] = {}
    for a in snaps:
        if a.id in muted:
            by_group.setdefault(a.group_key, []).append(a)
    out: list[P.Intent] = []
    for gk, members in sorted(by_group.items()):
        entries = [{"id": a.id, "stage": muted[a.id].stage, "by": muted[a.id].by, "reason": muted[a.id].reason,
                    "state": a.state, "severity": a.severity} for a in members]
        key = P.idem_key("suppressed", gk, [(e["id"], e["stage"], e["by"], e["state"], e["severity"]) for e in entries])
        detail = "；".join(f"#{e['id']} {e['reason']}" for e in entries)
        out.append(P.Intent(key, gk, tuple(a.id for a in members), "-", "-", None,
                            {"kind": "suppressed", "alerts": entries}, suppressed=True, detail=detail))
    return out


def _write(session: Session, intents: Sequence[P.Intent], now: datetime) -> list[Notification]:
    if not intents:
        return []
    keys = [i.idem_key for i in intents]
    existing = set(session.scalars(select(Notification.idem_key).where(Notification.idem_key.in_(keys))).all())
    added: list[Notification] = []
    for i in intents:
        if i.idem_key in existing:
            continue
        row = Notification(idem_key=i.idem_key, group_key=i.group_key, alert_ids=list(i.alert_ids),
                           receiver=i.receiver, notifier=i.notifier, recipient=i.recipient, payload=i.payload,
                           status=DeliveryStatus.SUPPRESSED if i.suppressed else DeliveryStatus.PENDING,
                           attempts=0, created_at=now, next_attempt_at=None if i.suppressed else now,
                           detail=i.detail)
        try:
            with session.begin_nested():  # another planner (a second process) may have written it first
                session.add(row)
                session.flush()
        except IntegrityError:
            continue
        existing.add(i.idem_key)
        added.append(row)
    return added
