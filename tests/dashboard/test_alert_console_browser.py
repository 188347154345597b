"""The alert screens in real headless Chromium: the wall's ticker and city counts through a kiosk token,
and the on-call console (/alerts) used by a logged-in operator: filter, select, acknowledge, assign through
the user picker; offline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db.models_alerts import Alert
from db.models_security import Role
from db.session import transaction
from security.users import create_user
from tests.dashboard.alert_world import build_alert_world
from tests.dashboard.browser_support import Watch, login, serve
from tests.dashboard.world import NOW, World, kiosk_token

pytestmark = pytest.mark.browser
PASSWORD = "Changsha-oncall-2026!"


class Site(str):
    world: World
    ids: dict[str, int]
    token: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Site]:
    world, ids = build_alert_world(tmp_path, refresh_seconds=1)
    with transaction(world.sessions) as s:
        create_user(s, "cs_oncall", PASSWORD, Role.ONCALL, "430100", actor="test", now=NOW)
        create_user(s, "p_oncall", PASSWORD, Role.ONCALL, "430000", actor="test", now=NOW, display_name="李值班")
        create_user(s, "xt_oncall", PASSWORD, Role.ONCALL, "430300", actor="test", now=NOW)  # not for 长沙
    token = kiosk_token(world)
    with serve(world, "alert-console-test") as base:
        site = Site(base)
        site.world, site.ids, site.token = world, ids, token
        yield site


def _close(page: Any, watch: Watch) -> list[str]:
    """The page's problems, read before closing it: closing aborts whatever 1-second refresh is in flight."""
    problems = list(watch.problems)
    page.close()
    return problems


def test_wall_shows_ticker_and_counts_with_hot_alerts(browser: Any, served: Site) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    page.goto(f"{served}/?kiosk={served.token}")
    page.wait_for_selector("#overview-ticker .ticker-item", timeout=20_000)
    items = page.locator("#overview-ticker .ticker-item")
    assert items.count() == 6  # the six firing alerts; the pending host alert is not on the ticker
    assert "一般" in items.nth(0).inner_text()  # newest first: site_slow fired at 08:00
    hot = page.locator("#overview-ticker .ticker-item.alert-hot")
    assert hot.count() == 2 and all("未确认" in t for t in hot.all_inner_texts())
    assert "alert-strip-hot" in (page.locator("#overview-ticker").get_attribute("class") or "")
    anim = page.evaluate("() => getComputedStyle(document.querySelector('.ticker-item.alert-hot')).animationName")
    assert anim == "alert-pulse"
    counts = page.locator("#overview-alert-counts .alert-count").all_inner_texts()
    assert [c.split()[:2] for c in counts] == [["长沙市", "5"], ["湘潭市", "1"]]
    # The strip sits inside the 1080-pixel canvas, below the grid, and the lists keep all their rows.
    strip = page.locator("#overview-ticker").bounding_box()
    assert strip is not None and strip["y"] + strip["height"] <= 1080
    for inner, outer in (("#overview-worst-body tr:last-child", ".panel-worst"),
                         ("#overview-closest-body tr:last-child", ".panel-closest")):
        # One read of both boxes in the page: the 1-second refresh may swap the rows between two reads.
        fits = page.evaluate(f"() => {{ const a = document.querySelector('{inner}').getBoundingClientRect(), "
                             f"b = document.querySelector('{outer}').getBoundingClientRect(); "
                             f"return a.height > 0 && a.bottom <= b.bottom + 1; }}")
        assert fits, inner
    with page.expect_response(lambda r: "_dash-update-component" in r.url
                              and "overview-tick" in (r.request.post_data or ""), timeout=10_000) as resp:
        pass
    assert resp.value.status == 200
    page.wait_for_timeout(300)
    assert page.locator("#overview-ticker .ticker-item").count() == 6
    page.screenshot(path="/tmp/wall-overview-alerts.png")
    assert _close(page, watch) == []
    # A kiosk wall sees the console read-only (a page of its own: leaving the overview would abort its
    # refresh in flight, which the watch would count as a failed request).
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    page.goto(f"{served}/alerts?kiosk={served.token}")
    page.wait_for_selector("#alerts-body tr.alert-row", timeout=20_000)
    assert page.locator("#alerts-readonly").inner_text() == "只读：登录后可处置告警"
    assert page.locator("#alerts-btn-ack").count() == 0 and page.locator("#alerts-user").count() == 0
    page.locator("#alerts-body tr.alert-row").first.click()  # selecting works without the picker's callback
    page.wait_for_function("() => document.querySelector('#alerts-facts').innerText.includes('规则')",
                           timeout=20_000)
    page.wait_for_selector("#alerts-body tr.alert-row.selected", timeout=20_000)
    assert _close(page, watch) == []


