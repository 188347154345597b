"""The login wall over the real app with Flask's test client: redirects, login/logout, CSRF,
throttling on the fixed clock, kiosk sessions (read-only, revocable) and region scope."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient
from sqlalchemy import select

from core.clock import FixedClock
from db.models_security import AuditEntry, Role
from db.session import transaction
from security.kiosk import revoke_token
from security.users import change_role, create_user, set_active, set_password
from tests.dashboard.world import NOW, World, build_world, kiosk_token
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
        w.store.close()


@pytest.fixture
def app(world: World) -> Dash:
    return wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))


def _csrf(client: FlaskClient) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert m
    return m.group(1)


def _login(client: FlaskClient, user: str, pw: str, nxt: str = "/") -> int:
    r = client.post("/login", data={"username": user, "password": pw, "next": nxt, "csrf_token": _csrf(client)})
    return r.status_code


def _component(tree: Any, ident: str) -> Any:
    """The component with id ``ident`` in a serialized Dash layout, or None."""
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == ident:
            return tree
        return next((c for v in tree.values() if (c := _component(v, ident)) is not None), None)
    if isinstance(tree, list):
        return next((c for v in tree if (c := _component(v, ident)) is not None), None)
    return None


def _page_callback(client: FlaskClient, pathname: str, headers: dict[str, str] | None = None) -> int:
    return _page(client, pathname, headers=headers).status_code


def _page(client: FlaskClient, pathname: str, search: str = "", headers: dict[str, str] | None = None) -> Any:
    """Dash's page-routing callback, as the renderer sends it when a link is followed."""
    body = {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                       headers=headers or {})


