"""The app factory: local-only assets, per-app state (two apps in one process), page layouts."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dash import Dash

from core.clock import FixedClock
from dashboard.app import playlist
from dashboard.data import wall_data
from tests.dashboard.world import NOW, World, build_world, kiosk_token
from tests.support.web import wall_app


@pytest.fixture
def worlds(tmp_path: Path) -> Iterator[tuple[World, World]]:
    a, b = build_world(tmp_path / "a"), build_world(tmp_path / "b")
    try:
        yield a, b
    finally:
        a.store.close()
        b.store.close()


def _app(w: World) -> Dash:
    return wall_app(w.config, store=w.store, sessions=w.sessions, clock=FixedClock(NOW))


def _page(name: str):  # type: ignore[no-untyped-def]
    return sys.modules[f"pages.{name}"]


def test_two_apps_keep_their_own_data_and_callbacks(worlds: tuple[World, World]) -> None:
    a, b = worlds
    app_a, app_b = _app(a), _app(b)
    with app_a.server.app_context():
        assert wall_data().store is a.store
    with app_b.server.app_context():
        assert wall_data().store is b.store
    for app in (app_a, app_b):
        keys = " ".join(app.callback_map)
        assert "overview-map.figure" in keys and "overview-nav.href" in keys and "city-trend.figure" in keys
        assert "hosts-body.children" in keys and "host-usage.figure" in keys and "host-disks.figure" in keys
        assert "overview-closest-body.children" in keys and "city-inspection-body.children" in keys
        assert "site-findings-body.children" in keys and "site-veto-body.children" in keys


def test_index_loads_nothing_from_outside(worlds: tuple[World, World]) -> None:
    app = _app(worlds[0])
    client = app.server.test_client()
    assert client.get("/?kiosk=" + kiosk_token(worlds[0])).status_code == 302  # a kiosk session for the wall
    html = client.get("/").get_data(as_text=True)
    assert "湖南省政府网站集约化管理平台" in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("/") for u in urls), urls
    assert "wall.css" in html and "scale.js" in html
    for script in ("connection.js", "paging.js", "fonts.css"):
        assert script in html, script
    # The bundled font is preloaded (served locally, same origin) and the page is marked Chinese.
    assert '<html lang="zh-CN">' in html
    assert re.search(r'<link rel="preload" href="/assets/fonts/govops-wall-sans-regular\.woff2[^"]*" as="font"', html)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_shell_carries_the_lost_connection_overlay_and_paging_pace(worlds: tuple[World, World]) -> None:
    from core.i18n.walls import TW
    from dashboard.app import _shell
    from layouts import theme

    shell = _shell(worlds[0].config, None).to_plotly_json()["props"]
    assert shell["data-page-seconds"] == str(theme.PAGE_SECONDS) and "{k}" in shell["data-page-of"]
    overlay = next(c for c in shell["children"] if getattr(c, "id", None) == "wall-lost")
    props = overlay.to_plotly_json()["props"]
    assert props["hidden"] is True and props["data-ping"] == "/_wall/ping" and props["data-kiosk"] == "1"
    assert props["data-network"] == TW.LOST_NETWORK and props["data-timezone"] == "Asia/Shanghai"


def test_page_layouts_render_and_unknown_codes_say_so(worlds: tuple[World, World]) -> None:
    app = _app(worlds[0])
    with app.server.test_request_context("/"):
        overview = str(_page("overview").layout())
        assert "overview-map" in overview and "3/6" in overview
        assert "长沙市" in str(_page("city").layout(code="430100"))
        assert "未找到该市州" in str(_page("city").layout(code="999999"))
        site = str(_page("site").layout(code="X0102"))
        assert "芙蓉区人民政府门户网站" in site and "site-findings-body" in site and "首页无法访问比例超标" in site
        assert "overview-closest-body" in overview and "否决风险网站" in overview
        assert "city-inspection-body" in str(_page("city").layout(code="430100"))
        assert "未找到该网站" in str(_page("site").layout(code="NOPE"))
        hosts = str(_page("hosts").layout())
        assert all(n in hosts for n in ("web-01", "db-01", "cms-cs", "old-01")) and "retired-01" not in hosts
        host = str(_page("host").layout(name="web-01"))
        assert "host-usage" in host and "Web 服务器" in host and "/city/430000" in host
        assert "未找到该主机：a b" in str(_page("host").layout(name="a%20b"))  # the path part is decoded
        assert "city-hosts-body" in str(_page("city").layout(code="430100"))
        assert "city-hosts-body" not in str(_page("city").layout(code="430300"))  # 湘潭 has no hosts
    assert playlist()[0] == "/" and len(playlist()) == 15


def test_city_wall_ticker_shows_only_that_citys_alerts(tmp_path: Path) -> None:
    from dashboard.alert_data import alert_reader
    from tests.dashboard.alert_world import build_alert_world

    world, _ = build_alert_world(tmp_path)
    try:
        app = _app(world)
        with app.server.test_request_context("/"):
            reader = alert_reader()
            changsha = reader.ticker(NOW, 12, scope_code="430100")
            # 长沙's two problems: X0102 down (its slowness and 7-day ratios listed under it, not on the wall)
            # and C0100's column due.
            assert set(changsha["city_code"]) == {"430100"} and list(changsha["rule"]) == ["site_down",
                                                                                           "column_breach_soon"]
            assert list(reader.ticker(NOW, 12, scope_code="430300")["rule"]) == ["content_errors_severe"]
            assert reader.ticker(NOW, 12, scope_code="430400").empty
            assert len(reader.ticker(NOW, 12)) == 3  # the province sees every firing problem
            page = str(_page("city").layout(code="430100"))
            assert "city-ticker" in page and "alert-strip alert-strip-hot" in page  # unacknowledged 紧急
            assert "湘潭" not in page.split("city-ticker")[1] and page.count("ticker-item sev-") == 2
            xiangtan = str(_page("city").layout(code="430300"))
            assert xiangtan.count("ticker-item sev-high") == 1 and "alert-strip-hot" not in xiangtan
            assert "当前无告警" in str(_page("city").layout(code="430400"))
            assert "返回全省总览" in page  # anonymous (login off) and province viewers may go back to the overview
    finally:
        world.store.close()



def test_screens_show_beijing_time_while_storage_stays_utc(tmp_path: Path) -> None:
    """An audit entry made at 08:00 UTC is listed as 16:00 (web.timezone = Asia/Shanghai) and stored as UTC."""
    from sqlalchemy import select

    from db.models_security import AuditEntry, Role
    from db.session import transaction
    from security import audit
    from security.users import create_user
    from tests.security.dash_client import DashClient

    world = build_world(tmp_path)
    try:
        with transaction(world.sessions) as s:
            create_user(s, "root", "root-password", Role.PROVINCE_ADMIN, "430000", actor="test", now=NOW)
            audit.record(s, "tester", "probe.time", "test", "1", at=NOW, summary="时区检查")
        app = wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))
        status, content = DashClient(app).login("root", "root-password").page("/audit", "?action=probe.time")
        assert status == 200 and "时区检查" in content
        assert "2026-11-27 16:00:00" in content and "2026-11-27 08:00:00" not in content
        with world.sessions() as s:
            assert s.scalars(select(AuditEntry).where(AuditEntry.action == "probe.time")).one().at == NOW
    finally:
        world.store.close()
