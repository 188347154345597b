"""The pure half of region scope: scope levels, ``covers`` over owners (province, city, county), people as
owners, and the judgement over an access declaration (security/scope.py, security/access.py)."""

from __future__ import annotations

import pytest

from core.i18n.security import S
from db.models_security import Role
from security.access import SHELL, Access, Kind, codes_in, dependency_values, home_path, refusal
from security.auth import Action, Principal
from security.scope import PROVINCE, Owner, ScopeLevel, can_see, covers, level_of

CHANGSHA, FURONG, LIUYANG, ZHUZHOU, LUSONG = "430100", "430102", "430181", "430200", "430203"
OWNERS = {"changsha": Owner(CHANGSHA, CHANGSHA), "furong": Owner(CHANGSHA, FURONG),
          "zhuzhou": Owner(ZHUZHOU, ZHUZHOU), "lusong": Owner(ZHUZHOU, LUSONG), "province": PROVINCE}


def test_levels() -> None:
    assert level_of("430000") is ScopeLevel.PROVINCE
    assert level_of(CHANGSHA) is ScopeLevel.CITY and level_of(LIUYANG) is ScopeLevel.COUNTY
    assert Owner.of_scope(LIUYANG) == Owner(CHANGSHA, LIUYANG) and Owner.of_scope(CHANGSHA) == Owner.of_city(CHANGSHA)


@pytest.mark.parametrize(("scope", "sees"), [
    ("430000", {"changsha", "furong", "zhuzhou", "lusong", "province"}),
    (CHANGSHA, {"changsha", "furong"}),  # a city: itself and its counties
    (FURONG, {"furong"}),  # a county: only what is filed under it, not its city's own objects
    (ZHUZHOU, {"zhuzhou", "lusong"}),
])
def test_covers_judges_by_node_and_city(scope: str, sees: set[str]) -> None:
    assert {k for k, owner in OWNERS.items() if covers(scope, owner)} == sees
    assert covers("430000", None) and not covers(CHANGSHA, None) and not covers(FURONG, None)  # unknown: deny


def test_can_see_by_city_keeps_its_meaning() -> None:
    assert can_see("430000", ZHUZHOU) and can_see(CHANGSHA, CHANGSHA) and not can_see(CHANGSHA, ZHUZHOU)
    assert not can_see(FURONG, CHANGSHA)  # a county scope does not see objects known only by their city


def _owner(kind: Kind, code: str) -> Owner | None:
    table = {(Kind.DIVISION, CHANGSHA): OWNERS["changsha"], (Kind.DIVISION, ZHUZHOU): OWNERS["zhuzhou"],
             (Kind.SITE, "C0100"): OWNERS["changsha"], (Kind.SITE, "X0102"): OWNERS["furong"],
             (Kind.SITE, "C0200"): OWNERS["zhuzhou"], (Kind.HOST, "vm"): PROVINCE}
    return table.get((kind, code))


CS_ONCALL = Principal(actor="cs", scope_code=CHANGSHA, role=Role.ONCALL)
FURONG_ONCALL = Principal(actor="fr", scope_code=FURONG, role=Role.ONCALL)
CS_WALL = Principal.of_kiosk("长沙大屏", CHANGSHA)
PROVINCE_WALL = Principal.of_kiosk("省大屏", "430000")
SITE_PAGE = Access(params={"code": Kind.SITE}, inputs={"site-code.data": Kind.SITE})


