"""A small, exactly known world for the wall tests: a migrated SQLite registry and a real
SQLiteMetricStore seeded with points at fixed times around ``NOW``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from core.clock import to_ns
from core.config import CollectorsConfig, Config, WebConfig
from db.hunan import seed_nodes
from db.migrate import upgrade
from db.models import Host, HostRole, Site, SiteLevel
from db.session import make_engine, make_session_factory, transaction
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore

NOW = datetime(2026, 11, 27, 8, 0, 0, tzinfo=UTC)

# code, name, level, node, city tag, history kind
SITES = [
    ("P0001", "湖南省人民政府门户网站", SiteLevel.PROVINCIAL_PORTAL, "430000", "430000", "up"),
    ("C0100", "长沙市人民政府门户网站", SiteLevel.CITY_PORTAL, "430100", "430100", "up"),
    ("X0102", "芙蓉区人民政府门户网站", SiteLevel.COUNTY_PORTAL, "430102", "430100", "down"),
    ("C0200", "株洲市人民政府门户网站", SiteLevel.CITY_PORTAL, "430200", "430200", "stale"),
    ("X0302", "雨湖区人民政府门户网站", SiteLevel.COUNTY_PORTAL, "430302", "430300", "slow"),
    ("C0400", "衡阳市人民政府门户网站", SiteLevel.CITY_PORTAL, "430400", "430400", "never"),
]
LATEST_LATENCY = {"P0001": 100.0, "C0100": 200.0, "X0302": 5000.0}  # fresh successful probes
EXPECTED_P95 = 200.0 + (5000.0 - 200.0) * 0.9  # linear interpolation at rank 0.95 * 2


@dataclass
class World:
    config: Config
    sessions: sessionmaker[Session]
    store: SQLiteMetricStore


def _probe(code: str, node: str, city: str, level: str, t: datetime, up: int, latency: float,
           error: str | None = None) -> Point:
    fields: dict[str, float | int | str] = {"up": up, "latency_ms": latency, "status": 200 if up else 503,
                                            "tls_days": 90.0}
    if error:
        fields["error"] = error
    return Point("site_probe", fields, to_ns(t), {"site": code, "node": node, "city": city, "level": level})


def probe_points() -> list[Point]:
    """24 hours of 10-minute probes; the newest probe of each site sits 30 s before NOW."""
    pts: list[Point] = []
    for code, _name, level, node, city, kind in SITES:
        if kind == "never":
            continue
        for k in range(144):  # k = 0 is the newest
            t = NOW - timedelta(seconds=30) - timedelta(minutes=10 * k)
            if kind == "stale" and t > NOW - timedelta(minutes=5):
                continue  # its collector stopped: newest probe older than 2 x 60 s
            if kind == "down":
                up = 0 if k < 72 else 1  # down for the last 12 hours
                pts.append(_probe(code, node, city, level.value, t, up, 15000.0 if not up else 300.0,
                                  None if up else "timeout"))
                continue
            latency = LATEST_LATENCY.get(code, 400.0) if k == 0 else 300.0
            pts.append(_probe(code, node, city, level.value, t, 1, latency))
    return pts


# Registered hosts (name, node, role): cms-cs never reports; retired-01 reports but is disabled.
# old-01 reports (stale) without being registered.
HOSTS = [("web-01", "430000", HostRole.WEB), ("db-01", "430000", HostRole.DATABASE),
         ("cms-cs", "430102", HostRole.CMS), ("retired-01", "430000", HostRole.OTHER)]
DISABLED_HOSTS = {"retired-01"}
WEB_DISKS = {"/": 50.0, "/data": 72.0}  # plus /mnt/old at 99 %, last seen two days ago (unmounted)
GIB = 1024 ** 3


def _host_tags(name: str, node: str = "430000", city: str = "430000") -> dict[str, str]:
    return {"host": name, "node": node, "city": city}


def web_history_points() -> list[Point]:
    """web-01: 24 hours of 10-minute samples, the newest 5 s before NOW; CPU 30 % then 20 % for the
    last 12 hours; no rates in the very first sample (as after a collector start)."""
    pts: list[Point] = []
    for k in range(144):  # k = 0 is the newest
        t = to_ns(NOW - timedelta(seconds=5) - timedelta(minutes=10 * k))
        fields: dict[str, float | int] = {
            "cpu_percent": 20.0 if k < 72 else 30.0, "mem_percent": 40.0, "mem_used_bytes": 4 * GIB,
            "mem_total_bytes": 10 * GIB, "swap_percent": 1.0, "load1": 0.5, "load5": 0.4, "load15": 0.3,
            "procs": 180, "uptime_s": 86400.0 * 3 + 3600 * 5 - 600 * k}
        if k < 143:
            fields.update(net_rx_bps=2_000_000.0, net_tx_bps=500_000.0, disk_read_bps=1_000_000.0,
                          disk_write_bps=3_000_000.0)
        pts.append(Point("host", fields, t, _host_tags("web-01")))
        for mount, used in WEB_DISKS.items():
            pts.append(Point("host_disk", {"used_percent": used, "free_bytes": (100 - used) * GIB,
                                           "total_bytes": 100 * GIB}, t, {**_host_tags("web-01"), "mount": mount}))
    pts.append(Point("host_disk", {"used_percent": 99.0, "free_bytes": GIB, "total_bytes": 100 * GIB},
                     to_ns(NOW - timedelta(days=2)), {**_host_tags("web-01"), "mount": "/mnt/old"}))
    return pts


def host_points() -> list[Point]:
    def host(name: str, age_s: float, cpu: float) -> Point:
        return Point("host", {"cpu_percent": cpu, "mem_percent": 40.0}, to_ns(NOW - timedelta(seconds=age_s)),
                     _host_tags(name))

    return [*web_history_points(), host("db-01", 5, 97.0), host("old-01", 120, 10.0),
            host("retired-01", 5, 10.0),
            Point("collector_run", {"last_run": NOW.timestamp() - 12, "targets_ok": 5},
                  to_ns(NOW - timedelta(seconds=12)), {"collector": "site_probe", "node": "430000"})]


def build_world(tmp: Path, *, refresh_seconds: int = 15, rotate_seconds: int = 0) -> World:
    url = f"sqlite:///{tmp / 'registry.db'}"
    upgrade(url)
    sessions = make_session_factory(make_engine(url))
    with transaction(sessions) as s:
        seed_nodes(s)
        for code, name, level, node, _city, _kind in SITES:
            s.add(Site(code=code, name=name, url=f"https://{code.lower()}.example.gov.cn/", level=level,
                       node_code=node))
        for name, node, role in HOSTS:
            s.add(Host(name=name, address="127.0.0.1", node_code=node, role=role, local=name == "web-01",
                       enabled=name not in DISABLED_HOSTS))
    store = SQLiteMetricStore(tmp / "metrics.db")
    store.write(probe_points() + host_points())
    config = Config(web=WebConfig(refresh_seconds=refresh_seconds, cache_seconds=10, rotate_seconds=rotate_seconds),
                    collectors=CollectorsConfig(probe_interval=60.0, host_interval=15.0))
    return World(config, sessions, store)
