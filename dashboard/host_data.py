"""Host reads behind the wall (uncached building blocks; dashboard/data.py memoizes them).

A host is every enabled registry ``Host`` plus any host that reports ``host`` metrics without
being registered (e.g. the collector's own machine before registration); disabled hosts are left
out. Each figure comes from the host's newest sample: a field whose newest value is older than
that sample reads as missing, and the worst disk is over the mounts of the newest disk sample, so
a mount that went away no longer counts. Every function issues one store query per metric field
whatever the number of hosts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, sessionmaker

from core.region import PROVINCE_CODE
from dashboard import health
from dashboard.readers import num
from db.models import Host, Node, NodeLevel
from tsdb.series import honest_query
from tsdb.store import MetricStore, Query

MEASUREMENT = "host"
DISK = "host_disk"
# Fields of the newest sample kept per host (one latest() query each).
SAMPLE_FIELDS = ("cpu_percent", "mem_percent", "mem_used_bytes", "mem_total_bytes", "swap_percent",
                 "load1", "load5", "load15", "procs", "uptime_s")
HISTORY_FIELDS = ("cpu_percent", "mem_percent", "load1", "load5", "load15", "net_rx_bps", "net_tx_bps",
                  "disk_read_bps", "disk_write_bps")
HOST_COLUMNS = ["name", "address", "role", "registered", "node_code", "node_name", "city_code", "city_name",
                "status", "last_seen", *SAMPLE_FIELDS, "disk_percent"]
DISK_COLUMNS = ["mount", "used_percent", "free_bytes", "total_bytes"]
_SEVERITY = {"unhealthy": 0, "stale": 1, "up": 2}


def _city_of(code: str, level: NodeLevel | None, parent: str | None, name: str, parent_name: str | None,
             province_label: str) -> tuple[str, str]:
    if level is NodeLevel.COUNTY and parent:
        return parent, parent_name or parent
    if level is NodeLevel.PROVINCE or code == PROVINCE_CODE:
        return PROVINCE_CODE, province_label
    return code, name


def registered_hosts(sessions: sessionmaker[Session], province_label: str) -> tuple[list[dict[str, Any]], set[str]]:
    """(enabled hosts with node and city, names of disabled hosts)."""
    parent = aliased(Node)
    with sessions() as s:
        rows = s.execute(
            select(Host.name, Host.address, Host.role, Host.enabled, Node.code, Node.name, Node.level,
                   Node.parent_code, parent.name)
            .join(Node, Host.node_code == Node.code).outerjoin(parent, Node.parent_code == parent.code)
            .order_by(Host.name)).all()
    hosts, disabled = [], set()
    for name, address, role, enabled, code, node_name, level, parent_code, parent_name in rows:
        if not enabled:
            disabled.add(name)
            continue
        city_code, city_name = _city_of(code, level, parent_code, node_name, parent_name, province_label)
        hosts.append({"name": name, "address": address, "role": str(role.value), "registered": True,
                      "node_code": code, "node_name": node_name, "city_code": city_code, "city_name": city_name})
    return hosts, disabled


def _unregistered(sessions: sessionmaker[Session], tags: dict[str, tuple[str, str]],
                  province_label: str) -> list[dict[str, Any]]:
    """Hosts known only from their metric tags, named from the registry's nodes where possible."""
    if not tags:
        return []
    codes = {c for pair in tags.values() for c in pair if c}
    with sessions() as s:
        names = dict(s.execute(select(Node.code, Node.name).where(Node.code.in_(codes))).all())
    out = []
    for host, (node, city) in sorted(tags.items()):
        city_name = province_label if city == PROVINCE_CODE else names.get(city, city)
        out.append({"name": host, "address": "", "role": "", "registered": False, "node_code": node,
                    "node_name": names.get(node, node), "city_code": city, "city_name": city_name})
    return out


def _newest_samples(store: MetricStore, since: datetime) -> tuple[dict[str, dict[str, Any]],
                                                                  dict[str, tuple[str, str]]]:
    """({host: {"last_seen": t, field: value of the newest sample}}, {host: (node, city)})."""
    per_field: dict[str, dict[str, tuple[Any, Any]]] = {}
    tags: dict[str, tuple[str, str]] = {}
    for field in SAMPLE_FIELDS:
        df = store.latest(MEASUREMENT, field, since=since)
        if df.empty or "host" not in df.columns:
            per_field[field] = {}
            continue
        df = df.sort_values("time").drop_duplicates("host", keep="last")
        node = df["node"] if "node" in df.columns else pd.Series([""] * len(df), index=df.index)
        city = df["city"] if "city" in df.columns else pd.Series([""] * len(df), index=df.index)
        per_field[field] = dict(zip(df["host"], zip(df["time"], df["value"], strict=True), strict=True))
        tags.update(zip(df["host"], zip(node, city, strict=True), strict=True))
    samples: dict[str, dict[str, Any]] = {}
    for host in tags:
        newest = max(v[0] for f in per_field.values() if (v := f.get(host)) is not None)
        row: dict[str, Any] = {"last_seen": newest}
        for field, values in per_field.items():
            hit = values.get(host)
            row[field] = num(hit[1]) if hit is not None and hit[0] == newest else None
        samples[host] = row
    return samples, tags


