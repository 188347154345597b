"""The province's reads about its city nodes (uncached building blocks; dashboard/data.py memoizes them).

* which federated cities are cut off now (federation/status.py), for the walls to show their sites and hosts
  as unknown since then;
* each federated city's link, for the overview's node panel;
* which vantage a site's status is read from (its *home*): the city's own node for a federated city's site,
  this node for every other; and every vantage's newest probe of one site, for the site page.

Points written before probes carried ``vantage`` (no such tag) count as this node's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.config import Config
from core.i18n.walls import TF
from core.region import PROVINCE_CODE
from dashboard.readers import as_utc, num
from db.models import Node
from federation.status import node_states, unreachable_cities
from federation.vantage import VantageProbe
from layouts.frames import LinkRow
from tsdb.facts import latest_values
from tsdb.store import MetricStore

VANTAGE = "vantage"


def cut_cities(sessions: sessionmaker[Session], config: Config, now: datetime) -> dict[str, datetime | None]:
    """Federated cities whose node is not online at ``now``: code → since when (None: never connected)."""
    if not config.node.federated_cities:
        return {}
    with sessions() as s:
        return unreachable_cities(s, config, now)


def link_rows(sessions: sessionmaker[Session], config: Config, now: datetime) -> list[LinkRow]:
    """Every federated city's link at ``now``, in ``[node] federated_cities`` order (empty when none)."""
    if not config.node.federated_cities:
        return []
    with sessions() as s:
        return [LinkRow(n.code, n.name, n.state.value, n.last_seen_at) for n in node_states(s, config, now)]


def home_vantage(city_code: str, config: Config) -> str:
    """The vantage a site's status is read from: its city's node when federated, else this node."""
    return city_code if city_code in config.node.federated_cities else config.node.code


def vantage_of(frame: pd.DataFrame, own: str) -> pd.Series:
    """Each row's vantage (``own`` for a point without the tag)."""
    if VANTAGE not in frame.columns:
        return pd.Series(own, index=frame.index, dtype=object)
    return frame[VANTAGE].fillna("").astype(str).replace("", own)


def keep_home(frame: pd.DataFrame, home: Mapping[str, str], own: str) -> pd.DataFrame:
    """The rows of a ``site_probe`` frame (column ``site``) probed from their site's home vantage."""
    if frame.empty or "site" not in frame.columns:
        return frame
    want = frame["site"].map(lambda s: home.get(str(s), own))
    return frame[vantage_of(frame, own) == want]


def vantage_names(sessions: sessionmaker[Session], codes: list[str]) -> dict[str, str]:
    with sessions() as s:
        names = dict(s.execute(select(Node.code, Node.name).where(Node.code.in_(codes))).all())
    return {c: TF.PROVINCE_VANTAGE if c == PROVINCE_CODE else names.get(c, c) for c in codes}


def site_vantages(store: MetricStore, sessions: sessionmaker[Session], site_code: str, own: str,
                  since: datetime) -> list[VantageProbe]:
    """The newest probe of ``site_code`` from every vantage that probed it since ``since``, this node's
    first, then by code."""
    up = latest_values(store, "site_probe", "up", tags={"site": site_code}, since=since)
    if up.empty:
        return []
    lat = latest_values(store, "site_probe", "latency_ms", tags={"site": site_code}, since=since)
    up = up.assign(_v=vantage_of(up, own)).sort_values("time").drop_duplicates("_v", keep="last")
    latency: dict[tuple[str, object], float | None] = {}
    if not lat.empty:
        for v, t, value in zip(vantage_of(lat, own), lat["time"], lat["value"], strict=True):
            latency[(v, t)] = num(value)
    codes = sorted(up["_v"], key=lambda c: (c != own, c))
    names = vantage_names(sessions, codes)
    rows = {v: (t, value) for v, t, value in zip(up["_v"], up["time"], up["value"], strict=True)}
    out = []
    for code in codes:
        t, value = rows[code]
        u = num(value)
        out.append(VantageProbe(code, names[code], None if u is None else u >= 0.5, latency.get((code, t)),
                                as_utc(t)))
    return out


def stale_after(config: Config) -> timedelta:
    """Probes older than this are greyed and not judged from (the wall's staleness rule)."""
    return timedelta(seconds=2.0 * config.collectors.probe_interval)
