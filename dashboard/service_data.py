"""Platform-service reads behind the 平台服务 wall (uncached building blocks; dashboard/data.py memoizes them).

A service is every enabled registry :class:`~db.models_services.Service`, plus any service that reports
``service`` metrics without being registered here (a federated city's, whose points reach the province while
its registry row stays at the city); disabled services are left out. Its state comes from the newest
``service.up`` sample: ``up`` (正常) or ``down`` (异常, with the failure's Chinese reason) while that sample
is fresh (within 2 × ``[collectors] service_interval``), ``stale`` (未知, with its age) when older, and
``unknown`` when it never reported. A failed poll is its own series (its tags carry the reason), so the
newest sample is taken over all of a service's series. Key figures per kind are the newest values of the
kind's fields, shown only while the service is up and the figure itself is fresh; their Chinese labels and
units are the collector's declarations (:mod:`tsdb.catalogue`). One store query per field, whatever the
number of services.

On a province federating cities (``[node] federated_cities``), a service of such a city (registered here,
where the city's configuration bundle is made, or known only from its points) is collected by that city's
node, not here (db.scope.services_served): its points reach the province through the city's vmagent. Each
row says which node collects it (``origin_code``; ``origin_name`` set only when it is another node than
this one), so the wall can say 由长沙市节点采集.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, sessionmaker

from core.i18n.services import W
from core.region import PROVINCE_CODE, is_county
from dashboard import health
from dashboard.readers import num
from db.models import Node, NodeLevel
from db.models_services import Service
from tsdb.catalogue import CATALOGUE
from tsdb.store import MetricStore

MEASUREMENT = "service"
# kind → (its measurement, the fields shown on the wall, in order)
KEY_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "postgresql": ("service_postgresql", ("connections_percent", "replication_lag_s", "cache_hit_percent",
                                          "long_xacts")),
    "mysql": ("service_mysql", ("connections_percent", "slow_queries_per_s", "replication_lag_s")),
    "redis": ("service_redis", ("memory_percent", "used_memory_bytes", "clients", "evictions_per_s")),
    "nginx": ("service_nginx", ("requests_per_s", "error_5xx_percent", "latency_p95_ms")),
    "http": ("service_http", ("status", "latency_ms")),
    "tcp": ("service_tcp", ("connect_ms",)),
}
SERVICE_COLUMNS = ["name", "kind", "address", "node_code", "node_name", "city_code", "city_name", "status",
                   "last_seen", "reason", "figures", "origin_code", "origin_name"]
_SEVERITY = {"down": 0, "stale": 1, "unknown": 2, "up": 3}


def registered_services(sessions: sessionmaker[Session],
                        province_label: str) -> tuple[list[dict[str, Any]], set[str]]:
    """(the enabled services with their node and city (a county's city is its parent), names of disabled ones)."""
    parent = aliased(Node)
    with sessions() as s:
        rows = s.execute(
            select(Service.name, Service.kind, Service.address, Node.code, Node.name, Node.level, Node.parent_code,
                   parent.name)
            .join(Node, Service.node_code == Node.code).outerjoin(parent, Node.parent_code == parent.code)
            .order_by(Service.name)).all()
        disabled = set(s.scalars(select(Service.name).where(Service.enabled.is_(False))))
    out = []
    for name, kind, address, code, node_name, level, parent_code, parent_name in rows:
        if name in disabled:
            continue
        if level is NodeLevel.COUNTY and parent_code:
            city_code, city_name = parent_code, parent_name or parent_code
        elif level is NodeLevel.PROVINCE or code == PROVINCE_CODE:
            city_code, city_name = PROVINCE_CODE, province_label
        else:
            city_code, city_name = code, node_name
        out.append({"name": name, "kind": kind, "address": address, "node_code": code, "node_name": node_name,
                    "city_code": city_code, "city_name": city_name})
    return out, disabled


def _unregistered(sessions: sessionmaker[Session], tags: dict[str, dict[str, str]],
                  province_label: str) -> list[dict[str, Any]]:
    """Services known only from their metric tags, their node and city named from the registry's nodes."""
    if not tags:
        return []
    codes = {t.get(k, "") for t in tags.values() for k in ("node", "city")} - {""}
    with sessions() as s:
        names = dict(s.execute(select(Node.code, Node.name).where(Node.code.in_(codes))).all())
    out = []
    for name, t in sorted(tags.items()):
        node, city = t.get("node", ""), t.get("city", "")
        out.append({"name": name, "kind": t.get("kind", ""), "address": "", "node_code": node,
                    "node_name": names.get(node, node), "city_code": city,
                    "city_name": province_label if city == PROVINCE_CODE else names.get(city, city)})
    return out


def _newest(store: MetricStore, measurement: str, field: str,
            since: datetime) -> dict[str, tuple[Any, Any, dict[str, str]]]:
    """service → (time, value, tags) of its newest sample of ``measurement.field`` over all its series."""
    df = store.latest(measurement, field, since=since)
    if df.empty or "service" not in df.columns:
        return {}
    df = df.sort_values("time").drop_duplicates("service", keep="last")
    keys = [c for c in ("kind", "node", "city", "reason") if c in df.columns]
    out = {}
    for rec in df.to_dict("records"):
        tags = {k: str(rec[k]) for k in keys if isinstance(rec.get(k), str)}
        out[str(rec["service"])] = (rec["time"], rec["value"], tags)
    return out


def _label(measurement: str, field: str) -> tuple[str, str]:
    spec = CATALOGUE.find(measurement, field)
    return (spec.label_zh, spec.unit) if spec is not None else (field, "")


def origin_of(city_code: str, own_node: str, federated: Sequence[str]) -> str:
    """The node that collects a service of ``city_code``: that city's node when it is federated, else this."""
    return city_code if city_code in federated else own_node


def service_frame(store: MetricStore, sessions: sessionmaker[Session], now: datetime, lookback: timedelta,
                  interval_s: float, province_label: str, own_node: str = PROVINCE_CODE,
                  federated: Sequence[str] = ()) -> pd.DataFrame:
    """Every enabled service with its state and key figures, problems first (columns ``SERVICE_COLUMNS``;
    ``figures`` a list of (Chinese label, value or None, unit); ``reason`` the failure's words when down;
    ``origin_name`` the name of the federated city node that collects it, missing (None/NaN) when this node
    does)."""
    since = now - lookback
    rows, disabled = registered_services(sessions, province_label)
    ups = _newest(store, MEASUREMENT, "up", since)
    known = {r["name"] for r in rows}
    rows += _unregistered(sessions, {n: hit[2] for n, hit in ups.items() if n not in known and n not in disabled},
                          province_label)
    values: dict[tuple[str, str], dict[str, tuple[Any, Any, Any]]] = {}
    for kind in {r["kind"] for r in rows}:
        measurement, fields = KEY_FIELDS.get(kind, ("", ()))
        for f in fields:
            values[(kind, f)] = _newest(store, measurement, f, since)
    for row in rows:
        hit = ups.get(row["name"])
        last = None if hit is None else pd.Timestamp(hit[0]).to_pydatetime()
        up = None if hit is None else num(hit[1])
        if last is None:
            status = "unknown"
        elif health.is_stale(last, now, interval_s):
            status = "stale"
        else:
            status = "up" if up is not None and up >= 0.5 else "down"
        row["status"], row["last_seen"] = status, last
        row["reason"] = hit[2].get("reason") if status == "down" and hit is not None else None
        measurement, fields = KEY_FIELDS.get(row["kind"], ("", ()))
        figures = []
        for f in fields:
            label, unit = _label(measurement, f)
            v = values.get((row["kind"], f), {}).get(row["name"])
            fresh = v is not None and not health.is_stale(pd.Timestamp(v[0]).to_pydatetime(), now, interval_s)
            figures.append((label, num(v[1]) if fresh and status == "up" and v is not None else None, unit))
        row["figures"] = figures
        row["origin_code"] = origin_of(row["city_code"], own_node, federated)
        row["origin_name"] = (W["origin_node"].format(city=row["city_name"]) if row["origin_code"] != own_node
                              else None)
    df = pd.DataFrame(rows, columns=SERVICE_COLUMNS)
    df = df.assign(_sev=df["status"].map(_SEVERITY)).sort_values(["_sev", "name"], kind="stable")
    return df.drop(columns="_sev").reset_index(drop=True)


def in_scope(df: pd.DataFrame, scope_code: str) -> pd.DataFrame:
    """The services a viewer scoped to ``scope_code`` may see: all for the province, a city's (its own and its
    counties'), a county's own."""
    if scope_code == PROVINCE_CODE:
        return df
    keep = df["node_code"] == scope_code if is_county(scope_code) else df["city_code"] == scope_code
    return df[keep].reset_index(drop=True)
