"""页面不存在: unknown paths answer a dark Chinese page with status 404 and a way back to the viewer's
overview; known pages, path templates and Flask routes are untouched."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from dash import Dash

from core.clock import FixedClock
from db.models_security import Role
from db.session import transaction
from security.users import create_user
from tests.dashboard.world import NOW, World, build_world, kiosk_token
from tests.security.dash_client import DashClient
from tests.support.internal_codes import english_codes_in
from tests.support.web import wall_app


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build_world(tmp_path)
    with transaction(w.sessions) as s:
        create_user(s, "root", "root-password", Role.PROVINCE_ADMIN, "430000", actor="test", now=NOW)
        create_user(s, "cs", "cs-password", Role.ONCALL, "430100", actor="test", now=NOW)
    try:
        yield w
    finally:
        w.close()


@pytest.fixture
def app(world: World) -> Dash:
    return wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))


def _visible(html_text: str) -> str:
    import re

    body = re.sub(r"<style.*?</style>|<[^>]+>", " ", html_text, flags=re.S)
    return " ".join(body.split())


@pytest.mark.parametrize("path", ["/no-such-page", "/city", "/alerts/extra/deep", "/404", "/audit/export.pdf"])
def test_unknown_paths_are_a_chinese_404(app: Dash, path: str) -> None:
    root = DashClient(app).login("root", "root-password")
    r = root.client.get(path)
    assert r.status_code == 404 and r.mimetype == "text/html"
    text = r.get_data(as_text=True)
    assert "页面不存在" in text or "不支持的导出格式" in text
    assert 'href="/"' in text and "返回总览" in text and "background:#07111f" in text.replace(" ", "")
    assert "Page not found" not in text and english_codes_in(_visible(text)) == []


def test_the_404_page_uses_the_bundled_font(app: Dash) -> None:
    from layouts import theme

    page = DashClient(app).login("root", "root-password").client.get("/no-such-page").get_data(as_text=True)
    assert theme.FONT_IMPORT in page and f"font-family:{theme.FONT_FAMILY}" in page
    anon = app.server.test_client()  # no session: the stylesheet and the files it names still load
    css = anon.get(theme.FONT_STYLESHEET)
    assert css.status_code == 200 and "@font-face" in css.get_data(as_text=True)
    for url in re.findall(r'url\("([^"]+)"\)', css.get_data(as_text=True)):  # relative to the stylesheet
        font = anon.get(theme.FONT_STYLESHEET.rsplit("/", 1)[0] + "/" + url)
        assert font.status_code == 200 and font.data[:4] == b"wOF2", url


def test_the_link_back_is_the_viewers_own_overview(app: Dash, world: World) -> None:
    city = DashClient(app).login("cs", "cs-password")
    r = city.client.get("/nope")
    assert r.status_code == 404 and 'href="/city/430100"' in r.get_data(as_text=True)
    wall = DashClient(app, kiosk_token=kiosk_token(world, "430300", "湘潭大屏"))
    r = wall.client.get("/nope")
    assert r.status_code == 404 and 'href="/city/430300"' in r.get_data(as_text=True)


def test_known_pages_templates_and_routes_are_untouched(app: Dash, world: World) -> None:
    root = DashClient(app).login("root", "root-password")
    for path in ("/", "/city/430100", "/site/C0100", "/site/UNKNOWN", "/hosts", "/alerts", "/audit", "/oncall",
                 "/rules", "/login"):
        assert root.client.get(path).status_code == 200, path
    assert root.client.get("/_dash-layout").status_code == 200
    anonymous = app.server.test_client().get("/no-such-page")
    assert anonymous.status_code == 302 and anonymous.location.startswith("/login")  # the login comes first


def test_inside_the_app_an_unknown_link_renders_the_chinese_page(app: Dash) -> None:
    root = DashClient(app).login("root", "root-password")
    status, content = root.page("/no-such-page")
    assert status == 200  # a callback's answer; the page itself says 404 页面不存在
    shown = json.loads(content)
    text = json.dumps(shown, ensure_ascii=False)
    assert "页面不存在" in text and "返回总览" in text and "404 - Page not found" not in text
