"""The province's side of the outbox (docs/federation.md): a city's events applied to the province's tables.

:func:`apply_batch` applies one city's batch in order inside the caller's transaction, skipping every event
whose sequence number (the city's outbox id) is at or below the highest already applied for that city, so a
batch sent again (its answer lost) changes nothing. Mirrored rows carry ``origin_node`` (and ``origin_id``):
alerts by (city, id at the city) with their fingerprint namespaced by the city, alert events appended to
them, findings by (site code, check, fingerprint), check runs by (city, id at the city), hosts by name.
An event about a site, host or alert outside the city's scope raises :class:`OutOfScope` and one that cannot
be read :class:`BadEvent`: the caller rolls the whole batch back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from alerts.states import AlertState
from core.logging import get_logger
from core.severity import Severity
from db.models import CheckRun, Finding, Host, HostRole, RunStatus, Site
from db.models_alerts import Alert, AlertEvent
from db.models_federation import FederatedNode, NodeCommand
from federation.status import touch
from security.access import Kind
from security.owners import owner_of
from security.scope import can_see, covers, node_of

log = get_logger(__name__)


class OutOfScope(Exception):
    """An event names something outside the sending city's scope (Chinese message)."""


class BadEvent(ValueError):
    """An event that cannot be read (Chinese message)."""


class UnknownSite(LookupError):
    """An event about a site the province has not registered: passed over (counted, logged), never blocking
    the city's queue behind it; another city's site is :class:`OutOfScope`."""


@dataclass(frozen=True)
class Applied:
    """What one batch did: the highest sequence number now applied for the city, and how many events of
    the batch were applied (the rest were applied before)."""

    last_seq: int
    applied: int
    skipped: int
    unknown: tuple[str, ...] = ()  # site codes of events passed over: not registered at the province


def mirror_fingerprint(node: str, fingerprint: str) -> str:
    """A city alert's fingerprint at the province: never equal to one of the province's own."""
    return hashlib.sha1(f"{node}|{fingerprint}".encode()).hexdigest()


def _dt(v: Any) -> datetime | None:
    if v is None:
        return None
    try:
        return datetime.fromisoformat(str(v))
    except ValueError:
        raise BadEvent(f"时间格式有误：{str(v)[:40]}") from None


def _when(p: Mapping[str, Any], key: str) -> datetime:
    found = _dt(_need(p, key))
    assert found is not None
    return found


def _date(v: Any) -> date | None:
    if v is None:
        return None
    try:
        return date.fromisoformat(str(v))
    except ValueError:
        raise BadEvent(f"日期格式有误：{str(v)[:40]}") from None


def _need(p: Mapping[str, Any], key: str) -> Any:
    if p.get(key) is None:
        raise BadEvent(f"事件缺少字段 {key}")
    return p[key]


def _site(session: Session, node: str, code: str) -> Site:
    site = session.scalars(select(Site).where(Site.code == code)).one_or_none()
    if site is None:
        raise UnknownSite(code)
    if not covers(node, owner_of(session, Kind.SITE, code)):
        raise OutOfScope(f"网站 {code[:40]} 不在节点 {node} 的范围内")
    return site


def _alert(session: Session, node: str, p: Mapping[str, Any]) -> None:
    city, labels = str(_need(p, "city_code")), p.get("labels") or {}
    if not can_see(node, city, node_of(labels)):
        raise OutOfScope(f"告警（本地编号 {p.get('id')}）属于 {city}，不在节点 {node} 的范围内")
    origin_id = int(_need(p, "id"))
    row = session.scalars(select(Alert).where(Alert.origin_node == node, Alert.origin_id == origin_id)).one_or_none()
    if row is None:
        row = Alert(origin_node=node, origin_id=origin_id)
        session.add(row)
    row.fingerprint = mirror_fingerprint(node, str(_need(p, "fingerprint")))
    row.rule, row.rule_file = str(_need(p, "rule")), str(p.get("rule_file") or "")
    row.severity, row.rule_severity = Severity(_need(p, "severity")), Severity(_need(p, "rule_severity"))
    row.state = AlertState(_need(p, "state"))
    row.labels, row.summary, row.value = dict(labels), str(p.get("summary") or ""), p.get("value")
    row.city_code, row.group_key = city, f"{node}|{p.get('group_key') or ''}"[:256]
    for name in ("started_at", "fired_at", "last_true_at", "last_eval_at", "acknowledged_at", "resolved_at",
                 "escalated_at"):
        setattr(row, name, _dt(p.get(name)))
    if row.started_at is None:
        raise BadEvent("告警缺少开始时间")
    row.acknowledged_by, row.assigned_to = p.get("acknowledged_by"), p.get("assigned_to")
    row.resolved_by, row.resolve_reason = p.get("resolved_by"), p.get("resolve_reason")
    row.escalation_tier = int(p.get("escalation_tier") or 1)
    row.version, row.facts = int(p.get("version") or 1), p.get("facts")
    if row.state is AlertState.FIRING:
        _keep_pending_ack(session, node, row)
    session.flush()


