"""The 新媒体 wall in headless Chromium with the demo's accounts: the tiles count what the rules find, the
problems come vetoes first with their days left, stale data is greyed with its age, a city's wall shows only
its own accounts, numbers stay readable; no failed request, no console error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from db.models import NewMediaAccount
from db.models_media import NewMediaState
from db.session import transaction
from runtime.bootstrap import load_demo_media
from tests.dashboard.browser_support import Watch, serve
from tests.dashboard.world import NOW, World, build_world, kiosk_token

pytestmark = pytest.mark.browser


@pytest.fixture
def world(tmp_path: Path) -> World:
    world = build_world(tmp_path, refresh_seconds=1)
    load_demo_media(world.config, world.sessions, NOW, tmp_path / "media")
    with transaction(world.sessions) as s:  # 湘潭发布's export is three days old: greyed, its veto still proven
        account = s.scalar(select(NewMediaAccount).where(NewMediaAccount.account_id == "tt-demo-xiangtan"))
        assert account is not None
        st = s.get(NewMediaState, account.id)
        assert st is not None
        old = NOW - timedelta(days=3)
        st.collected_at, st.messages_at, st.interaction_at = old, old, old
    return world


@pytest.fixture
def wall(world: World) -> Iterator[tuple[str, str, str]]:
    province, changsha = kiosk_token(world), kiosk_token(world, "430100", "长沙大屏")
    with serve(world, "media-wall-test") as base:
        yield base, province, changsha


def _px(page: Any, selector: str) -> list[float]:
    return list(page.evaluate(f"() => [...document.querySelectorAll('{selector}')]"
                              ".map(e => parseFloat(getComputedStyle(e).fontSize))"))


def _kpis(page: Any) -> dict[str, str]:
    keys = ("accounts", "vetoes", "at_risk", "uncollected")
    return {k: page.locator(f"#media-kpi-{k} .kpi-value").inner_text() for k in keys}


def test_media_wall_shows_what_the_rules_find(browser: Any, wall: tuple[str, str, str]) -> None:
    base, province, changsha = wall
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    page.goto(f"{base}/media?kiosk={province}")
    page.wait_for_selector("#media-body tr", timeout=20_000)
    assert page.title() == "新媒体 · 运维指挥中心"
    values = page.locator(".kpi-value").all_inner_texts()
    assert values == ["8", "3", "1", "1"]  # accounts, vetoes, about to breach, never collected
    tiles = [" ".join(t.split()) for t in page.locator("#media-platforms .media-platform").all_inner_texts()]
    assert tiles == ["微信 2个 单项否决 0", "微博 2个 单项否决 1", "抖音 1个 单项否决 1", "今日头条 1个 单项否决 1",
                     "快手 1个 单项否决 0", "客户端 1个 单项否决 0"]
    rows = page.locator("#media-body tr").all()
    cells = [r.locator("td").all_inner_texts() for r in rows]
    assert sorted(c[1] for c in cells[:3]) == sorted(["长沙发布", "株洲发布", "湘潭发布"])  # vetoes first
    assert {c[3] for c in cells[:3]} == {"两周未更新", "无有效互动功能", "留言长期未回复"}
    assert all(c[4] == "不合格（单项否决）" for c in cells[:3])
    assert all(c[6] == "0 分钟" for c in cells[:3])  # stored as findings by the import, at the wall's NOW
    warning = next(c for c in cells if c[1] == "衡阳发布")
    assert warning[3:6] == ["两周未更新", "预警", "4 天"]
    never = next(c for c in cells if c[1] == "岳阳发布")
    assert never[4] == "未采集" and never[6:] == ["—", "—"]
    stale = page.locator("#media-body tr", has_text="湘潭发布")
    assert "row-stale" in (stale.get_attribute("class") or "")
    assert stale.locator("td").last.inner_text() == "数据已 3 天 未更新"
    # Readable from 5 m: numbers at 28 px or more, labels at 18 px or more.
    assert min(_px(page, ".kpi-value, .media-platform-count, #media-body td.media-days")) >= 28
    assert min(_px(page, ".kpi-label, .media-platform-label, .media-platform-veto, #media-body td, .media-note")) >= 18
    page.wait_for_timeout(2500)  # the 1-second refresh keeps the same truth
    assert page.locator(".kpi-value").all_inner_texts() == ["8", "3", "1", "1"]
    watch.close()
    assert watch.problems == []
    # 长沙's wall (its own screen): its own account only.
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    page.goto(f"{base}/media?kiosk={changsha}")
    page.wait_for_selector("#media-body tr", timeout=20_000)
    assert page.locator(".kpi-value").all_inner_texts() == ["1", "1", "0", "0"]
    names = {r.locator("td").nth(1).inner_text() for r in page.locator("#media-body tr").all()}
    assert names == {"长沙发布"}
    watch.close()
    assert watch.problems == []