def _audit(world: World) -> list[str]:
    with world.sessions() as s:
        return [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_screens_require_login(app: Dash) -> None:
    c = app.server.test_client()
    for path in ("/", "/city/430100", "/site/X0102", "/hosts", "/audit"):
        r = c.get(path)
        assert r.status_code == 302 and r.location.startswith("/login?next="), path
    assert c.get("/_dash-layout").status_code == 401
    assert _page_callback(c, "/") == 401
    page = c.get("/login").get_data(as_text=True)
    assert "用户名" in page and "密码" in page and "登录" in page and "_dash" not in page


def test_login_logout_and_csrf(app: Dash, world: World) -> None:
    c = app.server.test_client()
    r = c.post("/login", data={"username": "root", "password": "root-password"})  # no CSRF token
    assert r.status_code == 400 and "安全令牌" in r.get_data(as_text=True)
    r = c.post("/login", data={"username": "root", "password": "nope", "csrf_token": _csrf(c)})
    assert r.status_code == 401 and "用户名或密码错误" in r.get_data(as_text=True)
    r = c.post("/login", data={"username": "root", "password": "root-password", "next": "/city/430100",
                               "csrf_token": _csrf(c)})
    assert r.status_code == 302 and r.location == "/city/430100"
    assert c.get("/").status_code == 200 and c.get("/_dash-layout").status_code == 200
    cookie = c.get_cookie("_csrf_token")
    assert cookie is not None
    assert _page_callback(c, "/hosts") == 400  # a Dash POST without the header is refused too
    assert _page_callback(c, "/hosts", {"X-CSRFToken": cookie.value}) == 200
    assert c.post("/logout").status_code == 400
    assert c.post("/logout", data={"csrf_token": _csrf(c)}).status_code == 302
    assert c.get("/").status_code == 302
    assert _audit(world)[-3:] == ["login.failed", "login", "logout"]
    assert _login(c, "evil", "x", "//evil.example/") == 401


def test_login_is_throttled(app: Dash, world: World) -> None:
    c = app.server.test_client()
    for _ in range(world.config.security.max_failed_logins):
        assert _login(c, "root", "wrong") == 401
    r = c.post("/login", data={"username": "root", "password": "root-password", "csrf_token": _csrf(c)})
    assert r.status_code == 429 and "登录失败次数过多，请在 15 分钟后再试" in r.get_data(as_text=True)
    assert c.get("/").status_code == 302


def test_disabled_user_and_changed_password_end_live_sessions(app: Dash, world: World) -> None:
    """Sessions are signed cookies holding the user id; the guard reads the account on every request."""
    alive, other = app.server.test_client(), app.server.test_client()
    assert _login(alive, "cs", "cs-password", "/alerts") == 302
    assert _login(other, "root", "root-password") == 302
    assert alive.get("/alerts").status_code == 200
    with transaction(world.sessions) as s:
        set_active(s, "cs", False, actor="root", now=NOW)
    r = alive.get("/alerts")
    assert r.status_code == 302 and r.location.startswith("/login")  # the very next request
    assert _login(alive, "cs", "cs-password") == 401  # and no new login while disabled
    with transaction(world.sessions) as s:
        set_active(s, "cs", True, actor="root", now=NOW)
    assert _login(alive, "cs", "cs-password", "/alerts") == 302
    assert alive.get("/alerts").status_code == 200
    # A new password ends every session opened with the old one, the admin's own ones included.
    with transaction(world.sessions) as s:
        set_password(s, "cs", "cs-new-password", actor="root", now=NOW)
    assert alive.get("/alerts").status_code == 302
    assert _page_callback(alive, "/alerts") == 401  # Dash callbacks of the old session too
    assert _login(alive, "cs", "cs-password") == 401
    assert _login(alive, "cs", "cs-new-password", "/alerts") == 302
    assert alive.get("/alerts").status_code == 200
    assert other.get("/").status_code == 200  # root's session is not touched by cs's change
    # A role or scope change ends the session too: the user signs in again under the new role.
    with transaction(world.sessions) as s:
        change_role(s, "cs", Role.ONCALL, "430200", actor="root", now=NOW)
    r = alive.get("/city/430100")
    assert r.status_code == 302 and r.location.startswith("/login")
    assert _login(alive, "cs", "cs-new-password", "/alerts") == 302
    assert alive.get("/city/430100").status_code == 403
    assert alive.get("/city/430200").status_code == 200


def test_kiosk_is_read_only_and_revocable(app: Dash, world: World) -> None:
    token = kiosk_token(world)
    c = app.server.test_client()
    assert c.get("/?kiosk=wrong").status_code == 403
    r = c.get(f"/city/430100?kiosk={token}")
    assert r.status_code == 302 and r.location == "/city/430100"  # the token leaves the address bar
    assert c.get("/").status_code == 200 and c.get("/site/C0200").status_code == 200
    cookie = c.get_cookie("_csrf_token")
    assert cookie is not None
    assert _page_callback(c, "/", {"X-CSRFToken": cookie.value}) == 200  # views are callbacks too
    r = c.post("/logout", data={"csrf_token": _csrf(c)})
    assert r.status_code == 403 and "只读" in r.get_data(as_text=True)
    r = c.post("/somewhere", data={"csrf_token": _csrf(c)})
    assert r.status_code == 403
    assert app.server.test_client().get("/", headers={"X-Kiosk-Token": token}).status_code == 200
    with transaction(world.sessions) as s:
        revoke_token(s, "wall", actor="root", now=NOW)
    r = c.get("/")  # the next request after revocation: refused (the wall's kept token is dead too)
    assert r.status_code == 403 and "大屏令牌无效或已被吊销" in r.get_data(as_text=True)
    assert app.server.test_client().get("/", headers={"X-Kiosk-Token": token}).status_code == 403


def test_wall_reopens_a_lapsed_session_from_its_token(app: Dash, world: World) -> None:
    token = kiosk_token(world)
    c = app.server.test_client()
    r = c.get(f"/?kiosk={token}")
    kept = c.get_cookie("govops_kiosk")
    assert r.status_code == 302 and kept is not None and kept.value == token
    assert kept.http_only and kept.same_site == "Strict"
    c.delete_cookie("session")  # the session lapsed (expired, or a new secret key)
    assert c.get("/city/430100").status_code == 200  # not the login page: re-opened from the token
    c.delete_cookie("session")
    assert c.get("/_wall/ping").get_json()["kiosk"] is True
    cookie = c.get_cookie("_csrf_token")
    assert cookie is not None and _page_callback(c, "/", {"X-CSRFToken": cookie.value}) == 200
    with transaction(world.sessions) as s:
        revoke_token(s, "wall", actor="root", now=NOW)
    c.delete_cookie("session")
    r = c.get("/_wall/ping")  # revocation still ends the wall, session or not
    assert r.status_code == 403 and r.get_data(as_text=True) == "大屏令牌无效或已被吊销"
    assert _page_callback(c, "/") == 403
    # Someone signing in on that browser makes it a person's: the wall's token is forgotten.
    assert _login(c, "root", "root-password") == 302 and c.get_cookie("govops_kiosk") is None


def test_refusals_are_dark_chinese_pages_for_browsers(app: Dash, world: World) -> None:
    c = app.server.test_client()
    html_accept = {"Accept": "text/html,application/xhtml+xml"}
    r = c.get("/?kiosk=wrong", headers=html_accept)
    page = r.get_data(as_text=True)
    assert r.status_code == 403 and r.mimetype == "text/html"
    assert "大屏连接中断，正在重试…" in page and "大屏令牌无效或已被吊销" in page and 'data-retry="15"' in page
    assert "radial-gradient" in page and "GovOps Wall Sans" in page  # dark, the bundled font; nothing external:
    assert not re.search(r'(src|href)="https?://', page)
    assert c.get("/?kiosk=wrong").mimetype == "text/plain"  # a script or a callback gets the bare reason
    assert _login(c, "cs", "cs-password") == 302
    r = c.get("/city/430200", headers=html_accept)  # a person refused a page: no retrying, a way home
    assert r.status_code == 403 and 'data-retry=""' in r.get_data(as_text=True)
    assert "返回首页" in r.get_data(as_text=True)
    anon = app.server.test_client()  # the login and error pages use the bundled font before any session
    font = anon.get("/assets/fonts/govops-wall-sans-regular.woff2")
    assert font.status_code == 200 and font.data[:4] == b"wOF2"
    assert anon.get("/assets/fonts/../wall.css").status_code in (302, 404)
    assert anon.get("/_wall/ping").status_code == 401


def test_city_scope_sees_only_its_city(app: Dash, world: World) -> None:
    c = app.server.test_client()
    assert _login(c, "cs", "cs-password") == 302
    r = c.get("/")
    assert r.status_code == 302 and r.location == "/city/430100"  # the overview is the province's
    assert c.get("/city/430100").status_code == 200 and c.get("/site/X0102").status_code == 200
    for path in ("/city/430200", "/site/C0200", "/site/P0001", "/hosts", "/host/web-01"):
        r = c.get(path)
        assert r.status_code == 403 and "无权查看其他地区" in r.get_data(as_text=True), path
    cookie = c.get_cookie("_csrf_token")
    assert cookie is not None
    h = {"X-CSRFToken": cookie.value}
    assert _page_callback(c, "/city/430100", h) == 200
    assert _page_callback(c, "/city/430200", h) == 403 and _page_callback(c, "/", h) == 403
    city_kiosk = app.server.test_client()
    assert city_kiosk.get("/city/430300", headers={"X-Kiosk-Token": kiosk_token(world, "430100", "cs-wall")}
                          ).status_code == 403


def test_audit_page_is_for_admins_and_filters(app: Dash, world: World) -> None:
    admin, op = app.server.test_client(), app.server.test_client()
    assert _login(op, "cs", "cs-password") == 302
    assert _login(admin, "root", "wrong") == 401
    assert _login(admin, "root", "root-password") == 302

    def page(c: FlaskClient, search: str = "") -> str:
        """The rendered audit table (the filter controls list every action's name, so not the whole page)."""
        assert c.get("/city/430100").status_code == 200  # the page load that hands out the CSRF cookie
        cookie = c.get_cookie("_csrf_token")
        assert cookie is not None
        r = _page(c, "/audit", search, {"X-CSRFToken": cookie.value})
        assert r.status_code == 200
        content = r.get_json()["response"]["_pages_content"]["children"]
        return json.dumps(_component(content, "audit-body") or content, ensure_ascii=False)

    everything = page(admin)
    assert "用户 root 登录成功" in everything and "用户名 root 登录失败" in everything
    assert everything.index("用户 root 登录成功") < everything.index("用户名 root 登录失败")  # newest first
    only_failed = page(admin, "?action=login.failed")
    assert "用户名 root 登录失败" in only_failed and "登录成功" not in only_failed
    assert "创建用户 cs" in page(admin, "?object=user&actor=test") and "登录" not in page(admin, "?actor=nobody")
    # The page declares 查看审计日志: the guard refuses an on-call operator before the page renders.
    assert op.get("/city/430100").status_code == 200
    cookie = op.get_cookie("_csrf_token")
    assert cookie is not None
    r = _page(op, "/audit", "", {"X-CSRFToken": cookie.value})
    refused = r.get_data(as_text=True)
    assert r.status_code == 403 and "无权执行此操作：查看审计日志" in refused and "root" not in refused