def _keep_pending_ack(session: Session, node: str, row: Alert) -> None:
    """Acknowledged here, not yet at the city: a "firing" from the city written before it applied the ack must
    not make the province's wall say firing again meanwhile."""
    pending = session.execute(select(NodeCommand.created_at, NodeCommand.created_by, NodeCommand.payload).where(
        NodeCommand.node_code == node, NodeCommand.kind == "ack", NodeCommand.applied_at.is_(None))).all()
    for at, by, payload in pending:
        if isinstance(payload, dict) and payload.get("origin_id") == row.origin_id:
            row.state, row.acknowledged_at, row.acknowledged_by = AlertState.ACKNOWLEDGED, at, by[:64]
            return


def _alert_event(session: Session, node: str, p: Mapping[str, Any]) -> bool:
    origin_alert = int(_need(p, "alert_id"))
    alert_id = session.scalar(select(Alert.id).where(Alert.origin_node == node, Alert.origin_id == origin_alert))
    if alert_id is None:  # its alert came first in the city's order; without it there is nothing to attach to
        return False
    session.add(AlertEvent(alert_id=alert_id, at=_when(p, "at"), kind=str(_need(p, "kind")),
                           actor=str(p.get("actor") or "")[:96], from_state=p.get("from_state"),
                           to_state=p.get("to_state"), note=str(p.get("note") or ""),
                           detail={**(p.get("detail") or {}), "origin_node": node, "origin_event": p.get("id")}))
    return True


def _finding(session: Session, node: str, p: Mapping[str, Any]) -> None:
    site = _site(session, node, str(_need(p, "site")))
    check, fp = str(_need(p, "check")), str(_need(p, "fingerprint"))
    row = session.scalars(select(Finding).where(Finding.site_id == site.id, Finding.check == check,
                                                Finding.fingerprint == fp)).one_or_none()
    if row is None:
        row = Finding(site_id=site.id, check=check, fingerprint=fp)
        session.add(row)
    row.origin_node = node
    row.kind, row.location = str(_need(p, "kind")), str(p.get("location") or "")
    row.severity, row.detail = Severity(_need(p, "severity")), str(p.get("detail") or "")
    row.evidence, row.deadline, row.veto = p.get("evidence") or {}, _date(p.get("deadline")), bool(p.get("veto"))
    row.first_seen, row.last_seen = _when(p, "first_seen"), _when(p, "last_seen")
    row.resolved_at, row.reopen_count = _dt(p.get("resolved_at")), int(p.get("reopen_count") or 0)


def _check_run(session: Session, node: str, p: Mapping[str, Any]) -> None:
    site = _site(session, node, str(_need(p, "site")))
    origin_id = int(_need(p, "id"))
    row = session.scalars(select(CheckRun).where(CheckRun.origin_node == node,
                                                 CheckRun.origin_id == origin_id)).one_or_none()
    if row is None:
        row = CheckRun(origin_node=node, origin_id=origin_id)
        session.add(row)
    row.site_id, row.check = site.id, str(_need(p, "check"))
    row.as_of, row.started_at = _when(p, "as_of"), _when(p, "started_at")
    row.finished_at, row.status = _when(p, "finished_at"), RunStatus(_need(p, "status"))
    row.error, row.stats, row.findings = p.get("error"), p.get("stats") or {}, int(p.get("findings") or 0)
    row.facts = p.get("facts") or None  # a city node older than inspection_run.facts sends none


def _host(session: Session, node: str, op: str, p: Mapping[str, Any]) -> None:
    name = str(_need(p, "name"))
    row = session.scalars(select(Host).where(Host.name == name)).one_or_none()
    if row is not None and row.origin_node != node:
        raise OutOfScope(f"主机“{name[:64]}”已登记在省级节点，不属于节点 {node} 的同步范围")
    if op == "delete":
        if row is not None:
            session.delete(row)
        return
    host_node = str(_need(p, "node_code"))
    if not covers(node, owner_of(session, Kind.DIVISION, host_node)):
        raise OutOfScope(f"主机“{name[:64]}”属于 {host_node}，不在节点 {node} 的范围内")
    if row is None:
        row = Host(name=name, origin_node=node)
        session.add(row)
    row.address, row.node_code = str(p.get("address") or ""), host_node
    row.role, row.local = HostRole(p.get("role") or HostRole.OTHER.value), False  # never this machine
    row.ssh_port, row.enabled = int(p.get("ssh_port") or 22), bool(p.get("enabled", True))


