"""The duty screen (/oncall) in real headless Chromium, offline: a logged-in 长沙 city admin adds a shift
that covers now (it shows under 当前值班), hands over (the open alerts are listed first and passed on),
creates a silence and ends it, removes the shift; a kiosk wall sees the screen without any form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from db.models_alerts import DutyShift, Handover, Silence
from db.models_security import AuditEntry, Role
from db.session import transaction
from security.users import create_user
from tests.dashboard.alert_world import build_alert_world
from tests.dashboard.browser_support import Watch, login, serve
from tests.dashboard.world import NOW, World, kiosk_token

pytestmark = pytest.mark.browser
PASSWORD = "Changsha-admin-2026!"


class Site(str):
    world: World
    token: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Site]:
    world, _ = build_alert_world(tmp_path, refresh_seconds=30)
    with transaction(world.sessions) as s:
        create_user(s, "cs_admin", PASSWORD, Role.CITY_ADMIN, "430100", actor="test", now=NOW)
        create_user(s, "cs_night", PASSWORD, Role.ONCALL, "430100", actor="test", now=NOW, display_name="夜班小李")
    token = kiosk_token(world)
    with serve(world, "oncall-test") as base:
        site = Site(base)
        site.world, site.token = world, token
        yield site


def _wait_text(page: Any, selector: str, text: str) -> None:
    page.wait_for_function(f"() => {{ const e = document.querySelector('{selector}'); "
                           f"return e && e.innerText.includes('{text}'); }}", timeout=10_000)


def _pick(page: Any, dropdown: str, value: str) -> None:
    page.click(dropdown)
    page.locator(f".dash-dropdown-option:has(input[value='{value}'])").click()  # the open list is a popover


def test_city_admin_runs_the_duty_screen(browser: Any, served: Site) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    login(page, served, "cs_admin", PASSWORD, "/oncall")
    page.wait_for_selector("#oncall-duty-430100", timeout=20_000)
    assert page.locator("#oncall-duty tbody tr").count() == 1  # 长沙 only: a city admin sees its own roster
    assert "无人值班" in page.locator("#oncall-duty-430100").inner_text()

    # Add a shift for the night operator; the form's default window (this hour + 8 h) covers now.
    _pick(page, "#oncall-shift-user", "cs_night")
    page.click("#oncall-shift-add")
    _wait_text(page, "#oncall-roster-msg", "已添加排班")
    _wait_text(page, "#oncall-duty-430100", "cs_night")
    assert "值班中" in page.locator("#oncall-shifts-body").inner_text()

    # A bad end time is refused in Chinese, naming the field.
    page.fill("#oncall-shift-end", "明天早上")
    page.click("#oncall-shift-add")
    _wait_text(page, "#oncall-roster-msg", "结束时间：“明天早上”不是有效时间")

    # Handover: the open alerts to pass on are listed before confirming.
    _wait_text(page, "#oncall-pass-on", "将移交的未关闭告警（5 条）")
    _pick(page, "#oncall-handover-to", "cs_night")
    page.fill("#oncall-handover-note", "芙蓉区网站仍未恢复，已联系厂家")
    page.click("#oncall-handover-go")
    _wait_text(page, "#oncall-handover-msg", "已交班给 cs_night，移交未关闭告警 5 条")
    _wait_text(page, "#oncall-handovers-body", "芙蓉区网站仍未恢复")
    assert "5 条" in page.locator("#oncall-handovers-body").inner_text()

    # A bad matcher is named; then a silence is created and ended early.
    page.fill("#oncall-silence-matchers", "rule=site_down, site=~(X01")
    page.fill("#oncall-silence-reason", "机房割接")
    page.click("#oncall-silence-add")
    _wait_text(page, "#oncall-silence-msg", "第 2 个匹配条件“site=~(X01”有误")
    page.fill("#oncall-silence-matchers", 'rule=site_down, site=~"X01.*"')
    page.click("#oncall-silence-add")
    _wait_text(page, "#oncall-silence-msg", "已新建静默")
    _wait_text(page, "#oncall-silences-body", "生效中")
    assert 'city="430100"' in page.locator("#oncall-silences-body").inner_text()
    page.locator("#oncall-silences-body button").first.click()
    _wait_text(page, "#oncall-silence-msg", "已结束静默")
    _wait_text(page, "#oncall-silences-body", "已失效")
    assert page.locator("#oncall-silences-body button").count() == 0
    page.screenshot(path="/tmp/oncall.png")

    # Removing the shift empties 当前值班 again.
    page.locator("#oncall-shifts-body button").first.click()
    _wait_text(page, "#oncall-roster-msg", "已删除排班")
    _wait_text(page, "#oncall-duty-430100", "无人值班")
    page.close()
    assert watch.problems == []

    with served.world.sessions() as s:
        assert s.scalars(select(DutyShift)).all() == []
        h = s.scalars(select(Handover)).one()
        assert (h.from_user, h.to_user, len(h.open_alert_ids)) == ("cs_admin", "cs_night", 5)
        assert s.scalars(select(Silence)).one().expired_early_at is not None
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.actor == "cs_admin")))
        assert {"roster.add_shift", "roster.remove_shift", "roster.handover", "silence.create",
                "silence.expire"} <= actions


def test_kiosk_sees_the_duty_screen_read_only(browser: Any, served: Site) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    page.goto(f"{served}/oncall?kiosk={served.token}")
    page.wait_for_selector("#oncall-duty-430000", timeout=20_000)
    assert page.locator("#oncall-duty tbody tr").count() == 15  # the province and the 14 cities
    for key in ("roster", "handover", "silence"):
        assert page.locator(f"#oncall-{key}-readonly").inner_text() == "只读：登录且具备相应权限后可操作"
    assert page.locator("#oncall-shift-add, #oncall-handover-go, #oncall-silence-add").count() == 0
    page.close()
    assert watch.problems == []
