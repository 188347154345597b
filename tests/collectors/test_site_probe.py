"""SiteProbeCollector: registry targets, points, the CA file setting and a scheduler run."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext
from collectors.kinds.site_probe import SiteProbeCollector
from collectors.loader import build_collectors
from collectors.scheduler import Scheduler
from core.clock import FixedClock
from core.config import ConfigError
from core.plugins import PluginError
from db.session import transaction
from tests.collectors.support import RecordingStore, make_config, make_pki, seed_registry, serve

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def app() -> web.Application:
    async def home(_r: web.Request) -> web.Response:
        return web.Response(text="<html><body>长沙市人民政府</body></html>", content_type="text/html")

    async def gone(_r: web.Request) -> web.Response:
        raise web.HTTPNotFound()

    a = web.Application()
    a.add_routes([web.get("/", home), web.get("/gone", gone)])
    return a


def ctx(sessions: sessionmaker[Session], clock: Any = None, **settings: Any) -> CollectorContext:
    return CollectorContext(config=make_config(**settings), sessions=sessions, clock=clock or FixedClock(T0))


def test_targets_carry_site_node_city_and_level(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        seed_registry(s, {"P1": "http://127.0.0.1:1/", "C1": "http://127.0.0.1:2/",
                          "X1": "http://127.0.0.1:3/", "D1": "http://127.0.0.1:4/"})
    targets = {t.key: t for t in SiteProbeCollector(ctx(sessions)).targets()}
    assert sorted(targets) == ["C1", "P1", "X1"]  # D1 is disabled
    assert dict(targets["X1"].labels) == {"site": "X1", "node": "430102", "city": "430100",
                                          "level": "county_portal", "vantage": "430000"}  # probed from here
    assert targets["C1"].labels["city"] == "430100"
    assert targets["P1"].labels["city"] == "430000" and targets["P1"].labels["level"] == "provincial_portal"
    assert targets["X1"].params["url"] == "http://127.0.0.1:3/"


def test_timeout_leaves_the_probe_room_to_report_first(sessions: sessionmaker[Session]) -> None:
    c = SiteProbeCollector(ctx(sessions, probe_timeout=15.0))
    assert c.timeout == 20.0 and c.interval == 60.0


def test_a_missing_ca_file_is_a_config_error_naming_the_key(sessions: sessionmaker[Session],
                                                           tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"配置项 collectors\.probe_ca_file：文件 .*nope\.pem 不存在"):
        SiteProbeCollector(ctx(sessions, probe_ca_file=str(tmp_path / "nope.pem")))


def test_scheduler_run_writes_one_point_per_site(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    pki = make_pki(tmp_path, 90)
    clock = FixedClock(pki.not_after - timedelta(days=90))

    async def main() -> tuple[Any, RecordingStore]:
        async with serve(app()) as http, serve(app(), ssl_context=pki.server_context()) as https:
            with transaction(sessions) as s:
                seed_registry(s, {"P1": https + "/", "C1": http + "/", "X1": http + "/gone"})
            c = SiteProbeCollector(ctx(sessions, clock, probe_ca_file=str(pki.ca_file), probe_timeout=2.0))
            store = RecordingStore()
            sched = Scheduler([c], store, concurrency=4, blocking_threads=1, jitter_fraction=0.0,
                              node_code="430000", clock=clock, rng=random.Random(1))
            try:
                return await sched.run_once(c), store
            finally:
                await c.aclose()
    report, store = asyncio.run(main())
    # three probe points, and the failed probe's failure marker
    assert (report.ok, report.failed, report.timed_out, report.points) == (3, 0, 0, 4)
    pts = {p.tags["site"]: p for b in store.batches for p in b if p.measurement == "site_probe" and "up" in p.fields}
    failures = [p for b in store.batches for p in b if p.measurement == "site_probe" and "failure" in p.fields]
    assert pts["P1"].fields["up"] == 1 and pts["P1"].fields["tls_days"] == pytest.approx(90.0)
    assert pts["P1"].tags["city"] == "430000"
    assert pts["C1"].fields["up"] == 1 and pts["C1"].fields["status"] == 200
    assert 0 <= pts["C1"].fields["content_digest"] < 2**52  # a number: the store keeps numbers only
    assert all(isinstance(v, int | float) for p in pts.values() for v in p.fields.values())
    assert "tls_days" not in pts["C1"].fields
    assert pts["X1"].fields["up"] == 0 and pts["X1"].fields["status"] == 404 and pts["X1"].tags["city"] == "430100"
    (x1,) = failures  # the failure's class and reason are tags of its marker, beside the probe's own tags
    assert x1.fields == {"failure": 1} and x1.time_ns == pts["X1"].time_ns
    assert x1.tags == {**pts["X1"].tags, "error": "http_status", "reason": "服务器返回错误状态 HTTP 404（页面不存在）"}


def test_loader_builds_registered_kinds(sessions: sessionmaker[Session]) -> None:
    built = build_collectors(ctx(sessions))
    assert {c.name for c in built} >= {"host", "site_probe"}
    (only,) = build_collectors(ctx(sessions), ["site_probe"])
    assert isinstance(only, SiteProbeCollector)
    with pytest.raises(PluginError, match="nosuch"):
        build_collectors(ctx(sessions), ["nosuch"])
