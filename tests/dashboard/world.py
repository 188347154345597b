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
from db.models import Host, Site, SiteLevel
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


def host_points() -> list[Point]:
    def host(name: str, age_s: float, cpu: float) -> Point:
        return Point("host", {"cpu_percent": cpu, "mem_percent": 40.0}, to_ns(NOW - timedelta(seconds=age_s)),
                     {"host": name, "node": "430000", "city": "430000"})

    return [host("web-01", 5, 20.0), host("db-01", 5, 97.0), host("old-01", 120, 10.0),
            Point("host_disk", {"used_percent": 50.0}, to_ns(NOW - timedelta(seconds=5)),
                  {"host": "web-01", "node": "430000", "city": "430000", "mount": "/"}),
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
        s.add(Host(name="web-01", address="127.0.0.1", node_code="430000"))
    store = SQLiteMetricStore(tmp / "metrics.db")
    store.write(probe_points() + host_points())
    config = Config(web=WebConfig(refresh_seconds=refresh_seconds, cache_seconds=10, rotate_seconds=rotate_seconds),
                    collectors=CollectorsConfig(probe_interval=60.0, host_interval=15.0))
    return World(config, sessions, store)
