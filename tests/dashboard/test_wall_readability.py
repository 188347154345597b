"""Readability is measured, not claimed: on each wall page at 1920×1080 in real headless Chromium, every
visible number and label (HTML text and Plotly's SVG text) is read back with its computed font size, colour
and effective background; the test fails listing every offender (tests/dashboard/readability.py has the
thresholds and why). ``WALL_PATHS`` is the list of wall pages: a new wall page adds its path here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.dashboard.alert_world import fire_alerts
from tests.dashboard.browser_support import serve
from tests.dashboard.ops_world import seed_scores
from tests.dashboard.readability import COLLECT_JS, LABEL_PX, NUMBER_PX, is_number, judge
from tests.dashboard.world import World, build_world, kiosk_token

pytestmark = pytest.mark.browser

# The wall pages (the lead adds /infra, /services, /media … at merge).
WALL_PATHS = ("/", "/city/430100", "/city/430300", "/site/X0302", "/hosts", "/host/web-01", "/infra", "/services",
              "/media", "/ops")


@pytest.fixture(scope="module")
def wall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    world: World = build_world(tmp_path_factory.mktemp("readability"))
    fire_alerts(world)  # the alert counts, ticker and its 未确认 tags on the walls
    seed_scores(world)  # the 运营中心 wall's snapshots
    token = kiosk_token(world)
    with serve(world, "readability-test") as base:
        yield base, token
    world.store.close()


def _settled(page: Any) -> None:
    page.wait_for_selector(".wall-main .page", timeout=20_000)
    # every figure drawn with its text (ticks, labels or its 暂无数据 note), not just its frame
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].every(g => g.querySelector("
                           "'.main-svg text'))", timeout=20_000)
    page.evaluate("() => document.fonts.ready")
    page.wait_for_timeout(800)


@pytest.mark.parametrize("path", WALL_PATHS)
def test_every_visible_number_and_label_is_readable_at_1080p(browser: Any, wall: tuple[str, str], path: str) -> None:
    base, token = wall
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    try:
        page.goto(f"{base}{path}?kiosk={token}")
        _settled(page)
        charts = page.evaluate("() => document.querySelectorAll('.js-plotly-plot .main-svg').length")
        for _ in range(10):  # a refresh may be redrawing a figure this instant: read again, boundedly
            texts = page.evaluate(COLLECT_JS)
            if not charts or any(t["svg"] for t in texts):
                break
            page.wait_for_timeout(500)
    finally:
        page.close()
    assert len(texts) > 10, texts  # the page was read, not an empty frame
    assert any(is_number(t["text"]) for t in texts)
    assert not charts or any(t["svg"] for t in texts), texts  # Plotly's SVG text is read too
    offenders = judge(path, texts)
    assert offenders == [], "\n" + "\n".join(map(str, offenders))


def test_the_judge_catches_small_numbers_small_labels_and_low_contrast() -> None:
    ok = {"text": "99.5%", "px": NUMBER_PX, "weight": 700, "ratio": 7.0, "tick": False, "where": "x"}
    assert judge("/", [ok, {**ok, "text": "全省网站", "px": LABEL_PX, "weight": 400}]) == []
    small_number = judge("/", [{**ok, "px": 22}])
    assert [o.why for o in small_number] == ["数字 22px < 28px"]
    assert judge("/", [{**ok, "px": 18, "tick": True, "ratio": 5}]) == []  # an axis tick: a scale, label-sized
    assert [o.why for o in judge("/", [{**ok, "text": "标签", "px": 16}])] == ["文字 16px < 18px"]
    assert [o.why for o in judge("/", [{**ok, "text": "标签", "px": 20, "weight": 400, "ratio": 4.2}])] == [
        "contrast 4.20 < 4.5"]
    assert judge("/", [{**ok, "text": "大字", "px": 24, "weight": 400, "ratio": 3.2}]) == []  # large text: 3:1
