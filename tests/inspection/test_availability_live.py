"""Outages on any run: with too little probe history, the availability check loads the homepage itself
(real loopback servers, the real fetcher) and the runner does not run the page checks of a site whose
homepage does not answer now."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from core.clock import FixedClock
from core.config import Config
from db.session import transaction
from inspection.base import CheckContext, SiteTarget, undeclared
from inspection.checks.availability import AvailabilityCheck, Settings
from inspection.rules import Rules
from inspection.runner import InspectionRunner
from tests.collectors.support import loopback_policy, serve
from tests.inspection.support import seed_sites
from tsdb.sqlite_store import SQLiteMetricStore
from webread.fetch import Fetcher

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
FAST = Settings(live_tries=3, live_spacing_s=0.05)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteMetricStore]:
    s = SQLiteMetricStore(tmp_path / "metrics.db")
    try:
        yield s
    finally:
        s.close()


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SEEN = web.AppKey("seen", dict)


def flaky(failures: int) -> web.Application:
    """A homepage answering 503 ``failures`` times, then 200."""
    seen = {"n": 0}

    async def home(_r: web.Request) -> web.Response:
        seen["n"] += 1
        if seen["n"] <= failures:
            return web.Response(status=503, text="维护中")
        return web.Response(text="<html><body>首页</body></html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/", home)
    app[SEEN] = seen
    return app


def target(url: str, code: str = "4301020001") -> SiteTarget:
    return SiteTarget(code=code, name="芙蓉区人民政府", url=url, level="county_portal", node_code="430102",
                      city_code="430100")


async def _check(store: SQLiteMetricStore, url: str, as_of: datetime = NOW, settings: Settings = FAST) -> Any:
    fetcher = Fetcher(timeout=5.0, policy=loopback_policy())
    try:
        check = AvailabilityCheck(CheckContext(config=Config(), settings=settings, fetcher=fetcher, store=store,
                                               clock=FixedClock(NOW)))
        result = await check.run(target(url), as_of, 60.0)
        assert not undeclared(check, result)
        return result
    finally:
        await fetcher.aclose()


def test_a_homepage_that_does_not_answer_now_is_one_critical_finding(store: SQLiteMetricStore) -> None:
    result = asyncio.run(_check(store, f"http://127.0.0.1:{closed_port()}/"))
    down, coverage = result.findings
    assert (down.kind, down.severity.value, down.veto) == ("homepage_down", "critical", False)
    assert down.detail.startswith("首页当前无法访问：连接被拒绝（共尝试 3 次，全部失败，每次限时 15 秒）")
    assert "已有 0/140 次监测，还需 140 次" in down.detail and "尚不能判定单项否决" in down.detail
    assert down.evidence["errors"] == ["连接被拒绝"] * 3 and down.evidence["sufficient"] is False
    assert coverage.kind == "probe_coverage"  # no probe history: how much the ratio still needs
    assert result.unreachable == "首页当前无法访问（连接被拒绝）"


@pytest.mark.parametrize(("failures", "down"), [(0, False), (2, False), (3, True)])
def test_one_answering_try_is_enough(store: SQLiteMetricStore, failures: int, down: bool) -> None:
    async def main() -> tuple[Any, int]:
        app = flaky(failures)
        async with serve(app) as base:
            result = await _check(store, base + "/")
        return result, app[SEEN]["n"]

    result, tries = asyncio.run(main())
    assert tries == min(failures + 1, 3)
    assert [f.kind for f in result.findings] == (["homepage_down"] if down else []) + ["probe_coverage"]
    assert bool(result.unreachable) is down
    if down:
        assert "HTTP 503" in result.findings[0].detail


def test_a_past_day_is_not_judged_by_what_the_homepage_does_now(store: SQLiteMetricStore) -> None:
    from inspection.base import CheckError

    with pytest.raises(CheckError, match="近 7 天没有首页探测数据"):
        asyncio.run(_check(store, f"http://127.0.0.1:{closed_port()}/", as_of=NOW - timedelta(days=3)))
    # the end of today (`inspect --as-of TODAY`) is about now
    result = asyncio.run(_check(store, f"http://127.0.0.1:{closed_port()}/", as_of=NOW + timedelta(hours=20)))
    assert result.findings[0].kind == "homepage_down"


def test_the_runner_judges_no_page_of_a_site_that_does_not_answer(
        migrated_db: tuple[str, sessionmaker[Session]], store: SQLiteMetricStore) -> None:
    _, sessions = migrated_db
    down, up = "X1", "X2"

    async def main() -> list[Any]:
        async with serve(flaky(0)) as base:
            with transaction(sessions) as s:
                seed_sites(s, {down: f"http://127.0.0.1:{closed_port()}/", up: base + "/"})
            runner = InspectionRunner(Config(), sessions, store, checks=["availability", "dead_links", "identity"],
                                      rules=Rules(source="test", settings={"availability": FAST}),
                                      clock=FixedClock(NOW))
            try:
                return await runner.run(None, NOW)
            finally:
                await runner.aclose()

    outcomes = {(o.site_code, o.check): o for o in asyncio.run(main())}
    assert outcomes[(down, "availability")].status == "ok" and outcomes[(down, "availability")].unreachable
    for name in ("dead_links", "identity"):
        o = outcomes[(down, name)]
        assert (o.status, o.error) == ("error", "未检查：首页当前无法访问（连接被拒绝）"), o
    assert not outcomes[(up, "availability")].unreachable
    assert outcomes[(up, "dead_links")].status == "ok" and outcomes[(up, "identity")].status == "ok"


def test_a_scheduled_crawl_of_a_site_that_does_not_answer_is_one_reason_for_all_its_checks(
        migrated_db: tuple[str, sessionmaker[Session]], store: SQLiteMetricStore) -> None:
    """The site_crawl group runs without availability: its one crawl finds the homepage not answering, and
    every check it feeds is not judged for that one reason, not each for an error of its own."""
    _, sessions = migrated_db
    group = ["dead_links", "content_errors", "page_tampering"]

    async def main() -> list[Any]:
        with transaction(sessions) as s:
            seed_sites(s, {"X1": f"http://127.0.0.1:{closed_port()}/"})
        runner = InspectionRunner(Config(), sessions, store, checks=group, clock=FixedClock(NOW))
        try:
            return await runner.run(None, NOW)
        finally:
            await runner.aclose()

    outcomes = asyncio.run(main())
    assert [(o.check, o.status, o.error) for o in outcomes] == [
        (name, "error", "未检查：首页当前无法访问（连接被拒绝）") for name in group]
