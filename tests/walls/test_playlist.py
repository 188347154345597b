"""The pure part of playlists: validation of an item, and (playlist, scope, open critical cities) →
ordered (path, dwell)."""

from __future__ import annotations

import pytest

from walls.playlist import (
    DWELL_MAX,
    DWELL_MIN,
    Expansion,
    Item,
    PlaylistError,
    builtin_rotation,
    expand,
    validate,
)

CITIES = ["430100", "430200", "430300", "433100"]
P = "430000"
E = Expansion

CASES = [
    # (items, scope, open critical cities, expected)
    ([Item("overview", 30)], P, set(), [("/", 30)]),
    ([Item("overview", 20), Item("city", 10, E.EACH_CITY)], P, set(),
     [("/", 20), ("/city/430100", 10), ("/city/430200", 10), ("/city/430300", 10), ("/city/433100", 10)]),
    # critical cities in map order, not in the order the alerts came
    ([Item("city", 15, E.CRITICAL_CITIES)], P, {"433100", "430200"}, [("/city/430200", 15), ("/city/433100", 15)]),
    # none critical: the item yields nothing and the wall moves on
    ([Item("overview", 30), Item("city", 15, E.CRITICAL_CITIES), Item("hosts", 40)], P, set(),
     [("/", 30), ("/hosts", 40)]),
    # a city outside the known cities counts for nothing
    ([Item("city", 15, E.CRITICAL_CITIES)], P, {"439900"}, []),
    ([Item("city", 25, city="430300")], P, set(), [("/city/430300", 25)]),
    # a city's room: "each city" is its own city; critical only when its own alert is open
    ([Item("city", 12, E.EACH_CITY)], "430200", set(), [("/city/430200", 12)]),
    ([Item("city", 12, E.CRITICAL_CITIES)], "430200", {"430100"}, []),
    ([Item("city", 12, E.CRITICAL_CITIES)], "430200", {"430200"}, [("/city/430200", 12)]),
    # an item that no longer validates (a view removed, a province view in a city room) is skipped
    ([Item("gone", 30), Item("overview", 30), Item("city", 9, city="430200")], "430200", set(),
     [("/city/430200", 9)]),
    ([], P, set(), []),
]


@pytest.mark.parametrize(("items", "scope", "critical", "expected"), CASES)
def test_expand(items: list[Item], scope: str, critical: set[str], expected: list[tuple[str, int]]) -> None:
    assert expand(items, scope, CITIES, critical) == expected


BAD = [
    (Item("nope", 30), P, "未知的页面 'nope'"),
    (Item("overview", DWELL_MIN - 1), P, f"停留时间 {DWELL_MIN - 1} 秒"),
    (Item("overview", DWELL_MAX + 1), P, "停留时间"),
    (Item("overview", True), P, "停留时间"),  # type: ignore[arg-type]
    (Item("overview", 30, "sideways"), P, "未知的展开方式 'sideways'"),  # type: ignore[arg-type]
    (Item("overview", 30, E.EACH_CITY), P, "没有市州版本"),
    (Item("city", 30), P, "须指定市州编码"),
    (Item("city", 30, E.EACH_CITY, city="430100"), P, "不应再指定市州编码"),
    (Item("city", 30, city="430900"), P, "不在轮播范围 430000 内"),  # not one of CITIES
    (Item("city", 30, city="430100"), "430200", "不在轮播范围 430200 内"),
    (Item("overview", 30), "430200", "只属于全省大屏"),
]


@pytest.mark.parametrize(("item", "scope", "message"), BAD)
def test_validate_names_the_item_and_the_problem(item: Item, scope: str, message: str) -> None:
    with pytest.raises(PlaylistError) as got:
        validate("省中心", [Item("city", 30, E.EACH_CITY), item], scope, CITIES)
    assert str(got.value).startswith("第 2 项：") and message in str(got.value), str(got.value)


def test_validate_refuses_an_empty_playlist() -> None:
    with pytest.raises(PlaylistError, match="至少需要一项"):
        validate("空", [], P, CITIES)


def test_builtin_rotation_is_todays_behaviour() -> None:
    assert builtin_rotation(P, CITIES, 30) == [("/", 30), *((f"/city/{c}", 30) for c in CITIES)]
    assert builtin_rotation(P, CITIES, 1) == [("/", 1), *((f"/city/{c}", 1) for c in CITIES)]  # not bounded
    assert builtin_rotation(P, CITIES, 0) == [("/", DWELL_MAX)]  # no rotation: stays on the overview
    assert builtin_rotation("430200", CITIES, 0) == [("/city/430200", DWELL_MIN)]
