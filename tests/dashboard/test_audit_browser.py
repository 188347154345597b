"""The audit log (/audit) in real headless Chromium, offline: a province admin filters by an action's
Chinese name and a date, pages on, and downloads the filtered rows as CSV; nothing on the page is an
internal code, and an unknown address shows the Chinese 404."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from db.models_security import Role
from db.session import transaction
from security import audit
from security.users import create_user
from tests.dashboard.browser_support import Watch, login, serve
from tests.dashboard.world import NOW, build_world
from tests.support.internal_codes import english_codes_in

pytestmark = pytest.mark.browser
PASSWORD = "Audit-root-2026!"


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    world = build_world(tmp_path)
    with transaction(world.sessions) as s:
        create_user(s, "root", PASSWORD, Role.PROVINCE_ADMIN, "430000", actor="test", now=NOW - timedelta(days=2))
        for i in range(70):  # 16:00 back to 14:51 北京时间 on 2026-11-27
            audit.record(s, audit.SYSTEM, "alert.firing", "alert", 500 + i, scope_code="430100",
                         at=NOW - timedelta(minutes=i), summary=f"告警 site_down（网站 C0100 首页无法访问 {i}）")
        audit.record(s, "root", "kiosk.revoke", "kiosk_token", 2, scope_code="430000", at=NOW - timedelta(days=1),
                     summary="吊销大屏令牌 墙")
    with serve(world, "audit-test") as url:
        yield url


def _wait_text(page: Any, selector: str, text: str) -> None:
    page.wait_for_function(f"() => {{ const e = document.querySelector('{selector}'); "
                           f"return e && e.innerText.includes('{text}'); }}", timeout=15_000)


def test_admin_filters_pages_and_exports(browser: Any, base: str) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
    watch = Watch(page)
    login(page, base, "root", PASSWORD, "/audit")
    page.wait_for_selector("#audit-body tr.audit-row", timeout=20_000)
    assert english_codes_in(page.inner_text("body")) == []

    # An action by its Chinese name (the dropdown lists names, never codes), and a day in 北京时间.
    # The list is long and virtualised: search for the name as a user would, then pick it.
    page.click("#audit-action")
    page.keyboard.type("告警中")
    page.locator(".dash-dropdown-option", has_text="告警状态：告警中").first.click()
    _wait_text(page, "#audit-count", "共 70 条")
    _wait_text(page, "#audit-pageno", "第 1 / 2 页")
    assert page.locator("#audit-body tr").count() == 50
    page.click("#audit-next")
    _wait_text(page, "#audit-pageno", "第 2 / 2 页")
    assert page.locator("#audit-body tr").count() == 20 and page.is_disabled("#audit-next")
    page.fill("#audit-start", "2026-11-28")
    page.press("#audit-start", "Enter")
    _wait_text(page, "#audit-count", "共 0 条")
    _wait_text(page, "#audit-body", "没有符合条件的审计记录")
    page.fill("#audit-start", "2026-11-27")
    page.click("#audit-apply")
    _wait_text(page, "#audit-count", "共 70 条")
    assert english_codes_in(page.inner_text("body")) == []

    with page.expect_download() as got:
        page.click("#audit-csv")
    rows = list(csv.reader(io.StringIO(Path(got.value.path()).read_bytes().decode("utf-8-sig"))))
    assert got.value.suggested_filename.endswith(".csv") and len(rows) == 71
    assert rows[1][:3] == ["2026-11-27 16:00:00", "系统", "告警状态：告警中"]

    page.goto(f"{base}/no-such-page")
    assert "页面不存在" in page.inner_text("body")
    page.click("#back-home")
    page.wait_for_url(f"{base}/", timeout=10_000)
    # A download ends its navigation (ERR_ABORTED); the 404 page's own status is meant.
    expected = ("/audit/export.csv", "/no-such-page", "404 (NOT FOUND)")
    assert [p for p in watch.problems if not any(e in p for e in expected)] == []
    watch.close()
