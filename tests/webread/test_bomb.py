"""Issue 9, item 7: a gzip bomb (about 100 KB on the wire, 100 MiB inflated) served from a real loopback
server to each of the probe, the fetcher and the crawler: each stops early, says so in Chinese
(页面解压后过大…) and stays far below the inflated size in memory (tracemalloc peak).

On the old code the crawler read the page whole because its Content-Length (the compressed size)
was under the page limit (peak above the inflated size), the fetcher returned 5 MiB of zeros as a
page, and the probe called it a plain 页面过大 after inflating 10 MiB.
"""

from __future__ import annotations

import asyncio
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiohttp
import pytest
from aiohttp import web

from webread.addresses import AddressPolicy
from webread.crawler import Crawler, CrawlSettings
from webread.fetch import Fetcher, FetchError
from webread.probe import ProbeConnector, probe

INFLATED = 100 * 1024 * 1024
PEAK_LIMIT = 24 * 1024 * 1024  # a quarter of the inflated size; the bounded readers stay near 2–6 MiB
HOST = "127.0.85.1"
T = TypeVar("T")


def gzip_bomb(inflated: int = INFLATED) -> bytes:
    """An HTML page of ``inflated`` bytes, gzip-compressed (~1000:1)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * (1 << 20)
    parts = [c.compress(b"<html><body>")] + [c.compress(zeros) for _ in range(inflated >> 20)] + [c.flush()]
    return b"".join(parts)


BOMB = gzip_bomb()


@asynccontextmanager
async def bomb_site() -> AsyncIterator[str]:
    """A site whose homepage links to /bomb.html, served with Content-Length and Content-Encoding: gzip."""
    async def home(_: web.Request) -> web.Response:
        return web.Response(text='<html><body><a href="/bomb.html">专题</a></body></html>', content_type="text/html")

    async def bomb(_: web.Request) -> web.Response:
        return web.Response(body=BOMB, headers={"Content-Type": "text/html; charset=utf-8",
                                                "Content-Encoding": "gzip"})

    app = web.Application()
    app.add_routes([web.get("/", home), web.get("/bomb.html", bomb)])
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, HOST, 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://{HOST}:{port}"
    finally:
        await runner.cleanup()


def measured(make: Callable[[str], Awaitable[T]]) -> tuple[T, int]:
    """Run ``make(base_url)`` against the bomb site; (its result, the tracemalloc peak in bytes)."""
    async def main() -> T:
        async with bomb_site() as base:
            return await make(base)

    tracemalloc.start()
    try:
        result = asyncio.run(asyncio.wait_for(main(), 60))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


def policy(base: str) -> AddressPolicy:
    return AddressPolicy(registered=[base])  # the bomb site is a registered site


def test_the_bomb_is_a_bomb() -> None:
    assert len(BOMB) < 200_000 and zlib.decompress(BOMB, 16 + zlib.MAX_WBITS).startswith(b"<html>")


def test_probe_stops_at_the_ratio_and_says_so() -> None:
    async def run(base: str) -> Any:
        async with aiohttp.ClientSession(connector=ProbeConnector(force_close=True, policy=policy(base))) as s:
            return await probe(s, base + "/bomb.html", timeout=20, max_bytes=10 << 20, verify_tls=True,
                               ssl_context=None)

    r, peak = measured(run)
    assert not r.ok and r.error == "too_large" and r.status == 200
    assert r.reason.startswith("页面解压后过大（压缩比超过 100 倍")
    assert r.bytes < 4 << 20  # stopped after a few MiB, long before the 10 MiB cap
    assert peak < PEAK_LIMIT, peak


def test_fetcher_refuses_the_page() -> None:
    async def run(base: str) -> Any:
        fetcher = Fetcher(timeout=20, max_bytes=5 << 20, policy=policy(base))
        try:
            return await fetcher.get(base + "/bomb.html")
        except FetchError as exc:
            return exc
        finally:
            await fetcher.aclose()

    r, peak = measured(run)
    assert isinstance(r, FetchError), r  # not 5 MiB of zeros passed off as a page
    assert r.kind == "too_large" and r.detail.startswith("页面解压后过大")
    assert peak < PEAK_LIMIT, peak


def test_fetcher_still_reads_a_compressed_page_whole() -> None:
    html = "".join(f"<p>第{i}条 通知公告</p>" for i in range(20_000))

    async def main() -> Any:
        async def page(request: web.Request) -> web.StreamResponse:
            resp = web.Response(text=html, content_type="text/html")
            resp.enable_compression(web.ContentCoding.gzip)
            return resp

        app = web.Application()
        app.add_routes([web.get("/", page)])
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, HOST, 0)
        await site.start()
        base = f"http://{HOST}:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        fetcher = Fetcher(timeout=10, policy=policy(base))
        try:
            return await fetcher.get(base + "/")
        finally:
            await fetcher.aclose()
            await runner.cleanup()

    p = asyncio.run(main())
    assert p.headers.get("Content-Encoding") == "gzip" and p.text == html and not p.truncated


@pytest.mark.parametrize("shared", [False, True], ids=["own-session", "fetcher-session"])
def test_crawler_reports_the_bomb_without_reading_it(shared: bool) -> None:
    async def run(base: str) -> Any:
        settings = CrawlSettings(request_timeout=20, per_host_rate=1000)
        if not shared:
            return await Crawler(settings, policy=policy(base)).crawl(base + "/")
        fetcher = Fetcher(policy=policy(base))
        try:
            return await Crawler(settings, session=fetcher.session()).crawl(base + "/")
        finally:
            await fetcher.aclose()

    report, peak = measured(run)
    assert peak < PEAK_LIMIT, peak  # the old crawler read it whole: a peak above the inflated size
    assert report.homepage_error is None and report.complete
    (broken,) = report.broken
    assert broken.url.endswith("/bomb.html") and broken.error == "too_large" and broken.status == 200
    assert broken.detail.startswith("页面解压后过大（压缩比超过 100 倍") and broken.on_homepage
    assert report.pages == [base_of(broken.url) + "/"]  # the bomb was not parsed as a page


def base_of(url: str) -> str:
    return url.rsplit("/", 1)[0]
