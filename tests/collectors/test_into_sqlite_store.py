"""Scheduler runs of the real collectors land in the real SQLite metric store."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext
from collectors.kinds.host import HostCollector
from collectors.kinds.site_probe import SiteProbeCollector
from collectors.scheduler import Scheduler
from core.clock import FixedClock
from db.session import transaction
from tests.collectors.support import make_config, seed_registry, serve
from tsdb.facts import latest_values
from tsdb.sqlite_store import SQLiteMetricStore

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def test_probe_and_host_runs_with_self_health_land_in_sqlite(sessions: sessionmaker[Session],
                                                             tmp_path: Path) -> None:
    async def home(_r: web.Request) -> web.Response:
        return web.Response(text="<html>芙蓉区人民政府</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/", home)
    store = SQLiteMetricStore(tmp_path / "metrics.db")
    clock = FixedClock(T0)

    async def main() -> None:
        async with serve(app) as base:
            with transaction(sessions) as s:
                seed_registry(s, {"X1": base + "/", "C1": base + "/missing"})
            ctx = CollectorContext(config=make_config(node_code="430102", probe_timeout=2.0),
                                   sessions=sessions, clock=clock)
            probe, host = SiteProbeCollector(ctx), HostCollector(ctx)
            sched = Scheduler([probe, host], store, concurrency=8, blocking_threads=2, jitter_fraction=0.0,
                              node_code="430102", clock=clock, rng=random.Random(3))
            try:
                await sched.run_once(probe)
                await sched.run_once(host)
            finally:
                await sched.aclose()
    try:
        asyncio.run(main())
        ok = store.latest("collector_run", "targets_ok")
        assert dict(zip(ok["collector"], ok["value"], strict=True)) == {"site_probe": 2.0, "host": 1.0}
        assert set(ok["node"]) == {"430102"}
        last = store.latest("collector_run", "last_run", tags={"collector": "site_probe"})
        assert last["value"].tolist() == [T0.timestamp()]
        up = store.latest("site_probe", "up")
        assert dict(zip(up["site"], up["value"], strict=True)) == {"X1": 1.0, "C1": 0.0}
        err = latest_values(store, "site_probe", "error")  # a text fact: a tag of the failure marker
        assert err["value"].tolist() == ["http_status"] and err["site"].tolist() == ["C1"]
        reason = latest_values(store, "site_probe", "reason")
        assert reason["value"].tolist() == ["服务器返回错误状态 HTTP 404（页面不存在）"]
        mem = store.latest("host", "mem_total_bytes")
        assert len(mem) == 1 and mem["value"].iloc[0] > 0 and mem["city"].iloc[0] == "430100"
    finally:
        store.close()
