"""Issue 9 items 11 and 12 (web part), over real HTTP on waitress: logout and account changes end the
server-side session (a copied cookie is worth nothing), idle sessions expire on the server, a kiosk
link never replaces a personal login, and cookies are Secure when configured or served over HTTPS."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.clock import FixedClock
from db.models_security import AuditEntry, LoginSession, Role, SessionEnd
from db.session import transaction
from security.users import change_role, create_user, set_active, set_password
from tests.dashboard.world import NOW, World, build_world, kiosk_token
from tests.support.web import Browser, Reply, serve

ROUTING = {"output": ".._pages_content.children..._pages_store.data..",
           "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
           "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/alerts"},
                      {"id": "_pages_location", "property": "search", "value": ""}],
           "changedPropIds": ["_pages_location.pathname"], "state": []}
WHO = {"actor": "root", "now": NOW}


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


def _audit_by(world: World, actor: str) -> list[str]:
    with world.sessions() as s:
        return [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.actor == actor)
                                            .order_by(AuditEntry.id))]


def _ends(world: World) -> list[SessionEnd | None]:
    with world.sessions() as s:
        return [r.end_reason for r in s.scalars(select(LoginSession).order_by(LoginSession.id))]


def _signed_in(base: str, user: str = "cs", password: str = "cs-password") -> tuple[Browser, Browser]:
    """(the browser that signed in, a copy of its cookies as an attacker would keep it)."""
    b = Browser(base)
    assert b.login(user, password, "/alerts").status == 302
    assert b.get("/alerts").status == 200 and b.dash_callback(ROUTING).status == 200
    return b, Browser(base, cookies=dict(b.cookies))


def _refused(b: Browser) -> bool:
    page, callback = b.get("/alerts"), b.dash_callback(ROUTING)
    return page.status == 302 and (page.location or "").startswith("/login?next=") and callback.status == 401


def test_logout_ends_the_session_for_every_copy_of_the_cookie(world: World) -> None:
    with serve(world) as base:
        b, stolen = _signed_in(base)
        assert stolen.get("/alerts").status == 200  # a copy works while the login lives …
        r = b.post("/logout", {"csrf_token": b.csrf("/logout")})
        assert r.status == 302 and r.location == "/login"
        before = _audit_by(world, "cs")
        copy = dict(stolen.cookies)
        assert _refused(stolen)  # … and not a moment after the logout: pages and Dash callbacks alike
        again = Browser(base, cookies=copy)  # its own logout form, posted with the dead cookie
        assert again.post("/logout", {"csrf_token": again.csrf("/logout")}).status == 302
        assert _audit_by(world, "cs") == before == ["login", "logout"]  # nothing acted, nothing audited
    assert _ends(world) == [SessionEnd.LOGOUT]


@pytest.mark.parametrize("change", ["password", "disable", "role"])
def test_account_changes_end_live_sessions_at_once(world: World, change: str) -> None:
    with serve(world) as base:
        _b, stolen = _signed_in(base)
        admin, _ = _signed_in(base, "root", "root-password")
        with transaction(world.sessions) as s:
            if change == "password":
                set_password(s, "cs", "cs-password", **WHO)  # even the same password again
            elif change == "disable":
                set_active(s, "cs", False, **WHO)
            else:
                change_role(s, "cs", Role.MANAGER, "430100", **WHO)
        assert _refused(stolen)
        assert admin.get("/alerts").status == 200  # another user's session is untouched
    assert _ends(world)[0] == {"password": SessionEnd.PASSWORD, "disable": SessionEnd.DISABLED,
                               "role": SessionEnd.ROLE}[change]


def test_an_idle_session_expires_on_the_server(world: World) -> None:
    clock = FixedClock(NOW)
    with serve(world, clock=clock) as base:
        b, stolen = _signed_in(base)
        clock.advance(11 * 3600)  # within session_hours (12) of the last request: still live
        assert b.get("/alerts").status == 200
        clock.advance(11 * 3600)  # 11 h after that request: the activity kept it alive
        assert stolen.get("/alerts").status == 200
        clock.advance(12 * 3600 + 120)  # idle for longer than session_hours: ended, whatever the cookie says
        assert _refused(stolen)
    assert _ends(world) == [SessionEnd.EXPIRED]


def test_a_kiosk_link_never_replaces_a_personal_login(world: World) -> None:
    token = kiosk_token(world, "430200", name="株洲大屏")
    with serve(world) as base:
        admin, _ = _signed_in(base, "root", "root-password")
        r = admin.get(f"/?kiosk={token}")
        assert r.status == 409 and "请先退出登录" in r.body and "root" in r.body
        assert 'action="/logout"' in r.body and 'data-retry=""' in r.body  # a person's page: logout, no retry
        assert "govops_kiosk" not in admin.cookies
        r = admin.get("/", headers={"X-Kiosk-Token": token, "Accept": "*/*"})
        assert r.status == 409 and r.body.startswith("此浏览器已登录个人账号")
        assert admin.get("/hosts").status == 200  # still the admin: a province page a Zhuzhou wall may not see
        assert admin.dash_callback(ROUTING).status == 200
        assert _audit_by(world, "root")[-2:] == ["kiosk.refused", "kiosk.refused"]
        with world.sessions() as s:
            entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "kiosk.refused")).first()
        assert entry is not None and "株洲大屏" in entry.summary and entry.remote_addr == "127.0.0.1"
        # Signed out, the same browser may become the wall.
        assert admin.post("/logout", {"csrf_token": admin.csrf("/logout")}).status == 302
        r = admin.get(f"/city/430200?kiosk={token}")
        assert r.status == 302 and r.location == "/city/430200"
        assert admin.get("/city/430200").status == 200


def _cookie_lines(r: Reply) -> dict[str, str]:
    return {line.split("=", 1)[0]: line for line in r.set_cookies()}


def _login_cookies(base: str, origin: str) -> dict[str, str]:
    b = Browser(base, origin=origin)
    r = b.login("root", "root-password", "/")
    assert r.status == 302
    lines = _cookie_lines(r)
    lines.update(_cookie_lines(b.get("/")))  # the CSRF cookie comes with the first page
    return lines


@pytest.mark.parametrize("setup", ["http", "configured", "https"])
def test_cookies_are_secure_when_configured_or_over_https(world: World, setup: str) -> None:
    config = world.config
    if setup == "configured":
        config = dataclasses.replace(config, security=dataclasses.replace(config.security, cookie_secure=True))
    options = {"url_scheme": "https"} if setup == "https" else {}
    with serve(world, config, **options) as base:
        lines = _login_cookies(base, base.replace("http:", "https:") if setup == "https" else base)
        wall = Browser(base).get(f"/?kiosk={kiosk_token(world)}")
    wall_line = _cookie_lines(wall)["govops_kiosk"]
    secure = setup != "http"
    for name in ("session", "_csrf_token"):
        assert ("; Secure" in lines[name]) is secure, lines[name]
    assert ("; Secure" in wall_line) is secure
    assert "HttpOnly" in lines["session"] and "SameSite=Lax" in lines["session"]
    assert "HttpOnly" not in lines["_csrf_token"] and "SameSite=Strict" in lines["_csrf_token"]  # Dash reads it
    assert "HttpOnly" in wall_line and "SameSite=Strict" in wall_line


def test_sessions_are_pruned_and_hold_no_usable_id(world: World) -> None:
    clock = FixedClock(NOW)
    with serve(world, clock=clock) as base:
        b, _ = _signed_in(base)
        sid_cookie = b.cookies["session"]
        with world.sessions() as s:
            (row,) = s.scalars(select(LoginSession)).all()
        assert row.token_hash not in sid_cookie and len(row.token_hash) == 64  # only a SHA-256 is stored
        clock.advance(timedelta(days=31).total_seconds())
        _signed_in(base)  # a login prunes sessions unused for 30 days
    with world.sessions() as s:
        assert len(s.scalars(select(LoginSession)).all()) == 1
