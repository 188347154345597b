"""Read-only alert queries behind the wall's alert ticker and the on-call console (/alerts).

Every function takes the session (or sessionmaker) and ``now`` explicitly and writes nothing.
Frames carry the columns in :data:`ALERT_COLUMNS`; layouts/alerts.py turns them into components.
Scope: ``scope_code`` is the viewer's region (430000 sees everything, a city sees only its own).
:class:`AlertReader` wraps the wall's reads in the app cache (one query per cache window).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from flask import current_app
from flask_caching import Cache
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.rules import RuleFileError, RuleSet, load_rule_files
from core.config import Config
from dashboard import health
from db.models import Node, NodeLevel, Site
from db.models_alerts import OPEN_STATES, Alert, AlertEvent, AlertState, Notification
from db.models_security import AuditEntry
from inspection.base import Severity
from security.scope import PROVINCE_CODE, scope_filter
from tsdb.store import MetricStore, Query

ALERT_COLUMNS = ["id", "rule", "severity", "state", "city_code", "city_name", "site", "site_name", "summary",
                 "fired_at", "age_s", "acknowledged_by", "assigned_to", "version", "resolved_at"]
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
CHART_BEFORE = timedelta(hours=2)  # the metric chart spans the firing time -2 h .. +1 h (capped at now)
CHART_AFTER = timedelta(hours=1)
FALLBACK_SERIES = ("site_probe", "up")  # a rule without a metric (findings): the site's probe history


def aware(dt: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for timezone columns; they were written as UTC."""
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@dataclass(frozen=True)
class AlertFilter:
    """Console filters; empty means "any". ``states`` empty means the open states."""

    severity: str = ""
    city: str = ""
    site: str = ""
    states: tuple[str, ...] = ()


def _names(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    cities = {c: n for c, n in session.execute(select(Node.code, Node.name).where(Node.level == NodeLevel.CITY))}
    cities[PROVINCE_CODE] = "省本级"
    sites = {c: n for c, n in session.execute(select(Site.code, Site.name))}
    return cities, sites


def _row(a: Alert, now: datetime, cities: dict[str, str], sites: dict[str, str]) -> dict[str, Any]:
    fired = aware(a.fired_at) or aware(a.started_at)
    site = (a.labels or {}).get("site", "")
    return {"id": a.id, "rule": a.rule, "severity": a.severity.value, "state": a.state.value,
            "city_code": a.city_code, "city_name": cities.get(a.city_code, a.city_code), "site": site,
            "site_name": sites.get(site, site), "summary": a.summary, "fired_at": fired,
            "age_s": (now - fired).total_seconds() if fired else None, "acknowledged_by": a.acknowledged_by or "",
            "assigned_to": a.assigned_to or "", "version": a.version, "resolved_at": aware(a.resolved_at)}


def list_alerts(session: Session, now: datetime, flt: AlertFilter = AlertFilter(), *,
                scope_code: str = PROVINCE_CODE, limit: int = 500) -> pd.DataFrame:
    """Alerts matching ``flt`` inside the viewer's scope: severity first, then newest first."""
    states = [AlertState(s) for s in flt.states] if flt.states else list(OPEN_STATES)
    q = select(Alert).where(Alert.state.in_(states)).order_by(Alert.id.desc()).limit(limit)
    city = scope_filter(scope_code)
    if city is not None:
        q = q.where(Alert.city_code == city)
    if flt.city:
        q = q.where(Alert.city_code == flt.city)
    if flt.severity:
        q = q.where(Alert.severity == Severity(flt.severity))
    cities, sites = _names(session)
    rows = [_row(a, now, cities, sites) for a in session.scalars(q)]
    if flt.site:
        rows = [r for r in rows if r["site"] == flt.site]
    df = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    if df.empty:
        return df
    df["_rank"] = df["severity"].map(SEVERITY_RANK)
    return df.sort_values(["_rank", "fired_at"], ascending=[True, False], kind="stable").drop(
        columns="_rank").reset_index(drop=True)


def ticker(session: Session, now: datetime, limit: int = 12, *, scope_code: str = PROVINCE_CODE) -> pd.DataFrame:
    """The newest firing and acknowledged alerts for the wall ticker, newest first (``limit`` rows)."""
    df = list_alerts(session, now, AlertFilter(states=("firing", "acknowledged")), scope_code=scope_code)
    if df.empty:
        return df
    return df.sort_values("fired_at", ascending=False, kind="stable").head(limit).reset_index(drop=True)


def counts_by_city(alerts: pd.DataFrame) -> pd.DataFrame:
    """Open alert counts per city from a :func:`list_alerts` frame. Pure.

    Columns ``city_code, city_name, total, critical, high, medium, low, unacked_critical, worst``;
    the cities with unacknowledged critical alerts first, then by total.
    """
    cols = ["city_code", "city_name", "total", "critical", "high", "medium", "low", "unacked_critical", "worst"]
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


def alert_detail(session: Session, alert_id: int, now: datetime, *, scope_code: str = PROVINCE_CODE
                 ) -> AlertDetail | None:
    """The alert, its events, notifications and audit entries; None when unknown or outside the scope."""
    a = session.get(Alert, alert_id, populate_existing=True)
    if a is None or scope_filter(scope_code) not in (None, a.city_code):
        return None
    cities, sites = _names(session)
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
        [{"at": aware(e.at), "actor": e.actor, "action": e.action, "summary": e.summary,
          "remote_addr": e.remote_addr or ""}
         for e in session.scalars(select(AuditEntry).where(AuditEntry.object_type == "alert",
                                                           AuditEntry.object_id == str(a.id))
                                  .order_by(AuditEntry.at, AuditEntry.id))],
        columns=["at", "actor", "action", "summary", "remote_addr"])
    return AlertDetail(row=_row(a, now, cities, sites), labels=dict(a.labels or {}),
                       rule_severity=a.rule_severity.value, started_at=aware(a.started_at),
                       acknowledged_at=aware(a.acknowledged_at), resolve_reason=a.resolve_reason or "",
                       events=events, notifications=notifications, audit=audit)


