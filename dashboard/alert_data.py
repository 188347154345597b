"""Read-only alert queries behind the wall's alert ticker and the on-call console (/alerts).

Every function takes the session (or sessionmaker) and ``now`` explicitly and writes nothing.
Frames carry the columns in :data:`ALERT_COLUMNS`; layouts/alerts.py turns them into components.
Scope: ``scope_code`` is the viewer's region (430000 sees everything, a city only its own, a county only the
alerts filed under its own node: :func:`visible`, security.scope.can_see).
:class:`AlertReader` wraps the wall's reads in the app cache (one query per cache window).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import pandas as pd
from flask import current_app
from flask_caching import Cache
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts import summary
from alerts.evaluate import COLLECTOR_HEALTH, COLLECTOR_INTERVAL, finding_matches
from alerts.inhibition import InhibitRule, Problems, problems
from alerts.labels import LabelNames, label_names
from alerts.pipeline import AlertSnap
from alerts.rules import Rule, RuleSet
from alerts.states import OPEN_STATES, AlertState
from collectors.base import collector_of
from core.region import is_county
from core.severity import Severity
from dashboard import health, inputs
from dashboard.audit_data import _summary as audit_summary  # older entries named the rule; shown by number
from db.models import Node, NodeLevel, Site
from db.models_alerts import Alert, AlertEvent, Notification
from db.models_security import AuditEntry
from db.timestamps import aware
from layouts.alerts_evidence import FINDING_COLUMNS
from security.scope import PROVINCE_CODE, can_see, city_prefilter, node_of
from tsdb.series import honest_query
from tsdb.store import MetricStore, Query

ALERT_COLUMNS = ["id", "rule", "severity", "state", "city_code", "city_name", "site", "site_name", "summary",
                 "fired_at", "acknowledged_by", "assigned_to", "version", "resolved_at", "started_at",
                 "last_eval_at", "value", "facts", "inhibited_by", "dependants"]
# ``inhibited_by``: the top-level alert this one is a dependant of (None for a problem of its own);
# ``dependants``: the ids listed under it. Both from alerts.inhibition over every open alert.
# ``summary`` is the text at the ``now`` of the read; layouts/alerts.py renders it again (from ``facts`` and the
# timestamps) at the moment it is shown, so a cached frame still shows running durations.
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
CHART_BEFORE = timedelta(hours=2)  # the metric chart spans at least the firing time -2 h .. +1 h (capped at now)
CHART_AFTER = timedelta(hours=1)
CHART_BUCKETS = 8  # ... and at least this many buckets before the firing time
MIN_EVERY = timedelta(minutes=1)


class MetricChart(NamedTuple):
    """The series the console charts for a metric rule: ``agg`` of ``measurement.field`` per ``every``."""

    measurement: str
    field: str
    agg: str
    frame: pd.DataFrame  # time, value, partial
    every: timedelta = timedelta(minutes=5)


class ChartPlan(NamedTuple):
    start: datetime
    stop: datetime
    every: timedelta
    settle: timedelta


def chart_plan(rule: Rule, interval_s: float | None, fired: datetime, now: datetime,
               limit_s: float | None = None) -> ChartPlan:
    """The chart's range, bucket and settle time for ``rule``, from the rule itself. Pure.

    The bucket is what the rule judges over: its ``window`` (a data-minimum rule's ``min_samples_per`` slice,
    so the 7-day ratio is charted per day), or for an absence rule the series' own collection interval
    (``interval_s``; points per interval, not per 5 minutes of an hourly or daily collector); never shorter
    than that interval. The range is the firing time −2 h … +1 h, widened to the rule's window (or the
    absence limit and two intervals) and to :data:`CHART_BUCKETS` buckets before it; capped at now. A bucket
    is complete once one collection round after its end has been written (``settle`` = the interval; the
    bucket width when the interval is unknown)."""
    interval = timedelta(seconds=interval_s) if interval_s else None
    if rule.kind == "absence":
        base = interval or rule.absent_for
        reach = timedelta(seconds=limit_s) if limit_s else rule.absent_for
        reach += 2 * base
    else:
        base = rule.min_samples_per or rule.window
        reach = rule.window
    every = max(base, interval or MIN_EVERY, MIN_EVERY)
    before = max(CHART_BEFORE, reach, CHART_BUCKETS * every)
    start, stop = fired - before, min(fired + max(CHART_AFTER, every), now)
    if stop <= start:
        stop = start + every
    return ChartPlan(start, stop, every, interval or every)


def series_interval(store: MetricStore, measurement: str, field_name: str) -> float | None:
    """Seconds between two collections of ``measurement.field``: the interval the scheduler recorded for the
    collector kind that declares it (the longest over nodes); None when unknown."""
    kind = collector_of(measurement, field_name)
    if kind is None:
        return None
    frame = store.latest(COLLECTOR_HEALTH, COLLECTOR_INTERVAL, {"collector": kind})
    values = [float(v) for v in frame["value"] if v is not None and not pd.isna(v)] if len(frame) else []
    return max(values, default=None)


@dataclass(frozen=True)
class AlertFilter:
    """Console filters; empty means "any". ``states`` empty means the open states."""

    severity: str = ""
    city: str = ""
    site: str = ""
    states: tuple[str, ...] = ()


def visible(scope_code: str, alert: Alert) -> bool:
    """Whether a viewer scoped to ``scope_code`` may see ``alert``: its city, and for a county scope its
    ``node`` label (an alert without one is its city's, never a county's)."""
    return can_see(scope_code, alert.city_code, node_of(alert.labels))


def _names(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    cities = {c: n for c, n in session.execute(select(Node.code, Node.name).where(Node.level == NodeLevel.CITY))}
    cities[PROVINCE_CODE] = "省本级"
    sites = {c: n for c, n in session.execute(select(Site.code, Site.name))}
    return cities, sites


def _row(a: Alert, now: datetime, cities: dict[str, str], sites: dict[str, str],
         grouped: Problems | None = None) -> dict[str, Any]:
    fired = aware(a.fired_at)  # None for an alert that never fired (pending, or resolved before firing)
    site = (a.labels or {}).get("site", "")
    return {"id": a.id, "rule": a.rule, "severity": a.severity.value, "state": a.state.value,
            "city_code": a.city_code, "city_name": cities.get(a.city_code, a.city_code), "site": site,
            "site_name": sites.get(site, site), "summary": summary.shown(a.summary, a.facts, summary.timing_of(a), now),
            "fired_at": fired,
            "acknowledged_by": a.acknowledged_by or "", "assigned_to": a.assigned_to or "", "version": a.version,
            "resolved_at": aware(a.resolved_at), "started_at": aware(a.started_at),
            "last_eval_at": aware(a.last_eval_at), "value": a.value, "facts": dict(a.facts or {}),
            "inhibited_by": grouped.source_of(a.id) if grouped else None,
            "dependants": grouped.dependants(a.id) if grouped else ()}


def open_problems(session: Session, rules: Sequence[InhibitRule]) -> Problems:
    """Every open alert grouped into problems by the rule files' inhibit rules (the planner's stage)."""
    if not rules:
        return Problems()
    snaps = [AlertSnap.of(a) for a in session.scalars(select(Alert).where(Alert.state.in_(OPEN_STATES)))]
    return problems(snaps, rules)


def _clean_filter(flt: AlertFilter) -> AlertFilter | None:
    """``flt`` with every value as text; None when a severity or state is none of ours."""
    states = tuple(inputs.text(v, 32) for v in flt.states) if isinstance(flt.states, tuple | list) else ()
    severity = inputs.text(flt.severity, 32)
    if (severity and severity not in {s.value for s in Severity}) or \
            any(s not in {a.value for a in AlertState} for s in states):
        return None
    return AlertFilter(severity=severity, city=inputs.text(flt.city, 16), site=inputs.text(flt.site, 32),
                       states=states)


def list_alerts(session: Session, now: datetime, flt: AlertFilter = AlertFilter(), *,
                scope_code: str = PROVINCE_CODE, limit: int = 500,
                inhibit_rules: Sequence[InhibitRule] = ()) -> pd.DataFrame:
    """Alerts matching ``flt`` inside the viewer's scope: severity first, then newest first (:func:`newest_first`:
    by firing time, never-fired ones after, then by start), each alert's dependants (``inhibit_rules``) right
    under it. ``fired_at`` is None for an alert that never fired. A filter value that names no severity or
    state (the browser sent something the screen does not offer) matches nothing."""
    clean = _clean_filter(flt)
    if clean is None:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    states = [AlertState(s) for s in clean.states] if clean.states else list(OPEN_STATES)
    q = select(Alert).where(Alert.state.in_(states)).order_by(Alert.id.desc())
    if not is_county(scope_code):  # a county's rows are picked from its city's below: no limit in SQL
        q = q.limit(limit)
    city = city_prefilter(scope_code)
    if city is not None:
        q = q.where(Alert.city_code == city)
    if clean.city:
        q = q.where(Alert.city_code == clean.city)
    if clean.severity:
        q = q.where(Alert.severity == Severity(clean.severity))
    cities, sites = _names(session)
    grouped = open_problems(session, inhibit_rules)
    rows = []
    for a in session.scalars(q.execution_options(yield_per=500)):
        if visible(scope_code, a):
            rows.append(_row(a, now, cities, sites, grouped))
            if len(rows) >= limit:
                break
    if clean.site:
        rows = [r for r in rows if r["site"] == clean.site]
    df = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    if df.empty:
        return df
    df["_rank"] = df["severity"].map(SEVERITY_RANK)
    df = newest_first(df, ["_rank"]).drop(columns="_rank")
    return under_sources(df.reset_index(drop=True))


def under_sources(df: pd.DataFrame) -> pd.DataFrame:
    """The frame reordered so each alert's dependants follow it (in their own order); a dependant whose
    source is not in the frame keeps its place. Pure."""
    ids = set(df["id"])
    children: dict[Any, list[int]] = {}
    for i, src in enumerate(df["inhibited_by"]):
        if src in ids:
            children.setdefault(src, []).append(i)
    order: list[int] = []
    for i, (aid, src) in enumerate(zip(df["id"], df["inhibited_by"], strict=True)):
        if src not in ids:
            order.append(i)
            order.extend(children.get(aid, []))
    return df.iloc[order].reset_index(drop=True)


def ticker(session: Session, now: datetime, limit: int = 12, *, scope_code: str = PROVINCE_CODE,
           inhibit_rules: Sequence[InhibitRule] = ()) -> pd.DataFrame:
    """The newest firing and acknowledged top-level problems for the wall ticker, newest first (``limit``
    rows); an alert that is a dependant of another (``inhibit_rules``) is not a problem of its own."""
    df = list_alerts(session, now, AlertFilter(states=("firing", "acknowledged")), scope_code=scope_code,
                     inhibit_rules=inhibit_rules)
    df = top_level(df)
    if df.empty:
        return df
    return newest_first(df).head(limit).reset_index(drop=True)


def newest_first(df: pd.DataFrame, before: Sequence[str] = ()) -> pd.DataFrame:
    """``df`` sorted by the columns ``before`` (ascending), then newest first: by ``fired_at`` (alerts that
    never fired after those that did), then by ``started_at``. Pure."""
    keys = [*before, "_fired", "_started"]
    out = df.assign(_fired=pd.to_datetime(df["fired_at"], utc=True),
                    _started=pd.to_datetime(df["started_at"], utc=True))
    out = out.sort_values(keys, ascending=[True] * len(before) + [False, False], na_position="last", kind="stable")
    return out.drop(columns=["_fired", "_started"])


def top_level(alerts: pd.DataFrame) -> pd.DataFrame:
    """The rows that are problems of their own (not a dependant of another alert). Pure."""
    if alerts.empty or "inhibited_by" not in alerts.columns:
        return alerts
    return alerts[alerts["inhibited_by"].isna()].reset_index(drop=True)


def counts_by_city(alerts: pd.DataFrame) -> pd.DataFrame:
    """Open problem counts per city from a :func:`list_alerts` frame: dependants are not counted. Pure.

    Columns ``city_code, city_name, total, critical, high, medium, low, unacked_critical, worst``;
    the cities with unacknowledged critical alerts first, then by total.
    """
    cols = ["city_code", "city_name", "total", "critical", "high", "medium", "low", "unacked_critical", "worst"]
    alerts = top_level(alerts)
    if alerts.empty:
        return pd.DataFrame(columns=cols)
    out = []
    for (code, name), g in alerts.groupby(["city_code", "city_name"], sort=False):
        counts = g["severity"].value_counts()
        crit_unack = int(((g["severity"] == "critical") & (g["state"] == "firing")).sum())
        worst = min(g["severity"], key=lambda s: SEVERITY_RANK.get(s, 9))
        out.append({"city_code": code, "city_name": name, "total": len(g),
                    **{s: int(counts.get(s, 0)) for s in SEVERITY_RANK}, "unacked_critical": crit_unack,
                    "worst": worst})
    df = pd.DataFrame(out, columns=cols)
    return df.sort_values(["unacked_critical", "total", "city_code"], ascending=[False, False, True]).reset_index(
        drop=True)


@dataclass
class AlertDetail:
    """One alert with everything the console shows beside it (plain values, no ORM objects)."""

    row: dict[str, Any]
    labels: dict[str, str]
    rule_severity: str
    started_at: datetime | None
    acknowledged_at: datetime | None
    resolve_reason: str
    events: pd.DataFrame  # at, kind, actor, from_state, to_state, note
    notifications: pd.DataFrame  # created_at, receiver, notifier, recipient, status, attempts, sent_at, detail
    audit: pd.DataFrame  # at, actor, action, summary, remote_addr
    extra: dict[str, Any] = field(default_factory=dict)
    names: LabelNames = field(default_factory=LabelNames)  # the labels' Chinese names (sites, divisions …)
    source: dict[str, Any] | None = None  # the top-level alert this one is a dependant of: id, rule, summary
    dependants: list[dict[str, Any]] = field(default_factory=list)  # the alerts listed under this one


def alert_detail(session: Session, alert_id: int, now: datetime, *, scope_code: str = PROVINCE_CODE,
                 inhibit_rules: Sequence[InhibitRule] = ()) -> AlertDetail | None:
    """The alert, its events, notifications and audit entries, the alert it depends on and its dependants
    (``inhibit_rules``); None when unknown or outside the scope."""
    a = session.get(Alert, alert_id, populate_existing=True)
    if a is None or not visible(scope_code, a):
        return None
    cities, sites = _names(session)
    grouped = open_problems(session, inhibit_rules)

    def brief(aid: int | None) -> dict[str, Any] | None:
        other = session.get(Alert, aid) if aid is not None else None
        if other is None or not visible(scope_code, other):
            return None  # a related alert of another region is not named
        return {"id": other.id, "rule": other.rule, "state": other.state.value, "severity": other.severity.value,
                "summary": summary.shown(other.summary, other.facts, summary.timing_of(other), now)}
    events = pd.DataFrame(
        [{"at": aware(e.at), "kind": e.kind, "actor": e.actor, "from_state": e.from_state or "",
          "to_state": e.to_state or "", "note": e.note}
         for e in session.scalars(select(AlertEvent).where(AlertEvent.alert_id == a.id).order_by(AlertEvent.id))],
        columns=["at", "kind", "actor", "from_state", "to_state", "note"])
    # alert_ids is a JSON list: narrow by group key in SQL, then keep the rows naming this alert.
    notes = [n for n in session.scalars(select(Notification).where(Notification.group_key == a.group_key)
                                        .order_by(Notification.id.desc())) if a.id in (n.alert_ids or [])]
    notifications = pd.DataFrame(
        [{"created_at": aware(n.created_at), "receiver": n.receiver, "notifier": n.notifier,
          "recipient": n.recipient or "", "status": n.status.value, "attempts": n.attempts,
          "sent_at": aware(n.sent_at), "detail": n.detail} for n in notes],
        columns=["created_at", "receiver", "notifier", "recipient", "status", "attempts", "sent_at", "detail"])
    audit = pd.DataFrame(
        [{"at": aware(e.at), "actor": e.actor, "action": e.action, "summary": audit_summary(e),
          "remote_addr": e.remote_addr or ""}
         for e in session.scalars(select(AuditEntry).where(AuditEntry.object_type == "alert",
                                                           AuditEntry.object_id == str(a.id))
                                  .order_by(AuditEntry.at, AuditEntry.id))],
        columns=["at", "actor", "action", "summary", "remote_addr"])
    return AlertDetail(row=_row(a, now, cities, sites, grouped), labels=dict(a.labels or {}),
                       rule_severity=a.rule_severity.value, started_at=aware(a.started_at),
                       acknowledged_at=aware(a.acknowledged_at), resolve_reason=a.resolve_reason or "",
                       events=events, notifications=notifications, audit=audit, names=label_names(session),
                       source=brief(grouped.source_of(a.id)),
                       dependants=[d for d in map(brief, grouped.dependants(a.id)) if d is not None])


def chart_series(store: MetricStore, rules: RuleSet, detail: AlertDetail, now: datetime) -> MetricChart | None:
    """The metric around the firing time for a metric rule (range and bucket from the rule, :func:`chart_plan`):
    the average of the rule's field per bucket filtered by the alert's ``group_by`` labels (for an absence rule,
    how many points arrived per collection interval: its silence); ``frame`` has ``time, value, partial`` (the
    running bucket's live row, tsdb.series). None for a finding rule or a rule no longer loaded: they have no
    metric, and an unrelated chart would mislead (the console shows the findings instead, :func:`alert_findings`)."""
    rule = rules.by_name().get(detail.row["rule"])
    if rule is None or not (rule.measurement and rule.field):
        return None
    facts = detail.row.get("facts") or {}
    interval_s = facts.get("interval_s") if rule.kind == "absence" else None
    interval_s = interval_s or series_interval(store, rule.measurement, rule.field)
    fired = detail.row["fired_at"] or detail.started_at or now
    plan = chart_plan(rule, interval_s, fired, now, facts.get("limit_s"))
    agg = "count" if rule.kind == "absence" else "avg"
    tags = {k: v for k, v in detail.labels.items() if k in rule.group_by}
    q = Query(rule.measurement, rule.field, plan.start, plan.stop, every=plan.every, agg=agg, tags=tags)  # type: ignore[arg-type]
    # Up to now: complete buckets and the running one apart (partial), never a half bucket as a drop.
    df = honest_query(store, q, now, settle=plan.settle) if plan.stop >= now else store.query(q).assign(partial=False)
    if df.empty:
        return MetricChart(rule.measurement, rule.field, agg, pd.DataFrame(columns=["time", "value", "partial"]),
                           plan.every)
    df = df.groupby(["time", "partial"], as_index=False)["value"].agg(  # several nodes: one line
        "sum" if agg == "count" else "mean")
    df = df.sort_values(["partial", "time"]).reset_index(drop=True)
    return MetricChart(rule.measurement, rule.field, agg, df[["time", "value", "partial"]], plan.every)


def alert_findings(session: Session, rules: RuleSet, detail: AlertDetail, now: datetime) -> pd.DataFrame | None:
    """The inspection findings behind a finding-rule alert, worst first (columns
    ``layouts.alerts_evidence.FINDING_COLUMNS``): those matching the rule and the alert's labels, open ones,
    and for a resolved alert those resolved since it started. None when the alert is not a finding rule's."""
    from inspection.findings import finding_history

    rule = rules.by_name().get(detail.row["rule"])
    if rule is None or rule.kind != "finding":
        return None
    site = detail.labels.get("site")
    started = detail.started_at or now
    today = now.date()
    keys = ("site", "node", "city", "check", "kind", "location")
    rows = []
    for f in finding_history(session, [site] if site else None, rule.checks):
        if f.resolved_at is not None and aware(f.resolved_at) < started:
            continue
        src = {"site": f.site_code, "node": f.node_code, "city": f.city_code, "check": f.check, "kind": f.kind,
               "location": f.location}
        if any(k in detail.labels and k in rule.group_by and detail.labels[k] != src[k] for k in keys):
            continue
        if not finding_matches(rule, f, today):
            continue
        rows.append({"id": f.id, "check": f.check, "kind": f.kind, "severity": f.severity.value,
                     "location": f.location, "detail": f.detail, "evidence": dict(f.evidence or {}),
                     "first_seen": aware(f.first_seen), "last_seen": aware(f.last_seen),
                     "resolved_at": aware(f.resolved_at), "_rank": f.severity.rank})
    df = pd.DataFrame(rows, columns=[*FINDING_COLUMNS, "_rank"])
    df = df.sort_values(["_rank", "last_seen"], ascending=[True, False], kind="stable") if not df.empty else df
    return df.drop(columns="_rank").reset_index(drop=True)


def response_times(session: Session, now: datetime, days: int, *, scope_code: str = PROVINCE_CODE
                   ) -> pd.DataFrame:
    """Alert rows fired in the last ``days`` days, for :func:`mtta_mttr` (``city_code, city_name,
    fired_at, acknowledged_at, resolved_at``)."""
    since = now - timedelta(days=days)
    q = select(Alert.city_code, Alert.labels, Alert.fired_at, Alert.acknowledged_at, Alert.resolved_at).where(
        Alert.fired_at.is_not(None), Alert.fired_at >= since)
    city = city_prefilter(scope_code)
    if city is not None:
        q = q.where(Alert.city_code == city)
    cities, _ = _names(session)
    rows = [{"city_code": c, "city_name": cities.get(c, c), "fired_at": aware(f), "acknowledged_at": aware(a),
             "resolved_at": aware(r)} for c, labels, f, a, r in session.execute(q)
            if can_see(scope_code, c, node_of(labels))]
    return pd.DataFrame(rows, columns=["city_code", "city_name", "fired_at", "acknowledged_at", "resolved_at"])


def mtta_mttr(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean time to acknowledge (fired→acknowledged) and to resolve (fired→resolved) per city, in seconds.

    Pure. Columns ``city_code, city_name, fired, acked, resolved, mtta_s, mttr_s`` (None when no alert
    of the city was acknowledged / resolved), sorted by city code. Negative spans (clock skew) count as 0.
    """
    cols = ["city_code", "city_name", "fired", "acked", "resolved", "mtta_s", "mttr_s"]
    out = []
    for (code, name), g in rows.groupby(["city_code", "city_name"], sort=True):
        tta = _spans(g["fired_at"], g["acknowledged_at"])
        ttr = _spans(g["fired_at"], g["resolved_at"])
        out.append({"city_code": code, "city_name": name, "fired": len(g), "acked": len(tta), "resolved": len(ttr),
                    "mtta_s": sum(tta) / len(tta) if tta else None, "mttr_s": sum(ttr) / len(ttr) if ttr else None})
    return pd.DataFrame(out, columns=cols)


def _spans(start: Iterable[Any], end: Iterable[Any]) -> list[float]:
    return [max(0.0, (e - s).total_seconds()) for s, e in zip(start, end, strict=True)
            if s is not None and e is not None and not pd.isna(s) and not pd.isna(e)]


class AlertReader:
    """The wall's cached alert reads (``web.cache_seconds`` windows), one per app.

    ``inhibit_rules`` gives the inhibit rules in force (the rule directory's), read on each uncached call.
    """

    def __init__(self, sessions: sessionmaker[Session], cache: Cache, window: int,
                 inhibit_rules: Callable[[], Sequence[InhibitRule]] = tuple) -> None:
        self.sessions = sessions
        self.window = window
        self.inhibit_rules = inhibit_rules
        memo = cache.memoize(timeout=window)
        self._open = memo(self._open_alerts)
        self._ticker = memo(self._ticker_rows)

    def __caching_id__(self) -> str:
        return f"alerts-{id(self.sessions)}"

    def _open_alerts(self, now: datetime) -> pd.DataFrame:
        with self.sessions() as s:
            return list_alerts(s, now, AlertFilter(states=("firing", "acknowledged")),
                               inhibit_rules=self.inhibit_rules())

    def _ticker_rows(self, now: datetime, limit: int, scope_code: str = PROVINCE_CODE) -> pd.DataFrame:
        with self.sessions() as s:
            return ticker(s, now, limit, scope_code=scope_code, inhibit_rules=self.inhibit_rules())

    def open_alerts(self, now: datetime) -> pd.DataFrame:
        return self._open(health.floor_time(now, self.window))

    def city_counts(self, now: datetime) -> pd.DataFrame:
        return counts_by_city(self.open_alerts(now))

    def ticker(self, now: datetime, limit: int = 12, *, scope_code: str = PROVINCE_CODE) -> pd.DataFrame:
        """The ticker rows of :func:`ticker`; ``scope_code`` a city code limits them to that city's alerts."""
        return self._ticker(health.floor_time(now, self.window), limit, scope_code)


def sites_of(session: Session, scope_code: str = PROVINCE_CODE) -> Sequence[tuple[str, str]]:
    """``(code, name)`` of the sites that have ever alerted, inside the scope (the console's site filter)."""
    codes: set[str] = set()
    city = city_prefilter(scope_code)
    q = select(Alert.city_code, Alert.labels)
    if city is not None:
        q = q.where(Alert.city_code == city)
    for code, labels in session.execute(q):
        if labels and labels.get("site") and can_see(scope_code, code, node_of(labels)):
            codes.add(labels["site"])
    _, names = _names(session)
    return sorted(((c, names.get(c, c)) for c in codes), key=lambda x: x[0])


READER_KEY = "govops_alert_reader"


def alert_reader() -> AlertReader:
    """The current app's :class:`AlertReader`, made on first use from the wall's sessions and cache."""
    ext = current_app.extensions
    reader = ext.get(READER_KEY)
    if reader is None:
        from dashboard.data import wall_data

        data = wall_data()
        cache = next(iter(ext["cache"]))  # flask-caching keys its registry by the Cache object
        reader = ext[READER_KEY] = AlertReader(data.sessions, cache, data.window, inhibit_rules_in_force)
    return reader


def rules_in_force() -> RuleSet:
    """The rules the alerting engine evaluates (the app's rule directory; empty when none ever loaded)."""
    from dashboard.rules_data import rules_reader

    return rules_reader().snapshot().in_force


def inhibit_rules_in_force() -> tuple[InhibitRule, ...]:
    """The inhibit rules in force, as the notification pipeline applies them."""
    return rules_in_force().inhibit_rules
