"""The city's transactional outbox (docs/federation.md, "Alerts, findings and hosts: the outbox").

:func:`install` attaches session hooks to one ``sessionmaker`` (the composition root does it on a city node
with a province link, never at import): every transaction that inserts or changes an alert, adds an alert
event, inserts or changes an inspection finding, inserts a check run, or inserts, changes or deletes a host
gets one :class:`~db.models_federation.OutboxEvent` per changed entity, written by the same commit, so a
rolled-back transaction leaves none. Changes made through the ORM (``session.add``, attribute changes,
``session.delete``) and bulk ``update()``/``delete()`` statements on those tables are both seen; an event
carries the entity's state at commit (several changes in one transaction are one event). Payloads name
things by what the province knows too: a site by its code, a host by its name, an alert by its id at the
city plus its fingerprint.

On PostgreSQL a transaction that writes outbox events takes an exclusive lock on the table until it commits,
so event ids follow commit order (the province skips ids at or below the last it applied); SQLite
serialises writers by itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import delete, event, func, inspect, select, text
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker

from alerts.states import AlertState
from db.models import CheckRun, Finding, Host, Site, utcnow
from db.models_alerts import Alert, AlertEvent
from db.models_federation import OutboxEvent

INFO_KEY = "govops_outbox"
INSTALLED_KEY = "govops_outbox_installed"
TRACKED = (Alert, AlertEvent, Finding, CheckRun, Host)


@dataclass
class Pending:
    """What the current transaction changed, by primary key, until it commits (or rolls back)."""

    alerts: set[int] = field(default_factory=set)
    alert_events: set[int] = field(default_factory=set)
    findings: set[int] = field(default_factory=set)
    runs: set[int] = field(default_factory=set)
    hosts: set[int] = field(default_factory=set)
    deleted_hosts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (self.alerts or self.alert_events or self.findings or self.runs or self.hosts
                    or self.deleted_hosts)


def _pending(session: Session) -> Pending:
    found = session.info.get(INFO_KEY)
    if found is None:
        found = session.info[INFO_KEY] = Pending()
    return found


def _value(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Enum):
        return v.value
    return v


def _columns(row: Any, names: Iterable[str]) -> dict[str, Any]:
    return {n: _value(getattr(row, n)) for n in names}


ALERT_FIELDS = ("id", "fingerprint", "rule", "rule_file", "severity", "rule_severity", "state", "labels", "summary",
                "value", "city_code", "group_key", "started_at", "fired_at", "last_true_at", "last_eval_at",
                "acknowledged_at", "acknowledged_by", "assigned_to", "resolved_at", "resolved_by", "resolve_reason",
                "escalation_tier", "escalated_at", "version", "facts")
EVENT_FIELDS = ("id", "alert_id", "at", "kind", "actor", "from_state", "to_state", "note", "detail")
FINDING_FIELDS = ("check", "fingerprint", "kind", "location", "severity", "detail", "evidence", "deadline", "veto",
                  "first_seen", "last_seen", "resolved_at", "reopen_count")
RUN_FIELDS = ("id", "check", "as_of", "started_at", "finished_at", "status", "error", "stats", "findings", "facts")
HOST_FIELDS = ("name", "address", "node_code", "role", "local", "ssh_port", "enabled")


def alert_payload(a: Alert) -> dict[str, Any]:
    return _columns(a, ALERT_FIELDS)


def alert_event_payload(e: AlertEvent) -> dict[str, Any]:
    return _columns(e, EVENT_FIELDS)


def finding_payload(f: Finding, site_code: str) -> dict[str, Any]:
    return {"site": site_code, **_columns(f, FINDING_FIELDS)}


def run_payload(r: CheckRun, site_code: str) -> dict[str, Any]:
    return {"site": site_code, **_columns(r, RUN_FIELDS)}


def host_payload(h: Host) -> dict[str, Any]:
    return _columns(h, HOST_FIELDS)


def new_event(entity: str, key: str, op: str, payload: dict[str, Any], now: datetime | None = None) -> OutboxEvent:
    """One outbox row (not yet added to a session)."""
    return OutboxEvent(event_id=str(uuid.uuid4()), entity=entity, entity_key=key[:256], op=op, payload=payload,
                       created_at=now or utcnow())


def _note(session: Session, obj: Any) -> None:
    p = _pending(session)
    if getattr(obj, "origin_node", None):  # a mirror of another node's row is never sent back
        return
    if isinstance(obj, Alert):
        p.alerts.add(obj.id)
    elif isinstance(obj, AlertEvent):
        p.alert_events.add(obj.id)
    elif isinstance(obj, Finding):
        p.findings.add(obj.id)
    elif isinstance(obj, CheckRun):
        p.runs.add(obj.id)
    elif isinstance(obj, Host):
        p.hosts.add(obj.id)


# A finding seen again unchanged only moves its last_seen: not worth an event per finding per run (a crawl
# re-sees thousands); the province's copy keeps the last_seen of its last real change.
QUIET_FINDING_CHANGES = frozenset({"last_seen"})


def _quiet(obj: Any) -> bool:
    if not isinstance(obj, Finding):
        return False
    changed = {a.key for a in inspect(obj).attrs if a.history.has_changes()}
    return changed <= QUIET_FINDING_CHANGES


def _after_flush(session: Session, _ctx: Any) -> None:
    for obj in session.new:
        if isinstance(obj, TRACKED) and obj.id is not None:
            _note(session, obj)
    for obj in session.dirty:
        if isinstance(obj, TRACKED) and obj.id is not None and not _quiet(obj):
            _note(session, obj)
    for obj in session.dirty:
        if isinstance(obj, Host) and not obj.origin_node:  # renamed: the old name is gone
            for old in inspect(obj).attrs.name.history.deleted or ():
                if old and old != obj.name:
                    _pending(session).deleted_hosts[old] = {**host_payload(obj), "name": old}
    for obj in session.deleted:
        if isinstance(obj, Host) and not obj.origin_node:
            p = _pending(session)
            p.hosts.discard(obj.id)
            p.deleted_hosts[obj.name] = host_payload(obj)


def _on_execute(state: ORMExecuteState) -> None:
    """A bulk UPDATE/DELETE of a tracked table: note the rows it is about to touch (read first, with the same
    WHERE clause, inside the same transaction)."""
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    cls = mapper.class_ if mapper is not None else None
    if cls not in TRACKED:
        return
    session = state.session
    where = getattr(state.statement, "whereclause", None)
    params = state.parameters
    if where is None and isinstance(params, list):  # bulk UPDATE by primary key: one dict per row
        ids = [int(p["id"]) for p in params if isinstance(p, dict) and "id" in p]
        where = cls.id.in_(ids)
    if state.is_delete and cls is Host:
        q = select(Host).where(Host.origin_node.is_(None))
        for row in session.scalars(q.where(where) if where is not None else q):
            _pending(session).deleted_hosts[row.name] = host_payload(row)
        return
    # Only ids are read: loading rows here would put them in the identity map ahead of the caller's own reads.
    q2 = select(cls.id, cls.origin_node) if hasattr(cls, "origin_node") else select(cls.id, text("NULL"))
    p = _pending(session)
    target = {Alert: p.alerts, AlertEvent: p.alert_events, Finding: p.findings, CheckRun: p.runs, Host: p.hosts}[cls]
    for ident, origin in session.execute(q2.where(where) if where is not None else q2):
        if not origin:
            target.add(ident)


def _site_codes(session: Session, ids: set[int]) -> dict[int, str]:
    ordered = sorted(ids)
    out: dict[int, str] = {}
    for i in range(0, len(ordered), CHUNK):
        q = select(Site.id, Site.code).where(Site.id.in_(ordered[i:i + CHUNK]))
        out.update({sid: code for sid, code in session.execute(q)})
    return out


CHUNK = 500  # ids per IN (…): far below SQLite's limit on bound parameters


def _fresh(session: Session, cls: Any, ids: set[int]) -> list[Any]:
    """The rows of ``ids`` as stored now (the identity map refreshed: a bulk UPDATE bypassed it), by id."""
    ordered = sorted(ids)
    out: list[Any] = []
    for i in range(0, len(ordered), CHUNK):
        out += session.scalars(select(cls).where(cls.id.in_(ordered[i:i + CHUNK])).order_by(cls.id)
                               .execution_options(populate_existing=True))
    return out


def collect(session: Session, p: Pending, now: datetime) -> list[OutboxEvent]:
    """The outbox rows for what ``p`` records, read as the rows stand now: hosts, check runs, findings, alerts,
    then alert events (an event's alert is upserted before it)."""
    out: list[OutboxEvent] = []
    for h in _fresh(session, Host, p.hosts):
        out.append(new_event("host", f"host:{h.name}", "upsert", host_payload(h), now))
    for name, payload in sorted(p.deleted_hosts.items()):
        if session.scalar(select(func.count()).select_from(Host).where(Host.name == name)) == 0:
            out.append(new_event("host", f"host:{name}", "delete", payload, now))
    runs = _fresh(session, CheckRun, p.runs)
    findings = _fresh(session, Finding, p.findings)
    sites = _site_codes(session, {r.site_id for r in runs} | {f.site_id for f in findings})
    for r in runs:
        if r.site_id in sites:
            out.append(new_event("check_run", f"check_run:{r.id}", "upsert", run_payload(r, sites[r.site_id]), now))
    for f in findings:
        if f.site_id in sites:
            site = sites[f.site_id]
            out.append(new_event("finding", f"finding:{site}|{f.check}|{f.fingerprint}", "upsert",
                                 finding_payload(f, site), now))
    for a in _fresh(session, Alert, p.alerts):
        out.append(new_event("alert", f"alert:{a.id}", "upsert", alert_payload(a), now))
    for e in _fresh(session, AlertEvent, p.alert_events):
        out.append(new_event("alert_event", f"alert:{e.alert_id}", "insert", alert_event_payload(e), now))
    return out


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE outbox_event IN EXCLUSIVE MODE"))


def _before_commit(session: Session) -> None:
    session.flush()
    p = session.info.pop(INFO_KEY, None)
    events = collect(session, p, utcnow()) if p is not None and not p.empty() else []
    session.info.pop(INFO_KEY, None)  # reading rows back noted nothing that is not already in ``events``
    if events or any(isinstance(o, OutboxEvent) for o in session.new):
        _lock(session)
    session.add_all(events)


def _forget(session: Session, previous: SessionTransaction) -> None:
    # Only the outermost transaction's rollback drops what it changed; a savepoint rolled back (the planner's
    # "someone wrote it first") leaves the rest of the transaction, and its events, to commit.
    if previous.parent is None and not previous.nested:
        session.info.pop(INFO_KEY, None)


def install(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Capture outbox events in every session ``sessions`` makes (idempotent per factory); returns it."""
    marker = sessions.kw.setdefault("info", {})
    if marker.get(INSTALLED_KEY):
        return sessions
    marker[INSTALLED_KEY] = True
    event.listen(sessions, "after_flush", _after_flush)
    event.listen(sessions, "do_orm_execute", _on_execute)
    event.listen(sessions, "before_commit", _before_commit)
    event.listen(sessions, "after_soft_rollback", _forget)
    return sessions


def installed(sessions: sessionmaker[Session]) -> bool:
    return bool(sessions.kw.get("info", {}).get(INSTALLED_KEY))


def snapshot(session: Session, now: datetime) -> int:
    """On a city whose outbox never held an event (just linked to the province): one upsert for every host,
    open alert (with its events) and open finding it already has, so the province starts from the city's
    present state; how many events. Does nothing (0) once the outbox has held anything. The caller commits."""
    if session.scalar(select(func.count()).select_from(OutboxEvent)):
        return 0
    open_alerts = set(session.scalars(select(Alert.id).where(Alert.state != AlertState.RESOLVED,
                                                             Alert.origin_node.is_(None))))
    p = Pending(
        alerts=open_alerts,
        alert_events=set(session.scalars(select(AlertEvent.id).where(AlertEvent.alert_id.in_(open_alerts))))
        if open_alerts else set(),
        findings=set(session.scalars(select(Finding.id).where(Finding.resolved_at.is_(None),
                                                              Finding.origin_node.is_(None)))),
        hosts=set(session.scalars(select(Host.id).where(Host.origin_node.is_(None)))))
    events = collect(session, p, now)
    session.add_all(events)
    return len(events)


def prune(session: Session, before: datetime, limit: int = 5000) -> int:
    """Delete up to ``limit`` events the province took before ``before`` (never the newest event, whose id the
    next one follows); how many. The caller commits."""
    newest = session.scalar(select(func.max(OutboxEvent.id)))
    ids = list(session.scalars(select(OutboxEvent.id).where(OutboxEvent.sent_at.is_not(None),
                                                            OutboxEvent.sent_at < before, OutboxEvent.id != newest)
                               .order_by(OutboxEvent.id).limit(limit)))
    if ids:
        session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(ids)))
    return len(ids)


def backlog(session: Session) -> int:
    """How many outbox events wait to be sent."""
    return int(session.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.sent_at.is_(None)))
               or 0)