def _command_applied(session: Session, node: str, p: Mapping[str, Any], at: datetime | None) -> None:
    cmd = session.get(NodeCommand, int(_need(p, "command_id")))
    if cmd is None:  # gone at the province (e.g. a restored database): nothing to record it on
        return
    if cmd.node_code != node:
        raise OutOfScope(f"指令 {p.get('command_id')} 不是发给节点 {node} 的")
    if cmd.applied_at is None:
        cmd.applied_at, cmd.result = at, str(p.get("result") or "")


def apply_event(session: Session, node: str, ev: Mapping[str, Any]) -> None:
    """Apply one event of city ``node`` (the caller checked its sequence number)."""
    entity, op, payload = ev.get("entity"), str(ev.get("op") or ""), ev.get("payload")
    if not isinstance(payload, Mapping):
        raise BadEvent("事件缺少 payload")
    if entity == "alert":
        _alert(session, node, payload)
    elif entity == "alert_event":
        _alert_event(session, node, payload)
    elif entity == "finding":
        _finding(session, node, payload)
    elif entity == "check_run":
        _check_run(session, node, payload)
    elif entity == "host":
        _host(session, node, op, payload)
    elif entity == "command":
        _command_applied(session, node, payload, _dt(ev.get("created_at")))
    else:
        raise BadEvent(f"未知的事件类型 {str(entity)[:24]}")


def apply_batch(session: Session, node: str, events: Sequence[Mapping[str, Any]], now: datetime) -> Applied:
    """Apply city ``node``'s ``events`` (ascending ``seq``) once each; records the node as heard from. The
    caller commits, or rolls back on :class:`OutOfScope`/:class:`BadEvent`."""
    # Two batches of one city at once (a request the city gave up on still running when it sends again) must
    # not both read the same last_event_seq: the second waits for the first's commit (PostgreSQL; SQLite
    # serialises writers and refuses the stale one).
    session.get(FederatedNode, node, with_for_update=True, populate_existing=True)
    fed = touch(session, node, now)
    last = fed.last_event_seq or 0
    applied = skipped = 0
    unknown: list[str] = []
    for ev in events:
        try:
            seq = int(ev["seq"])
        except (KeyError, TypeError, ValueError):
            raise BadEvent("事件缺少序号 seq") from None
        if seq <= last:
            skipped += 1
            continue
        try:
            apply_event(session, node, ev)  # UnknownSite is raised before anything is written
        except UnknownSite as exc:
            unknown.append(str(exc.args[0])[:40])
        except OutOfScope as exc:
            raise OutOfScope(f"第 {seq} 号事件：{exc}") from None
        except BadEvent as exc:
            raise BadEvent(f"第 {seq} 号事件：{exc}") from None
        except (ValueError, TypeError, KeyError) as exc:
            raise BadEvent(f"第 {seq} 号事件（{str(ev.get('entity'))[:24]}）字段取值无效：{str(exc)[:200]}") from None
        session.flush()
        last, applied = seq, applied + 1
        fed.last_event_seq, fed.last_event_at = seq, _dt(ev.get("created_at")) or fed.last_event_at
    fed.events_applied = (fed.events_applied or 0) + applied
    if unknown:
        log.warning("federation.unknown_sites", node=node, events=len(unknown), sites=sorted(set(unknown))[:20])
    return Applied(last, applied, skipped, tuple(unknown))


def commands_after(session: Session, node: str, after: int, limit: int = 500) -> list[dict[str, Any]]:
    """City ``node``'s commands with id above ``after`` and those not reported applied yet, oldest first.

    The second half closes a race: two commands written at once may commit out of id order (a PostgreSQL
    sequence), so one with an id below ``after`` may appear after the city moved past it. The city skips
    the ones it applied already."""
    rows = session.scalars(select(NodeCommand).where(NodeCommand.node_code == node,
                                                     or_(NodeCommand.id > after, NodeCommand.applied_at.is_(None)))
                           .order_by(NodeCommand.id).limit(limit))
    return [{"id": c.id, "kind": c.kind, "payload": c.payload, "created_at": c.created_at.isoformat(),
             "created_by": c.created_by} for c in rows]
