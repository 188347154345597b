"""The Check family's declarations: what the catalog refuses, and what the scheduler, the screens and the
veto verdict derive from them (no check name written outside its own file)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, ClassVar

import pytest

from core.plugins import PluginError
from inspection.base import CHECKS, AccountTarget, CheckResult, SiteTarget, VetoFeed
from inspection.catalog import CHECK_LABEL, check_groups, check_label, load_checks, screen_order, veto_feeds
from inspection.rules import VetoRules
from inspection.veto import BREACHED, OK, UNKNOWN, judge_site
from tests.inspection.support import draft

REAL = load_checks()


class _Decl:
    name: ClassVar[str] = "t_new"
    label_zh: ClassVar[str] = "测试新检查"
    group: ClassVar[str] = "t_newgroup"
    order: ClassVar[int] = 50
    targets: ClassVar[tuple[str, ...]] = ("site",)
    veto: ClassVar[tuple[VetoFeed, ...]] = ()
    interval: ClassVar[float] = 60.0
    Settings: ClassVar[Any] = None
    kinds: ClassVar[tuple[str, ...]] = ("thing",)
    evidence_keys: ClassVar[tuple[str, ...]] = ()

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        return CheckResult(self.name, target.code, as_of)


@pytest.fixture
def registered() -> Iterator[Any]:
    """Register a check class for one test (under its ``name``) and take it out afterwards."""
    added: list[str] = []

    def add(kind: type, name: str | None = None) -> type:
        key = name or kind.name  # type: ignore[attr-defined]
        CHECKS.register(key)(kind)
        added.append(key)
        return kind

    try:
        yield add
    finally:
        for key in added:
            CHECKS._kinds.pop(key, None)


def test_every_shipped_check_declares_a_group_a_label_and_its_targets() -> None:
    groups = check_groups()
    assert sorted(c for cs in groups.values() for c in cs) == sorted(REAL)
    assert all(CHECKS.get(n).targets == ("site",) for n in REAL)  # only sites are inspected today
    assert list(CHECK_LABEL) == screen_order() and set(CHECK_LABEL) == set(REAL)
    assert check_label("availability") == CHECKS.get("availability").label_zh == "首页可用性"
    assert check_label("removed_since") == "removed_since"  # a stored finding of a check gone since


def test_a_new_check_is_scheduled_by_its_declared_group(registered: Any) -> None:
    from collectors.kinds.inspection import group_kinds

    registered(type("NewCheck", (_Decl,), {}))
    groups = check_groups()
    assert groups["t_newgroup"] == ("t_new",)
    kinds = group_kinds(groups)
    new = kinds["inspection_t_newgroup"]
    assert new.checks == ("t_new",) and new.label_zh == "测试新检查巡检"  # type: ignore[attr-defined]
    assert set(kinds) >= {"inspection_availability", "inspection_columns", "inspection_defacement"}


@pytest.mark.parametrize(("change", "says"), [
    ({"group": None}, "group (its schedule group) is missing"),
    ({"group": "Bad Group"}, "group (its schedule group) is missing or not lower_snake_case"),
    ({"label_zh": "no chinese"}, "label_zh must be its Chinese name"),
    ({"order": None}, "order"),
    ({"targets": ("site", "wechat")}, "targets must name target kinds among site, account"),
    ({"targets": ()}, "targets must name target kinds"),
    ({"veto": (VetoFeed("serious_errors", holds=("other_kind",)),)}, "kinds other_kind are not among"),
    ({"veto": (VetoFeed("no_such_item", holds=("thing",)),)}, "'no_such_item' is not one the veto logic judges"),
    ({"veto": (VetoFeed("serious_errors", holds=()),)}, "no finding kind holds it"),
    ({"veto": ("serious_errors",)}, "veto must be a tuple of VetoFeed"),
])
def test_a_check_with_a_wrong_declaration_stops_start_up(registered: Any, change: dict[str, Any], says: str) -> None:
    registered(type("BadCheck", (_Decl,), change))
    with pytest.raises(PluginError, match="check 't_new': ") as err:
        load_checks()
    assert says in str(err.value)
    with pytest.raises(PluginError):  # the scheduler reads the groups through the same gate
        check_groups()


def test_a_check_without_a_group_at_all_stops_start_up(registered: Any) -> None:
    kind = type("NoGroup", (), {k: v for k, v in vars(_Decl).items() if not k.startswith("__") and k != "group"})
    registered(kind)
    with pytest.raises(PluginError, match="group"):
        check_groups()


def test_a_name_registered_twice_or_misnamed_or_a_shared_label_stops_start_up(registered: Any) -> None:
    first = registered(type("First", (_Decl,), {}))
    with pytest.raises(PluginError, match="registered twice"):
        CHECKS.register("t_new")(type("Second", (_Decl,), {}))
    assert CHECKS.get("t_new") is first
    registered(type("Misnamed", (_Decl,), {"label_zh": "测试改名"}), name="t_other")
    with pytest.raises(PluginError, match="name 't_new' differs from its registered name"):
        load_checks()
    CHECKS._kinds.pop("t_other")
    registered(type("SameLabel", (_Decl,), {"name": "t_same", "label_zh": "首页可用性"}))
    with pytest.raises(PluginError, match="share the label '首页可用性'"):
        load_checks()


def test_targets_are_a_union_of_sites_and_accounts() -> None:
    site = SiteTarget("S1", "某网站", "https://a.example.gov.cn/", "county", "430102", "430100")
    account = AccountTarget("weibo:123", "某政务微博", "weibo", "123", "430102", "430100")
    assert (site.kind, account.kind) == ("site", "account")
    from inspection.runner import InspectionRunner

    assert InspectionRunner.reads("availability", site) and not InspectionRunner.reads("availability", account)


def _f(check: str, kind: str, **kw: Any) -> Any:
    return draft(kind, f"https://a.example.gov.cn/{kind}", check=check, **kw)


def test_the_veto_verdict_reads_what_checks_declare_not_their_names() -> None:
    feeds = veto_feeds()
    assert {c for c, _ in feeds["serious_errors"]} == {"content_errors", "defacement", "page_tampering"}
    assert [c for c, _ in feeds["unreachable"]] == ["availability"]
    rules, day = VetoRules(), date(2026, 11, 27)
    hidden = _f("defacement", "hidden_link", veto=True)

    def item(verdict: Any, code: str) -> str:
        return next(i.status for i in verdict.items if i.item_code == code)

    assert item(judge_site("S", [hidden], rules, day), "serious_errors") == BREACHED
    # the same finding under a check that declares nothing for the item does not count
    assert item(judge_site("S", [_f("t_elsewhere", "hidden_link", veto=True)], rules, day), "serious_errors") == OK
    # a new check declaring the item feeds it, without a word changed in inspection/veto.py
    mine = {**feeds, "serious_errors": (*feeds["serious_errors"], ("t_new", VetoFeed("serious_errors", ("thing",))))}
    new = _f("t_new", "thing", veto=True)
    assert item(judge_site("S", [new], rules, day, feeds=mine), "serious_errors") == BREACHED
    # an item whose declaring checks have not run successfully is unknown; one no check feeds is too
    assert item(judge_site("S", [], rules, day, judged_checks={"availability"}), "serious_errors") == UNKNOWN
    without = {k: v for k, v in feeds.items() if k != "poor_interaction"}
    assert item(judge_site("S", [], rules, day, feeds=without), "poor_interaction") == UNKNOWN
    assert item(judge_site("S", [], rules, day), "poor_interaction") == OK