def _worst_disks(store: MetricStore, since: datetime) -> dict[str, float]:
    """Highest used % per host over the mounts of its newest disk sample."""
    df = store.latest(DISK, "used_percent", since=since)
    if df.empty or "host" not in df.columns:
        return {}
    df = df.assign(value=pd.to_numeric(df["value"], errors="coerce"))
    df = df[df["time"] == df.groupby("host")["time"].transform("max")]
    return {str(h): float(v) for h, v in df.groupby("host")["value"].max().items() if not pd.isna(v)}


def host_frame(store: MetricStore, sessions: sessionmaker[Session], now: datetime, lookback: timedelta,
               interval_s: float, province_label: str) -> pd.DataFrame:
    """Every host with its newest sample and status (``up``/``unhealthy``/``stale``), problems first.

    Columns ``HOST_COLUMNS``; ``last_seen`` is None for a host that never reported.
    """
    since = now - lookback
    registered, disabled = registered_hosts(sessions, province_label)
    samples, tags = _newest_samples(store, since)
    known = {h["name"] for h in registered}
    extra = {h: t for h, t in tags.items() if h not in known and h not in disabled}
    rows = registered + _unregistered(sessions, extra, province_label)
    disks = _worst_disks(store, since)
    for row in rows:
        sample = samples.get(row["name"], {})
        row.update({f: sample.get(f) for f in SAMPLE_FIELDS})
        row["last_seen"] = sample.get("last_seen")
        row["disk_percent"] = disks.get(row["name"])
        last = None if row["last_seen"] is None else pd.Timestamp(row["last_seen"]).to_pydatetime()
        if health.is_stale(last, now, interval_s):
            row["status"] = "stale"
        elif health.host_healthy(row["cpu_percent"], row["mem_percent"], row["disk_percent"]):
            row["status"] = "up"
        else:
            row["status"] = "unhealthy"
    df = pd.DataFrame(rows, columns=HOST_COLUMNS)
    df = df.assign(_sev=df["status"].map(_SEVERITY)).sort_values(["_sev", "name"], kind="stable")
    return df.drop(columns="_sev").reset_index(drop=True)


def host_disks(store: MetricStore, name: str, since: datetime) -> pd.DataFrame:
    """The mounts of one host's newest disk sample (columns ``DISK_COLUMNS``), by mount path."""
    tags = {"host": name}
    used = store.latest(DISK, "used_percent", tags=tags, since=since)
    if used.empty or "mount" not in used.columns:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "mount" else float) for c in DISK_COLUMNS})
    newest = used["time"].max()
    out = used[used["time"] == newest].drop_duplicates("mount", keep="last")[["mount", "value"]]
    out = out.rename(columns={"value": "used_percent"})
    for field in ("free_bytes", "total_bytes"):
        df = store.latest(DISK, field, tags=tags, since=since)
        values = {} if df.empty else dict(zip(df.loc[df["time"] == newest, "mount"],
                                              df.loc[df["time"] == newest, "value"], strict=True))
        out[field] = [num(values.get(m)) for m in out["mount"]]
    out["used_percent"] = pd.to_numeric(out["used_percent"], errors="coerce")
    return out.sort_values("mount").reset_index(drop=True)[DISK_COLUMNS]


def host_history(store: MetricStore, name: str, start: datetime, stop: datetime, every: timedelta,
                 fields: Sequence[str] = HISTORY_FIELDS, *, settle: timedelta = timedelta(0),
                 live_end: datetime | None = None) -> pd.DataFrame:
    """Bucket averages of ``fields`` for one host: ``time``, one column per field and ``partial``.

    Complete buckets only (see tsdb.series.honest_query), by time, then the live row over the trailing
    bucket width (``partial`` True) when there is data in it.
    """
    frames = []
    for field in fields:
        df = honest_query(store, Query(MEASUREMENT, field, start, stop, every=every, agg="avg",
                                       tags={"host": name}), stop, settle=settle, live_end=live_end)
        if not df.empty:
            frames.append(df[["time", "partial"]].assign(**{field: pd.to_numeric(df["value"], errors="coerce")}))
    if not frames:
        return pd.DataFrame({"time": pd.Series(dtype="datetime64[ns, UTC]"),
                             **{f: pd.Series(dtype=float) for f in fields}, "partial": pd.Series(dtype=bool)})
    out = frames[0]
    for f in frames[1:]:
        out = out.merge(f, on=["time", "partial"], how="outer")
    out = out.reindex(columns=["time", *fields, "partial"]).sort_values(["partial", "time"], kind="stable")
    out["partial"] = out["partial"].astype(bool)
    return out.reset_index(drop=True)
