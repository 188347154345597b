"""Reads behind the infrastructure wall (基础设施, /infra): hosts per node, hot spots and disk forecasts.

Uncached building blocks; dashboard/data.py memoizes them. The host frame is the hosts page's
(dashboard/host_data.py); this module adds what the wall needs on top: each host's kind (local psutil or
agentless SSH) and age, the per-node counts, and the days until each disk fills from the trend of its used %
(alerts/forecast.py, the same fit as the ``host_disk_fill_forecast`` rule). One store query for all disks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.forecast import INSUFFICIENT, REACHED, REACHING, forecast
from core.region import PROVINCE_CODE
from db.models import Host
from tsdb.store import MetricStore, Query

# The disk forecast of the wall, as the shipped rule host_disk_fill_forecast (data/alerts/rules/hosts.yaml).
FORECAST_WINDOW = timedelta(days=7)
FORECAST_STEP = timedelta(minutes=84)  # 120 buckets over the window, as a forecast rule without step
FORECAST_MIN_POINTS = 24
FORECAST_MIN_SPAN = timedelta(days=2)
FORECAST_HORIZON_DAYS = 30.0  # the wall lists disks filling within this many days
FORECAST_COLUMNS = ["host", "mount", "node", "city", "status", "days", "level", "last", "points", "min_points",
                    "span_s", "min_span_s", "window_s"]
NODE_COLUMNS = ["code", "name", "total", "up", "unhealthy", "stale", "unknown"]


@dataclass(frozen=True)
class InfraSnapshot:
    """What the wall shows at one time: ``hosts`` (the host frame with ``kind`` and ``age_s``), ``nodes``
    (:data:`NODE_COLUMNS`) and ``forecasts`` (:data:`FORECAST_COLUMNS`)."""

    hosts: pd.DataFrame
    nodes: pd.DataFrame
    forecasts: pd.DataFrame


def snapshot(store: MetricStore, sessions: sessionmaker[Session], hosts: pd.DataFrame, cities: pd.DataFrame,
             now: datetime, province_label: str) -> InfraSnapshot:
    """The wall's data at ``now`` from the (cached) host frame and the city list."""
    full = with_kind_and_age(hosts, host_kinds(sessions), now)
    return InfraSnapshot(full, node_counts(full, cities, province_label), disk_forecasts(store, now))


def host_kinds(sessions: sessionmaker[Session]) -> dict[str, bool]:
    """Registered host name → True when collected locally (psutil), False over SSH."""
    with sessions() as s:
        return {n: bool(loc) for n, loc in s.execute(select(Host.name, Host.local)).all()}


def with_kind_and_age(hosts: pd.DataFrame, kinds: dict[str, bool], now: datetime) -> pd.DataFrame:
    """The host frame plus ``kind`` (``local`` / ``ssh`` / ``""`` for an unregistered host) and ``age_s`` (seconds
    since the newest sample, None when it never reported)."""
    out = hosts.copy()
    out["kind"] = [("local" if kinds[n] else "ssh") if n in kinds else "" for n in out["name"]]
    out["age_s"] = [None if t is None or pd.isna(t) else (now - pd.Timestamp(t).to_pydatetime()).total_seconds()
                    for t in out["last_seen"]]
    return out


def node_counts(hosts: pd.DataFrame, cities: pd.DataFrame, province_label: str) -> pd.DataFrame:
    """One row per node (the province level first, then the 14 cities in code order): hosts by status (``unknown``:
    a federated city's node is cut off, dashboard/health.py ``apply_cut``).

    Columns :data:`NODE_COLUMNS`; a node without hosts has zeros (shown, so an empty city is seen as empty).
    """
    rows = []
    for code, name in [(PROVINCE_CODE, province_label), *zip(cities["code"], cities["name"], strict=True)]:
        mine = hosts[hosts["city_code"] == code]
        rows.append({"code": code, "name": name, "total": len(mine),
                     **{s: int((mine["status"] == s).sum()) for s in ("up", "unhealthy", "stale", "unknown")}})
    return pd.DataFrame(rows, columns=NODE_COLUMNS)


def disk_forecasts(store: MetricStore, now: datetime) -> pd.DataFrame:
    """Every disk's forecast (columns :data:`FORECAST_COLUMNS`), the soonest to fill first, then those not
    reaching 100 %, then those short of data. ``days`` is None unless the trend reaches 100 %."""
    frame = store.query(Query("host_disk", "used_percent", now - FORECAST_WINDOW, now, every=FORECAST_STEP,
                              agg="max", group_by=("host", "mount", "node", "city")))
    rows = []
    if not frame.empty:
        frame = frame.assign(value=pd.to_numeric(frame["value"], errors="coerce"))
        for (host, mount, node, city), g in frame.groupby(["host", "mount", "node", "city"], sort=True, dropna=False):
            times = [min(pd.Timestamp(t).to_pydatetime() + FORECAST_STEP / 2, now) for t in g["time"]]
            f = forecast(times, g["value"].tolist(), now, 100.0, FORECAST_WINDOW, FORECAST_MIN_POINTS,
                         FORECAST_MIN_SPAN)
            rows.append({"host": str(host), "mount": str(mount), "node": str(node), "city": str(city),
                         "status": f.status, "days": f.days_to_limit, "level": f.level, "last": f.last,
                         "points": f.points, "min_points": f.min_points, "span_s": f.span_s,
                         "min_span_s": f.min_span_s, "window_s": f.window_s})
    out = pd.DataFrame(rows, columns=FORECAST_COLUMNS)
    rank = {REACHED: 0, REACHING: 0, INSUFFICIENT: 2}
    out = out.assign(_r=out["status"].map(lambda s: rank.get(s, 1)), _d=out["days"].astype(float))
    return out.sort_values(["_r", "_d", "host", "mount"], na_position="last", kind="stable").drop(
        columns=["_r", "_d"]).reset_index(drop=True)
