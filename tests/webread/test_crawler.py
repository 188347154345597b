"""The crawler: pure URL/link/rate logic table-driven, the I/O against real aiohttp servers on loopback.

Servers bind 127.0.83.1 (the site) and 127.0.83.2 (an "external" host) on ephemeral ports; what
the crawler did is measured on the server side (hits per path, concurrent requests in flight).
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from webread.addresses import AddressPolicy
from webread.crawl_links import (
    TokenBucket,
    UrlCache,
    classify_status,
    complete_prefix,
    extract_links,
    looks_like_page,
    normalize_url,
    same_site,
)
from webread.crawler import Crawler, CrawlReport, CrawlSettings

SITE, OTHER = "127.0.83.1", "127.0.83.2"
# Both stand in for public sites here: an explicit allow-list lets the crawler reach them
# (tests/webread/test_ssrf.py tests the refusals).
LOOPBACK = AddressPolicy(allow_networks=["127.0.83.0/24"])


# ---- pure ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "base", "expected"), [
    ("HTTP://WWW.Hunan.GOV.cn:80/a/../b/./c.html#top", None, "http://www.hunan.gov.cn/b/c.html"),
    ("https://www.hunan.gov.cn:443", None, "https://www.hunan.gov.cn/"),
    ("http://www.hunan.gov.cn:8080/x", None, "http://www.hunan.gov.cn:8080/x"),
    ("../zwgk/index.html", "http://www.cs.gov.cn/xxgk/tzgg/index.html", "http://www.cs.gov.cn/xxgk/zwgk/index.html"),
    ("./t20261120_123.html", "http://www.cs.gov.cn/xxgk/tzgg/", "http://www.cs.gov.cn/xxgk/tzgg/t20261120_123.html"),
    ("//cdn.hunan.gov.cn/js/jquery.js", "https://www.hunan.gov.cn/", "https://cdn.hunan.gov.cn/js/jquery.js"),
    ("  /xxgk/\n\ttzgg/ ", "http://a.gov.cn/", "http://a.gov.cn/xxgk/tzgg/"),
    ("/政务公开/通知.html", "http://a.gov.cn/", "http://a.gov.cn/%E6%94%BF%E5%8A%A1%E5%85%AC%E5%BC%80/%E9%80%9A%E7%9F%A5.html"),
    ("/a%20b.html", "http://a.gov.cn/", "http://a.gov.cn/a%20b.html"),
    ("/a b.html", "http://a.gov.cn/", "http://a.gov.cn/a%20b.html"),
    ("/P0%D0%C2.pdf", "http://a.gov.cn/", "http://a.gov.cn/P0%D0%C2.pdf"),  # GBK bytes stay as written
    ("/search?q=政府 网站&p=1", "http://a.gov.cn/", "http://a.gov.cn/search?q=%E6%94%BF%E5%BA%9C%20%E7%BD%91%E7%AB%99&p=1"),
    ("javascript:void(0);", "http://a.gov.cn/", None),
    ("JavaScript:openWin('x')", "http://a.gov.cn/", None),
    ("mailto:zwgk@hunan.gov.cn", "http://a.gov.cn/", None),
    ("tel:0731-12345", "http://a.gov.cn/", None),
    ("#main", "http://a.gov.cn/", None),
    ("data:image/png;base64,AAAA", "http://a.gov.cn/", None),
    ("ftp://ftp.a.gov.cn/x", "http://a.gov.cn/", None),
    ("http://a.gov.cn:99999/", None, None),
])
def test_normalize_url(raw: str, base: str | None, expected: str | None) -> None:
    assert normalize_url(raw, base) == expected


def test_url_cache_agrees_with_normalize_url() -> None:
    """The memo and its root-relative fast path give exactly what normalize_url gives, whatever the base."""
    raws = ["/p/1.html", "/p/1.html", "/a/./b.html", "/a/../b.html", "/a/.", "/a/..", "/...", "/a//b", "/a b",
            "/a%20b", "/政务.html", "/?q=1", "/x?q=政府", "/x#frag", "/", "//cdn.a.cn/x.js", "/\t/evil.cn/x",
            "/a:b@c", "/P0%D0%C2.pdf", "x.html", "../up.html", "?page=2", "HTTP://B.CN:80/Q", " /lead.html",
            "https://b.cn/a/../c", "javascript:void(0)", "#top", "http://b.cn:99999/"]
    bases = ["http://a.gov.cn/xxgk/index.html", "http://A.GOV.CN:80/xxgk/", "https://a.gov.cn:8443/x?y=/z",
             "http://a.gov.cn", "http://[::1]:8080/p/"]
    cache = UrlCache(max_entries=16)  # small: the clearing path runs too
    for _ in range(2):
        for base in bases:
            for raw in raws:
                assert cache.normalize(raw, base) == normalize_url(raw, base), (raw, base)


def test_same_site_and_page_guess() -> None:
    origins = {("http", "www.cs.gov.cn", 80)}
    assert same_site("http://www.cs.gov.cn/a.html", origins)
    assert not same_site("https://www.cs.gov.cn/a.html", origins)  # other scheme, other port
    assert not same_site("http://www.cs.gov.cn:8080/a.html", origins)
    assert not same_site("http://cs.gov.cn/a.html", origins)
    assert looks_like_page("http://a.gov.cn/xxgk/") and looks_like_page("http://a.gov.cn/t1.shtml")
    assert not looks_like_page("http://a.gov.cn/P020261120.PDF")
    assert not looks_like_page("http://a.gov.cn/static/main.css")


@pytest.mark.parametrize(("status", "expected"), [(200, None), (204, None), (301, None), (399, None),
                                                  (400, "400"), (403, "403"), (404, "404"), (410, "410"),
                                                  (500, "500"), (503, "503")])
def test_classify_status(status: int, expected: str | None) -> None:
    assert classify_status(status) == expected


def test_extract_links_from_a_chinese_cms_fragment() -> None:
    html = """<html><head><base href="http://www.yy.gov.cn/xxgk/">
    <link rel="stylesheet" href="../css/style.css"><link rel="alternate" href="/rss.xml">
    <script src="/js/common.js"></script></head><body>
    <ul class="list"><li><a href="./tzgg/202611/t20261120_1.html" target="_blank">关于做好<b>冬季</b>防火工作的通知</a>
    <span>[11-20]</span></li><li><a href="javascript:void(0)">打印</a></li><li><a href="#top">返回顶部</a></li>
    <li><a href="/P020261120.pdf"><img src="/images/pdf.gif" alt="附件下载"></a></li></ul>
    <iframe src="https://map.example.cn/embed"></iframe><img src="/images/logo.png">
    <a href="mailto:yyzf@yy.gov.cn">联系我们</a></body></html>"""
    got = [(link.tag, link.url, link.text) for link in extract_links(html, "http://www.yy.gov.cn/xxgk/index.html")]
    assert ("a", "http://www.yy.gov.cn/xxgk/tzgg/202611/t20261120_1.html", "关于做好冬季防火工作的通知") in got
    assert ("a", "http://www.yy.gov.cn/P020261120.pdf", "附件下载") in got
    assert ("link", "http://www.yy.gov.cn/css/style.css", "") in got
    assert ("script", "http://www.yy.gov.cn/js/common.js", "") in got
    assert ("iframe", "https://map.example.cn/embed", "") in got
    assert ("img", "http://www.yy.gov.cn/images/logo.png", "") in got
    assert not any("rss.xml" in u or "mailto" in u or "javascript" in u for _, u, _ in got)
    assert len(got) == 7


def test_broken_html_and_truncated_prefix() -> None:
    broken = "<div><a href='/a.html'>甲<td><a href=/b.html>乙</div"
    assert [link.url for link in extract_links(broken, "http://x.cn/")] == ["http://x.cn/a.html", "http://x.cn/b.html"]
    cut = complete_prefix('<p><a href="/ok.html">好</a><a href="/half-wri')
    assert [link.url for link in extract_links(cut, "http://x.cn/")] == ["http://x.cn/ok.html"]
    assert complete_prefix("no tag at all") == ""


def test_token_bucket_books_requests_in_order() -> None:
    b = TokenBucket(rate=10, burst=2)
    assert [b.reserve(0.0) for _ in range(2)] == [0.0, 0.0]  # the burst goes at once
    assert b.reserve(0.0) == pytest.approx(0.1)
    assert b.reserve(0.0) == pytest.approx(0.2)  # queued behind the previous booking
    assert b.reserve(0.3) == pytest.approx(0.0)  # by t=0.3 the debt is paid and one token is back
    assert b.reserve(10.0) == 0.0 and b.tokens == pytest.approx(1.0)  # refill caps at the burst
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(0)


def test_token_bucket_sustained_rate() -> None:
    b = TokenBucket(rate=20, burst=1)
    waits = [b.reserve(0.0) for _ in range(41)]
    assert waits[-1] == pytest.approx(2.0)  # 40 requests after the first need 2 s at 20/s


# ---- against real servers -------------------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as s:
        s.bind((SITE, 0))
        return int(s.getsockname()[1])


class Site:
    """A loopback site whose handler counts hits per path and requests in flight."""

    def __init__(self, host: str, routes: dict[str, Callable[[web.Request], Awaitable[web.StreamResponse]]],
                 delay: float = 0.0) -> None:
        self.host, self.routes, self.delay = host, routes, delay
        self.hits: Counter[str] = Counter()
        self.methods: Counter[tuple[str, str]] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.hits[request.path] += 1
        self.methods[(request.method, request.path)] += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            handler = self.routes.get(request.path)
            if handler is None:
                return web.Response(status=404, text="<h1>404 页面不存在</h1>", content_type="text/html")
            return await handler(request)
        finally:
            self.in_flight -= 1

    async def __aenter__(self) -> Site:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"


def page(body: str, charset: str | None = "utf-8") -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(_: web.Request) -> web.StreamResponse:
        data = body.encode(charset or "gbk")
        ctype = f"text/html; charset={charset}" if charset else "text/html"
        return web.Response(body=data, headers={"Content-Type": ctype})
    return handler


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 30))  # type: ignore[arg-type]


FAST = CrawlSettings(request_timeout=0.5, retries=1, backoff_s=0.05, per_host_rate=1000)


def test_finds_each_kind_of_broken_link() -> None:
    closed = _closed_port()

    async def main() -> tuple[CrawlReport, Site, Site]:
        async with Site(OTHER, {"/ok.html": page("<p>外站</p>")}) as other, Site(SITE, {}) as site:
            async def loop_a(_: web.Request) -> web.StreamResponse:
                raise web.HTTPFound("/loop-b")

            async def loop_b(_: web.Request) -> web.StreamResponse:
                raise web.HTTPFound("/loop-a")

            async def slow(_: web.Request) -> web.StreamResponse:
                await asyncio.sleep(2.0)
                return web.Response(text="late")

            async def no_head(request: web.Request) -> web.StreamResponse:
                if request.method == "HEAD":
                    return web.Response(status=405)
                return web.Response(body=b"%PDF-1.4 ...", content_type="application/pdf")

            site.routes.update({
                "/": page(f"""<html><head><link rel="stylesheet" href="/css/main.css"></head><body>
                    <a href="/news/">要闻动态</a><a href="/gone.html">已删除的专题</a>
                    <a href="http://{SITE}:{closed}/zt/">关停的专题网站</a>
                    <a href="{other.url('/ok.html')}">外站正常</a><a href="{other.url('/missing.html')}">外站失效</a>
                    <img src="/img/missing.png"></body></html>"""),
                "/news/": page('<a href="/loop-a">循环</a><a href="/slow">很慢</a><a href="/files/a.pdf">附件</a>'
                               '<a href="/gone.html">又一次</a><a href="/">首页</a>'),
                "/css/main.css": page("body{}"), "/loop-a": loop_a, "/loop-b": loop_b, "/slow": slow,
                "/files/a.pdf": no_head,
            })
            report = await Crawler(FAST, policy=LOOPBACK).crawl(site.url("/"))
            return report, site, other

    report, site, other = run(main())
    assert report.homepage_error is None and report.complete
    broken = {b.url: b for b in report.broken}
    home = site.url("/")
    assert broken[site.url("/gone.html")].error == "404" and broken[site.url("/gone.html")].on_homepage
    gone_pages = {r.page for r in broken[site.url("/gone.html")].references}
    assert gone_pages == {home, site.url("/news/")}
    assert broken[f"http://{SITE}:{closed}/zt/"].error == "refused"
    assert broken[other.url("/missing.html")].error == "404"
    assert broken[site.url("/img/missing.png")].references[0].tag == "img"
    assert broken[site.url("/loop-a")].error == "redirect_loop" and not broken[site.url("/loop-a")].on_homepage
    assert broken[site.url("/slow")].error == "timeout"
    assert broken[site.url("/slow")].references[0].text == "很慢"
    assert set(broken) == {site.url(p) for p in ("/gone.html", "/img/missing.png", "/loop-a", "/slow")} | {
        f"http://{SITE}:{closed}/zt/", other.url("/missing.html")}
    assert site.hits["/slow"] == 2  # one retry after the timeout
    assert site.methods[("GET", "/files/a.pdf")] == 1  # HEAD 405 fell back to GET
    assert site.methods[("GET", "/gone.html")] == 1 and site.hits["/gone.html"] == 1  # a page link: one GET
    assert site.methods[("GET", "/")] == 1 and other.hits["/ok.html"] == 1
    assert set(report.pages) == {home, site.url("/news/")}


def test_same_broken_url_on_fifty_pages_is_checked_once() -> None:
    async def main() -> tuple[CrawlReport, Site]:
        async with Site(SITE, {}) as site:
            links = "".join(f'<a href="/p/{i}.html">第{i}页</a>' for i in range(50))
            site.routes["/"] = page(links)
            for i in range(50):
                site.routes[f"/p/{i}.html"] = page('<a href="/shared-dead.html">共用失效链接</a><a href="/">首页</a>')
            return await Crawler(FAST, policy=LOOPBACK).crawl(site.url("/")), site

    report, site = run(main())
    assert len(report.pages) == 51
    assert site.hits["/shared-dead.html"] == 1
    [dead] = report.broken
    assert len({r.page for r in dead.references}) == 50 and not dead.on_homepage


def test_page_budget_depth_and_per_host_concurrency() -> None:
    settings = CrawlSettings(page_budget=12, max_depth=2, per_host_concurrency=3, per_host_rate=1000,
                             request_timeout=2.0)

    async def main() -> tuple[CrawlReport, Site]:
        # every request takes 30 ms so concurrent requests overlap on the server
        async with Site(SITE, {}, delay=0.03) as site:
            site.routes["/"] = page("".join(f'<a href="/w/{i}.html">{i}</a>' for i in range(40))
                                    + '<a href="/d/1.html">深</a>')
            for i in range(40):
                site.routes[f"/w/{i}.html"] = page(f'<img src="/img/{i}.png"><a href="/w2/{i}.html">下一层</a>')
            for d in range(1, 6):
                site.routes[f"/d/{d}.html"] = page(f'<a href="/d/{d + 1}.html">更深</a>')
            return await Crawler(settings, policy=LOOPBACK).crawl(site.url("/")), site

    report, site = run(main())
    assert len(report.pages) == 12  # the budget, homepage included
    assert site.methods[("GET", "/d/1.html")] == 0  # the budget went to earlier links of the homepage
    depth2 = [p for p in report.pages if "/w2/" in p]
    assert depth2 == []  # budget exhausted at depth 1; the depth-2 links are only checked
    assert site.methods[("HEAD", "/w/39.html")] == 1  # over budget: checked, not crawled
    assert site.max_in_flight <= 3 and site.max_in_flight == 3


def test_max_depth_is_respected() -> None:
    async def main() -> tuple[CrawlReport, Site]:
        async with Site(SITE, {}) as site:
            site.routes["/"] = page('<a href="/d/1.html">1</a>')
            for d in range(1, 8):
                site.routes[f"/d/{d}.html"] = page(f'<a href="/d/{d + 1}.html">{d + 1}</a>')
            crawler = Crawler(CrawlSettings(max_depth=3, per_host_rate=1000), policy=LOOPBACK)
            return await crawler.crawl(site.url("/")), site

    report, site = run(main())
    assert [p.rsplit("/", 1)[1] for p in report.pages] == ["", "1.html", "2.html", "3.html"]
    assert site.methods[("HEAD", "/d/4.html")] == 1 and site.hits["/d/5.html"] == 0


def test_malformed_pages_never_crash() -> None:
    settings = CrawlSettings(max_page_bytes=64 * 1024, per_host_rate=1000, request_timeout=2.0)

    async def main() -> tuple[CrawlReport, Site]:
        async with Site(SITE, {}) as site:
            big = '<a href="/early.html">前</a>' + "<p>填充内容</p>" * 20_000 + '<a href="/late-dead.html">后</a>'
            site.routes.update({
                "/": page('<a href="/gbk.html">旧系统</a><a href="/big.html">大页面</a><a href="/broken.html">坏</a>'),
                "/gbk.html": page('<a href="/gbk-dead.html">政务公开（已撤销）</a>', charset=None),
                "/big.html": page(big), "/early.html": page("ok"),
                "/broken.html": page("<html><body><table><tr><td><a href='/x.html'>未闭合<div></table"),
                "/x.html": page("<p>ok"),
            })
            return await Crawler(settings, policy=LOOPBACK).crawl(site.url("/")), site

    report, site = run(main())
    broken = {b.url: b for b in report.broken}
    assert broken[site.url("/gbk-dead.html")].references[0].text == "政务公开（已撤销）"  # GBK without charset
    assert report.truncated_pages == [site.url("/big.html")]
    assert site.hits["/early.html"] == 1 and site.hits["/late-dead.html"] == 0  # beyond the cap: not read
    assert site.url("/x.html") in report.pages
    assert set(broken) == {site.url("/gbk-dead.html")}


def test_unreachable_homepage_and_time_budget() -> None:
    closed = _closed_port()
    report = run(Crawler(FAST, policy=LOOPBACK).crawl(f"http://{SITE}:{closed}/"))
    assert report.homepage_error is not None and report.homepage_error.error == "refused"

    async def main() -> CrawlReport:
        async with Site(SITE, {}) as site:
            async def slow(_: web.Request) -> web.StreamResponse:
                await asyncio.sleep(5)
                return web.Response(text="x")
            site.routes["/"] = page('<a href="/slow">慢</a>')
            site.routes["/slow"] = slow
            crawler = Crawler(CrawlSettings(request_timeout=10), policy=LOOPBACK)
            return await crawler.crawl(site.url("/"), time_budget=0.5)

    partial = run(main())
    assert not partial.complete and partial.pages and partial.broken == []
    with pytest.raises(ValueError, match="http"):
        run(Crawler().crawl("mailto:x@y.cn"))