@pytest.mark.parametrize(("who", "access", "codes", "why"), [
    (CS_ONCALL, SITE_PAGE, [(Kind.SITE, "C0100")], None),
    (CS_ONCALL, SITE_PAGE, [(Kind.SITE, "X0102")], None),  # a county's site belongs to its city
    (CS_ONCALL, SITE_PAGE, [(Kind.SITE, "C0200")], S.FORBIDDEN_SCOPE),
    (CS_ONCALL, SITE_PAGE, [(Kind.SITE, "nowhere")], S.FORBIDDEN_SCOPE),  # unknown: as refused as another's
    (CS_ONCALL, SITE_PAGE, [(Kind.SITE, "C0100"), (Kind.HOST, "vm")], S.FORBIDDEN_SCOPE),  # every code counts
    (CS_ONCALL, SITE_PAGE, [(Kind.SITE, {"code": "C0100"})], S.BAD_CODE),
    (CS_ONCALL, SITE_PAGE, [(Kind.DIVISION, True)], S.BAD_CODE),
    (FURONG_ONCALL, SITE_PAGE, [(Kind.SITE, "X0102")], None),
    (FURONG_ONCALL, SITE_PAGE, [(Kind.SITE, "C0100")], S.FORBIDDEN_SCOPE),
    (CS_WALL, Access(province_only=True), [], S.FORBIDDEN_SCOPE),
    (PROVINCE_WALL, Access(province_only=True), [(Kind.SITE, "C0200")], None),
    (CS_WALL, Access(action=Action.VIEW_AUDIT), [], S.KIOSK_READ_ONLY),
    (CS_ONCALL, Access(action=Action.VIEW_AUDIT), [], S.FORBIDDEN.format(what="查看审计日志")),
    (CS_ONCALL, None, [], S.UNDECLARED),  # undeclared: refused to everyone
    (PROVINCE_WALL, None, [], S.UNDECLARED),
    (None, SITE_PAGE, [(Kind.SITE, "C0200")], None),  # anonymous: only with login off, the province
])
def test_refusal(who: Principal | None, access: Access | None, codes: list[tuple[Kind, object]],
                 why: str | None) -> None:
    assert refusal(who, access, codes, _owner) == why
    if why is not None:
        assert "430200" not in why and "C0200" not in why  # a refusal names nothing of another region


def test_codes_in_takes_declared_names_apart() -> None:
    declared = {"site-code.data": Kind.SITE, "city-code.data": Kind.DIVISION}
    got = list(codes_in([("site-code.data", ["C0100", None, "", "C0200"]), ("other.value", "C0200"),
                         ("city-code.data", 430200), ("city-code.data", None)], declared))
    assert got == [(Kind.SITE, "C0100"), (Kind.SITE, "C0200"), (Kind.DIVISION, 430200)]
    assert refusal(CS_ONCALL, SITE_PAGE, [(Kind.DIVISION, 430200)], lambda k, c: OWNERS["zhuzhou"]) \
        == S.FORBIDDEN_SCOPE  # numbers are codes too
    assert refusal(CS_ONCALL, SHELL, [], _owner) is None


def test_home_path() -> None:
    assert home_path(None) == "/" and home_path(PROVINCE_WALL) == "/" and home_path(CS_WALL) == f"/city/{CHANGSHA}"


DEPS = ["city-tick.n_intervals", '{"id":["ALL"],"type":"oncall-remove"}.n_clicks', "city-code.data"]


def _dep(ident: object, prop: str, value: object) -> dict[str, object]:
    return {"id": ident, "property": prop, "value": value}


def test_dependency_values_name_values_by_position() -> None:
    remove = [_dep({"type": "oncall-remove", "id": 7}, "n_clicks", 1)]
    good = [_dep("city-tick", "n_intervals", 1), remove, _dep("city-code", "data", "430200")]
    assert dependency_values(good, DEPS) == [("city-tick.n_intervals", 1), ("city-code.data", "430200")]
    assert dependency_values([good[0], [], good[2]], DEPS) is not None  # a pattern matching no component
    for bad in ([good[0], remove, _dep("city-other", "data", "430200")],  # renamed
                [good[2], remove, good[0]],  # swapped
                [good[0], remove],  # dropped
                [*good, good[2]],  # added
                [good[0], [_dep({"type": "alerts-row", "id": 7}, "n_clicks", 1)], good[2]],  # another pattern
                [good[0], [_dep({"type": "oncall-remove", "id": 7, "x": 1}, "n_clicks", 1)], good[2]],
                [good[0], good[2], good[2]],  # a plain input where a pattern is declared
                [good[0], remove, [good[2]]]):  # a list where a plain input is declared
        assert dependency_values(bad, DEPS) is None, bad
