"""The per-vantage verdict: down from everywhere, a path problem of some vantages, fine, or too few. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from federation.vantage import VantageProbe, Verdict, judge

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
STALE = timedelta(seconds=120)


def p(name: str, up: bool | None, age_s: float = 30.0) -> VantageProbe:
    return VantageProbe(name, name, up, 120.0 if up else None, NOW - timedelta(seconds=age_s))


def test_down_from_every_fresh_vantage() -> None:
    v = judge([p("省级节点", False), p("长沙市", False)], NOW, STALE)
    assert (v.verdict, v.fresh, v.failing) == (Verdict.ALL_DOWN, 2, ("省级节点", "长沙市"))


def test_down_from_one_city_only_is_a_path_problem() -> None:
    v = judge([p("省级节点", True), p("长沙市", False), p("株洲市", True)], NOW, STALE)
    assert (v.verdict, v.fresh, v.failing) == (Verdict.PATH, 3, ("长沙市",))


def test_all_fine() -> None:
    assert judge([p("省级节点", True), p("长沙市", True)], NOW, STALE).verdict is Verdict.ALL_UP


def test_no_verdict_before_two_fresh_vantages() -> None:
    # A stale vantage (older than the limit) and one without a result do not count.
    v = judge([p("省级节点", False), p("长沙市", True, age_s=121), p("株洲市", None)], NOW, STALE)
    assert (v.verdict, v.fresh) == (Verdict.TOO_FEW, 1)
    assert judge([], NOW, STALE) == judge([], NOW, STALE) and judge([], NOW, STALE).fresh == 0
    # Exactly at the limit still counts as fresh.
    assert judge([p("a", False), p("b", False, age_s=120)], NOW, STALE).verdict is Verdict.ALL_DOWN
