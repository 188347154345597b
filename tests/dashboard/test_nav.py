"""The header's navigation: which links each principal gets (over real HTTP, from the layout Dash serves
per page load), none for kiosk walls and anonymous viewers, rotation only on walls, and 退出 as a POST
with the CSRF token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from dash import Dash

from core.clock import FixedClock
from dashboard.app import nav_items, playlist, rotation_for
from db.models_security import Role
from db.session import transaction
from security.auth import Principal
from security.users import create_user
from tests.dashboard.world import NOW, World, build_world, kiosk_token
from tests.security.dash_client import DashClient
from tests.support.web import wall_app

PASSWORD = "Nav-header-2026!"
USERS = {  # name: (role, scope)
    "root": (Role.PROVINCE_ADMIN, "430000"),
    "cs_oncall": (Role.ONCALL, "430100"),
    "cs_admin": (Role.CITY_ADMIN, "430100"),
    "sec": (Role.SECURITY, "430000"),
    "boss": (Role.MANAGER, "430000"),
    "xt_editor": (Role.EDITOR, "430300"),
}
BASE = ["/screens", "/alerts", "/oncall", "/rules"]
EXPECTED = {  # the links in order: 总览 (home), 告警处置, 值班与静默, 告警规则, then 核验与整改 with VERIFY or
    # ANSWER_RECTIFICATION, 年度报表 with EDIT_CONTENT, REVIEW_CONTENT or VERIFY, then 审计日志 with VIEW_AUDIT
    "root": ["/", *BASE, "/verify", "/annual", "/audit"],
    "cs_oncall": ["/city/430100", *BASE],
    "cs_admin": ["/city/430100", *BASE, "/verify", "/annual", "/audit"],
    "sec": ["/", *BASE, "/audit"],
    "boss": ["/", *BASE],
    "xt_editor": ["/city/430300", *BASE, "/verify", "/annual"],
}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build_world(tmp_path, rotate_seconds=30)
    with transaction(w.sessions) as s:
        for name, (role, scope) in USERS.items():
            create_user(s, name, PASSWORD, role, scope, actor="test", now=NOW)
    try:
        yield w
    finally:
        w.store.close()


def _app(world: World) -> Dash:
    return wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))


def _find(node: Any, want: Any) -> Iterator[dict[str, Any]]:
    """Every component's props in a serialized layout whose id satisfies ``want``."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and "id" in props and want(props["id"]):
            yield props
        for v in node.values():
            yield from _find(v, want)
    elif isinstance(node, list):
        for v in node:
            yield from _find(v, want)


class Shell:
    """The header as one viewer gets it: nav links, rotation playlist, user line and logout token."""

    def __init__(self, client: DashClient) -> None:
        r = client.client.get("/_dash-layout")
        assert r.status_code == 200, r.get_data(as_text=True)
        layout = json.loads(r.get_data(as_text=True))
        self.links = [(p["id"]["key"], p["href"], p["children"]) for p in _find(
            layout, lambda i: isinstance(i, dict) and i.get("type") == "wall-nav-link")]
        items = next(_find(layout, lambda i: i == "wall-playlist"))["data"]
        self.playlist = [path for path, _ in items]
        self.dwells = {dwell for _, dwell in items}
        self.rotate_disabled = next(_find(layout, lambda i: i == "wall-rotate-tick"))["disabled"]
        self.user = [p["children"] for p in _find(layout, lambda i: i == "wall-user")]
        self.token = [p["value"] for p in _find(layout, lambda i: i == "wall-logout-token")]


def test_links_per_principal(world: World) -> None:
    app = _app(world)
    for name, hrefs in EXPECTED.items():
        shell = Shell(DashClient(app).login(name, PASSWORD))
        assert [h for _, h, _ in shell.links] == hrefs, name
        assert shell.playlist == [] and shell.rotate_disabled, name  # a user's page stays where they clicked
        assert shell.user and shell.user[0].startswith(name) and len(shell.token) == 1
    root = Shell(DashClient(app).login("root", PASSWORD))
    assert [label for *_, label in root.links] == ["总览", "运维大屏", "告警处置", "值班与静默", "告警规则",
                                                  "核验与整改", "年度报表", "审计日志"]
    assert root.user == ["root（省级管理员）"]


def test_kiosk_walls_and_anonymous_viewers_get_no_nav(world: World) -> None:
    app = _app(world)
    wall = Shell(DashClient(app, kiosk_token=kiosk_token(world)))
    assert wall.links == [] and wall.user == [] and wall.token == []
    assert wall.playlist == playlist() and wall.dwells == {30} and not wall.rotate_disabled
    city_wall = Shell(DashClient(app, kiosk_token=kiosk_token(world, "430100", name="cs-wall")))
    assert city_wall.links == [] and city_wall.playlist == ["/city/430100"] and city_wall.rotate_disabled
    # Login switched off: the anonymous screen is a province wall.
    open_config = replace(world.config, security=replace(world.config.security, require_login=False))
    anon = Shell(DashClient(wall_app(open_config, store=world.store, sessions=world.sessions,
                                       clock=FixedClock(NOW))))
    assert anon.links == [] and anon.playlist == playlist() and not anon.rotate_disabled
    # Login required and nobody logged in: no layout at all.
    assert DashClient(app).client.get("/_dash-layout").status_code == 401


def test_logout_button_posts_with_the_csrf_token(world: World) -> None:
    client = DashClient(_app(world)).login("cs_oncall", PASSWORD)
    token = Shell(client).token[0]
    refused = client.client.post("/logout", data={})
    assert refused.status_code == 400  # no token: CSRF refuses, the session lives on
    assert client.client.get("/_dash-layout").status_code == 200
    r = client.client.post("/logout", data={"csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert client.client.get("/_dash-layout").status_code == 401


def test_nav_and_rotation_are_pure_functions_of_the_principal() -> None:
    kiosk = Principal.of_kiosk("wall", "430000")
    assert nav_items(None) == [] and nav_items(kiosk) == []
    oncall = Principal(actor="a", scope_code="430500", role=Role.ONCALL, user_id=1)
    assert [i.href for i in nav_items(oncall)] == ["/city/430500", *BASE]
    assert rotation_for(None) == playlist() == rotation_for(kiosk)
    assert rotation_for(Principal.of_kiosk("w", "430500")) == ["/city/430500"]
    assert rotation_for(oncall) == []
