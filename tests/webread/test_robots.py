"""robots.txt, when a site's rules ask for it: off by default (every page the public can reach is read);
with ``obey_robots`` the disallowed same-site URLs are neither fetched nor checked, in both crawl modes,
the homepage is always read, and an unreadable robots.txt means what RFC 9309 says."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest
from aiohttp import web

from inspection.sitecrawl import merged_settings
from tests.collectors.support import serve
from webread.addresses import AddressPolicy
from webread.crawler import Crawler, CrawlReport, CrawlSettings
from webread.robots import agent_token, parse_robots

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
ROBOTS = """# 本站规则
User-agent: *
Disallow: /search/
Disallow: /private

User-agent: GovOps-Inspector
Disallow: /search/
Allow: /private/open.html
Disallow: /private
"""


def test_parse_follows_rfc_9309_for_each_answer() -> None:
    rules = parse_robots(200, ROBOTS, "GovOps-Inspector/1.0 (link check)")
    assert rules.state == "rules" and rules.agent == "GovOps-Inspector"
    assert rules.allows("http://127.0.0.1/news/1.html") and rules.allows("http://127.0.0.1/private/open.html")
    assert not rules.allows("http://127.0.0.1/search/?q=1") and not rules.allows("http://127.0.0.1/private/a.html")
    other = parse_robots(200, ROBOTS, "SomeBot/2.0")
    assert not other.allows("http://127.0.0.1/private/open.html")  # the * group: no Allow for it
    absent = parse_robots(404, "", "GovOps-Inspector/1.0")
    assert absent.state == "absent" and absent.allows("http://127.0.0.1/private/a.html") and "404" in absent.detail
    for status in (500, None):
        down = parse_robots(status, "", "GovOps-Inspector/1.0", "连接被拒绝")
        assert down.state == "unreachable" and not down.allows("http://127.0.0.1/news/1.html")
        assert "全部禁止" in down.detail
    assert agent_token("GovOps-Inspector/1.0 (link check)") == "GovOps-Inspector" and agent_token(" ") == "*"


def _site(robots_status: int) -> tuple[web.Application, Counter[str]]:
    hits: Counter[str] = Counter()
    pages = {"/": '<a href="/news/">新闻</a><a href="/search/?q=1">搜索</a><a href="/private/a.html">内部</a>'
                  '<a href="/private/open.html">公开</a><img src="/private/logo.png">',
             "/news/": '<a href="/news/1.html">一</a>', "/news/1.html": "<p>正文</p>",
             "/search/": "<p>搜索结果</p>", "/private/a.html": "<p>内部</p>", "/private/open.html": "<p>公开</p>"}

    async def handler(r: web.Request) -> web.Response:
        hits[r.path] += 1
        if r.path == "/robots.txt":
            return web.Response(status=robots_status, text=ROBOTS if robots_status == 200 else "")
        if r.path == "/private/logo.png":
            return web.Response(body=b"\x89PNG", content_type="image/png")
        body = pages.get(r.path)
        if body is None:
            return web.Response(status=404)
        return web.Response(text=f"<html><body>{body}</body></html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    return app, hits


async def _crawl(settings: CrawlSettings, robots_status: int = 200,
                 frontier: bool = False) -> tuple[CrawlReport, Counter[str]]:
    app, hits = _site(robots_status)
    crawler = Crawler(settings, policy=AddressPolicy(allow_networks=["127.0.0.1/32"]))
    async with serve(app) as base:
        if frontier:
            report = await crawler.crawl(base + "/", frontier={}, now=NOW)
        else:
            report = await crawler.crawl(base + "/")
    return report, hits


def test_off_by_default_every_page_is_read_and_robots_txt_never_asked() -> None:
    report, hits = asyncio.run(_crawl(CrawlSettings(per_host_rate=1e6)))
    assert hits["/robots.txt"] == 0 and hits["/private/a.html"] == 1 and hits["/search/"] == 1
    assert report.robots_skipped == 0 and report.robots == ""


@pytest.mark.parametrize("frontier", [False, True], ids=["plain", "frontier"])
def test_obeyed_the_disallowed_urls_are_never_requested(frontier: bool) -> None:
    report, hits = asyncio.run(_crawl(CrawlSettings(per_host_rate=1e6, obey_robots=True), frontier=frontier))
    assert hits["/robots.txt"] == 1
    assert hits["/news/1.html"] == 1 and hits["/private/open.html"] == 1  # allowed for our agent
    assert not hits["/search/"] and not hits["/private/a.html"] and not hits["/private/logo.png"]
    assert report.robots_skipped == 3 and report.robots == "" and not report.broken
    if frontier:
        assert not any("/private/a.html" in url for url in report.reached)


def test_an_unreachable_robots_txt_leaves_the_homepage_only() -> None:
    report, hits = asyncio.run(_crawl(CrawlSettings(per_host_rate=1e6, obey_robots=True), robots_status=503))
    assert hits["/"] == 1 and sum(hits.values()) == 2  # robots.txt and the homepage
    assert report.robots_skipped == 5 and "HTTP 503" in report.robots and "全部禁止" in report.robots


def test_a_missing_robots_txt_allows_everything() -> None:
    report, hits = asyncio.run(_crawl(CrawlSettings(per_host_rate=1e6, obey_robots=True), robots_status=404))
    assert hits["/private/a.html"] == 1 and report.robots_skipped == 0 and "不存在" in report.robots


def test_the_shared_crawl_obeys_when_any_check_asks() -> None:
    assert merged_settings([CrawlSettings(), CrawlSettings(obey_robots=True)]).obey_robots
    assert not merged_settings([CrawlSettings(), CrawlSettings()]).obey_robots
