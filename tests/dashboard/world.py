"""A small, exactly known world for the wall tests: a migrated registry (a SQLite file, or the
database at a given URL such as the ``db_url`` fixture's PostgreSQL schema) and a real
SQLiteMetricStore seeded with points at fixed times around ``NOW``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from core.clock import to_ns
from core.config import CollectorsConfig, Config, SecurityConfig, WebConfig
from db.hunan import seed_nodes
from db.migrate import upgrade
from db.models import Host, HostRole, RunStatus, Site, SiteLevel
from db.session import make_engine, make_session_factory, transaction
from inspection.base import CheckResult, FindingDraft, Severity
from inspection.findings import record_run, save_result
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

    def close(self) -> None:
        """Close the metric store and the registry's connections (before a test schema is dropped)."""
        self.store.close()
        engine = self.sessions.kw.get("bind")
        if engine is not None:
            engine.dispose()


def _probe(code: str, node: str, city: str, level: str, t: datetime, up: int, latency: float,
           error: str | None = None) -> list[Point]:
    """A probe as the site probe writes it: its fields, and for a failure the marker tagged with its class."""
    tags = {"site": code, "node": node, "city": city, "level": level}
    fields = {"up": up, "latency_ms": latency, "status": 200 if up else 503, "tls_days": 90.0}
    failure = [Point("site_probe", {"failure": 1}, to_ns(t), {**tags, "error": error})] if error else []
    return [Point("site_probe", fields, to_ns(t), tags), *failure]


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
                pts += _probe(code, node, city, level.value, t, up, 15000.0 if not up else 300.0,
                              None if up else "timeout")
                continue
            latency = LATEST_LATENCY.get(code, 400.0) if k == 0 else 300.0
            pts += _probe(code, node, city, level.value, t, 1, latency)
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


CHECK_NAMES = ("availability", "homepage_update", "column_freshness", "dead_links", "content_errors", "interaction",
               "defacement", "identity")
TODAY = date(2026, 11, 27)  # NOW's calendar day in China


def _draft(check: str, kind: str, location: str, severity: Severity, detail: str, /, *, deadline: date | None = None,
           veto: bool = False, **evidence: object) -> FindingDraft:
    return FindingDraft(check=check, kind=kind, location=location, severity=severity, detail=detail,
                        evidence=evidence, deadline=deadline, veto=veto)


# site -> check -> drafts of the newest successful run (checks absent here did not run on the site).
# P0001 is clean on every check; C0100 is close to a breach (homepage due in 3 days); X0102 breaches
# 站点无法访问; X0302 breaches two items; C0200's only run failed; C0400 was never inspected.
INSPECTIONS: dict[str, dict[str, list[FindingDraft]]] = {
    "P0001": {c: [] for c in CHECK_NAMES},
    "C0100": {**{c: [] for c in CHECK_NAMES},
              "homepage_update": [_draft("homepage_update", "homepage_due", "https://c0100.example.gov.cn/",
                                         Severity.HIGH, "首页距超期未更新还剩 3 天", deadline=TODAY + timedelta(days=3),
                                         newest_date="2026-11-16", window_days=14, days_left=3)],
              "column_freshness": [_draft("column_freshness", "column_due", "https://c0100.example.gov.cn/tzgg/",
                                          Severity.LOW, "栏目“通知公告”距超期未更新还剩 2 天",
                                          deadline=TODAY + timedelta(days=2), kind="notice", first_level=False,
                                          newest_date="2026-05-30", window_days=183, days_left=2)],
              "dead_links": [_draft("dead_links", "dead_link_page", "https://c0100.example.gov.cn/old.html",
                                    Severity.MEDIUM, "其他页面链接不可用", status=404, error="http_status",
                                    error_zh="HTTP 错误状态", pages=["https://c0100.example.gov.cn/a.html"],
                                    page_count=1)]},
    "X0102": {"availability": [_draft("availability", "probe_failures", "https://x0102.example.gov.cn/",
                                      Severity.CRITICAL, "近 7 天首页无法访问比例 50.0%，达到单项否决标准",
                                      veto=True, failed=72, total=144, ratio=0.5, threshold=0.05)],
              "identity": []},
    "X0302": {"column_freshness": [
                  _draft("column_freshness", "column_stale", f"https://x0302.example.gov.cn/news{i}/", Severity.HIGH,
                         f"栏目“要闻动态{i}”超过 14 天未更新", veto=True, kind="news", first_level=True,
                         newest_date="2026-10-01", window_days=14) for i in range(1, 6)],
              "content_errors": [_draft("content_errors", "wrong_name", "https://x0302.example.gov.cn/art/1.html",
                                        Severity.CRITICAL, "领导姓名职务错误", veto=True, matched="张三省长",
                                        expected="李四省长", context="……会上，张三省长强调……")]},
}


