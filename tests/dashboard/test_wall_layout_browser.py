"""Wall layout in real headless Chromium at 1920x1080, measured rather than looked at: on every wall page
every visible text is at least ``theme.FONT_MIN_PX``, no table row is cut by its panel, axis titles and
tick labels sit inside their charts, the map's boxes leave the map drawing alone, the bundled font is the
one in use, and all of this under three system font setups (Noto CJK, WenQuanYi, no CJK font at all).
A table longer than its panel pages itself: every row is shown within one paging cycle, across refreshes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.clock import to_ns
from db.models import Host, HostRole, Site, SiteLevel
from db.session import transaction
from layouts import theme
from tests.dashboard.alert_world import fire_alerts
from tests.dashboard.browser_support import (
    ARGS,
    CHROMIUM,
    CUT,
    FONT_DIRS,
    FONT_SETUP_CJK,
    TEXT_SIZES,
    Watch,
    cjk_families,
    fontconfig_file,
    serve,
)
from tests.dashboard.world import NOW, World, _probe, build_world, kiosk_token
from tsdb.point import Point

pytestmark = pytest.mark.browser

EXTRA_SITES = 24  # 长沙 gets 26 sites: more than its panel holds at 1080p
EXTRA_HOSTS = 30  # the hosts page gets 34 hosts
WALL_PAGES = ("/", "/city/430100", "/site/X0302", "/hosts", "/host/web-01", "/infra")
DISTRICTS = ("芙蓉", "天心", "岳麓", "开福", "雨花", "望城", "浏阳", "宁乡")


def extra_site_name(i: int) -> str:
    return f"长沙市{DISTRICTS[i % len(DISTRICTS)]}区第{i + 1}政务公开网站"


def build_long_world(tmp: Path, **kw: int) -> World:
    """The test world with 24 more 长沙 sites (fresh, up) and 30 more hosts, plus the engine's alerts."""
    world = build_world(tmp, **kw)
    points: list[Point] = []
    with transaction(world.sessions) as s:
        for i in range(EXTRA_SITES):
            code = f"L{i:04d}"
            s.add(Site(code=code, name=extra_site_name(i), url=f"https://{code.lower()}.example.gov.cn/",
                       level=SiteLevel.CITY_DEPARTMENT, node_code="430100"))
            for k in range(6):
                points += _probe(code, "430100", "430100", SiteLevel.CITY_DEPARTMENT.value,
                                 NOW - timedelta(seconds=30, minutes=10 * k), 1, 250.0 + i)
        for i in range(EXTRA_HOSTS):
            name = f"app-{i:02d}"
            s.add(Host(name=name, address="127.0.0.1", node_code="430000", role=HostRole.OTHER, local=False,
                       enabled=True))
            points.append(Point("host", {"cpu_percent": 10.0 + i, "mem_percent": 30.0, "load1": 0.2},
                                to_ns(NOW - timedelta(seconds=5)), {"host": name, "node": "430000", "city": "430000"}))
    world.store.write(points)
    fire_alerts(world)
    return world


