"""The crawl frontier: pure parts table-driven, the crawler's frontier mode against a real loopback server."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from aiohttp import web

from webread.addresses import AddressPolicy
from webread.crawler import Crawler, CrawlReport, CrawlSettings
from webread.frontier import (
    PageState,
    QueryGuard,
    fetch_priority,
    is_due,
    pack_links,
    run_budget,
    unpack_links,
)

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
DAY = 86_400.0


def test_links_round_trip_and_junk_reads_as_none() -> None:
    links = [("http://a.test/x", "a", "文章"), ("http://a.test/y.png", "img", "")]
    assert unpack_links(pack_links(links)) == links
    assert unpack_links(None) == [] and unpack_links(b"not zlib") == []


def test_due_and_priority() -> None:
    fresh = PageState(2, last_checked=NOW - timedelta(days=1))
    old = PageState(1, last_checked=NOW - timedelta(days=8))
    assert not is_due(fresh, NOW, 7 * DAY) and is_due(old, NOW, 7 * DAY) and is_due(None, NOW, 7 * DAY)
    # never fetched first (shallowest first), then the oldest fetch
    keys = sorted([fetch_priority(old, 1), fetch_priority(None, 5), fetch_priority(fresh, 2), fetch_priority(None, 3)])
    assert keys[:2] == [(0, 0.0, 3), (0, 0.0, 5)] and keys[2] == fetch_priority(old, 1)


def test_run_budget_meets_the_cycle_within_the_politeness_cap() -> None:
    assert run_budget(300, 0, DAY, 7 * DAY, 5000) == 300
    assert run_budget(300, 7000, DAY, 7 * DAY, 5000) == 1000
    assert run_budget(300, 70_000, DAY, 7 * DAY, 5000) == 5000
    assert run_budget(300, 1001, DAY, 7 * DAY, 5000) == 300


def test_query_guard_bounds_variants_per_path() -> None:
    guard = QueryGuard(2)
    assert [guard.admit(f"http://a.test/cal?d={i}") for i in range(4)] == [True, True, False, False]
    assert guard.admit("http://a.test/other?d=9") and guard.admit("http://a.test/plain")
    assert guard.refused == 2


def _site() -> tuple[web.Application, Counter[str]]:
    """/ -> /a -> /b -> /c; /a carries a calendar of 100 days; /c an image."""
    hits: Counter[str] = Counter()
    pages = {"/": '<a href="/a">a</a>', "/a": '<a href="/b">b</a>' + "".join(
        f'<a href="/cal?d={i}">{i}</a>' for i in range(100)), "/b": '<a href="/c">c</a>',
             "/c": '<img src="/c.png">', "/cal": "<p>日历</p>"}

    async def handler(r: web.Request) -> web.Response:
        hits[r.path_qs] += 1
        body = pages.get(r.path)
        if body is None:
            return web.Response(status=404)
        return web.Response(text=f"<html><body>{body}</body></html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    return app, hits


async def _crawls(settings: CrawlSettings, later: Callable[[str, CrawlReport], dict[str, PageState]] | None = None,
                  ) -> tuple[CrawlReport, Counter[str]]:
    """A crawl from an empty frontier; with ``later`` (base URL, first report -> frontier) a second crawl
    on the same server. The last report and the server's hits of the last crawl."""
    app, hits = _site()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    crawler = Crawler(settings, policy=AddressPolicy(allow_networks=["127.0.0.1/32"]))
    try:
        report = await crawler.crawl(base + "/", frontier={}, now=NOW, cycle_s=7 * DAY)
        if later is not None:
            hits.clear()
            report = await crawler.crawl(base + "/", frontier=later(base, report), now=NOW, cycle_s=7 * DAY)
    finally:
        await runner.cleanup()
    return report, hits


def test_pages_within_the_cycle_carry_the_crawl_at_no_cost() -> None:
    settings = CrawlSettings(per_host_rate=1e6, max_query_variants=3)
    first, _ = asyncio.run(_crawls(settings))
    assert first.trap_skipped == 97 and first.coverage is not None and first.coverage.percent == 100.0

    def frontier(base: str, report: CrawlReport) -> dict[str, PageState]:
        # /c fetched a month ago (due), the rest yesterday
        return {url: dataclasses.replace(s, last_checked=NOW - timedelta(days=30 if url == base + "/c" else 1))
                for url, s in report.states.items()}

    second, hits = asyncio.run(_crawls(settings, frontier))
    assert hits["/"] == 1 and hits["/c"] == 1 and not hits["/a"] and not hits["/b"]
    assert hits["/c.png"] >= 1  # the image of the page fetched now is checked (HEAD, then GET on a 404)
    base = second.start_url.rstrip("/")
    assert set(second.states) == {base + "/", base + "/c"}
    assert second.reached[base + "/c"] == 3 and second.coverage is not None
    assert (second.coverage.known, second.coverage.checked) == (7, 7)  # /, /a, /b, /c, three calendar days


def test_over_budget_pages_are_reached_not_fetched() -> None:
    report, hits = asyncio.run(_crawls(CrawlSettings(per_host_rate=1e6, page_budget=2, max_query_variants=0)))
    assert sorted(hits) == ["/", "/a"]  # nothing beyond the budget is requested, not even a HEAD
    assert report.coverage is not None and (report.coverage.known, report.coverage.checked) == (3, 2)
    assert set(report.discovered) == {report.start_url + "a", report.start_url + "b"}
