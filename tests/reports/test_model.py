"""Report rows and sheets built from ``to_dict`` results: a veto shows 不合格 and no score, 无法判定 says why,
main problems name the largest deductions, rows sort by city then score, the summary counts truthfully."""

from __future__ import annotations

from fractions import Fraction

import pytest

from reports.model import ReportDataError, SiteIdentity, main_problems, site_row, sort_rows, summarize
from tests.reports.period_support import PORTAL, RESULTS, rows, sheet


def test_a_vetoed_site_has_no_score_never_zero() -> None:
    row = site_row(PORTAL, RESULTS["vetoed"])
    assert (row.score, row.grade, row.passed) == (None, "不合格", False)
    assert row.vetoes == (("首页不更新", RESULTS["vetoed"]["vetoes"][0]["reason"]),)
    assert "已 20 天未更新" in row.vetoes[0][1]
    # even a result that wrongly carries a score next to a veto shows none
    assert site_row(PORTAL, RESULTS["vetoed"] | {"score": 0.0}).score is None


def test_undetermined_shows_why() -> None:
    row = site_row(PORTAL, RESULTS["undetermined"])
    assert (row.grade, row.passed, row.score) == ("无法判定", None, 100.0)
    assert row.problems[0] == "无法判定：数据不足（已有 100/140 次监测），暂不判定"


def test_main_problems_largest_first_with_media() -> None:
    problems = main_problems(RESULTS["deducted"])
    assert problems[0].startswith("政策文件：政策文件一级栏目“policy0”") and problems[0].endswith("（扣 5 分）")
    assert problems[1:] == ("搜索：人工扣分0（扣 1.5 分）", "链接可用性：人工扣分1（扣 0.3 分）")
    assert main_problems(RESULTS["deducted"], limit=1) == problems[:1]
    media = main_problems(RESULTS["media"])
    assert media == ("政务新媒体微博：最近一次发布于 2026-12-01，已 30 天未更新（超过 14 天即单项否决）",)
    assert main_problems(RESULTS["clean"]) == ()


def test_rows_sort_by_city_code_then_standing_like_the_wall() -> None:
    ordered = sort_rows(rows(35))
    codes = [r.city_code for r in ordered]
    assert codes == sorted(codes) and codes[0] == "430000"
    for city in {r.city_code for r in ordered}:
        mine = [r for r in ordered if r.city_code == city]
        standing = [0 if r.passed is not None and r.score is not None else 1 if r.passed is None else 2 for r in mine]
        assert standing == sorted(standing)  # judged and scored, then 无法判定, then vetoed (no score)
        judged = [r.score for r in mine if r.passed is not None and r.score is not None]
        assert judged == sorted(judged, reverse=True)


def test_undetermined_with_a_score_follows_the_judged_as_on_the_wall() -> None:
    a = SiteIdentity("1", "甲", "县级门户", "长沙市", "430100")
    b = SiteIdentity("2", "乙", "县级门户", "长沙市", "430100")
    c = SiteIdentity("3", "丙", "县级门户", "长沙市", "430100")
    ordered = sort_rows([site_row(a, RESULTS["undetermined"]), site_row(b, RESULTS["vetoed"]),
                         site_row(c, RESULTS["deducted"])])
    assert [r.code for r in ordered] == ["3", "1", "2"]  # 93.2 judged, 100 无法判定, vetoed


def test_summary_pass_rate_excludes_undetermined_and_average_excludes_vetoed() -> None:
    a = SiteIdentity("1", "甲", "部门网站", "长沙市", "430100")
    b = SiteIdentity("2", "乙", "部门网站", "长沙市", "430100")
    c = SiteIdentity("3", "丙", "部门网站", "长沙市", "430100")
    d = SiteIdentity("4", "丁", "部门网站", "株洲市", "430200")
    per_city, total = summarize([site_row(a, RESULTS["deducted"]), site_row(b, RESULTS["vetoed"]),
                                 site_row(c, RESULTS["undetermined"]), site_row(d, RESULTS["undetermined"])])
    cs, zz = per_city
    assert (cs.sites, cs.passed, cs.failed, cs.undetermined, cs.pass_rate) == (3, 1, 1, 1, Fraction(1, 2))
    assert (cs.scored, cs.average) == (2, round((93.2 + 100) / 2, 2))  # the vetoed site is not a 0
    assert (zz.pass_rate, zz.average) == (None, 100.0)  # nothing judged: no rate
    assert (total.city, total.sites, total.passed, total.failed, total.undetermined) == ("合计", 4, 1, 1, 2)


def test_sheet_data_collects_manual_entries_and_history() -> None:
    data = sheet("deducted")
    assert [(e.kind, e.code, e.charged, e.source) for e in data.manual] == [
        ("deduction", "search", 1.5, "deductions[0]"), ("deduction", "links", 0.3, "deductions[1]")]
    assert data.history[-1] == ("2026Q3", None, "不合格")
    assert data.indicator_version == "2026.2" and "indicator.search" in data.provisional


def test_a_result_of_another_shape_is_refused() -> None:
    broken = dict(RESULTS["clean"])
    del broken["indicators"]
    with pytest.raises(ReportDataError, match="评分结果缺少字段 'indicators'"):
        site_row(PORTAL, broken)
