"""Issue 9 item 12 (scope): province, city and county scopes for users and kiosk walls. A county sees
only its own county's objects; the city's walls, other counties and the province are refused to it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

import app as app_module
from db.models_security import Role
from db.session import transaction
from security.auth import Action, PermissionDenied, Principal, can, require
from security.scope import (
    PROVINCE_CODE,
    ScopeLevel,
    can_see,
    city_of,
    node_filter,
    scope_filter,
    scope_level,
)
from security.users import create_user
from tests.dashboard.world import NOW, World, build_world, kiosk_token
from tests.support.web import Browser, serve

FURONG, YUELU, CHANGSHA, ZHUZHOU, YUHU = "430102", "430104", "430100", "430200", "430302"


def test_levels_and_cities_from_the_code() -> None:
    assert [scope_level(c) for c in (PROVINCE_CODE, CHANGSHA, FURONG)] == [ScopeLevel.PROVINCE, ScopeLevel.CITY,
                                                                            ScopeLevel.COUNTY]
    assert [city_of(c) for c in (PROVINCE_CODE, CHANGSHA, FURONG, "433124")] == [PROVINCE_CODE, CHANGSHA, CHANGSHA,
                                                                                 "433100"]
    for bad in ("", "4301", "43010x", "4301000", None):
        with pytest.raises(ValueError):
            scope_level(bad)  # type: ignore[arg-type]


# (scope, object's city, object's node) -> visible
MATRIX = [
    (PROVINCE_CODE, ZHUZHOU, None, True), (PROVINCE_CODE, PROVINCE_CODE, None, True),
    (CHANGSHA, CHANGSHA, None, True), (CHANGSHA, CHANGSHA, FURONG, True), (CHANGSHA, ZHUZHOU, None, False),
    (CHANGSHA, PROVINCE_CODE, None, False), (CHANGSHA, FURONG, None, True),  # a Furong object (silence, shift)
    (FURONG, CHANGSHA, FURONG, True),  # a Furong site's alert: city 430100, node 430102
    (FURONG, CHANGSHA, None, False),  # the city's own objects are not the county's
    (FURONG, CHANGSHA, CHANGSHA, False), (FURONG, CHANGSHA, YUELU, False), (FURONG, ZHUZHOU, FURONG, False),
    (FURONG, PROVINCE_CODE, None, False), (FURONG, FURONG, None, True), (FURONG, YUELU, None, False),
    ("", CHANGSHA, None, False), ("junk", PROVINCE_CODE, None, False),
]


@pytest.mark.parametrize(("scope", "city", "node", "visible"), MATRIX)
def test_who_sees_what(scope: str, city: str, node: str | None, visible: bool) -> None:
    assert can_see(scope, city, node) is visible


def test_filters_deny_a_county_by_default() -> None:
    assert scope_filter(PROVINCE_CODE) is None and scope_filter(CHANGSHA) == CHANGSHA
    assert scope_filter(FURONG) == FURONG  # no city_code equals it: city-keyed queries show a county nothing
    assert [node_filter(c) for c in (PROVINCE_CODE, CHANGSHA, FURONG, "junk")] == [None, None, FURONG, None]


def test_a_county_principal_may_act_only_in_its_county() -> None:
    wall, officer = Principal.of_kiosk("芙蓉区大屏", FURONG), Principal(actor="fr", scope_code=FURONG, role=Role.ONCALL)
    assert can(officer, Action.ACK, FURONG) and not can(wall, Action.ACK, FURONG)
    for p in (wall, officer):
        with pytest.raises(PermissionDenied, match=r"^无权查看其他地区的数据$"):
            require(p, Action.VIEW, CHANGSHA)
        with pytest.raises(PermissionDenied):
            require(p, Action.VIEW, PROVINCE_CODE)


def test_users_and_walls_may_be_scoped_to_a_county(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "govops.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "g.db"}"\n', encoding="utf-8")

    def run(*argv: str, stdin: str = "") -> tuple[int, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = app_module.main(["--config", str(cfg), *argv])
        return code, capsys.readouterr().out

    assert run("users", "add", "--username", "fr", "--role", "oncall", "--scope", FURONG, "--password-stdin",
               stdin="fr-password\n") == (0, "已创建用户 fr（值班员，范围 430102）\n")
    code, out = run("users", "add", "--username", "fr-admin", "--role", "city_admin", "--scope", FURONG,
                    "--password-stdin", stdin="fr-password\n")
    assert code != 0 and "而不是区县 430102" in out
    assert run("users", "set-role", "fr", "--role", "manager", "--scope", YUELU)[0] == 0
    code, out = run("kiosk", "create", "芙蓉区大屏", "--scope", FURONG)
    assert code == 0 and "范围 430102" in out
    code, out = run("users", "list")
    assert "fr\tfr\t领导（只读）\t430104" in out


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build_world(tmp_path)
    with transaction(w.sessions) as s:
        create_user(s, "fr", "fr-password", Role.ONCALL, FURONG, actor="test", now=NOW)
    try:
        yield w
    finally:
        w.store.close()


ROUTING = {"output": ".._pages_content.children..._pages_store.data..",
           "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
           "changedPropIds": ["_pages_location.pathname"], "state": []}


def _route(b: Browser, path: str) -> int:
    body = {**ROUTING, "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                                  {"id": "_pages_location", "property": "search", "value": ""}]}
    return b.dash_callback(body).status


def test_a_county_user_and_wall_are_refused_the_city_and_the_province(world: World) -> None:
    token = kiosk_token(world, FURONG, name="芙蓉区大屏")
    with serve(world) as base:
        officer = Browser(base)
        assert officer.login("fr", "fr-password", "/alerts").status == 302
        wall = Browser(base)
        assert wall.get(f"/alerts?kiosk={token}").status == 302
        for b in (officer, wall):
            r = b.get("/")
            assert r.status == 302 and r.location != "/"  # never the province overview
            for path in ("/city/430100", "/city/430200", "/city/430104", "/hosts", "/host/web-01", "/site/C0100",
                         "/site/X0302", "/site/P0001"):
                r = b.get(path)
                assert r.status == 403 and "无权查看其他地区的数据" in r.body, (path, r.status)
            assert b.get("/alerts").status == 200  # the CSRF cookie for the callbacks below
            for path in ("/", "/city/430100", "/hosts", "/site/C0100"):
                assert _route(b, path) == 403, path
