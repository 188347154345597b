"""The 运营中心 wall and a score sheet in headless Chromium, from snapshots written by ``score run``'s store:
the map, the rankings (a vetoed site 不合格 with no score, never 0), the vetoes, the trend with its period
count, the drill-down to the sheet with each line's source, the sign-off changed after; a period without
scores said in words; no failed request, no console error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.browser_support import Watch, serve
from tests.dashboard.ops_world import seed_scores
from tests.dashboard.world import World, build_world, kiosk_token

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/ops-shots")


@pytest.fixture(scope="module")
def wall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict[str, int]]]:
    world: World = build_world(tmp_path_factory.mktemp("ops"), refresh_seconds=1)
    entries = seed_scores(world)
    token = kiosk_token(world)
    with serve(world, "ops-wall-test") as base:
        yield base, token, entries
    world.store.close()


def _text(page: Any, selector: str) -> str:
    return str(page.locator(selector).inner_text())


def _kpi(page: Any, label: str) -> str:
    return str(page.locator(".kpi", has_text=label).locator(".kpi-value").inner_text())


def test_ops_wall_and_drill_down_to_the_sheet(browser: Any, wall: tuple[str, str, dict[str, int]]) -> None:
    base, token, entries = wall
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    try:
        page.goto(f"{base}/ops?kiosk={token}")
        page.wait_for_selector("#ops-county-rank", timeout=20_000)
        page.wait_for_function("() => document.querySelectorAll('#ops-map .main-svg text').length > 14",
                               timeout=20_000)
        if SHOTS.exists():
            page.screenshot(path=str(SHOTS / "ops.png"))
        assert "2026Q4" in _text(page, "#ops-period") and "未结束" in _text(page, "#ops-period")
        assert _kpi(page, "参评网站") == "7"
        assert _kpi(page, "合格率") == "71.4"  # 5 of 7 judged sites pass
        county = _text(page, "#ops-county-rank")
        assert "芙蓉区人民政府门户网站" in county and "不合格" in county and "\t0\t" not in county
        assert "湖南省发展和改革委员会" in _text(page, "#ops-dept-rank")
        assert "站点无法访问" in _text(page, "#ops-vetoes")
        with page.expect_response(lambda r: "_dash-update-component" in r.url and r.status == 200, timeout=10_000):
            pass  # the in-place refresh answers (its access is the page's), and the wall still shows its figures
        page.wait_for_timeout(300)
        assert _kpi(page, "参评网站") == "7"
        assert "共 2 期" in page.locator(".panel-ops-trend .panel-title").inner_text()
        map_text = page.evaluate("() => [...document.querySelectorAll('#ops-map .main-svg text')]"
                                 ".map(t => t.textContent).join(' ')")
        assert "50%" in map_text and "100%" in map_text and "0%" in map_text  # 长沙 1/2, 株洲, 湘潭 0/1
        page.locator("#ops-closest a", has_text="长沙市人民政府门户网站").click()
        page.wait_for_selector("#ops-sheet-indicators", timeout=20_000)
        if SHOTS.exists():
            page.screenshot(path=str(SHOTS / "sheet.png"))
        assert "/ops/site/C0100" in page.url
        lines = _text(page, "#ops-sheet-indicators")
        assert f"人工条目 #{entries['first']}（sheng：要闻栏目错别字）" in lines
        assert "问题 #" in lines and "其他页面链接不可用" in lines
        assert "签核后已变更" in _text(page, "#ops-sheet-fact-8")
        assert _text(page, "#ops-sheet-fact-1") == "97.9"
        history = _text(page, "#ops-sheet-history")
        assert "2026Q3" in history and "2026Q4" in history
        page.goto(f"{base}/ops/site/X0102?period=2026Q4")
        page.wait_for_selector("#ops-sheet-vetoes", timeout=20_000)
        assert _text(page, "#ops-sheet-fact-1") == "—" and "站点无法访问" in _text(page, "#ops-sheet-vetoes")
        page.goto(f"{base}/ops?period=2025Q1")
        page.wait_for_selector("#ops-missing", timeout=20_000)
        assert "2025Q1 尚无评分结果" in _text(page, "#ops-missing")
    finally:
        watch.close()
    assert watch.problems == []
