"""Scoring from facts (spec §1, §3, §4, §5): deductions, caps, one penalty per problem, the 4/3 rule,
bonus strictly above 80, the grade, new media; every number with its source."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from inspection.facts import FactsError
from inspection.rules import VetoRules
from inspection.scoring import score, to_dict
from tests.inspection.scoring_support import AS_OF, TABLE, ago, cols, facts, manual, run, table


def _dept(services: bool) -> Any:
    def change(doc: dict[str, Any]) -> None:
        doc["site"] = {"type": "department", "external_services": services}
    return change


def _both(*changes: Any) -> Any:
    def change(doc: dict[str, Any]) -> None:
        for c in changes:
            c(doc)
    return change


def test_clean_site_scores_full_marks() -> None:
    r = run()
    assert (r.grade, r.passed, r.score, r.deduction_total, r.bonus_total) == ("pass", True, 100, 0, 0)
    assert r.indicator_version == "2026.2" and not r.vetoes


@pytest.mark.parametrize(("entries", "total", "part", "grade"), [
    ([("policy_files", 10), ("news", 6), ("search", 4), ("links", 4), ("identity", 3), ("ipv6", 2),
      ("correction", 2), ("forms", 6), ("surveys", 3)], 40, 60, "pass"),  # exactly 60: 合格
    ([("policy_files", 10), ("news", 6), ("search", 4), ("links", 4), ("identity", 3), ("ipv6", 2),
      ("correction", 2), ("forms", 6), ("surveys", 3.1)], Fraction("40.1"), Fraction("59.9"), "fail"),
    ([("search", 3), ("search", 3)], 4, 96, "pass"),  # capped at the indicator's 4 points
    ([("links", 0.1)] * 30, 3, 97, "pass"),  # 30 × 0.1 is exactly 3
])
def test_deductions_caps_and_pass_mark(entries: list[tuple[str, float]], total: Any, part: Any, grade: str) -> None:
    r = run(manual(*entries))
    assert (r.deduction_total, r.deduction_part, r.grade) == (total, part, grade)


def test_cap_marks_the_line_that_overflows() -> None:
    r = run(manual(("search", 3), ("search", 3)))
    search = next(i for i in r.indicators if i.code == "search")
    assert [(ln.charged, ln.status, ln.source) for ln in search.lines] == [
        (3, "charged", "deductions[0]"), (1, "capped", "deductions[1]")]


def test_a_problem_is_penalised_once() -> None:
    change = manual(("search", 2, "搜索框失效"), ("correction", 2, "搜索框失效"), ("ipv6", 1))
    r = run(change)
    assert r.deduction_total == 3
    dup = next(i for i in r.indicators if i.code == "correction").lines[0]
    assert (dup.status, dup.charged, dup.duplicate_of) == ("duplicate", 0, "搜索")
    # the rule is configurable: off, both count
    off = table(lambda d: d["scoring"].update(dedup_problems={"value": False, "provisional": True}))
    assert score(facts(change), off, VetoRules(), AS_OF).deduction_total == 5


def test_automatic_deduction_and_manual_same_problem() -> None:
    # the stale first-level policy column is deducted automatically; a manual entry naming it is not charged again
    change = _both(lambda d: d["columns"].extend(cols("policy", 1, ago(184))),
                   manual(("interpretation", 3, "column:policy0")))
    r = run(change)
    assert r.deduction_total == 5


@pytest.mark.parametrize(("change", "indicator", "deducted", "source"), [
    (lambda d: d["columns"].extend(cols("policy", 1, ago(184))), "policy_files", 5, "columns[3]"),
    (lambda d: d["columns"].extend(cols("policy", 1, ago(183))), "policy_files", 0, None),
    (lambda d: d["columns"].extend(cols("policy", 1, None)), "policy_files", 5, "columns[3]"),  # blank too
    (lambda d: d["columns"].extend(cols("policy", 1, ago(300), first_level=False)), "policy_files", 0, None),
    (lambda d: d["columns"].extend(cols("policy", 3, ago(200))), "policy_files", 10, "columns[3]"),  # cap 10
    (lambda d: d.update(service_statistics_newest=ago(91)), "service_statistics", 2, "service_statistics_newest"),
    (lambda d: d.update(service_statistics_newest=ago(90)), "service_statistics", 0, None),
    (lambda d: d.update(service_statistics_newest=None), "service_statistics", 2, "service_statistics_newest"),
    (lambda d: d.update(messages=[{"asked": ago(70), "answered": ago(61)}]), "messages", 3, "messages"),
    (lambda d: d.update(messages=[{"asked": ago(70), "answered": ago(60)}]), "messages", 0, None),
    (lambda d: d.update(messages=[{"asked": ago(30), "answered": None}]), "messages", 3, "messages"),
    (lambda d: d.update(messages=[]), "messages", 0, None),  # nothing to answer: not judged
    (lambda d: d.update(dead_links={"homepage": 2, "other": 7}), "links", Fraction("2.7"), "dead_links.homepage"),
    (lambda d: d.update(dead_links={"homepage": 9, "other": 0}), "links", 4, "dead_links.homepage"),
])
def test_automatic_deductions(change: Any, indicator: str, deducted: Any, source: str | None) -> None:
    r = run(change)
    ind = next(i for i in r.indicators if i.code == indicator)
    assert ind.deducted == deducted
    assert (ind.lines[0].source if ind.lines else None) == source


@pytest.mark.parametrize(("site", "entries", "part", "grade"), [
    # departments without external services: out of 75, × 4/3
    (_dept(False), [], 100, "pass"),
    (_dept(False), [("policy_files", 10), ("news", 5)], 80, "pass"),  # (75 − 15) × 4/3 = 80
    (_dept(False), [("policy_files", 10), ("news", 6), ("messages", 12), ("links", 2)], 60, "pass"),  # 45 × 4/3
    (_dept(False), [("policy_files", 10), ("news", 6), ("messages", 12), ("links", 2.1)], Fraction("44.9") * 4 / 3,
     "fail"),  # 59.87
    (_dept(True), [("policy_files", 10), ("news", 5)], 85, "pass"),  # with services: out of 100
])
def test_department_rule(site: Any, entries: list[tuple[str, float]], part: Any, grade: str) -> None:
    r = run(_both(site, manual(*entries)))
    assert (r.deduction_part, r.grade) == (part, grade)


def test_department_without_services_skips_services_indicators() -> None:
    r = run(_both(_dept(False), lambda d: d.update(service_statistics_newest=ago(200))))
    stats = next(i for i in r.indicators if i.code == "service_statistics")
    assert not stats.assessed and stats.deducted == 0 and stats.lines[0].status == "not_assessed"
    assert r.deduction_max == 75 and r.scale == Fraction(4, 3) and r.score == 100
    with pytest.raises(FactsError) as exc:
        run(_both(_dept(False), manual(("forms", 2))))
    assert "deductions[0].indicator" in str(exc.value) and "不考核办事服务指标" in str(exc.value)


def _bonus(*entries: tuple[str, float]) -> Any:
    def change(doc: dict[str, Any]) -> None:
        doc["bonus"] = [{"item": i, "points": p, "note": "人工加分"} for i, p in entries]
    return change


@pytest.mark.parametrize(("deducted", "status", "bonus"), [
    (20, "not_above", 0),  # exactly 80: no bonus (strictly above)
    (Fraction("19.9"), "scored", 5),
    (0, "scored", 5),
])
def test_bonus_only_strictly_above_80(deducted: Any, status: str, bonus: int) -> None:
    points = [("policy_files", 10), ("news", 6)] + ([("search", float(deducted - 16))] if deducted else [])
    r = run(_both(manual(*points) if deducted else (lambda d: None), _bonus(("smart_qa", 5))))
    assert (r.deduction_part, r.bonus_status, r.bonus_total) == (100 - deducted, status, bonus)
    assert r.score == 100 - deducted + bonus


def test_bonus_caps_and_portals_only() -> None:
    r = run(_bonus(("innovation", 12), ("smart_qa", 3), ("smart_qa", 3)))
    assert [(ln.charged, ln.status) for ln in r.bonus_lines] == [(10, "capped"), (3, "charged"), (2, "capped")]
    assert r.bonus_total == 15 and r.score == 115
    # the total is capped at bonus_max
    small = table(lambda d: d["scoring"].update(bonus_max=12))
    assert run(_bonus(("innovation", 10), ("smart_qa", 5)), tab=small).bonus_total == 12
    with pytest.raises(FactsError, match=r"bonus\[0\]：加分项只适用于门户网站"):
        run(_both(_dept(True), _bonus(("smart_qa", 3))))
    with pytest.raises(FactsError, match=r"bonus\[0\]\.item：没有这个加分项 'nope'"):
        run(_bonus(("nope", 3)))


@pytest.mark.parametrize(("dates", "bonus"), [
    ([ago(d) for d in (1, 30, 60, 90, 120, 365)], 5),  # 6 activities in the past year
    ([ago(d) for d in (1, 30, 60, 90, 120, 366)], 0),  # the sixth is older than a year
    ([ago(d) for d in (1, 30, 60, 90, 120)], 0),
])
def test_survey_bonus(dates: list[str], bonus: int) -> None:
    r = run(lambda d: d["consultation_channels"].append({"kind": "survey", "activities": dates}))
    assert r.bonus_total == bonus
    if bonus:
        assert r.bonus_lines[0].source == "consultation_channels[1].activities"


def test_a_veto_scores_nothing_else() -> None:
    r = run(_both(lambda d: d.update(homepage_newest_item=ago(15)), manual(("search", 2)), _bonus(("smart_qa", 3))))
    assert (r.grade, r.passed, r.score, r.deduction_total, r.bonus_total) == ("fail", False, None, None, None)
    assert [v.item for v in r.vetoes] == ["homepage_stale"]


def test_insufficient_data_leaves_the_grade_open_unless_it_fails_anyway() -> None:
    short = lambda d: d.update(probes={"total": 100, "failed": 0})  # noqa: E731
    r = run(short)
    assert (r.grade, r.passed, r.score) == ("undetermined", None, 100)
    assert [v.item for v in r.undetermined] == ["unreachable"]
    low = run(_both(short, manual(("policy_files", 10), ("news", 6), ("messages", 12), ("forms", 6),
                                  ("service_guides", 7))))
    assert (low.grade, low.passed) == ("fail", False)


@pytest.mark.parametrize(("account", "passed", "vetoes", "not_judged"), [
    ({"last_post": ago(14), "comments_open": True}, True, [], ["unanswered"]),  # exactly 2 weeks: fine
    ({"last_post": ago(15), "comments_open": True}, False, ["no_update"], ["unanswered"]),
    ({"last_post": ago(1), "comments_open": False}, False, ["no_interaction"], ["unanswered"]),
    ({"last_post": ago(1), "comments_open": True, "unanswered_since": ago(91)}, False, ["unanswered"], []),
    ({"last_post": ago(1), "comments_open": True, "unanswered_since": ago(90)}, True, [], []),
    ({"last_post": ago(1), "comments_open": True, "unanswered_since": None}, True, [], []),
])
def test_new_media(account: dict[str, Any], passed: bool, vetoes: list[str], not_judged: list[str]) -> None:
    r = run(lambda d: d.update(new_media=[{"platform": "weibo", **account}]))
    m = r.new_media[0]
    assert (m.passed, [k for k, _ in m.vetoes], list(m.not_judged)) == (passed, vetoes, not_judged)
    assert r.grade == "pass"  # accounts are judged on their own, not in the site's grade


def test_json_form_traces_every_number() -> None:
    change = _both(lambda d: d["columns"].extend(cols("policy", 1, ago(200))), manual(("search", 1.5)),
                   lambda d: d.update(dead_links={"homepage": 1, "other": 3}), _bonus(("smart_qa", 2)))
    out = to_dict(run(change), TABLE)
    assert {"vetoes", "deduction_total", "bonus_total", "score", "grade", "passed", "new_media",
            "indicator_version", "indicators"} <= set(out)
    assert (out["deduction_total"], out["bonus_total"], out["score"], out["grade"]) == (7.8, 2, 94.2, "合格")
    lines = [ln for i in out["indicators"] for ln in i["lines"]]
    assert sum(ln["charged"] for ln in lines) == pytest.approx(out["deduction_total"])
    assert {ln["source"] for ln in lines} == {"columns[3]", "deductions[0]", "dead_links.homepage", "dead_links.other"}
    assert out["bonus"][0]["source"] == "bonus[0]"
    assert "scoring.department_max" in out["provisional"] and out["veto_values"]["rules"]["unreachable_ratio"] == 0.05


def test_a_problem_capped_to_nothing_is_still_not_charged_elsewhere() -> None:
    r = run(manual(("search", 4), ("search", 1, "搜索慢"), ("correction", 1, "搜索慢")))
    lines = [ln for i in r.indicators for ln in i.lines]
    assert [(ln.code, ln.charged, ln.status) for ln in lines] == [
        ("search", 4, "charged"), ("search", 0, "capped"), ("correction", 0, "duplicate")]
    assert r.deduction_total == 4