@pytest.fixture(scope="module")
def long_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, kiosk token) of the long world, served once for the module."""
    world = build_long_world(tmp_path_factory.mktemp("long-world"), refresh_seconds=2)
    token = kiosk_token(world)
    with serve(world, "wall-layout-test") as base:
        yield base, token


def _launch(playwright: Any, env: dict[str, str] | None = None) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, env=env)


# Axis titles and tick labels that leave their chart's SVG (a title cut by the figure's edge).
CHART_TEXT_OUT = """() => {
  const out = [];
  document.querySelectorAll('.js-plotly-plot').forEach(gd => {
    const svg = gd.querySelector('.main-svg').getBoundingClientRect();
    gd.querySelectorAll('.g-xtitle text, .g-ytitle text, .g-x2title text, .g-y2title text, .xtick text, '
                        + '.ytick text, .x2tick text, .y2tick text, .legendtext').forEach(t => {
      const r = t.getBoundingClientRect();
      if (r.width === 0 || !t.textContent.trim()) { return; }
      if (r.left < svg.left - 1 || r.right > svg.right + 1 || r.top < svg.top - 1 || r.bottom > svg.bottom + 1) {
        out.push(`${gd.parentElement.id || gd.id}: ${t.textContent}`);
      }
    });
  });
  return out;
}"""

MAP_OVERLAPS = """() => {
  const drawing = document.querySelector('#overview-map .scatterlayer').getBoundingClientRect();
  const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  return ['.alert-counts', '.map-legend', '.attribution'].filter(sel => {
    const box = document.querySelector(sel);
    return box && hit(box.getBoundingClientRect(), drawing);
  });
}"""

FONTS = """() => [...document.fonts].filter(f => f.family.replace(/"/g, '') === 'GovOps Wall Sans')
                                  .map(f => `${f.weight}:${f.status}`)"""


def _settle(page: Any, path: str) -> None:
    page.wait_for_selector(".page", timeout=20_000)
    if path in ("/", "/city/430100", "/site/X0302", "/host/web-01"):
        page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=20_000)
    page.wait_for_function("() => document.fonts.status === 'loaded'", timeout=20_000)
    page.wait_for_timeout(700)  # Plotly's re-layout after the font arrived; paging.js's first pass


def _check_page(page: Any, path: str) -> None:
    sizes = page.evaluate(TEXT_SIZES, theme.FONT_MIN_PX)
    assert sizes["n"] > 20, (path, sizes)
    assert sizes["small"] == [], (path, sizes["small"])
    assert page.evaluate(CUT) == [], path
    assert page.evaluate(CHART_TEXT_OUT) == [], path
    assert {"400:loaded", "700:loaded"} <= set(page.evaluate(FONTS)), path
    # Table text is the size the theme promises (the minimum is for footnotes and ticks).
    cell = page.evaluate("() => { const td = document.querySelector('.wall-table tbody td'); "
                         "return td ? parseFloat(getComputedStyle(td).fontSize) : null; }")
    assert cell is None or cell >= theme.FONT_TABLE_PX, (path, cell)
    if path == "/":
        assert page.evaluate(MAP_OVERLAPS) == []


@pytest.mark.parametrize("setup", sorted(FONT_DIRS))
def test_walls_are_readable_and_uncut_under_any_system_fonts(setup: str, long_world: tuple[str, str],
                                                             tmp_path: Path) -> None:
    missing = [d for d in FONT_DIRS[setup] if not Path(d).is_dir()]
    if missing:
        pytest.skip(f"font folders {missing} absent (scripts/install-system-deps.sh installs them)")
    conf = fontconfig_file(setup, tmp_path)
    families = cjk_families(conf)  # the setup is what it says: only its CJK font, or none
    wanted = FONT_SETUP_CJK[setup]
    assert (wanted in families) if wanted else not families, (setup, families)
    from playwright.sync_api import sync_playwright

    base, token = long_world
    with sync_playwright() as p:
        browser = _launch(p, {**os.environ, "FONTCONFIG_FILE": str(conf)})
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            watch = Watch(page)
            page.goto(f"{base}/?kiosk={token}")
            for path in WALL_PAGES:
                if path != "/":
                    page.goto(base + path)
                _settle(page, path)
                _check_page(page, path)
                page.screenshot(path=f"/tmp/wall-layout-{setup}{path.replace('/', '-').rstrip('-')}.png")
            problems = list(watch.problems)
            page.close()
        finally:
            browser.close()
    assert problems == []


def _visible_rows(page: Any, body: str) -> list[str]:
    return page.evaluate(f"() => [...document.querySelectorAll('#{body} tr')].filter(r => !r.hidden && "
                         f"r.getBoundingClientRect().height > 0).map(r => r.cells[0].innerText)")


@pytest.mark.parametrize("path, body, expected", [
    ("/city/430100", "city-sites-body", {extra_site_name(i) for i in range(EXTRA_SITES)}),
    ("/hosts", "hosts-body", {f"app-{i:02d}" for i in range(EXTRA_HOSTS)}),
])
def test_long_tables_show_every_row_within_one_paging_cycle(path: str, body: str, expected: set[str],
                                                          long_world: tuple[str, str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(theme, "PAGE_SECONDS", 2)  # read by the shell at each page load
    from playwright.sync_api import sync_playwright

    base, token = long_world
    with sync_playwright() as p:
        browser = _launch(p)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            watch = Watch(page)
            page.goto(f"{base}{path}?kiosk={token}")
            _settle(page, path)
            window = page.locator(f"#{body}").locator("xpath=ancestor::div[contains(@class,'paged-window')]")
            pages = int(window.get_attribute("data-pages") or "1")
            every = set(page.evaluate(f"() => [...document.querySelectorAll('#{body} tr')]"
                                      f".map(r => r.cells[0].textContent.trim())"))
            total = len(every)
            assert pages >= 2 and expected <= every
            mark = page.locator(f".panel:has(#{body}) .page-indicator")
            assert mark.inner_text() in {f"第 {k}/{pages} 页" for k in range(1, pages + 1)}
            seen: set[str] = set()
            per_page: list[int] = []
            # One cycle (pages x 2 s) plus a little; the 2-second data refresh replaces the rows meanwhile.
            for _ in range(int(pages * 2 / 0.25) + 6):
                rows = _visible_rows(page, body)
                per_page.append(len(rows))
                seen.update(r.strip() for r in rows)
                assert page.evaluate(CUT) == []
                page.wait_for_timeout(250)
            assert seen == every, sorted(every - seen)
            assert max(per_page) < total  # pages, not everything at once
            problems = list(watch.problems)
            page.close()
        finally:
            browser.close()
    assert problems == []
