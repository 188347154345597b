"""Read-only, cached queries behind the wall screens.

Every public method takes ``now`` explicitly, rounds it down to ``web.cache_seconds`` and goes
through ``cache.memoize(timeout=web.cache_seconds)``, so any number of wall screens refreshing
in the same window cost one query. Results are DataFrames (columns in layouts/frames.py) or
the dataclasses there. Staleness follows dashboard/health.py: old data is ``stale``, never up.

Sources: the registry (SQLAlchemy: Site, Node, Host, inspection findings and runs) and the metric
store (``site_probe``, ``host``, ``host_disk``, ``collector_run``); the host reads live in
dashboard/host_data.py, the inspection reads in dashboard/inspection_data.py.
Nothing here writes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pandas as pd
from flask import current_app
from flask_caching import Cache
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, sessionmaker

from core.clock import Clock
from core.config import Config
from core.i18n.walls import T
from core.region import PROVINCE_CODE, is_county
from dashboard import (
    crawl_data,
    federation_data,
    health,
    host_data,
    infra_data,
    inspection_data,
    ops_data,
    service_data,
)
from dashboard.readers import as_utc, latest_by, num
from db.models import Node, NodeLevel, Site
from federation.vantage import VantageProbe
from layouts.frames import CrawlCoverage, HostDetail, LinkRow, OverviewKpis, SiteDetail, VetoKpis
from tsdb.series import honest_query
from tsdb.store import MetricStore, Query

EXTENSION_KEY = "govops_wall_data"
LOOKBACK = timedelta(days=7)  # series older than this are not even asked for: they are stale anyway
AVAIL_WINDOW = timedelta(hours=24)
TREND_BUCKETS = 144  # 10-minute buckets over 24 hours
_SEVERITY = {"down": 0, "stale": 1, "unknown": 1, "slow": 2, "up": 3}

SITE_COLUMNS = ["code", "name", "url", "level", "node_code", "node_name", "city_code", "city_name", "up", "last_probe",
                "latency_ms", "http_status", "tls_days", "error", "status", "cut", "cut_since"]


def in_region(df: pd.DataFrame, code: str) -> pd.Series:
    """Rows of a frame with ``city_code`` and ``node_code`` columns that belong to the wall of ``code``: a
    city's (or ``430000`` 省本级's) by city, a county's by its own node (security.scope: a county has only what
    is filed under itself)."""
    return df["node_code"] == code if is_county(code) else df["city_code"] == code


class WallData:
    """The wall's data access for one app: registry sessions, metric store, cache and settings."""

    def __init__(self, config: Config, store: MetricStore, sessions: sessionmaker[Session], cache: Cache,
                 clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.store = store
        self.sessions = sessions
        self.window = config.web.cache_seconds
        # Same databases -> same token, so processes sharing a cache backend share entries too.
        ident = f"{config.database_url}|{config.metrics.backend}|{config.metrics.section!r}"
        self._token = hashlib.sha1(ident.encode()).hexdigest()[:16]
        memo = cache.memoize(timeout=config.web.cache_seconds)
        self._sites = memo(self._site_frame)
        self._kpis = memo(self._overview_kpis)
        self._trend = memo(self._availability_trend)
        self._avail = memo(self._availability_by_site)
        self._history = memo(self._site_history)
        self._host_frame = memo(self._build_host_frame)
        self._service_frame = memo(self._build_service_frame)
        self._host_disks = memo(self._build_host_disks)
        self._host_history = memo(self._build_host_history)
        self._inspection = memo(self._build_inspection)
        self._coverage = memo(self._build_coverage)
        self._infra = memo(self._build_infra)
        self._ops = memo(self._build_ops)

    def __caching_id__(self) -> str:
        return self._token

    def _floor(self, now: datetime) -> datetime:
        if now.tzinfo is None:
            raise ValueError(f"naive datetime {now!r}: pass an aware UTC datetime")
        return health.floor_time(now, self.window)

    # ---- registry -------------------------------------------------------------------------------

    def _registry(self) -> pd.DataFrame:
        parent = aliased(Node)
        with self.sessions() as s:
            rows = s.execute(
                select(Site.code, Site.name, Site.url, Site.level, Node.name, Node.code, Node.level,
                       Node.parent_code, parent.name)
                .join(Node, Site.node_code == Node.code).outerjoin(parent, Node.parent_code == parent.code)
                .where(Site.enabled.is_(True)).order_by(Site.code)).all()
        out = []
        for code, name, url, level, node_name, node_code, node_level, parent_code, parent_name in rows:
            if node_level is NodeLevel.COUNTY and parent_code:
                city_code, city_name = parent_code, parent_name or parent_code
            elif node_level is NodeLevel.PROVINCE:
                city_code, city_name = PROVINCE_CODE, T.PROVINCE_LEVEL
            else:
                city_code, city_name = node_code, node_name
            out.append({"code": code, "name": name, "url": url, "level": str(level.value), "node_code": node_code,
                        "node_name": node_name, "city_code": city_code, "city_name": city_name})
        return pd.DataFrame(out, columns=["code", "name", "url", "level", "node_code", "node_name", "city_code",
                                          "city_name"])

    def cities(self) -> pd.DataFrame:
        """``code, name`` of the 14 cities in code order (not cached: a tiny indexed read)."""
        with self.sessions() as s:
            rows = s.execute(select(Node.code, Node.name).where(Node.level == NodeLevel.CITY)
                             .order_by(Node.code)).all()
        return pd.DataFrame(rows, columns=["code", "name"])

    # ---- sites ----------------------------------------------------------------------------------

    def _home(self, reg: pd.DataFrame) -> Callable[[pd.DataFrame], pd.DataFrame]:
        """Keeps a site's probes from its home vantage (federation_data.home_vantage) only."""
        own = self.config.node.code
        home = {c: federation_data.home_vantage(city, self.config)
                for c, city in zip(reg["code"], reg["city_code"], strict=True)}
        return lambda df: federation_data.keep_home(df, home, own)

    def cut_cities(self, now: datetime) -> dict[str, datetime | None]:
        """Federated cities cut off at ``now`` (code → since when; None: never connected). Not cached: a tiny
        indexed read, and the link changes by the second."""
        return federation_data.cut_cities(self.sessions, self.config, now)

    def node_links(self, now: datetime) -> list[LinkRow]:
        """Each federated city's node link at ``now`` (the overview's node panel); empty when none."""
        return federation_data.link_rows(self.sessions, self.config, now)

    def site_vantages(self, site_code: str, now: datetime) -> list[VantageProbe]:
        """The newest probe of one site from every vantage (this node's first)."""
        return federation_data.site_vantages(self.store, self.sessions, site_code, self.config.node.code,
                                             now - LOOKBACK)

    def _site_frame(self, now: datetime) -> pd.DataFrame:
        reg = self._registry()
        since = now - LOOKBACK
        keep = self._home(reg)
        up = latest_by(self.store, "site_probe", "up", "site", since, keep=keep).rename(
            columns={"site": "code", "time": "last_probe", "value": "up"})
        df = reg.merge(up, on="code", how="left")
        for field, col in (("latency_ms", "latency_ms"), ("status", "http_status"), ("error", "error")):
            # Only values from the same probe as the newest "up": an old error must not linger.
            f = latest_by(self.store, "site_probe", field, "site", since, keep=keep).rename(
                columns={"site": "code", "time": "last_probe", "value": col})
            df = df.merge(f, on=["code", "last_probe"], how="left")
        tls = latest_by(self.store, "site_probe", "tls_days", "site", since, keep=keep).rename(
            columns={"site": "code", "value": "tls_days"})[["code", "tls_days"]]
        df = df.merge(tls, on="code", how="left")
        interval = self.config.collectors.probe_interval
        df["status"] = [health.site_status(num(u), as_utc(t), num(lat), now, interval)
                        for u, t, lat in zip(df["up"], df["last_probe"], df["latency_ms"], strict=True)]
        return health.apply_cut(df, self.cut_cities(now))[SITE_COLUMNS]

    def site_frame(self, now: datetime) -> pd.DataFrame:
        """Every enabled site with its newest probe and status; columns ``SITE_COLUMNS``."""
        return self._sites(self._floor(now))

    def _availability_by_site(self, now: datetime) -> pd.DataFrame:
        # ``now`` is floored to the cache window, but statuses take the newest probe whenever it came:
        # count the window's probes too, or a site probed since the floor shows down with no availability.
        end = now + timedelta(seconds=self.window)
        if not self.config.node.federated_cities:
            df = self.store.query(Query("site_probe", "up", end - AVAIL_WINDOW, end, agg="avg", group_by=("site",)))
        else:
            df = self._home_availability(end)
        if df.empty:
            return pd.DataFrame({"code": pd.Series(dtype=object), "availability": pd.Series(dtype=float)})
        return pd.DataFrame({"code": df["site"], "availability": df["value"].astype(float) * 100.0})

    def _home_availability(self, end: datetime) -> pd.DataFrame:
        """Each site's average ``up`` over the window from its home vantage (a city's view of the provincial
        portal is its own, shown per vantage): the sum and count of each (site, vantage) kept, then summed."""
        group = ("site", federation_data.VANTAGE)
        parts = [self.store.query(Query("site_probe", "up", end - AVAIL_WINDOW, end, agg=agg, group_by=group))
                 for agg in ("sum", "count")]
        if parts[0].empty:
            return pd.DataFrame({"site": pd.Series(dtype=object), "value": pd.Series(dtype=float)})
        df = parts[0].merge(parts[1], on=list(group), suffixes=("_sum", "_count"))
        df = self._home(self._registry())(df)
        out = df.groupby("site", as_index=False)[["value_sum", "value_count"]].sum()
        return pd.DataFrame({"site": out["site"], "value": out["value_sum"] / out["value_count"]})

    def _with_availability(self, df: pd.DataFrame, now: datetime) -> pd.DataFrame:
        return df.merge(self._avail(now), on="code", how="left")

    # ---- overview -------------------------------------------------------------------------------

    def _hosts(self, now: datetime) -> tuple[int, int, int]:
        df = self._host_frame(now)
        return len(df), int((df["status"] == "up").sum()), int((df["status"] == "stale").sum())

    def _freshness(self, now: datetime) -> float | None:
        newest: list[datetime] = []
        for measurement, field in (("collector_run", "last_run"), ("site_probe", "up"), ("host", "mem_percent")):
            df = self.store.latest(measurement, field, since=now - LOOKBACK)
            if not df.empty:
                t = as_utc(df["time"].max())
                if t is not None:
                    newest.append(t)
        return (now - max(newest)).total_seconds() if newest else None

    def _overview_kpis(self, now: datetime) -> OverviewKpis:
        df = self._sites(now)
        counts = df["status"].value_counts()
        up = int(counts.get("up", 0) + counts.get("slow", 0))
        down, stale = int(counts.get("down", 0)), int(counts.get("stale", 0))
        fresh_up = df[df["status"].isin(("up", "slow"))]
        hosts_total, hosts_healthy, hosts_stale = self._hosts(now)
        hosts = self._host_frame(now)
        return OverviewKpis(
            as_of=now, sites_total=len(df), sites_up=up, sites_down=down, sites_stale=stale,
            availability=health.availability(up, down),
            p95_latency_ms=health.p95(v for v in (num(x) for x in fresh_up["latency_ms"]) if v is not None),
            hosts_total=hosts_total, hosts_healthy=hosts_healthy, hosts_stale=hosts_stale,
            freshness_s=self._freshness(now), sites_unknown=int(df["cut"].sum()),
            hosts_unknown=int(hosts["cut"].sum()))

    def overview_kpis(self, now: datetime) -> OverviewKpis:
        """Province KPIs; p95 is over the newest successful fresh probes (a failure's time is no latency)."""
        return self._kpis(self._floor(now))

    def city_health(self, now: datetime) -> pd.DataFrame:
        """One row per city (and ``430000`` 省本级 when province sites exist):
        ``code, name, sites_total, up, down, stale, availability, status``."""
        sites = self.site_frame(now)
        cities = self.cities()
        extra = sites.loc[sites["city_code"] == PROVINCE_CODE, ["city_code", "city_name"]].drop_duplicates()
        cities = pd.concat([cities, extra.rename(columns={"city_code": "code", "city_name": "name"})],
                           ignore_index=True)
        rows = []
        for code, name in zip(cities["code"], cities["name"], strict=True):
            mine = sites[sites["city_code"] == code]
            st = mine["status"]
            up = int(st.isin(("up", "slow")).sum())
            down, stale = int((st == "down").sum()), int((st == "stale").sum())
            cut = bool(mine["cut"].any())  # a cut city is unknown as a whole (grey), never red
            rows.append({"code": code, "name": name, "sites_total": len(st), "up": up, "down": down,
                         "stale": stale, "unknown": int(mine["cut"].sum()),
                         "availability": None if cut else health.availability(up, down),
                         "status": "unknown" if cut else health.city_status(len(st), up, down, stale)})
        return pd.DataFrame(rows, columns=["code", "name", "sites_total", "up", "down", "stale", "unknown",
                                           "availability", "status"])

    def region_health(self, code: str, now: datetime) -> pd.Series | None:
        """The :meth:`city_health` row of a city (or ``430000`` 省本级), or the same figures over a county's own
        sites (``code, name, sites_total, up, down, stale, availability, status``); None for any other code."""
        if not is_county(code):
            health_rows = self.city_health(now)
            hit = health_rows[health_rows["code"] == code]
            return None if hit.empty else hit.iloc[0]
        with self.sessions() as s:
            name = s.scalar(select(Node.name).where(Node.code == code, Node.level == NodeLevel.COUNTY))
        if name is None:
            return None
        sites = self.site_frame(now)
        st = sites.loc[sites["node_code"] == code, "status"]
        up = int(st.isin(("up", "slow")).sum())
        down, stale = int((st == "down").sum()), int((st == "stale").sum())
        return pd.Series({"code": code, "name": name, "sites_total": len(st), "up": up, "down": down, "stale": stale,
                          "availability": health.availability(up, down),
                          "status": health.city_status(len(st), up, down, stale)})

    def _probe_settle(self) -> timedelta:
        # A probe round writes its points when it ends: a bucket is whole one round after it closes.
        c = self.config.collectors
        return timedelta(seconds=max(c.probe_interval, c.probe_timeout + 5))

    def _live_end(self, now: datetime) -> datetime:
        # ``now`` is floored to the cache window; the live window takes the window's probes too, as the
        # statuses beside it do (they read the newest probe whenever it came).
        return now + timedelta(seconds=self.window)

    def _availability_trend(self, now: datetime, hours: float, city: str | None) -> pd.DataFrame:
        every = timedelta(seconds=max(60, int(hours * 3600 / TREND_BUCKETS)))
        tags = {("node" if is_county(city) else "city"): city} if city else {}
        df = honest_query(self.store, Query("site_probe", "up", now - timedelta(hours=hours), now, every=every,
                                            agg="avg", tags=tags), now, settle=self._probe_settle(),
                          live_end=self._live_end(now))
        return pd.DataFrame({"time": df["time"], "availability": df["value"].astype(float) * 100.0,
                             "partial": df["partial"]})

    def availability_trend(self, now: datetime, hours: float = 24, city: str | None = None) -> pd.DataFrame:
        """Availability % per bucket (``time, availability, partial``) over the last ``hours``, optionally one
        city or county (probes tagged with that node): complete buckets, then one ``partial`` row over the
        trailing bucket width (see tsdb.series)."""
        if hours <= 0:
            raise ValueError(f"availability_trend: hours must be > 0, got {hours}")
        return _in_zone(self._trend(self._floor(now), hours, city), now)

    def worst_sites(self, now: datetime, n: int = 10) -> pd.DataFrame:
        """The ``n`` sites with the lowest 24-hour availability (no data ranks last), then down first:
        ``code, name, city_name, status, availability, latency_ms``."""
        now = self._floor(now)
        df = self._with_availability(self._sites(now), now)
        df["_sev"] = df["status"].map(_SEVERITY)
        df = df.sort_values(["availability", "_sev", "latency_ms"], ascending=[True, True, False],
                            na_position="last")
        return df.head(n)[["code", "name", "city_name", "status", "availability", "latency_ms", "cut",
                           "cut_since"]].reset_index(drop=True)

    def city_sites(self, city_code: str, now: datetime) -> pd.DataFrame:
        """A city's (or a county's, :func:`in_region`) sites, problems first: ``code, name, level, node_name,
        status, latency_ms, tls_days, availability``. Empty for an unknown city."""
        now = self._floor(now)
        df = self._sites(now)
        df = self._with_availability(df[in_region(df, city_code)], now)
        df = df.assign(_sev=df["status"].map(_SEVERITY)).sort_values(["_sev", "code"])
        return df[["code", "name", "level", "node_name", "status", "latency_ms", "tls_days",
                   "availability", "cut", "cut_since"]].reset_index(drop=True)

    def site_detail(self, site_code: str, now: datetime) -> SiteDetail | None:
        """One site's facts and newest probe; None when the registry has no enabled site by that code."""
        now = self._floor(now)
        df = self._sites(now)
        hit = df[df["code"] == site_code]
        if hit.empty:
            return None
        r = hit.iloc[0]
        avail = self._avail(now)
        a = avail.loc[avail["code"] == site_code, "availability"]
        http = num(r["http_status"])
        err = r["error"]
        return SiteDetail(
            code=r["code"], name=r["name"], url=r["url"], level=r["level"], node_name=r["node_name"],
            city_code=r["city_code"], city_name=r["city_name"], status=r["status"],
            latency_ms=num(r["latency_ms"]), http_status=None if http is None else int(http),
            tls_days=num(r["tls_days"]), last_probe=as_utc(r["last_probe"]),
            error=None if err is None or pd.isna(err) else str(err),
            availability=num(a.iloc[0]) if not a.empty else None, node_code=r["node_code"], cut=bool(r["cut"]),
            cut_since=as_utc(r["cut_since"]))

    def _site_history(self, site_code: str, now: datetime, hours: float) -> pd.DataFrame:
        start = now - timedelta(hours=hours)
        every = timedelta(seconds=max(60, int(hours * 3600 / TREND_BUCKETS)))
        tags = {"site": site_code}
        settle, live_end = self._probe_settle(), self._live_end(now)
        lat = honest_query(self.store, Query("site_probe", "latency_ms", start, now, every=every, agg="avg",
                                             tags=tags), now, settle=settle, live_end=live_end)
        up = honest_query(self.store, Query("site_probe", "up", start, now, every=every, agg="avg", tags=tags),
                          now, settle=settle, live_end=live_end)
        lat = lat[["time", "value", "partial"]].rename(columns={"value": "latency_ms"})
        up = up[["time", "value", "partial"]].rename(columns={"value": "availability"})
        up["availability"] = up["availability"].astype(float) * 100.0
        df = lat.merge(up, on=["time", "partial"], how="outer").sort_values(["partial", "time"])
        return df[["time", "latency_ms", "availability", "partial"]].reset_index(drop=True)

    def site_history(self, site_code: str, now: datetime, hours: float = 24) -> pd.DataFrame:
        """``time, latency_ms, availability, partial`` per bucket over the last ``hours`` for one site (complete
        buckets, then the live ``partial`` row)."""
        if hours <= 0:
            raise ValueError(f"site_history: hours must be > 0, got {hours}")
        return _in_zone(self._history(site_code, self._floor(now), hours), now)


    def _build_coverage(self, site_code: str, now: datetime) -> CrawlCoverage | None:
        rules = self.config.resolve_path(self.config.inspection.rules_file)
        return crawl_data.site_coverage(self.sessions, site_code, now, crawl_data.default_cycle_days(rules))

    def site_coverage(self, site_code: str, now: datetime) -> CrawlCoverage | None:
        """One site's crawl coverage (pages known, checked within the cycle, the last crawl); None for a code
        not in the registry."""
        return self._coverage(site_code, self._floor(now))

    # ---- hosts ----------------------------------------------------------------------------------

    def _build_host_frame(self, now: datetime) -> pd.DataFrame:
        df = host_data.host_frame(self.store, self.sessions, now, LOOKBACK, self.config.collectors.host_interval,
                                  T.PROVINCE_LEVEL)
        return health.apply_cut(df, self.cut_cities(now))

    def host_frame(self, now: datetime) -> pd.DataFrame:
        """Every enabled registered host plus unregistered ones that report, problems first
        (``unhealthy``, ``stale``, ``up``); columns ``host_data.HOST_COLUMNS``. A host whose newest
        sample is older than 2 × ``collectors.host_interval`` is ``stale``, never ``up``."""
        return self._host_frame(self._floor(now))

    def _build_service_frame(self, now: datetime) -> pd.DataFrame:
        return service_data.service_frame(self.store, self.sessions, now, LOOKBACK,
                                          self.config.collectors.service_interval, T.PROVINCE_LEVEL,
                                          self.config.node.code, self.config.node.federated_cities)

    def service_frame(self, now: datetime, scope_code: str = PROVINCE_CODE) -> pd.DataFrame:
        """The enabled platform services a viewer scoped to ``scope_code`` may see, problems first (columns
        ``service_data.SERVICE_COLUMNS``): 异常 first, then 未知, then 正常."""
        return service_data.in_scope(self._service_frame(self._floor(now)), scope_code)

    def city_hosts(self, city_code: str, now: datetime) -> pd.DataFrame:
        """The hosts whose city is ``city_code`` (``430000`` = province level), problems first; for a county, its
        own registered hosts (an unregistered host has no owner below the province)."""
        df = self.host_frame(now)
        if is_county(city_code):
            return df[(df["node_code"] == city_code) & df["registered"].astype(bool)].reset_index(drop=True)
        return df[df["city_code"] == city_code].reset_index(drop=True)

    def host_detail(self, name: str, now: datetime) -> HostDetail | None:
        """One host's facts and newest sample; None when it is neither registered nor reporting."""
        df = self.host_frame(now)
        hit = df[df["name"] == name]
        if hit.empty:
            return None
        r = hit.iloc[0]
        return HostDetail(
            name=r["name"], address=r["address"], role=r["role"], registered=bool(r["registered"]),
            node_name=r["node_name"], city_code=r["city_code"], city_name=r["city_name"], status=r["status"],
            last_seen=as_utc(r["last_seen"]), cpu_percent=num(r["cpu_percent"]), mem_percent=num(r["mem_percent"]),
            mem_used_bytes=num(r["mem_used_bytes"]), mem_total_bytes=num(r["mem_total_bytes"]),
            swap_percent=num(r["swap_percent"]), disk_percent=num(r["disk_percent"]), load1=num(r["load1"]),
            load5=num(r["load5"]), load15=num(r["load15"]), procs=num(r["procs"]), uptime_s=num(r["uptime_s"]),
            cut=bool(r["cut"]), cut_since=as_utc(r["cut_since"]))

    def _build_infra(self, now: datetime) -> infra_data.InfraSnapshot:
        return infra_data.snapshot(self.store, self.sessions, self._host_frame(now), self.cities(), now,
                                   T.PROVINCE_LEVEL)

    def infra(self, now: datetime) -> infra_data.InfraSnapshot:
        """The infrastructure wall's hosts (with kind and age), per-node counts and disk forecasts."""
        return self._infra(self._floor(now))

    def _build_host_disks(self, name: str, now: datetime) -> pd.DataFrame:
        return host_data.host_disks(self.store, name, now - LOOKBACK)

    def host_disks(self, name: str, now: datetime) -> pd.DataFrame:
        """``mount, used_percent, free_bytes, total_bytes`` of the host's newest disk sample."""
        return self._host_disks(name, self._floor(now))

    def _build_host_history(self, name: str, now: datetime, hours: float) -> pd.DataFrame:
        every = timedelta(seconds=max(60, int(hours * 3600 / TREND_BUCKETS)))
        c = self.config.collectors
        settle = timedelta(seconds=max(c.host_interval, 5.0))
        return host_data.host_history(self.store, name, now - timedelta(hours=hours), now, every, settle=settle,
                                      live_end=self._live_end(now))

    def host_history(self, name: str, now: datetime, hours: float = 24) -> pd.DataFrame:
        """Bucket averages over the last ``hours``: ``time``, ``host_data.HISTORY_FIELDS`` (CPU and memory %,
        load, network and disk byte rates) and ``partial`` (the live row over the trailing bucket width)."""
        if hours <= 0:
            raise ValueError(f"host_history: hours must be > 0, got {hours}")
        return _in_zone(self._host_history(name, self._floor(now), hours), now)

    # ---- inspection -----------------------------------------------------------------------------

    def _build_inspection(self, now: datetime) -> inspection_data.InspectionSnapshot:
        sites = self._sites(now)
        return inspection_data.snapshot(
            self.sessions, list(sites["code"]), dict(zip(sites["code"], sites["city_code"], strict=True)),
            self.config.resolve_path(self.config.inspection.rules_file), now)

    def inspection(self, now: datetime) -> inspection_data.InspectionSnapshot:
        """Every enabled site's open and recently resolved findings and veto verdict (one read per window)."""
        return self._inspection(self._floor(now))

    def site_findings(self, site_code: str, now: datetime) -> pd.DataFrame:
        """One site's open findings (worst first) then those resolved in the last 7 days; ``FINDING_COLUMNS``."""
        df = self.inspection(now).findings
        return df[df["site_code"] == site_code].reset_index(drop=True)

    def site_veto(self, site_code: str, now: datetime) -> pd.DataFrame:
        """One site's veto items (``VETO_COLUMNS``); empty for an unknown site."""
        df = self.inspection(now).veto
        return df[df["site_code"] == site_code].reset_index(drop=True)

    def city_inspection(self, city_code: str, now: datetime) -> pd.DataFrame:
        """A city's (or a county's) sites with inspection status, veto risk and nearest deadline, riskiest first:
        vetoed, then at risk, then by nearest deadline, worst open severity and open count."""
        now = self._floor(now)
        sites = self._sites(now)
        sites = sites.loc[in_region(sites, city_code), ["code", "name"]]
        df = sites.merge(self._inspection(now).sites, on="code", how="left")
        rank = {s.value: s.rank for s in inspection_data.Severity}
        df = df.assign(_v=~df["vetoed"].astype(bool), _r=~df["at_risk"].astype(bool),
                       _i=~df["insufficient"].astype(bool),
                       _d=df["days_left"].map(lambda d: 10**6 if d is None or pd.isna(d) else d),
                       _s=df["status"].map(lambda s: rank.get(s, 9)), _n=-df["open_findings"])
        df = df.sort_values(["_v", "_r", "_i", "_d", "_s", "_n", "code"], kind="stable")
        return df[["code", "name", "status", "open_findings", "vetoed", "at_risk", "risk_items",
                   "nearest_deadline", "days_left", "insufficient", "insufficient_items"]].reset_index(drop=True)

    def veto_kpis(self, now: datetime, city: str | None = None) -> VetoKpis:
        """Counts of sites with a veto item holding, of sites close to one (and none holding) and of sites
        neither whose verdict on some item waits for data, over the province or one city (``430000`` = 省本级)
        or county."""
        snap = self.inspection(now)
        df = snap.sites
        if city is not None:
            sites = self.site_frame(now)
            df = df[df["code"].isin(sites.loc[in_region(sites, city), "code"])]
        return VetoKpis(sites_total=len(df), sites_judged=int(df["judged"].sum()), vetoed=int(df["vetoed"].sum()),
                        at_risk=int(df["at_risk"].sum()),
                        provisional=any(k == "warn_days" for k, _ in snap.provisional),
                        insufficient=int(df["insufficient"].sum()))

    def closest_to_breach(self, now: datetime, n: int = 10) -> pd.DataFrame:
        """Sites closest to a veto breach: those with an item holding first (most items first), then the
        at-risk ones by nearest deadline (undated last), then those whose verdict waits for data but whose
        failures so far reach the warning line (state ``insufficient``, most data first); ``code, name,
        city_name, state, item_code, deadline, days_left, have, need, unit`` where ``item_code`` is the
        first holding item, else the nearest at-risk one, else the one short of data."""
        now = self._floor(now)
        snap = self._inspection(now)
        rows = [dict(r, n_items=n_items) for r, n_items in inspection_data.breach_candidates(snap)]
        cols = ["code", "name", "city_name", "state", "item_code", "deadline", "days_left", "have", "need", "unit"]
        if not rows:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
        df = pd.DataFrame(rows).merge(self._sites(now)[["code", "name", "city_name"]], on="code", how="left")
        order = {"breached": 0, "at_risk": 1, "insufficient": 2}
        df = df.assign(_b=df["state"].map(order), _n=-df["n_items"].where(df["state"] == "breached", 0),
                       _d=df["deadline"].map(lambda d: d is None or pd.isna(d)),
                       _t=df["deadline"].map(lambda d: d if isinstance(d, date) else date.max),
                       _h=-df["have"].map(lambda h: 0 if h is None or pd.isna(h) else h))
        df = df.sort_values(["_b", "_n", "_d", "_t", "_h", "code"], kind="stable")
        return df.head(n)[cols].reset_index(drop=True)


    # ---- operations center (score snapshots) ---------------------------------------------------------

    def _build_ops(self, now: datetime, scope_code: str, period: str | None) -> ops_data.OpsView:
        return ops_data.read_ops(self.sessions, scope_code, ops_data.parse_period(period), self.cities())

    def ops(self, now: datetime, scope_code: str = PROVINCE_CODE, period: str | None = None) -> ops_data.OpsView:
        """The 运营中心 view of ``scope_code``'s sites for ``period`` (a code; None: the latest with snapshots),
        read once per cache window; raises VerifyError (Chinese) for a malformed period."""
        return self._ops(self._floor(now), scope_code, period)


def wall_data() -> WallData:
    """The current Flask app's :class:`WallData` (set by dashboard.app.init_app)."""
    return current_app.extensions[EXTENSION_KEY]


def _in_zone(df: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """``df`` with its ``time`` column in ``now``'s zone: Plotly draws a timestamp's wall time and ignores
    its offset, so a chart shows the zone the wall runs on (北京时间) only if the times are in it."""
    if now.tzinfo is None or "time" not in df or df.empty:
        return df
    return df.assign(time=pd.to_datetime(df["time"], utc=True).dt.tz_convert(now.tzinfo))
