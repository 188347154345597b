"""The wall in real headless Chromium: map, KPIs, refresh, drill-down to a site and to a host, rotation,
4K scaling; fully offline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from layouts import theme
from tests.dashboard.browser_support import Watch, serve
from tests.dashboard.world import World, build_world, kiosk_token

pytestmark = pytest.mark.browser

class Wall(str):
    """The wall's base URL, carrying the kiosk token a wall display opens it with."""

    token: str

    def entry(self, path: str) -> str:
        """``path`` opened through the kiosk token (the guard swaps it for a read-only session)."""
        return f"{self}{path}?kiosk={self.token}"


def _serve(world: World) -> Iterator[Wall]:
    token = kiosk_token(world)
    with serve(world, "wall-test") as base:
        wall = Wall(base)
        wall.token = token
        yield wall


@pytest.fixture
def wall(tmp_path: Path) -> Iterator[Wall]:
    yield from _serve(build_world(tmp_path, refresh_seconds=1))


def _rows(page: Any, body: str) -> list[str]:
    """The rows of table body ``body``, cells joined by tabs, read from the DOM in one go: innerText of a
    row the 1-second refresh has just replaced (or a row paged out of view) runs its cells together."""
    return list(page.evaluate(f"() => [...document.querySelectorAll('{body} tr')]"
                              ".map(r => [...r.cells].map(c => c.textContent.trim()).join('\t'))"))


def _graph(page: Any, graph_id: str, expr: str) -> Any:
    return page.evaluate(f"() => {{ const gd = document.querySelector('#{graph_id} .js-plotly-plot'); "
                         f"return {expr}; }}")


