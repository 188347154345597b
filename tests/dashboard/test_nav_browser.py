"""Navigation in real headless Chromium: a logged-in operator clicks from the city wall to 告警处置 and
告警规则 (the current page highlighted, the page not rotated away); kiosk walls have no nav; the province
wall still rotates, 长沙's wall shows 长沙's ticker and stays; no console errors, nothing loaded from outside."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from db.models_security import Role
from db.session import transaction
from security.users import create_user
from tests.dashboard.alert_world import build_alert_world
from tests.dashboard.browser_support import Watch, login, serve
from tests.dashboard.world import NOW, kiosk_token

pytestmark = pytest.mark.browser
PASSWORD = "Changsha-nav-2026!"


class Site(str):
    token: str
    city_token: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    world, _ = build_alert_world(tmp_path_factory.mktemp("nav"), rotate_seconds=1)
    with transaction(world.sessions) as s:
        create_user(s, "cs_oncall", PASSWORD, Role.ONCALL, "430100", actor="test", now=NOW)
    token, city_token = kiosk_token(world), kiosk_token(world, "430100", name="cs-wall")
    with serve(world, "nav-test") as base:
        site = Site(base)
        site.token, site.city_token = token, city_token
        yield site


def _active(page: Any) -> list[str]:
    return page.locator(".wall-nav-link.wall-nav-active").all_inner_texts()


def test_operator_clicks_from_the_wall_to_the_console_and_the_rules(browser: Any, served: Site) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    login(page, served, "cs_oncall", PASSWORD, "/city/430100")
    page.wait_for_selector("#city-ticker .ticker-item", timeout=20_000)
    links = page.locator(".wall-nav-link").all_inner_texts()
    assert links == ["总览", "运维大屏", "告警处置", "值班与静默", "告警规则"]  # no 审计日志 for on-call staff
    page.wait_for_function("() => document.querySelector('.wall-nav-active') !== null", timeout=10_000)
    assert _active(page) == ["总览"]
    assert "cs_oncall（值班员）" in page.locator("#wall-user").inner_text()
    assert page.locator("#city-ticker .ticker-item").count() == 2  # 长沙's problems only (X0102 down, C0100 due)
    assert page.locator(".back-link").count() == 0  # the province overview is not 长沙's to open
    # The header keeps its height and the title does not run into the links or the clock.
    boxes = page.evaluate("() => ['.wall-nav', '.wall-title', '.wall-side', '.wall-header'].map(s => "
                          "document.querySelector(s).getBoundingClientRect().toJSON())")
    nav, title, side, header = boxes
    text_w = page.evaluate("() => { const r = document.createRange(); "
                           "r.selectNodeContents(document.querySelector('.wall-title')); "
                           "return r.getBoundingClientRect().width; }")
    centre = title["x"] + title["width"] / 2
    assert nav["x"] + nav["width"] <= centre - text_w / 2 and centre + text_w / 2 <= side["x"] + 1
    assert header["height"] <= 78
    page.screenshot(path="/tmp/nav-city.png")

    page.locator(".wall-nav-link", has_text="告警处置").click()
    page.wait_for_url("**/alerts", timeout=10_000)
    page.wait_for_selector("#alerts-body tr.alert-row", timeout=20_000)
    page.wait_for_function("() => document.querySelector('.wall-nav-active').innerText === '告警处置'",
                           timeout=10_000)
    page.wait_for_timeout(1500)  # longer than the rotation interval: a user's page is not rotated away
    assert page.url.endswith("/alerts")

    page.locator(".wall-nav-link", has_text="告警规则").click()
    page.wait_for_url("**/rules", timeout=10_000)
    page.wait_for_selector("#rules-body .rules-row", timeout=20_000)
    assert _active(page) == ["告警规则"]
    assert "规则文件已全部载入" in page.locator("#rules-status").inner_text()
    row = page.locator(".rules-row", has_text="site_down")
    assert "紧急" in row.inner_text() and row.locator(".rules-open").inner_text() == "1"
    page.fill("#rules-f-text", "ratio_veto")  # one rule: media_veto* match "veto" too
    page.press("#rules-f-text", "Enter")
    page.wait_for_function("() => document.querySelectorAll('#rules-body .rules-row').length === 1", timeout=10_000)
    assert "availability_ratio_veto" in page.locator("#rules-body .rules-row").inner_text()
    page.screenshot(path="/tmp/nav-rules.png")
    page.close()
    assert watch.problems == []


def test_kiosk_walls_have_no_nav_and_still_rotate(browser: Any, served: Site) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    page.goto(f"{served}/?kiosk={served.token}")
    page.wait_for_selector(".wall-header .wall-emblem", timeout=20_000)
    assert page.locator(".wall-nav, .wall-logout").count() == 0
    page.wait_for_url("**/city/430100", timeout=15_000)  # the province wall rotated on to the first city
    page.wait_for_selector("#city-name", timeout=10_000)
    page.close()
    # 长沙's own wall: no nav, 长沙's alerts in the ticker, and no rotation to pages it may not open.
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch_city = Watch(page)
    page.goto(f"{served}/city/430100?kiosk={served.city_token}")
    page.wait_for_selector("#city-ticker .ticker-item", timeout=20_000)
    assert page.locator(".wall-nav, .wall-logout").count() == 0
    assert page.locator("#city-ticker .ticker-item").count() == 2
    assert "alert-strip-hot" in (page.locator("#city-ticker").get_attribute("class") or "")
    strip = page.locator("#city-ticker").bounding_box()
    assert strip is not None and strip["y"] + strip["height"] <= 1080
    page.wait_for_timeout(1500)  # longer than the rotation interval
    assert page.url.endswith("/city/430100")
    page.screenshot(path="/tmp/nav-kiosk-city.png")
    page.close()
    assert watch.problems == [] and watch_city.problems == []
