"""全站暗链与外部脚本: hidden off-site links and foreign scripts on pages below the homepage, found through
the site's one shared crawl; the homepage stays the defacement check's (one fault, one finding), hosts an
operator accepted in the homepage baseline never count, and a finding on a page a later run did not read
again stays open."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from core.clock import FixedClock
from core.config import Config
from db.session import transaction
from inspection.base import Severity
from inspection.checks.dead_links import Settings as DeadLinksSettings
from inspection.checks.defacement import DbBaselines
from inspection.checks.page_tampering import findings_for, page_targets
from inspection.findings import open_findings
from inspection.rules import Rules
from inspection.runner import InspectionRunner
from tests.collectors.support import serve
from tests.inspection.support import seed_sites
from tsdb.sqlite_store import SQLiteMetricStore

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
HITS = web.AppKey("hits", Counter)
SITE = "http://127.0.0.1:8080/"
# Off-site for a site on 127.0.0.1; the crawl's link check finds these addresses refused, never requested.
BET = '<a href="http://127.0.0.9/zhenren/" style="display:none">真人荷官</a>'
STATS = '<script src="http://127.0.0.7/tongji.js"></script>'


def page(body: str, head: str = "") -> str:
    return f"<html><head><meta charset='utf-8'><title>测试</title>{head}</head><body>{body}</body></html>"


def test_page_targets_finds_hidden_links_and_foreign_scripts_but_not_the_sites_own() -> None:
    html = page(BET + '<a href="/about/" style="display:none">隐藏的本站菜单</a>'
                '<div style="position:absolute;left:-9999px"><a href="http://127.0.0.8/a">彩票网</a></div>'
                '<iframe src="http://127.0.0.9/frame.html"></iframe>', head=STATS + '<script src="/own.js"></script>'
                '<script src="https://www.gov.cn/govweb/xhr/gov.js"></script>')
    targets = page_targets(html, SITE + "gk/1.html", SITE, ("gov.cn",))
    assert [(t.kind, t.url) for t in targets] == [
        ("page_hidden_link", "http://127.0.0.9/zhenren/"), ("page_hidden_link", "http://127.0.0.8/a"),
        ("page_external_script", "http://127.0.0.7/tongji.js"), ("page_external_script", "http://127.0.0.9/frame.html")]
    assert all(t.suspicious for t in targets[:2])  # 真人荷官 / 彩票网


def test_one_finding_per_kind_and_page_with_every_target_as_evidence() -> None:
    found = {SITE + "a.html": page_targets(page(BET + '<a href="http://127.0.0.8/" hidden>x</a>', head=STATS),
                                           SITE + "a.html", SITE, ()),
             SITE + "b.html": page_targets(page(STATS), SITE + "b.html", SITE, ())}
    drafts = findings_for(found)
    assert [(d.kind, d.location) for d in drafts] == [
        ("page_hidden_link", SITE + "a.html"), ("page_external_script", SITE + "a.html"),
        ("page_external_script", SITE + "b.html")]
    hidden = drafts[0]
    assert hidden.severity == Severity.CRITICAL and hidden.veto
    assert hidden.evidence["count"] == 2 and hidden.evidence["targets"][0] == "http://127.0.0.9/zhenren/"
    assert "真人荷官" in hidden.detail and "本页共 2 个" in hidden.detail
    # an accepted host (the homepage baseline's) is not foreign on any page
    assert [(d.kind, d.location) for d in findings_for(found, accepted=("127.0.0.7",))] == [
        ("page_hidden_link", SITE + "a.html")]


def site(state: dict[str, Any]) -> web.Application:
    """/ (with its own hidden link: the defacement check's) → /index.html (the same page) and /gk/ → /gk/1.html
    (a hidden gambling link, injected into the article template) and /gk/2.html (a foreign script)."""
    hits: Counter[str] = Counter()

    async def handler(r: web.Request) -> web.Response:
        hits[r.path] += 1
        home = page('<a href="/index.html">首页</a><a href="/gk/">政务公开</a>' + BET)
        bodies = {"/": home, "/index.html": home,
                  "/gk/": page('<a href="/gk/1.html">一</a><a href="/gk/2.html">二</a>'),
                  "/gk/1.html": page("<p>正文</p>" + (BET if state["injected"] else "")),
                  "/gk/2.html": page("<p>正文</p>", head=STATS)}
        body = bodies.get(r.path)
        if body is None:
            return web.Response(status=404, text="无此页面")
        return web.Response(text=body, content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    app[HITS] = hits
    return app


def test_the_shared_crawl_finds_them_below_the_homepage_only(migrated_db: tuple[str, sessionmaker[Session]],
                                                             tmp_path: Path) -> None:
    _, sessions = migrated_db
    store = SQLiteMetricStore(tmp_path / "metrics.db")
    state = {"injected": True}
    app = site(state)

    async def run(when: datetime, rules: Rules, accept: tuple[str, ...] = ()) -> list[Any]:
        runner = InspectionRunner(Config(), sessions, store, checks=["dead_links", "page_tampering"],
                                  rules=rules, clock=FixedClock(when))
        try:
            if accept:
                DbBaselines(sessions).put("X1", "homepage", "d", {"accepted_hosts": list(accept)}, when)
            return await runner.run(None, when)
        finally:
            await runner.aclose()

    def found() -> dict[tuple[str, str], datetime]:
        with sessions() as s:
            stored = open_findings(s, checks=["page_tampering"])
        return {(f.kind, f.location.split("/", 3)[-1]): f.last_seen for f in stored}

    async def main() -> None:
        async with serve(app) as base:
            with transaction(sessions) as s:
                seed_sites(s, {"X1": base + "/"})
            fast = Rules(source="test", settings={"dead_links": DeadLinksSettings(per_host_rate=1000.0)})
            outcomes = await run(NOW, fast)
            assert [(o.check, o.status) for o in outcomes] == [("dead_links", "ok"), ("page_tampering", "ok")]
            assert {p: app[HITS][p] for p in ("/", "/gk/1.html", "/gk/2.html")} == {p: 1 for p in ("/", "/gk/1.html",
                                                                                                   "/gk/2.html")}
            assert set(found()) == {("page_hidden_link", "gk/1.html"), ("page_external_script", "gk/2.html")}

            # the injection is removed, but a run with a tiny budget does not read /gk/1.html again: it stays
            # open with its last-seen date; the next full run resolves it
            state["injected"] = False
            later, tiny = NOW + timedelta(days=8), Rules(source="test", settings={
                "dead_links": DeadLinksSettings(per_host_rate=1000.0, page_budget=1, max_pages_per_run=1)})
            await run(later, tiny)
            assert found()[("page_hidden_link", "gk/1.html")] == NOW
            await run(later + timedelta(days=8), fast, accept=("127.0.0.7",))
            assert found() == {}  # the link is gone; the script's host was accepted at the homepage

    try:
        asyncio.run(main())
    finally:
        store.close()


def test_a_rider_sets_none_of_the_shared_crawls_limits(migrated_db: tuple[str, sessionmaker[Session]],
                                                      tmp_path: Path) -> None:
    """dead_links asks for two pages: page_tampering's own max_pages (300) must not widen the shared crawl."""
    _, sessions = migrated_db
    store = SQLiteMetricStore(tmp_path / "metrics.db")
    app = site({"injected": True})

    async def main() -> None:
        async with serve(app) as base:
            with transaction(sessions) as s:
                seed_sites(s, {"X1": base + "/"})
            rules = Rules(source="test", settings={"dead_links": DeadLinksSettings(per_host_rate=1000.0,
                                                                                  page_budget=2)})
            runner = InspectionRunner(Config(), sessions, store, checks=["dead_links", "page_tampering"],
                                      rules=rules, clock=FixedClock(NOW))
            try:
                await runner.run(None, NOW)
            finally:
                await runner.aclose()

    try:
        asyncio.run(main())
    finally:
        store.close()
    assert app[HITS]["/"] == 1 and not app[HITS]["/gk/1.html"] and not app[HITS]["/gk/2.html"]
