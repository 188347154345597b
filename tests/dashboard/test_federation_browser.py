"""The province overview in headless Chromium with one city node online and one cut off: the node panel
says so, the cut city's sites read 未知 since when (never 故障), and the site page tells a path problem from
an outage; no failed request, no console error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.browser_support import Watch, serve
from tests.dashboard.federated_world import federate
from tests.dashboard.world import build_world, kiosk_token

pytestmark = pytest.mark.browser

CUT = "失联（自 15:46 起，已 14 分钟）"  # NOW is 16:00 北京时间; 长沙 was last heard from 14 minutes before


@pytest.fixture
def wall(tmp_path: Path) -> Iterator[tuple[str, str]]:
    world = federate(build_world(tmp_path, refresh_seconds=1))
    token = kiosk_token(world)
    with serve(world, "federation-wall-test") as base:
        yield base, token


def _px(page: Any, selector: str) -> list[float]:
    return list(page.evaluate(f"() => [...document.querySelectorAll('{selector}')]"
                              ".map(e => parseFloat(getComputedStyle(e).fontSize))"))


def test_overview_tells_a_cut_city_from_a_failed_one(browser: Any, wall: tuple[str, str]) -> None:
    base, token = wall
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    page.goto(f"{base}/?kiosk={token}")
    page.wait_for_selector("#overview-nodes .node-link", timeout=20_000)
    links = page.locator("#overview-nodes .node-link").all_inner_texts()
    assert [" ".join(t.split()) for t in links] == [f"长沙市 {CUT}", "株洲市 在线"]
    # value and label read apart: innerText puts no space between them until the stylesheet's flex gap applies
    values = page.locator("#overview-nodes .node-count-value").all_inner_texts()
    labels = page.locator("#overview-nodes .node-count-label").all_inner_texts()
    assert list(zip(values, labels, strict=True)) == [("1", "在线"), ("1", "失联"), ("0", "未接入")]
    note = page.locator("#overview-nodes .node-note").inner_text()
    assert note == "失联地市的 2 个网站、1 台主机状态未知，不计入故障"
    # Readable from 5 m: the numbers at 28 px or more, every label at 18 px or more.
    assert min(_px(page, "#overview-nodes .node-count-value")) >= 28
    assert min(_px(page, "#overview-nodes .node-link-name, #overview-nodes .node-link-state, "
                         "#overview-nodes .node-count-label, #overview-nodes .node-note")) >= 18
    # 芙蓉区 (长沙) failed its last probes, but 长沙 is cut off: the wall cannot know, and says so in grey.
    row = page.locator("#overview-worst-body tr", has_text="芙蓉区人民政府门户网站")
    badge = row.locator(".badge")
    assert badge.inner_text() == "未知（自 15:46 起失联，已 14 分钟）"
    assert "badge-unknown" in (badge.get_attribute("class") or "")
    assert "故障" not in row.inner_text()
    # The 1-second refresh rebuilds the panel and the rows with the same truth.
    page.wait_for_timeout(2500)
    assert page.locator("#overview-worst-body tr", has_text="芙蓉区人民政府门户网站").locator(".badge").inner_text() \
        == "未知（自 15:46 起失联，已 14 分钟）"
    first = page.locator("#overview-nodes .node-link").first.inner_text()
    assert " ".join(first.split()) == f"长沙市 {CUT}"
    # 长沙's own wall says it is cut, and none of its sites reads 故障.
    page.goto(f"{base}/city/430100?kiosk={token}")
    page.wait_for_selector("#city-sites-body tr", timeout=20_000)
    assert page.locator("#city-cut").inner_text() == "市级节点自 15:46 起失联，已 14 分钟，网站和主机状态未知"
    badges = page.locator("#city-sites-body .badge").all_inner_texts()
    assert badges == ["未知（自 15:46 起失联，已 14 分钟）"] * 2
    # The provincial portal from every vantage: up from the province, not from 株洲 — a path problem.
    page.goto(f"{base}/site/P0001?kiosk={token}")
    page.wait_for_selector("#site-vantage-body tr", timeout=20_000)
    assert page.locator("#site-verdict").inner_text() == "仅株洲市观测点无法访问（疑似线路问题）"
    rows = page.locator("#site-vantage-body tr").all_inner_texts()
    assert [r.split()[:2] for r in rows] == [["省级节点", "可访问"], ["株洲市", "无法访问"]]
    watch.close()
    assert watch.problems == []