def test_overview_renders_refreshes_and_drills_down(browser: Any, wall: Wall) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    page.goto(wall.entry("/"))
    page.wait_for_selector("#overview-map .scatterlayer .trace", timeout=20_000)
    assert page.title().startswith("全省总览")
    # 14 filled city polygons drawn, plus the label trace.
    assert page.locator("#overview-map .scatterlayer .trace .js-fill").count() == 14
    fills = _graph(page, "overview-map", "Object.fromEntries(gd.data.filter(t => t.fill === 'toself')"
                                         ".map(t => [t.meta.code, t.fillcolor]))")
    assert len(fills) == 14
    assert fills["430400"] == theme.fill_rgba(theme.GREY, 0.55)  # never probed: grey, not green
    assert fills["430100"] == theme.fill_rgba(theme.RED, 0.55)
    assert fills["430300"] == theme.fill_rgba(theme.GREEN, 0.55)
    values = page.locator(".kpi-value").all_inner_texts()
    assert values[:3] == ["3/6", "75.0", "4520"]
    # The header clock runs in the browser on web.timezone (北京时间), whatever zone the wall PC is set to.
    shown = datetime.strptime(page.locator("#wall-clock").inner_text().replace(" 星期", " ")[:11] + " "
                              + page.locator("#wall-clock").inner_text()[-8:], "%Y年%m月%d日 %H:%M:%S")
    beijing = datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert abs((beijing - shown).total_seconds()) < 10, (shown, beijing)
    # The veto tile: 2 sites with a veto item holding, 1 close to one; its count rests on a provisional value.
    veto = page.locator(".kpi", has_text="否决风险网站")
    assert veto.locator(".kpi-value").inner_text() == "2/1/0" and "kpi-down" in (veto.get_attribute("class") or "")
    assert veto.locator(".tag-provisional").inner_text() == "暂定"
    closest = _rows(page, "#overview-closest-body")
    assert [r.split()[1][:3] for r in closest] == ["雨湖区", "芙蓉区", "长沙市"]  # breached first, then by deadline
    assert "已触发" in closest[0] and "重点栏目不更新" in closest[0] and "11-30（剩 3 天）" in closest[2]
    assert "提前预警天数 7" in page.locator("#overview-closest-note").inner_text()
    _assert_inside(page, "#overview-closest-body", ".panel-closest")
    assert page.locator(".kpi.kpi-stale").count() >= 1
    assert "芙蓉区人民政府门户网站" in page.locator("#overview-worst-body").inner_text()

    # One refresh tick patches the page in place: same number of elements afterwards.
    rows_before = page.locator(".wall-table tr").count()
    with page.expect_response(lambda r: "_dash-update-component" in r.url
                              and "overview-tick" in (r.request.post_data or ""), timeout=10_000) as resp:
        pass
    assert resp.value.status == 200
    page.wait_for_timeout(300)
    assert page.locator(".wall-table tr").count() == rows_before
    assert page.locator("#overview-map .scatterlayer .trace .js-fill").count() == 14
    page.screenshot(path="/tmp/wall-overview.png")

    # Click 长沙 (its label sits inside its polygon) and land on its city page.
    label = page.locator("#overview-map .scatterlayer text", has_text="长沙").first
    box = label.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/city/430100", timeout=10_000)
    page.wait_for_selector("#city-sites-body", timeout=10_000)
    assert page.locator("#city-name").inner_text() == "长沙市"
    body = page.locator("#city-sites-body").inner_text()
    assert "芙蓉区人民政府门户网站" in body and "长沙市人民政府门户网站" in body
    assert "株洲" not in body
    insp = _rows(page, "#city-inspection-body")
    assert len(insp) == 2 and insp[0].split("\t") == ["芙蓉区人民政府门户网站", "紧急", "已触发站点无法访问", "—"]
    assert insp[1].split("\t") == ["长沙市人民政府门户网站", "严重", "临近触发首页不更新", "11-29（剩 2 天）"]
    assert page.locator(".kpi", has_text="否决风险网站").locator(".kpi-value").inner_text() == "1/1/0"
    page.wait_for_selector("#city-trend .scatterlayer .trace", timeout=10_000)
    assert "cms-cs" in page.locator(".city-hosts-table").inner_text()  # 长沙's one host, never reported
    with page.expect_response(lambda r: "_dash-update-component" in r.url
                              and "city-tick" in (r.request.post_data or ""), timeout=10_000) as resp:
        pass
    assert resp.value.status == 200
    page.screenshot(path="/tmp/wall-city.png")

    page.goto(wall + "/site/X0102")
    page.wait_for_selector("#site-history .barlayer", timeout=20_000)
    facts = page.locator("#site-facts").inner_text()
    assert "故障" in facts and "超时" in facts and "503" in facts
    _assert_inside(page, "#site-facts .fact:last-child", ".panel-facts")  # every fact shows, none cut off
    groups = page.locator("#site-findings-body .group-label").all_inner_texts()
    assert groups == ["首页可用性", "近7天已解决"]
    assert "失败比例 50.0%" in page.locator("#site-findings-body .row-sev-critical").inner_text()
    assert "证书即将到期" in page.locator("#site-findings-body .row-resolved").inner_text()
    veto_rows = _rows(page, "#site-veto-body")
    assert veto_rows[0].split()[:2] == ["站点无法访问", "已触发"] and len(veto_rows) == 8
    page.screenshot(path="/tmp/wall-site.png")

    page.goto(wall + "/site/C0100")
    page.wait_for_selector("#site-findings-body .group-row", timeout=20_000)
    groups = page.locator("#site-findings-body .group-label").all_inner_texts()
    assert groups == ["首页更新", "链接可用性", "栏目更新"]  # worst group first
    body = page.locator("#site-findings-body").inner_text()
    assert "首页即将超期未更新" in body and "11-30（剩 3 天）" in body and "/tzgg/" in body
    at_risk = page.locator("#site-veto-body .row-veto-at_risk").inner_text()
    assert at_risk.split("\t") == ["首页不更新暂定", "临近触发", "0 / 1", "剩 3 天"]
    with page.expect_response(lambda r: "_dash-update-component" in r.url
                              and "site-tick" in (r.request.post_data or ""), timeout=10_000) as resp:
        pass
    assert resp.value.status == 200
    page.wait_for_timeout(300)
    assert page.locator("#site-findings-body .group-row").count() == 3
    page.screenshot(path="/tmp/wall-site-risk.png")
    page.goto(wall + "/site/X0302")
    page.wait_for_selector("#site-findings-body .more-row", timeout=20_000)
    assert "另有 2 项未显示" in page.locator("#site-findings-body").inner_text()  # 5 stale columns, 3 shown
    page.screenshot(path="/tmp/wall-site-vetoed.png")
    watch.close()
    assert watch.problems == []


def _assert_inside(page: Any, inner: str, outer: str) -> None:
    """The element ``inner`` lies wholly inside ``outer`` (not clipped by the panel's edge)."""
    a, b = page.locator(inner).first.bounding_box(), page.locator(outer).first.bounding_box()
    assert a is not None and b is not None
    assert a["y"] >= b["y"] and a["y"] + a["height"] <= b["y"] + b["height"] + 1, (inner, a, b)


