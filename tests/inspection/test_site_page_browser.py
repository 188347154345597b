"""The site page in real headless Chromium: a veto short of data reads 数据不足 in grey, never 已触发; a
hidden link's evidence shows in Chinese, as text (hostile markup stays inert), whole on hover."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from db.models import Site
from inspection.base import CheckResult, FindingDraft, Severity, SiteTarget
from inspection.checks.availability import ProbeTally, Settings, judge
from inspection.findings import save_result
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
        badge = row.locator(".badge-veto-insufficient")
        colour = badge.evaluate("e => getComputedStyle(e).color")
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
        page.screenshot(path="/tmp/wall-site-insufficient.png")
        watch.close()
        assert watch.problems == []