def test_operator_filters_and_acknowledges(browser: Any, served: Site) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    login(page, served, "cs_oncall", PASSWORD, "/alerts")
    page.wait_for_selector("#alerts-body tr.alert-row", timeout=20_000)
    rows = page.locator("#alerts-body tr.alert-row")
    assert rows.count() == 5  # 长沙's open alerts only: 湘潭's and the province's stay hidden
    assert "湘潭" not in page.locator("#alerts-body").inner_text()

    # Filter to 紧急 through the dropdown.
    page.click("#alerts-f-severity")
    page.locator(".dash-dropdown-option:has(input[value='critical'])").click()  # the open list is a popover
    page.wait_for_function("() => document.querySelectorAll('#alerts-body tr.alert-row').length === 2",
                           timeout=10_000)
    down = served.ids["site_down/X0102"]
    row = page.locator(f"#alerts-body tr.alert-row:has-text('#{down}')")
    row.click()
    page.wait_for_function("() => document.querySelector('#alerts-facts') && "
                           "document.querySelector('#alerts-facts').innerText.includes('site_down')", timeout=10_000)
    page.wait_for_selector("#alerts-chart .scatterlayer .trace", timeout=10_000)
    assert "site_probe.up" in page.locator("#alerts-chart").inner_text()
    assert "触发" in page.locator("#alerts-events").inner_text()

    page.fill("#alerts-note", "机房排查中")
    page.click("#alerts-btn-ack")
    page.wait_for_function("() => document.querySelector('#alerts-message').innerText.includes('已确认告警')",
                           timeout=10_000)
    page.wait_for_function(f"() => [...document.querySelectorAll('#alerts-body tr.alert-row')]"
                           f".some(r => r.innerText.includes('#{down}') && r.innerText.includes('已确认'))",
                           timeout=10_000)
    page.wait_for_function("() => document.querySelector('#alerts-audit').innerText.includes('alert.ack')",
                           timeout=10_000)
    assert "机房排查中" in page.locator("#alerts-events").inner_text()
    with served.world.sessions() as s:
        a = s.get(Alert, down)
        assert a is not None and (a.state.value, a.acknowledged_by) == ("acknowledged", "cs_oncall")

    # Acknowledging again is refused in Chinese (the alert is no longer firing).
    page.click("#alerts-btn-ack")
    page.wait_for_function("() => document.querySelector('#alerts-message').innerText.includes('请刷新')",
                           timeout=10_000)

    # Assign through the picker: only users who may handle 长沙's alerts are offered.
    page.click("#alerts-user")
    option = page.locator(".dash-dropdown-option:has(input[value='p_oncall'])")
    option.wait_for(timeout=10_000)
    offered = page.locator(".dash-dropdown-option").all_inner_texts()
    assert [o.strip() for o in offered] == ["cs_oncall（cs_oncall）· 值班员", "李值班（p_oncall）· 值班员"], (
        offered)
    option.click()
    page.click("#alerts-btn-assign")
    page.wait_for_function("() => document.querySelector('#alerts-message').innerText.includes('已指派告警')",
                           timeout=10_000)
    page.wait_for_function("() => document.querySelector('#alerts-facts').innerText.includes('p_oncall')",
                           timeout=10_000)
    with served.world.sessions() as s:
        a = s.get(Alert, down)
        assert a is not None and a.assigned_to == "p_oncall"
    page.screenshot(path="/tmp/alerts-console.png")
    assert _close(page, watch) == []


def test_operator_goes_from_the_wall_ticker_to_the_alert_and_acknowledges(browser: Any, served: Site) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    login(page, served, "cs_oncall", PASSWORD, "/city/430100")
    down = served.ids["site_down/X0102"]
    item = page.locator(f"#city-ticker a.ticker-item[href='/alerts?alert={down}']")
    item.wait_for(timeout=20_000)
    assert "紧急" in item.inner_text()
    item.click(force=True)  # the strip scrolls; the link is what matters
    page.wait_for_url(f"**/alerts?alert={down}", timeout=10_000)
    page.wait_for_function("() => document.querySelector('#alerts-facts') && "
                           "document.querySelector('#alerts-facts').innerText.includes('site_down')", timeout=20_000)
    page.wait_for_selector(f"#alerts-body tr.alert-row.selected:has-text('#{down}')", timeout=20_000)
    page.click("#alerts-btn-ack")
    page.wait_for_function("() => document.querySelector('#alerts-message').innerText.includes('已确认告警')",
                           timeout=10_000)
    with served.world.sessions() as s:
        a = s.get(Alert, down)
        assert a is not None and (a.state.value, a.acknowledged_by) == ("acknowledged", "cs_oncall")
    assert _close(page, watch) == []