def test_host_tile_drills_down_to_a_host(browser: Any, wall: Wall) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    page.goto(wall.entry("/"))
    tile = page.locator("a.kpi", has_text="健康主机")
    tile.wait_for(timeout=20_000)
    assert tile.locator(".kpi-value").inner_text() == "1/4"
    tile.click()
    page.wait_for_url("**/hosts", timeout=10_000)
    body = page.locator("#hosts-body")
    body.wait_for(timeout=10_000)
    # Read the rows once laid out: before that innerText runs the cells together ("web-01Web").
    page.wait_for_function("() => { const r = document.querySelector('#hosts-body tr:last-child'); "
                           "return r && r.getBoundingClientRect().height > 0; }", timeout=10_000)
    rows = _rows(page, "#hosts-body")
    assert [r.split()[0] for r in rows] == ["db-01", "cms-cs", "old-01", "web-01"]  # problems first
    assert "异常" in rows[0] and "数据过期" in rows[1] and "正常" in rows[3]
    assert page.locator("#hosts-body .val-bad").inner_text() == "97.0%"
    page.screenshot(path="/tmp/wall-hosts.png")

    body.locator("a", has_text="web-01").click()
    page.wait_for_url("**/host/web-01", timeout=10_000)
    page.wait_for_selector("#host-usage .scatterlayer .trace", timeout=20_000)
    page.wait_for_selector("#host-disks .barlayer .point", timeout=10_000)
    page.wait_for_selector("#host-io .scatterlayer .trace", state="attached", timeout=10_000)
    # each series twice: its complete buckets, and the running bucket apart (dashed, 统计中)
    assert page.locator("#host-usage .scatterlayer .trace").count() == 10
    assert page.locator("#host-io .scatterlayer .trace").count() == 8
    assert page.locator("#host-usage .scatterlayer .trace text", has_text="统计中").count() == 5
    assert page.locator("#host-disks .barlayer .point").count() == 2  # / and /data; /mnt/old is gone
    titles = page.evaluate("() => [...document.querySelectorAll('#host-usage .g-ytitle text, "
                           "#host-usage .g-y2title text')].map(t => t.textContent)")
    assert titles == ["使用率（%）", "系统负载"]
    facts = page.locator("#host-facts").inner_text()
    assert "正常" in facts and "Web 服务器" in facts and "72.0%" in facts and "3 天 5 小时" in facts
    with page.expect_response(lambda r: "_dash-update-component" in r.url
                              and "host-tick" in (r.request.post_data or ""), timeout=10_000) as resp:
        pass
    assert resp.value.status == 200
    page.wait_for_timeout(300)
    assert page.locator("#host-usage .scatterlayer .trace").count() == 10  # the refresh redraws the same traces
    page.screenshot(path="/tmp/wall-host.png")
    watch.close()
    assert watch.problems == []


def test_4k_wall_scales_the_canvas_without_errors(browser: Any, wall: Wall) -> None:
    page = browser.new_page(viewport={"width": 3840, "height": 2160})
    watch = Watch(page)
    for path, shot in (("/", "overview"), ("/site/C0100", "site")):
        page.goto(wall.entry(path))
        page.wait_for_selector(".scatterlayer .trace", state="attached", timeout=20_000)
        page.wait_for_timeout(500)
        page.screenshot(path=f"/tmp/wall-4k-{shot}.png")
    _assert_inside(page, "#site-findings-body tr:last-child", ".panel-findings")
    page.goto(wall + "/host/web-01")
    page.wait_for_selector("#host-io .scatterlayer .trace", state="attached", timeout=20_000)
    page.wait_for_timeout(500)
    box = page.locator(".wall").bounding_box()
    assert box is not None and (box["width"], box["height"]) == (3840, 2160)
    # Axis titles sit inside the figure: Plotly's margins were not measured at double size.
    x = page.evaluate("() => parseFloat(document.querySelector('#host-usage .g-ytitle text').getAttribute('x'))")
    assert 0 < x < 80
    watch.close()
    assert watch.problems == []


def test_rotation_cycles_from_overview_to_the_first_city(browser: Any, tmp_path: Path) -> None:
    for url in _serve(build_world(tmp_path, rotate_seconds=1)):
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        watch = Watch(page)
        page.goto(url.entry("/"))
        page.wait_for_url("**/city/430100", timeout=15_000)
        page.wait_for_selector("#city-name", timeout=10_000)
        watch.close()
        assert watch.problems == []
