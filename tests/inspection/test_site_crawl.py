"""One crawl per site: the runner crawls a site once for all its crawl-fed checks (dead links, content
errors), each page read once, and each check finds what it finds on pages deeper than either check's
own limits would reach alone."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from core.clock import FixedClock
from core.config import Config
from db.session import transaction
from inspection.checks.dead_links import Settings as DeadLinksSettings
from inspection.findings import open_findings
from inspection.rules import Rules
from inspection.runner import InspectionRunner
from inspection.sitecrawl import is_crawl_fed, merged_settings
from tests.collectors.support import serve
from tests.inspection.support import seed_sites
from tsdb.sqlite_store import SQLiteMetricStore
from webread.crawler import CrawlSettings

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
HITS = web.AppKey("hits", Counter)
DEPTH = 5  # below content_errors' own max_depth (2): only the shared crawl, with dead_links' depth, reaches it


def site() -> web.Application:
    """A chain of pages /p1 … /p5; the deepest carries a banned word and a dead link."""
    hits: Counter[str] = Counter()

    def page(body: str) -> str:
        return f"<html><head><meta charset='utf-8'><title>测试</title></head><body>{body}</body></html>"

    async def handler(r: web.Request) -> web.Response:
        hits[r.path] += 1
        if r.path == "/":
            return web.Response(text=page('<a href="/p1">第一层</a>'), content_type="text/html")
        n = int(r.path[2:]) if r.path.startswith("/p") and r.path[2:].isdigit() else 0
        if 1 <= n < DEPTH:
            return web.Response(text=page(f'<a href="/p{n + 1}">下一层</a>'), content_type="text/html")
        if n == DEPTH:
            return web.Response(text=page('<p>本站出现六合彩开奖信息。</p><a href="/gone">失效链接</a>'),
                                content_type="text/html")
        return web.Response(status=404, text="无此页面")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    app[HITS] = hits
    return app


def test_one_crawl_feeds_every_crawl_fed_check(migrated_db: tuple[str, sessionmaker[Session]],
                                               tmp_path: Path) -> None:
    _, sessions = migrated_db
    store = SQLiteMetricStore(tmp_path / "metrics.db")
    app = site()

    async def main() -> list[Any]:
        async with serve(app) as base:
            with transaction(sessions) as s:
                seed_sites(s, {"X1": base + "/"})
            rules = Rules(source="test", settings={"dead_links": DeadLinksSettings(max_depth=6, per_host_rate=1000.0)})
            runner = InspectionRunner(Config(), sessions, store, checks=["dead_links", "content_errors"],
                                      rules=rules, clock=FixedClock(NOW))
            assert all(is_crawl_fed(runner.check(c)) for c in ("dead_links", "content_errors"))
            try:
                return await runner.run(None, NOW)
            finally:
                await runner.aclose()

    try:
        outcomes = asyncio.run(main())
    finally:
        store.close()
    assert [(o.check, o.status) for o in outcomes] == [("dead_links", "ok"), ("content_errors", "ok")]
    hits = app[HITS]
    pages = ["/", *(f"/p{n}" for n in range(1, DEPTH + 1))]
    assert {p: hits[p] for p in pages} == {p: 1 for p in pages}  # every page read once, for both checks
    with sessions() as s:
        found = {(f.check, f.kind, f.location.rsplit("/", 1)[-1]) for f in open_findings(s)}
    assert ("dead_links", "dead_link_page", "gone") in found
    assert ("content_errors", "banned_word", f"p{DEPTH}") in found


def test_the_crawl_reads_as_much_as_the_most_demanding_check_asks() -> None:
    merged = merged_settings([CrawlSettings(page_budget=300, max_depth=3, per_host_rate=5.0),
                              CrawlSettings(page_budget=150, max_depth=2, max_links=50_000)])
    assert (merged.page_budget, merged.max_depth, merged.max_links, merged.per_host_rate) == (300, 3, 50_000, 5.0)


def test_frontier_settings_come_from_the_checks_that_set_them() -> None:
    dead_links = CrawlSettings(cycle_days=14, max_pages_per_run=20_000)
    content = CrawlSettings(page_budget=150, max_depth=2)  # leaves the frontier settings at their defaults
    merged = merged_settings([content, dead_links])
    assert (merged.cycle_days, merged.max_pages_per_run, merged.frontier_max_depth) == (14, 20_000, None)
    assert merged_settings([content]).cycle_days == CrawlSettings().cycle_days
    both = merged_settings([dead_links, CrawlSettings(cycle_days=3, max_pages_per_run=900, frontier_max_depth=9)])
    assert (both.cycle_days, both.max_pages_per_run, both.frontier_max_depth) == (3, 900, 9)
