"""The wall in real headless Chromium: map, KPIs, refresh, drill-down, rotation; fully offline."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from core.clock import FixedClock
from dashboard.app import create_app
from layouts import theme
from tests.dashboard.world import NOW, World, build_world

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (scripts/install-system-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _serve(world: World) -> Iterator[str]:
    from waitress import create_server

    app = create_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))
    server = create_server(app.server, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="wall-test", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)
        world.store.close()


@pytest.fixture
def wall(tmp_path: Path) -> Iterator[str]:
    yield from _serve(build_world(tmp_path, refresh_seconds=1))


class Watch:
    """Collects console errors, failed requests and any request that leaves 127.0.0.1."""

    def __init__(self, page: Any) -> None:
        self.problems: list[str] = []
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        page.on("request", self._request)
        page.on("response", lambda r: self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)

    def _request(self, r: Any) -> None:
        host = urlparse(r.url).hostname or ""
        if r.url.startswith(("data:", "blob:")):
            return
        if not host.startswith("127."):
            self.problems.append(f"external request: {r.url}")


def _graph(page: Any, graph_id: str, expr: str) -> Any:
    return page.evaluate(f"() => {{ const gd = document.querySelector('#{graph_id} .js-plotly-plot'); "
                         f"return {expr}; }}")


def test_overview_renders_refreshes_and_drills_down(browser: Any, wall: str) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    page.goto(wall + "/")
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
    page.wait_for_selector("#city-trend .scatterlayer .trace", timeout=10_000)
    page.screenshot(path="/tmp/wall-city.png")

    page.goto(wall + "/site/X0102")
    page.wait_for_selector("#site-history .barlayer", timeout=20_000)
    facts = page.locator("#site-facts").inner_text()
    assert "故障" in facts and "超时" in facts and "503" in facts
    page.screenshot(path="/tmp/wall-site.png")
    page.close()
    assert watch.problems == []


def test_rotation_cycles_from_overview_to_the_first_city(browser: Any, tmp_path: Path) -> None:
    for url in _serve(build_world(tmp_path, rotate_seconds=1)):
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        watch = Watch(page)
        page.goto(url + "/")
        page.wait_for_url("**/city/430100", timeout=15_000)
        page.wait_for_selector("#city-name", timeout=10_000)
        page.close()
        assert watch.problems == []
