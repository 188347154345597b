"""Issue 9, item 9: a crawled site must not make the inspector scan its own network.

Real loopback servers: the crawled site A (127.0.86.1, registered), another registered site B
(127.0.86.2), an unregistered "internal admin" C (127.0.86.3) and, where the machine has IPv6
loopback, an unregistered server on [::1]. A links and redirects to each of them, to host names a
test resolver maps onto C and onto a private address, and to a metadata address. What is refused is
never requested (C and [::1] count zero hits) and comes back as ``blocked`` with a Chinese reason,
never with the target's status; registered sites stay reachable. The same holds for the fetcher,
the homepage probe (through the registry) and the dead-link check run by the inspection runner.

On the old code C answered (HEAD /internal-admin, GET after the 302) and its statuses were readable.
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext, Target
from collectors.kinds.site_probe import SiteProbeCollector
from core.clock import FixedClock
from core.config import Config
from db.session import transaction
from inspection.checks.dead_links import findings_for
from inspection.findings import open_findings
from inspection.rules import Rules
from inspection.runner import InspectionRunner
from tests.collectors.support import seed_registry
from tests.support.internal_codes import english_codes_in
from webread.addresses import AddressPolicy
from webread.client import GuardedConnector
from webread.crawler import Crawler, CrawlReport, CrawlSettings
from webread.fetch import Fetcher, FetchError

A, B, C = "127.0.86.1", "127.0.86.2", "127.0.86.3"
FAST = CrawlSettings(request_timeout=3.0, retries=0, per_host_rate=1000)
NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@dataclass
class Server:
    host: str
    routes: dict[str, Any] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    port: int = 0

    def url(self, path: str = "/") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"


@asynccontextmanager
async def serving(server: Server) -> AsyncIterator[Server]:
    async def handle(request: web.Request) -> web.StreamResponse:
        server.hits[f"{request.method} {request.path}"] += 1
        make = server.routes.get(request.path)
        if make is None:
            return web.Response(status=404, text="<h1>404</h1>", content_type="text/html")
        return make()

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, server.host, 0)
    await site.start()
    server.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield server
    finally:
        await runner.cleanup()


def html(body: str) -> Any:
    return lambda: web.Response(text=f"<html><body>{body}</body></html>", content_type="text/html")


def redirect(to: str) -> Any:
    def make() -> web.StreamResponse:
        raise web.HTTPFound(to)
    return make


class TableResolver(AbstractResolver):
    """A resolver for the test's invented host names (no /etc/hosts, no DNS)."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
                      ) -> list[ResolveResult]:
        if host not in self.table:
            raise OSError(socket.EAI_NONAME, f"{host}: unknown to the test resolver")
        ip = self.table[host]
        fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
        return [{"hostname": host, "host": ip, "port": port, "family": fam, "proto": 0,
                 "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        return None


@dataclass
class World:
    a: Server
    b: Server
    c: Server
    v6: Server | None

    @property
    def registered(self) -> list[str]:
        return [self.a.url(), self.b.url()]

    @property
    def v6_url(self) -> str:
        """The [::1] link: a live server when the machine has IPv6 loopback, else a port nobody serves."""
        return self.v6.url("/") if self.v6 else "http://[::1]:9/"


@asynccontextmanager
async def world() -> AsyncIterator[World]:
    """A links to everything; the redirects live on A; B is registered, C and [::1] are not."""
    async with AsyncExitStack() as stack:
        b = await stack.enter_async_context(serving(Server(B, {"/ok.html": html("<p>兄弟站点</p>")})))
        c = await stack.enter_async_context(serving(Server(C, {"/internal-admin": html("管理后台"),
                                                               "/secret": html("内部数据")})))
        v6 = (await stack.enter_async_context(serving(Server("::1", {"/": html("本机服务")})))
              if has_ipv6_loopback() else None)
        a = Server(A)
        v6_url = v6.url("/") if v6 else "http://[::1]:9/"
        a.routes.update({
            "/": html(f"""<a href="{c.url('/internal-admin')}">内部管理</a>
                <a href="/go-internal">跳转到内网</a>
                <a href="{b.url('/ok.html')}">兄弟站点</a><a href="/go-registered">跳转到兄弟站点</a>
                <a href="{b.url('/missing.html')}">兄弟站点失效链接</a>
                <a href="{v6_url}">本机 IPv6</a>
                <a href="http://intranet.test:{c.port}/internal-admin">内网域名</a>
                <a href="http://db.intranet.test/">内网数据库</a>
                <a href="http://cloud.test/latest/meta-data/">元数据</a>"""),
            "/go-internal": redirect(c.url("/secret")),
            "/go-registered": redirect(b.url("/ok.html")),
            "/go-v6": redirect(v6_url),
        })
        await stack.enter_async_context(serving(a))
        yield World(a, b, c, v6)


RESOLVER = {"intranet.test": C, "db.intranet.test": "10.20.30.40", "cloud.test": "169.254.169.254"}


def crawl(shared: bool) -> tuple[CrawlReport, World]:
    async def main() -> tuple[CrawlReport, World]:
        async with world() as w:
            policy = AddressPolicy(registered=w.registered)
            if not shared:  # the crawler's own session: literal addresses only (no injected resolver)
                return await Crawler(FAST, policy=policy).crawl(w.a.url("/")), w
            connector = GuardedConnector(policy=policy, resolver=TableResolver(RESOLVER))
            async with aiohttp.ClientSession(connector=connector) as session:
                return await Crawler(FAST, session=session).crawl(w.a.url("/")), w
    return asyncio.run(asyncio.wait_for(main(), 60))


def test_crawler_refuses_internal_links_and_redirects_and_keeps_registered_sites() -> None:
    report, w = crawl(shared=True)
    broken = {b.url: b for b in report.broken}
    blocked = {u for u, b in broken.items() if b.error == "blocked"}
    assert blocked == {w.c.url("/internal-admin"), w.a.url("/go-internal"), w.v6_url,
                       f"http://intranet.test:{w.c.port}/internal-admin", "http://db.intranet.test/",
                       "http://cloud.test/latest/meta-data/"}
    for url in blocked:  # no status, a Chinese reason naming the host as the link wrote it
        assert broken[url].status is None and "未访问" in broken[url].detail, broken[url]
    assert broken[w.c.url("/internal-admin")].detail == f"指向内网地址，未访问（{C}）"
    assert broken[w.a.url("/go-internal")].detail == f"指向内网地址，未访问（{C}）"  # the hop, not A
    assert broken["http://cloud.test/latest/meta-data/"].detail == "指向云平台元数据地址，未访问（cloud.test）"
    assert broken[w.v6_url].detail == "指向内网地址，未访问（[::1]）"
    assert sum(w.c.hits.values()) == 0  # nothing reached the internal server, by name, literal or redirect
    assert w.v6 is None or sum(w.v6.hits.values()) == 0
    # registered sites stay reachable, statuses and all
    assert w.b.url("/ok.html") not in broken and w.a.url("/go-registered") not in broken
    assert broken[w.b.url("/missing.html")].error == "404"
    assert w.b.hits["HEAD /ok.html"] + w.b.hits["GET /ok.html"] >= 2


def test_the_crawlers_own_session_is_guarded_too() -> None:
    report, w = crawl(shared=False)
    broken = {b.url: b for b in report.broken}
    assert broken[w.c.url("/internal-admin")].error == "blocked"
    assert broken[w.a.url("/go-internal")].error == "blocked"
    assert broken[w.v6_url].error == "blocked"
    assert sum(w.c.hits.values()) == 0 and (w.v6 is None or sum(w.v6.hits.values()) == 0)
    assert w.b.url("/ok.html") not in broken and w.a.url("/go-registered") not in broken


def test_a_refused_link_is_a_chinese_finding_without_a_status() -> None:
    report, w = crawl(shared=True)
    findings = {f.location: f for f in findings_for(report)}
    f = findings[w.c.url("/internal-admin")]
    assert f.kind == "dead_link_homepage" and f.evidence["status"] is None and f.evidence["error"] == "blocked"
    assert f.detail == f"首页链接不可用：内部管理（{w.c.url('/internal-admin')}）（链接指向内网地址，未访问）"
    assert english_codes_in(f.detail) == [] and english_codes_in(f.evidence["error_zh"]) == []


def test_allow_list_opens_an_intranet() -> None:
    async def main() -> tuple[CrawlReport, World]:
        async with world() as w:
            policy = AddressPolicy(registered=w.registered, allow_networks=[f"{C}/32"])
            return await Crawler(FAST, policy=policy).crawl(w.a.url("/")), w
    report, w = asyncio.run(asyncio.wait_for(main(), 60))
    broken = {b.url: b for b in report.broken}
    assert w.c.url("/internal-admin") not in broken and w.c.hits["HEAD /internal-admin"] == 1
    assert broken[w.v6_url].error == "blocked"


def test_fetcher_refuses_a_redirect_to_an_internal_address() -> None:
    async def main() -> tuple[list[Any], World]:
        async with world() as w:
            fetcher = Fetcher(timeout=5, policy=AddressPolicy(registered=w.registered))
            out: list[Any] = []
            try:
                for path in ("/go-internal", "/go-registered", "/go-v6"):
                    try:
                        out.append(await fetcher.get(w.a.url(path)))
                    except FetchError as exc:
                        out.append(exc)
            finally:
                await fetcher.aclose()
            return out, w
    (internal, registered, v6), w = asyncio.run(asyncio.wait_for(main(), 60))
    assert isinstance(internal, FetchError) and internal.kind == "blocked"
    assert internal.detail == f"指向内网地址，未访问（{C}）"
    assert isinstance(v6, FetchError) and v6.kind == "blocked" and "[::1]" in v6.detail
    assert registered.status == 200 and registered.final_url == w.b.url("/ok.html")
    assert sum(w.c.hits.values()) == 0


def test_fetcher_without_a_policy_reaches_no_internal_address() -> None:
    async def main() -> Any:
        async with world() as w:
            fetcher = Fetcher(timeout=5)
            try:
                await fetcher.get(w.b.url("/ok.html"))
            except FetchError as exc:
                return exc, w
            finally:
                await fetcher.aclose()
        raise AssertionError("reached an internal address without a policy")
    exc, w = asyncio.run(asyncio.wait_for(main(), 60))
    assert exc.kind == "blocked" and w.b.hits["GET /ok.html"] == 0


def test_probe_follows_the_registry(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    """The homepage probe: registered sites come from the registry each round; a homepage that
    redirects inside the network fails as blocked (no status), one that redirects to a registered site
    is up."""
    _, sessions = migrated_db

    async def main() -> tuple[dict[str, dict[str, Any]], World]:
        async with world() as w:
            with transaction(sessions) as s:
                seed_registry(s, {"C1": w.a.url("/go-internal"), "C2": w.a.url("/go-registered"),
                                  "C3": w.a.url("/go-v6"), "X1": w.b.url("/ok.html")})
            collector = SiteProbeCollector(CollectorContext(config=Config(), sessions=sessions,
                                                            clock=FixedClock(NOW)))
            try:
                targets: list[Target] = await asyncio.to_thread(collector.targets)
                # the probe's fields, and a failure's class and reason from the tags of its failure marker
                points = {}
                for t in targets:
                    probe, *failure = await collector.collect(t)
                    points[t.key] = {**probe.fields, **{k: v for p in failure for k, v in p.tags.items()
                                                        if k in ("error", "reason")}}
            finally:
                await collector.aclose()
            return points, w
    points, w = asyncio.run(asyncio.wait_for(main(), 60))
    assert points["C1"]["up"] == 0 and points["C1"]["error"] == "blocked" and "status" not in points["C1"]
    assert points["C1"]["reason"] == f"指向内网地址，未访问（{C}）"
    assert points["C3"]["error"] == "blocked"
    assert points["C2"]["up"] == 1 and points["X1"]["up"] == 1
    assert sum(w.c.hits.values()) == 0


def test_dead_link_check_through_the_runner_uses_the_registry(migrated_db: tuple[str, sessionmaker[Session]]
                                                              ) -> None:
    """The scheduled path: the runner registers the registry's enabled sites, the dead-link check
    shares its fetcher's guarded session; C (not registered) is a finding in Chinese, B is reachable."""
    _, sessions = migrated_db

    async def main() -> tuple[Any, World, frozenset[str]]:
        async with world() as w:
            with transaction(sessions) as s:
                seed_registry(s, {"C1": w.a.url("/"), "X1": w.b.url("/"), "D1": w.c.url("/")})  # D1 is disabled
            runner = InspectionRunner(Config(), sessions, None, checks=["dead_links"], rules=Rules(source="test"),
                                      clock=FixedClock(NOW))
            try:
                outcomes = await runner.run(["C1"], NOW, write_metrics=False)
                return outcomes, w, runner.fetcher.policy.registered_hosts
            finally:
                await runner.aclose()
    outcomes, w, registered = asyncio.run(asyncio.wait_for(main(), 90))
    assert registered == {A, B}  # a disabled site's host is not registered
    (outcome,) = outcomes
    assert outcome.status == "ok", outcome
    with sessions() as s:
        found = {f.location: f for f in open_findings(s) if f.check == "dead_links"}
    f = found[w.c.url("/internal-admin")]
    assert f.evidence["error"] == "blocked" and f.evidence["status"] is None and "链接指向内网地址，未访问" in f.detail
    assert found[w.a.url("/go-internal")].evidence["error"] == "blocked"
    assert w.b.url("/ok.html") not in found and found[w.b.url("/missing.html")].evidence["status"] == 404
    assert sum(w.c.hits.values()) == 0


@pytest.mark.parametrize("address", ["169.254.169.254", "[fd00:ec2::254]"])
def test_metadata_literals_are_refused_even_with_everything_open(address: str) -> None:
    async def main() -> Any:
        fetcher = Fetcher(timeout=3, policy=AddressPolicy.open())
        try:
            await fetcher.get(f"http://{address}/latest/meta-data/")
        except FetchError as exc:
            return exc
        finally:
            await fetcher.aclose()
        raise AssertionError("requested a metadata address")
    exc = asyncio.run(asyncio.wait_for(main(), 30))
    assert exc.kind == "blocked" and exc.detail.startswith("指向云平台元数据地址，未访问")