def seed_inspection(sessions: sessionmaker[Session]) -> None:
    """Findings written through inspection/findings.py as the runner does, with run records.

    X0102 also had a TLS warning resolved two days ago (shown greyed) and a dead link resolved nine days
    ago (too old to show); C0200's availability run failed (not judged).
    """
    with transaction(sessions) as s:
        ids = {code: site_id for code, site_id in s.query(Site.code, Site.id)}

        def run(code: str, check: str, at: datetime, drafts: list[FindingDraft],
                status: RunStatus = RunStatus.OK) -> None:
            if status is RunStatus.OK:
                save_result(s, ids[code], CheckResult(check, code, at, tuple(drafts)), at)
            record_run(s, ids[code], check, as_of=at, started_at=at, finished_at=at + timedelta(seconds=3),
                       status=status, findings=len(drafts), error=None if status is RunStatus.OK else "超时")

        tls = _draft("identity", "tls_expiring", "https://x0102.example.gov.cn/", Severity.HIGH, "证书 20 天后到期",
                     deadline=TODAY + timedelta(days=20), days_left=20)
        run("X0102", "identity", NOW - timedelta(days=3), [tls])
        dead = _draft("dead_links", "dead_link_homepage", "https://x0102.example.gov.cn/gone.html", Severity.HIGH,
                      "首页链接不可用", status=404)
        run("X0102", "dead_links", NOW - timedelta(days=12), [dead])
        run("X0102", "dead_links", NOW - timedelta(days=9), [])
        for code, checks in INSPECTIONS.items():
            for check, drafts in checks.items():
                run(code, check, NOW - timedelta(days=2), [])  # an earlier clean run: first seen is the later one
                run(code, check, NOW - timedelta(hours=1), drafts)
        run("C0200", "availability", NOW - timedelta(hours=1), [], RunStatus.ERROR)


def build_world(tmp: Path, *, refresh_seconds: int = 15, rotate_seconds: int = 0, db_url: str | None = None) -> World:
    """The seeded world; the registry goes to ``db_url`` (an empty database) or to a SQLite file in ``tmp``."""
    url = db_url or f"sqlite:///{tmp / 'registry.db'}"
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
    seed_inspection(sessions)
    store = SQLiteMetricStore(tmp / "metrics.db")
    store.write(probe_points() + host_points())
    config = Config(web=WebConfig(refresh_seconds=refresh_seconds, cache_seconds=10, rotate_seconds=rotate_seconds),
                    collectors=CollectorsConfig(probe_interval=60.0, host_interval=15.0),
                    security=SecurityConfig(secret_key_file=str(tmp / "secret_key")))
    return World(config, sessions, store)


def kiosk_token(world: World, scope_code: str = "430000", name: str = "wall") -> str:
    """A fresh kiosk token for the world's wall (screens require a login or a kiosk session)."""
    from security.kiosk import create_token

    with transaction(world.sessions) as s:
        return create_token(s, name, scope_code, actor="test", now=NOW)
