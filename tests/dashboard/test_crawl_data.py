"""Crawl coverage behind the site page (dashboard/crawl_data.py through WallData, worded by
layouts/crawl_coverage.py), on a real registry: SQLite and, when ``GOVOPS_TEST_PG_URL`` is set, PostgreSQL.
The frontier rows and the dead_links runs are written as the runner writes them (``crawl_page`` rows,
inspection/findings.py ``record_run``); coverage is counted at the time asked, not copied from the run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dash import html
from flask import Flask
from flask_caching import Cache
from sqlalchemy import select

from core.clock import FixedClock
from dashboard.data import WallData
from db.models import CrawlPage, RunStatus, Site
from db.session import transaction
from inspection.findings import record_run
from layouts.crawl_coverage import coverage_children, state_line
from tests.dashboard.world import NOW, World, build_world

DAY = timedelta(days=1)


@pytest.fixture
def cworld(db_url: str, tmp_path: Path) -> Iterator[World]:
    world = build_world(tmp_path, db_url=db_url)
    try:
        yield world
    finally:
        world.store.close()


@pytest.fixture
def data(cworld: World) -> Iterator[WallData]:
    app = Flask(__name__)
    app.config["CACHE_TYPE"] = "SimpleCache"  # as the app: each test seeds before it reads
    cache = Cache()
    cache.init_app(app)
    with app.app_context():
        yield WallData(cworld.config, cworld.store, cworld.sessions, cache, FixedClock(NOW))


def _frontier(world: World, code: str, fetched: list[datetime | None]) -> None:
    """One ``crawl_page`` row per entry of ``fetched`` (its last fetch; None: discovered, never fetched)."""
    with transaction(world.sessions) as s:
        site_id = s.scalar(select(Site.id).where(Site.code == code))
        for i, at in enumerate(fetched):
            s.add(CrawlPage(site_id=site_id, url=f"https://{code.lower()}.example.gov.cn/p{i}", depth=1,
                            first_seen=NOW - 30 * DAY, last_checked=at, status=None if at is None else 200,
                            signature=""))


def _crawl_run(world: World, code: str, at: datetime, stats: dict[str, Any],
               status: RunStatus = RunStatus.OK) -> None:
    with transaction(world.sessions) as s:
        site_id = s.scalar(select(Site.id).where(Site.code == code))
        assert site_id is not None
        record_run(s, site_id, "dead_links", as_of=at, started_at=at - timedelta(minutes=5), finished_at=at,
                   status=status, stats=stats)


def _text(children: list[Any]) -> str:
    """The visible text of a component tree."""
    def walk(node: Any) -> str:
        if isinstance(node, str):
            return node
        if isinstance(node, list):
            return "".join(walk(n) for n in node)
        if isinstance(node, html.Div):
            return walk(node.children) if node.children is not None else ""
        return ""
    return "|".join(walk(c) for c in children)


def test_a_site_never_crawled_says_so_without_a_percentage(data: WallData) -> None:
    c = data.site_coverage("C0400", NOW)
    assert c is not None
    assert (c.known, c.checked, c.percent, c.last_crawl, c.state) == (0, 0, None, None, "none")
    assert c.cycle_days == 7.0  # the rules file's [dead_links] cycle_days: no run has said otherwise
    text = _text(coverage_children(c, NOW))
    assert "尚未爬取全站：覆盖情况待首次爬取后统计" in text and "尚未爬取" in text
    assert "%" not in text and "0 页" not in text
    assert data.site_coverage("NOPE", NOW) is None


def test_a_crawl_that_could_not_read_the_site_leaves_no_page_list(cworld: World, data: WallData) -> None:
    _crawl_run(cworld, "C0400", NOW - timedelta(hours=3), {}, RunStatus.ERROR)
    c = data.site_coverage("C0400", NOW)
    assert c is not None and c.state == "none" and not c.last_ok
    text = _text(coverage_children(c, NOW))
    assert "3 小时前，未能读取网站" in text and "尚无已知页面：上次爬取未能读取网站" in text and "%" not in text


def test_partial_coverage_is_progress_through_the_cycle(cworld: World, data: WallData) -> None:
    # 40 pages known: 25 fetched within the week, 10 eight days ago (due again), 5 discovered only
    _frontier(cworld, "C0200", [NOW - DAY] * 25 + [NOW - 8 * DAY] * 10 + [None] * 5)
    _crawl_run(cworld, "C0200", NOW - timedelta(hours=3),
               {"pages_crawled": 25.0, "partial": 0.0, "coverage_known": 40.0, "coverage_checked": 25.0,
                "coverage_pct": 62.5, "coverage_cycle_days": 7.0})
    c = data.site_coverage("C0200", NOW)
    assert c is not None
    assert (c.known, c.checked, c.percent, c.state, c.last_pages) == (40, 25, 62.5, "partial", 25)
    assert c.last_crawl == NOW - timedelta(hours=3)
    # the age is told against the moment shown, not the moment read
    text = _text(coverage_children(c, NOW + timedelta(minutes=30)))
    assert text.split("|") == [
        "已知页面40 页本周期已检查25 页（62.5%）检查周期7 天读完全站一遍上次爬取3 小时 30 分钟前，读取 25 页",
        "按周期推进：每次爬取读一部分页面，7 天内读完全站"]


def test_a_crawl_cut_short_by_its_time_limit_reads_as_progress_too(cworld: World, data: WallData) -> None:
    _frontier(cworld, "C0200", [NOW - DAY] * 3 + [None] * 7)
    _crawl_run(cworld, "C0200", NOW - DAY, {"pages_crawled": 3.0, "partial": 1.0, "coverage_cycle_days": 7.0})
    c = data.site_coverage("C0200", NOW)
    assert c is not None and c.cut_short and c.state == "partial" and c.percent == 30.0
    assert state_line(c, NOW) == "按周期推进：上次爬取用完时限，下次接着读未读页面"


def test_full_coverage_then_stale_once_the_cycle_passes(cworld: World, data: WallData) -> None:
    _frontier(cworld, "C0200", [NOW - 2 * DAY] * 12 + [NOW - timedelta(hours=2)] * 8)
    _crawl_run(cworld, "C0200", NOW - timedelta(hours=2), {"pages_crawled": 8.0, "coverage_cycle_days": 7.0})
    full = data.site_coverage("C0200", NOW)
    assert full is not None
    assert (full.known, full.checked, full.percent, full.state) == (20, 20, 100.0, "full")
    assert state_line(full, NOW) == "本周期已读完全站"
    # six days on, the pages read two days before NOW are due again: counted now, not copied from the run
    later = data.site_coverage("C0200", NOW + 6 * DAY)
    assert later is not None and (later.checked, later.percent, later.state) == (8, 40.0, "partial")
    # eight days on, no crawl within the cycle: every page is due, the panel says since when
    stale = data.site_coverage("C0200", NOW + 8 * DAY)
    assert stale is not None and (stale.known, stale.checked, stale.state) == (20, 0, "stale")
    assert state_line(stale, NOW + 8 * DAY) == "覆盖已过期：8 天 2 小时未爬取，超过检查周期（7 天）"
    body = coverage_children(stale, NOW + 8 * DAY)
    assert "coverage-stale" in body[0].className  # greyed


def test_the_cycle_is_the_one_the_run_worked_to(cworld: World, data: WallData) -> None:
    _frontier(cworld, "C0200", [NOW - 4 * DAY] * 6 + [NOW - DAY] * 4)
    _crawl_run(cworld, "C0200", NOW - DAY, {"pages_crawled": 4.0, "coverage_cycle_days": 3.0})
    c = data.site_coverage("C0200", NOW)
    assert c is not None and (c.cycle_days, c.checked, c.percent) == (3.0, 4, 40.0)
    # an older run without the figure: the rules file's cycle
    _crawl_run(cworld, "X0302", NOW - DAY, {"pages_crawled": 4.0})
    _frontier(cworld, "X0302", [NOW - 4 * DAY] * 6 + [NOW - DAY] * 4)
    old = data.site_coverage("X0302", NOW)
    assert old is not None and (old.cycle_days, old.checked) == (7.0, 10)
