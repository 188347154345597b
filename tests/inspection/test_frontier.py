"""The crawl frontier through the runner: conditional requests (unchanged pages cost a 304 and are not
rescanned, a changed page is read again), findings on pages a budget-limited run did not re-check stay open
with their last-seen date, and the frontier's persistence on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.clock import FixedClock
from dashboard.crawl_data import site_coverage
from db.models import CheckRun, CrawlPage, Finding
from db.session import transaction
from inspection.checks.content_errors import Settings as ContentSettings
from inspection.checks.dead_links import Settings as DeadLinksSettings
from inspection.findings import open_findings
from inspection.frontier import load_frontier, save_frontier
from inspection.report import coverage_dicts, coverage_lines
from runtime.inspect_cli import _coverage_stats
from tests.collectors.support import serve
from tests.inspection.frontier_support import HITS, NOW, html, memory_site, run_once, sqlite_db
from tests.inspection.support import seed_sites
from webread.crawler import CrawlReport
from webread.frontier import PageState, pack_links, unpack_links

__all__ = ["sqlite_db"]

FAST = {"per_host_rate": 1e6, "per_host_concurrency": 8}
DAY = 86_400.0


def chain(n: int) -> dict[str, str]:
    """/ -> /p1 -> … -> /p{n}; every page also links to the homepage."""
    pages = {"/": html('<a href="/p1">第一层</a>')}
    for i in range(1, n + 1):
        nxt = f'<a href="/p{i + 1}">下一层</a>' if i < n else ""
        pages[f"/p{i}"] = html(f'<a href="/">首页</a><p>第{i}页正文。</p>{nxt}')
    return pages


def last_stats(sessions: sessionmaker[Session], check: str) -> dict[str, float]:
    with sessions() as s:
        run = s.scalars(select(CheckRun).where(CheckRun.check == check).order_by(CheckRun.id.desc())).first()
        assert run is not None and run.status.value == "ok", run and run.error
        return dict(run.stats)


def test_unchanged_pages_cost_a_304_and_are_not_rescanned(sqlite_db: sessionmaker[Session]) -> None:
    sessions = sqlite_db
    pages = chain(10)
    # half the pages answer If-None-Match, half If-Modified-Since
    app = memory_site(pages, lambda p: "etag" if p in ("/", "/p1", "/p3", "/p5", "/p7", "/p9") else "last_modified")
    # a cycle shorter than the runs' spacing: every page is due on every run
    settings = {"dead_links": DeadLinksSettings(cycle_days=0.5, max_depth=20, **FAST)}
    clock = FixedClock(NOW)
    checks = ["dead_links", "content_errors"]
    answers: list[Counter[int]] = []

    async def main() -> None:
        async with serve(app) as base:
            with transaction(sessions) as s:
                seed_sites(s, {"X1": base + "/"})
            for step in range(3):
                if step == 2:  # the editor changes one page deep in the chain
                    pages["/p8"] = html('<a href="/">首页</a><p>本站出现六合彩开奖信息。</p><a href="/p9">下一层</a>')
                before = Counter(app[HITS])
                outcomes = await run_once(sessions, clock, checks, settings)
                assert [o.status for o in outcomes] == ["ok", "ok"]
                now = app[HITS] - before
                answers.append(Counter({status: 0 for status in (200, 304)} | {
                    status: sum(n for (_p, st), n in now.items() if st == status) for status in (200, 304)}))
                if step == 2:
                    assert now[("/p8", 200)] == 1 and not now[("/p8", 304)]  # the changed page is read again
                clock.advance(DAY)

    asyncio.run(main())
    assert answers[0] == Counter({200: 11, 304: 0})
    assert answers[1] == Counter({200: 0, 304: 11})  # nothing changed: every page a 304, none read again
    assert answers[2] == Counter({200: 1, 304: 10})
    stats = last_stats(sessions, "content_errors")
    assert stats["pages"] == 1  # only the changed page was scanned again
    assert last_stats(sessions, "dead_links")["coverage_pct"] == 100.0
    with sessions() as s:
        found = {(f.kind, f.location.rsplit("/", 1)[-1]) for f in open_findings(s, checks=["content_errors"])}
    assert found == {("banned_word", "p8")}


def test_pages_read_for_other_scans_are_read_and_scanned_again(sqlite_db: sessionmaker[Session]) -> None:
    """Unchanged pages are not rescanned, unless the scans changed: with near-miss detection switched on
    (another dictionary or lexicon version alike) every page is read in full again, and the slip on a page
    that never changed is found."""
    sessions = sqlite_db
    pages = chain(3)
    pages["/p2"] = html('<a href="/">首页</a><p>湖南省人民政俯发布通知。</p><a href="/p3">下一层</a>')
    app = memory_site(pages, lambda p: "etag")
    clock = FixedClock(NOW)
    checks = ["dead_links", "content_errors"]
    base_settings = {"dead_links": DeadLinksSettings(cycle_days=0.5, max_depth=20, **FAST)}
    answers: list[Counter[int]] = []

    async def main() -> None:
        async with serve(app) as base:
            with transaction(sessions) as s:
                seed_sites(s, {"X1": base + "/"})
            for near_miss in (False, False, True):
                before = Counter(app[HITS])
                settings = {**base_settings, "content_errors": ContentSettings(near_miss=near_miss)}
                outcomes = await run_once(sessions, clock, checks, settings)
                assert [o.status for o in outcomes] == ["ok", "ok"]
                now = app[HITS] - before
                answers.append(Counter({st: sum(n for (_p, s2), n in now.items() if s2 == st) for st in (200, 304)}))
                clock.advance(DAY)

    asyncio.run(main())
    assert [a[200] for a in answers] == [4, 0, 4] and answers[1][304] == 4
    with sessions() as s:
        found = {(f.kind, f.location.rsplit("/", 1)[-1]) for f in open_findings(s, checks=["content_errors"])}
    assert ("misspelt_name", "p2") in found or ("misspelt_place", "p2") in found, found


def test_a_finding_on_a_page_not_rechecked_keeps_its_last_seen(sqlite_db: sessionmaker[Session]) -> None:
    sessions = sqlite_db
    pages = chain(6)
    pages["/p6"] = html('<a href="/">首页</a><a href="/gone">失效链接</a>')
    app = memory_site(pages)
    clock = FixedClock(NOW)
    roomy = {"dead_links": DeadLinksSettings(cycle_days=0.5, max_depth=20, **FAST)}
    # two pages a run: the homepage and the page fetched longest ago, never /p6 and its dead link
    tight = {"dead_links": DeadLinksSettings(cycle_days=0.5, page_budget=2, max_pages_per_run=2, **FAST)}

    async def main() -> None:
        async with serve(app) as base:
            with transaction(sessions) as s:
                seed_sites(s, {"X1": base + "/"})
            await run_once(sessions, clock, ["dead_links"], roomy)
            clock.advance(DAY)
            before = Counter(app[HITS])
            await run_once(sessions, clock, ["dead_links"], tight)
            now = app[HITS] - before
            assert sorted(p for p, _st in now) == ["/", "/p1"]

    asyncio.run(main())
    with sessions() as s:
        (finding,) = s.scalars(select(Finding).where(Finding.check == "dead_links")).all()
    assert finding.location.endswith("/gone") and finding.resolved_at is None
    assert finding.last_seen == NOW  # seen by the first run only: the second did not look there
    stats = last_stats(sessions, "dead_links")
    assert (stats["coverage_known"], stats["coverage_checked"]) == (8.0, 2.0)  # /, /p1–/p6, /gone
    # `inspect` shows it per site, in the table and in the JSON
    coverage = coverage_dicts(_coverage_stats(sessions, ["X1"]), {"X1": "湖南省人民政府门户网站"})
    assert coverage == [{"site_code": "X1", "site_name": "湖南省人民政府门户网站", "known": 8, "checked": 2,
                         "percent": 25.0}]
    assert coverage_lines(coverage) == ["覆盖：湖南省人民政府门户网站 已知 8 页，本周期已检查 2 页（25.0%）"]
    # the site page counts the same from the frontier, against the cycle the run worked to
    assert stats["coverage_cycle_days"] == 0.5
    wall = site_coverage(sessions, "X1", clock.now(), default_cycle_days=7.0)
    assert wall is not None
    assert (wall.known, wall.checked, wall.percent, wall.cycle_days, wall.state) == (8, 2, 25.0, 0.5, "partial")


def _report(states: dict[str, PageState], discovered: dict[str, int], reached: dict[str, int]) -> CrawlReport:
    r = CrawlReport(start_url="http://127.0.0.1:8080/", homepage_url="http://127.0.0.1:8080/")
    r.states, r.discovered, r.reached = states, discovered, reached
    return r


def test_frontier_persists_and_bad_data_is_never_half_written(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    base = "http://127.0.0.1:8080"
    with transaction(sessions) as s:
        site_id = seed_sites(s, {"X1": base + "/"})["X1"]
    links = pack_links([(f"{base}/a", "a", "文章"), (f"{base}/logo.png", "img", "")])
    home = PageState(0, '"v1"', "Sun, 06 Dec 2026 00:00:00 GMT", "ab" * 32, NOW, links, 200, NOW)
    with transaction(sessions) as s:
        assert save_frontier(s, site_id, _report({f"{base}/": home}, {f"{base}/a": 1},
                                                 {f"{base}/": 0, f"{base}/a": 1}), NOW, 7 * DAY) == (2, 0)
    with sessions() as s:
        loaded = load_frontier(s, site_id)
    assert loaded == {f"{base}/": home, f"{base}/a": PageState(1)}
    assert unpack_links(loaded[f"{base}/"].links) == [(f"{base}/a", "a", "文章"), (f"{base}/logo.png", "img", "")]

    # an update of a known page and a row that cannot be written: nothing of the batch is kept
    later = NOW + timedelta(days=1)
    broken = _report({f"{base}/a": PageState(1, None, None, "cd" * 32, later, None, 200, later)},
                     {f"{base}/b": None}, {})  # type: ignore[dict-item]
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        save_frontier(s, site_id, broken, later, 7 * DAY)
    with sessions() as s:
        assert load_frontier(s, site_id) == loaded

    # a complete crawl that no longer reaches /a: dropped once it is two cycles old, not before
    gone = _report({f"{base}/": home}, {}, {f"{base}/": 0})
    with transaction(sessions) as s:
        assert save_frontier(s, site_id, gone, later, 7 * DAY) == (1, 0)
    with transaction(sessions) as s:
        assert save_frontier(s, site_id, gone, NOW + timedelta(days=15), 7 * DAY) == (1, 1)
    with sessions() as s:
        assert s.scalars(select(CrawlPage.url)).all() == [f"{base}/"]
