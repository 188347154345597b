"""The playlist editor (/walls) over HTTP through the real guard: admins only (a kiosk wall, an on-call user
are refused), a city admin sees and edits its own city's room only; create, bad input named and nothing
written, rename and re-item, kiosk URL issued once then revoked, delete; every change audited. The wall
itself carries none of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from core.clock import FixedClock
from db.models_security import AuditEntry, Role
from db.session import transaction
from security.kiosk import resolve_token
from security.users import create_user
from tests.dashboard.world import NOW, World, build_world, kiosk_token
from tests.security.dash_client import DashClient, outputs
from tests.support.web import wall_app
from walls.defaults import seed_defaults
from walls.items_text import format_items, parse_items
from walls.playlist import Expansion, Item, PlaylistError
from walls.store import list_playlists, rotation

PASSWORD = "Walls-editor-2026!"
ACT = "walls-msg.children"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build_world(tmp_path)
    with transaction(w.sessions) as s:
        for name, role, scope in (("root", Role.PROVINCE_ADMIN, "430000"), ("cs_admin", Role.CITY_ADMIN, "430100"),
                                  ("cs_oncall", Role.ONCALL, "430100")):
            create_user(s, name, PASSWORD, role, scope, actor="test", now=NOW)
    try:
        yield w
    finally:
        w.store.close()


def _act(client: DashClient, changed: str, **values: object) -> dict[str, object]:
    vals = {f"walls-{k}.value": v for k, v in values.items()}
    status, got = client.call("..walls-msg.children", {**vals, changed: 1}, changed)
    assert status == 200, got
    return outputs(got)


def test_items_text_round_trips_and_names_the_bad_line() -> None:
    items = [Item("overview", 30), Item("city", 10, Expansion.EACH_CITY), Item("city", 15, city="430100")]
    assert parse_items(format_items(items)) == items
    assert parse_items("# 注释\n\n全省总览 不展开 20\n市州详情 仅有未关闭紧急告警的市州 9\n") == [
        Item("overview", 20), Item("city", 9, Expansion.CRITICAL_CITIES)]
    for text, fragment in (("overview none", "第 1 行"), ("overview none 30\ncity each_city 十", "第 2 行"),
                           ("overview sideways 30", "未知的展开方式 'sideways'")):
        with pytest.raises(PlaylistError, match=fragment):
            parse_items(text)


def test_editor_access_and_round_trip(world: World) -> None:
    app = wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))
    root = DashClient(app).login("root", PASSWORD)
    status, body = DashClient(app, kiosk_token=kiosk_token(world)).page("/walls")
    assert status == 403  # a wall: read-only
    status, body = DashClient(app).login("cs_oncall", PASSWORD).page("/walls")
    assert status == 403  # no manage_kiosk
    status, body = root.page("/walls")
    assert status == 200 and "暂无轮播" in body and "walls-items" in body

    bad = _act(root, "walls-save.n_clicks", select="", name="省中心", scope="430000",
               items="overview none 30\ncity none 3")
    assert bad["walls-msg.className"].endswith("msg-error") and "第 2 项" in str(bad[ACT])
    with world.sessions() as s:
        assert list_playlists(s) == []  # nothing half-written
    ok = _act(root, "walls-save.n_clicks", select="", name="省中心", scope="430000",
              items="overview none 30\ncity each_city 10")
    assert ok[ACT] == "已保存大屏轮播 省中心" and ok["walls-select.value"] == "省中心"
    ok = _act(root, "walls-save.n_clicks", select="省中心", name="一号厅", scope="430000",
              items="city critical_cities 15\noverview none 20")
    assert ok[ACT] == "已保存大屏轮播 一号厅"
    with world.sessions() as s:
        (p,) = list_playlists(s)
    assert p.name == "一号厅" and p.items == (Item("city", 15, Expansion.CRITICAL_CITIES), Item("overview", 20))

    issued = _act(root, "walls-issue.n_clicks", select="一号厅")
    url = str(issued[ACT])
    assert "只显示这一次" in url and "/?kiosk=" in url
    token = url.split("kiosk=")[1]
    with world.sessions() as s:
        assert resolve_token(s, token) is not None
    again = _act(root, "walls-issue.n_clicks", select="一号厅")
    assert "已有有效的大屏地址" in str(again[ACT])
    assert "已吊销" in str(_act(root, "walls-revoke.n_clicks", select="一号厅")[ACT])
    with world.sessions() as s:
        assert resolve_token(s, token) is None

    # A city admin: its own city's room only.
    cs = DashClient(app).login("cs_admin", PASSWORD)
    status, body = cs.page("/walls")
    assert status == 200 and "一号厅" not in body
    status, _ = cs.call("..walls-msg.children", {"walls-save.n_clicks": 1, "walls-select.value": "",
                                                  "walls-name.value": "x", "walls-scope.value": "430000",
                                                  "walls-items.value": "overview none 30"}, "walls-save.n_clicks")
    assert status == 403  # the province's scope, named in the callback's input: refused by the guard
    ok = _act(cs, "walls-save.n_clicks", select="", name="长沙厅", scope="430100", items="city each_city 12")
    assert ok[ACT] == "已保存大屏轮播 长沙厅"
    denied = _act(cs, "walls-delete.submit_n_clicks", select="一号厅")
    assert denied["walls-msg.className"].endswith("msg-error")

    assert _act(root, "walls-delete.submit_n_clicks", select="一号厅")[ACT] == "已删除大屏轮播 一号厅"
    with world.sessions() as s:
        assert [p.name for p in list_playlists(s)] == ["长沙厅"]
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "wall_playlist")))
    assert {"wall.create", "wall.rename", "wall.update", "wall.kiosk_issue", "wall.kiosk_revoke",
            "wall.delete"} <= actions


def test_a_seeded_default_is_marked_editable_and_not_deletable(world: World) -> None:
    with transaction(world.sessions) as s:
        seed_defaults(s, ["430000", "430100"], 30, NOW)
    app = wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))
    root = DashClient(app).login("root", PASSWORD)
    status, body = root.page("/walls")
    assert status == 200 and "全省大屏默认轮播（默认）" in body and "长沙市大屏默认轮播（默认）" in body
    ok = _act(root, "walls-save.n_clicks", select="全省大屏默认轮播", name="全省大屏默认轮播", scope="430000",
              items="services none 20\ncity each_city 10")
    assert ok[ACT] == "已保存大屏轮播 全省大屏默认轮播"
    refused = _act(root, "walls-delete.submit_n_clicks", select="全省大屏默认轮播")
    assert refused["walls-msg.className"].endswith("msg-error") and "不能删除" in str(refused[ACT])
    with world.sessions() as s:
        defaults = {p.name: p.items for p in list_playlists(s) if p.default}
        assert rotation(s, None, "430000", 30)[0] == ("/services", 20)  # an unbound wall plays the edit
    assert defaults["全省大屏默认轮播"] == (Item("services", 20), Item("city", 10, Expansion.EACH_CITY))
    assert set(defaults) == {"全省大屏默认轮播", "长沙市大屏默认轮播"}
