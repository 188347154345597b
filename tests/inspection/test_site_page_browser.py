"""The site page in real headless Chromium: a veto short of data reads 数据不足 in grey, never 已触发; a
hidden link's evidence shows in Chinese, as text (hostile markup stays inert), whole on hover; the crawl's
coverage (全站覆盖) shows in its own panel, whole, on a 1920×1080 wall without pushing the veto table into
paging."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from db.models import CrawlPage, Site
from inspection.base import CheckResult, FindingDraft, Severity, SiteTarget
from inspection.checks.availability import ProbeTally, Settings, judge
from inspection.findings import record_run, save_result
from tests.dashboard.browser_support import Watch, serve
from tests.dashboard.world import NOW, World, build_world, kiosk_token

pytestmark = pytest.mark.browser

HOSTILE = '<img src="x" onerror="window.__pwned=1">皇冠娱乐城<script>window.__pwned=2</script>'


def _seed(world: World) -> None:
    """P0001 five minutes after start, down for all five probes; a hidden link with a hostile anchor."""
    url = "https://p0001.example.gov.cn/"
    target = SiteTarget("P0001", "P0001", url, "provincial_portal", "430000", "430000")
    probes = judge(ProbeTally(total=5, failed=5, days=((0, 0),) * 6 + ((5, 5),)), Settings(), target,
                   NOW - timedelta(days=7), NOW)
    hidden = FindingDraft("defacement", "hidden_link", "http://www.hg-yulecheng.example/", Severity.CRITICAL,
                          "首页存在隐藏链接", {"page": url, "hidden_by": "left:-9999px", "text": HOSTILE,
                                               "suspicious": True, "host": "www.hg-yulecheng.example"}, veto=True)
    with world.sessions() as s, s.begin():
        site_id = s.execute(select(Site.id).where(Site.code == "P0001")).scalar_one()
        save_result(s, site_id, CheckResult("availability", "P0001", NOW, tuple(probes)), NOW)
        save_result(s, site_id, CheckResult("defacement", "P0001", NOW, (hidden,)), NOW)
        _crawl(s, site_id, url)


def _crawl(s: Any, site_id: int, url: str) -> None:
    """A frontier of 1,240 pages, 806 read within the week, 434 read nine days ago (due again), and the
    crawl that read 180 of them half an hour ago."""
    for i in range(1240):
        at = NOW - timedelta(days=2) if i < 806 else NOW - timedelta(days=9)
        s.add(CrawlPage(site_id=site_id, url=f"{url}art/{i}.html", depth=2, first_seen=NOW - timedelta(days=30),
                        last_checked=at, status=200, signature=""))
    done = NOW - timedelta(minutes=30)
    record_run(s, site_id, "dead_links", as_of=done, started_at=done - timedelta(minutes=20), finished_at=done,
               status="ok", stats={"pages_crawled": 180.0, "partial": 0.0, "coverage_cycle_days": 7.0})


def test_site_page_states_missing_data_and_shows_evidence_as_text(browser: Any, tmp_path: Path) -> None:
    world = build_world(tmp_path, refresh_seconds=1)
    _seed(world)
    token = kiosk_token(world)
    with serve(world, "site-evidence-test") as base:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        watch = Watch(page)
        page.goto(f"{base}/site/P0001?kiosk={token}")
        page.wait_for_selector("#site-veto-body tr", timeout=20_000)
        row = page.locator("#site-veto-body tr", has_text="站点无法访问")
        assert row.inner_text().split("\t") == ["站点无法访问", "数据不足", "已有 5/140 次监测", "—"]
        assert row.locator(".sufficiency").get_attribute("title") == "目前失败5次"
        # found and read in one script: a refresh tick replacing the rows between the two leaves a detached
        # element, whose computed colour is ""
        colour = page.evaluate("""() => getComputedStyle(document.querySelector(
            '#site-veto-body .badge-veto-insufficient')).color""")
        assert colour == "rgb(182, 194, 211)"  # the grey of 未检查, not the red of 已触发
        assert "已触发" not in row.inner_text()
        serious = page.locator("#site-veto-body tr", has_text="严重错误").inner_text()
        assert "已触发" in serious  # the hidden link holds on its own

        cell = page.locator("#site-findings-body .row-sev-critical .evidence")
        shown = cell.inner_text()
        assert shown.startswith("域名 www.hg-yulecheng.example；隐藏方式 left:-9999px；锚文本 <img src=")
        assert "隐藏方式：left:-9999px" in (cell.get_attribute("title") or "")
        assert page.locator("#site-findings-body img").count() == 0  # the markup stayed text
        page.wait_for_timeout(1500)  # a refresh tick re-renders the rows: still inert
        assert page.evaluate("() => window.__pwned") is None
        body = page.locator("#site-findings-body").inner_text()
        assert "隐藏链接（暗链）" in body and "hidden_link" not in body and "probe_failures" not in body
        coverage = page.locator("#site-coverage")
        assert coverage.inner_text().split("\n") == [
            "已知页面", "1,240 页", "本周期已检查", "806 页（65.0%）", "检查周期", "7 天读完全站一遍",
            "上次爬取", "30 分钟前，读取 180 页", "按周期推进：每次爬取读一部分页面，7 天内读完全站"]
        fits = page.evaluate("""() => {
            const out = (el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
            const panel = document.querySelector('.panel-coverage');
            const cut = [...panel.querySelectorAll('.fact-value, .coverage-state')].filter(out).map(e => e.innerText);
            const box = panel.getBoundingClientRect();
            return {panel: out(panel), cut, bottom: box.bottom, right: box.right,
                    page: document.documentElement.scrollHeight > window.innerHeight,
                    vetoPaged: !document.querySelector('.panel-veto .page-indicator').hidden};
        }""")
        assert fits == {"panel": False, "cut": [], "bottom": fits["bottom"], "right": fits["right"], "page": False,
                        "vetoPaged": False}
        assert fits["bottom"] <= 1080 and fits["right"] <= 1920
        page.screenshot(path="/tmp/wall-site-insufficient.png")
        watch.close()
        assert watch.problems == []