def load_rules(config: Config) -> RuleSet:
    """The rules in force per ``[alerts] rules_dir``; an empty set when the directory is missing or broken."""
    path = config.resolve_path(config.alerts.rules_dir)
    if not path.exists():
        return RuleSet()
    try:
        return load_rule_files([path])
    except RuleFileError:
        return RuleSet()  # the console still works; the chart falls back to the probe history


def chart_series(store: MetricStore, rules: RuleSet, detail: AlertDetail, now: datetime
                 ) -> tuple[str, str, pd.DataFrame]:
    """``(measurement, field, frame time/value)`` around the firing time.

    The rule's measurement and field with the alert's labels as tag filter when the rule has a
    metric; otherwise the site's ``site_probe.up`` history; an empty frame when neither applies.
    """
    fired = detail.row["fired_at"] or detail.started_at or now
    start, stop = fired - CHART_BEFORE, min(fired + CHART_AFTER, now)
    if stop <= start:
        stop = start + timedelta(minutes=1)
    rule = rules.by_name().get(detail.row["rule"])
    if rule is not None and rule.measurement and rule.field:
        measurement, fld = rule.measurement, rule.field
        tags = {k: v for k, v in detail.labels.items() if k in rule.group_by}
    elif detail.labels.get("site"):
        measurement, fld = FALLBACK_SERIES
        tags = {"site": detail.labels["site"]}
    else:
        return "", "", pd.DataFrame(columns=["time", "value"])
    df = store.query(Query(measurement, fld, start, stop, every=timedelta(minutes=5), agg="avg", tags=tags))
    if df.empty:
        return measurement, fld, pd.DataFrame(columns=["time", "value"])
    df = df.groupby("time", as_index=False)["value"].mean()  # several probing nodes: one line
    return measurement, fld, df[["time", "value"]]


def response_times(session: Session, now: datetime, days: int, *, scope_code: str = PROVINCE_CODE
                   ) -> pd.DataFrame:
    """Alert rows fired in the last ``days`` days, for :func:`mtta_mttr` (``city_code, city_name,
    fired_at, acknowledged_at, resolved_at``)."""
    since = now - timedelta(days=days)
    q = select(Alert.city_code, Alert.fired_at, Alert.acknowledged_at, Alert.resolved_at).where(
        Alert.fired_at.is_not(None), Alert.fired_at >= since)
    city = scope_filter(scope_code)
    if city is not None:
        q = q.where(Alert.city_code == city)
    cities, _ = _names(session)
    rows = [{"city_code": c, "city_name": cities.get(c, c), "fired_at": aware(f), "acknowledged_at": aware(a),
             "resolved_at": aware(r)} for c, f, a, r in session.execute(q)]
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
    """The wall's cached alert reads (``web.cache_seconds`` windows), one per app."""

    def __init__(self, sessions: sessionmaker[Session], cache: Cache, window: int) -> None:
        self.sessions = sessions
        self.window = window
        memo = cache.memoize(timeout=window)
        self._open = memo(self._open_alerts)
        self._ticker = memo(self._ticker_rows)

    def __caching_id__(self) -> str:
        return f"alerts-{id(self.sessions)}"

    def _open_alerts(self, now: datetime) -> pd.DataFrame:
        with self.sessions() as s:
            return list_alerts(s, now, AlertFilter(states=("firing", "acknowledged")))

    def _ticker_rows(self, now: datetime, limit: int, scope_code: str = PROVINCE_CODE) -> pd.DataFrame:
        with self.sessions() as s:
            return ticker(s, now, limit, scope_code=scope_code)

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
    city = scope_filter(scope_code)
    q = select(Alert.labels)
    if city is not None:
        q = q.where(Alert.city_code == city)
    for labels in session.scalars(q):
        if labels and labels.get("site"):
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
        reader = ext[READER_KEY] = AlertReader(data.sessions, cache, data.window)
    return reader
