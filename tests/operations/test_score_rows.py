"""The one snapshot → report row function behind the 运营中心 wall, its score sheet and ``score export``
(operations/score_rows.py): refused results are 无法判定 with their why, a vetoed site has no score (never 0),
the province's own sites are 省本级 in the city column, and the rows come in the bulletin's order. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from operations.score_rows import city_label, identity, snapshot_row
from operations.score_store import SnapshotView

NAMES = {"430000": "湖南省", "430100": "长沙市"}


def _view(code: str, city: str, result: dict[str, Any], level: str = "county_portal") -> SnapshotView:
    return SnapshotView(code, f"{code}网站", city, level, "2026Q4", 1, date(2026, 12, 7), "v1", result, {},
                        datetime(2026, 12, 7, 2, tzinfo=UTC), False, None, True)


def _result(score: float | None, passed: bool | None, vetoes: tuple[str, ...] = ()) -> dict[str, Any]:
    grade = {True: "合格", False: "不合格", None: "无法判定"}[passed]
    return {"indicator_version": "v1", "as_of": "2026-12-07", "score": score, "grade": grade, "passed": passed,
            "vetoes": [{"item": v, "name": v, "reason": f"{v}原因"} for v in vetoes], "bonus": [],
            "indicators": [{"code": "news", "name": "动态要闻", "lines": [
                {"charged": 0.5, "note": "要闻栏目两周未更新", "rule": "manual"}]}],
            "undetermined": [], "new_media": []}


def test_a_scored_site_keeps_its_two_decimal_score_and_city() -> None:
    row = snapshot_row(_view("X0103", "430100", _result(97.75, True)), NAMES)
    assert (row.score, row.grade, row.passed, row.city, row.type_label) == (97.75, "合格", True, "长沙市",
                                                                             "县市区政府门户网站")
    assert row.problems == ("动态要闻：要闻栏目两周未更新（扣 0.5 分）",)


def test_vetoed_refused_and_province_rows() -> None:
    vetoed = snapshot_row(_view("X0102", "430100", _result(90.0, False, ("站点无法访问",))), NAMES)
    assert vetoed.score is None and vetoed.passed is False and vetoed.vetoes == (("站点无法访问", "站点无法访问原因"),)
    refused = snapshot_row(_view("X0104", "430100", {"refused": ["人工条目 #3：指标 nope 不在指标表中"],
                                                    "grade": "无法判定", "score": None, "passed": None}), NAMES)
    assert (refused.score, refused.grade, refused.passed) == (None, "无法判定", None)
    assert refused.problems == ("人工条目 #3：指标 nope 不在指标表中",) and refused.indicator_version == "v1"
    dept = _view("D0001", "430000", _result(99.87, True), "provincial_department")
    assert snapshot_row(dept, NAMES).city == "省本级" == identity(dept, NAMES).city  # not 湖南省
    assert city_label("430999", NAMES) == "430999"  # an unknown division shows its code, not nothing
