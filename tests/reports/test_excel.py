"""The Excel exports read back with openpyxl: sheet names, title, header, one row per site in order, a vetoed
site as 不合格 and 不计分, the per-city summary checked against figures computed here from the results."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from core.i18n import reports as T
from reports.excel import save_bulletin, save_sheet
from reports.model import site_row
from tests.reports.period_support import CITIES, period, sheet


def _values(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_bulletin_layout_and_rows(tmp_path: Path) -> None:
    sites = period(70)
    path = save_bulletin(tmp_path / "通报.xlsx", "2026Q4", [site_row(i, r) for i, r in sites])
    wb = load_workbook(path)
    assert wb.sheetnames == ["检查情况", "市州汇总"]
    ws = wb["检查情况"]
    assert ws["A1"].value == "2026Q4 政府网站检查情况通报"
    assert [c.value for c in ws[2]] == ["序号", "网站名称", "网站类型", "所属市州", "得分", "等级", "单项否决",
                                       "主要问题"]
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["H"].width == 60 and ws["H3"].alignment.wrap_text
    body = [r for r in _values(ws)[2:] if isinstance(r[0], int)]
    assert [r[0] for r in body] == list(range(1, 71))
    by_name = {r[1]: r for r in body}
    assert set(by_name) == {i.name for i, _ in sites}
    city_order = [code for code, _ in CITIES]
    cities = [dict((n, c) for c, n in CITIES)[r[3]] for r in body]
    assert sorted(cities, key=city_order.index) == cities
    for ident, res in sites:
        row = by_name[ident.name]
        assert (row[2], row[3], row[5]) == (ident.type_label, ident.city, res["grade"])
        if res["vetoes"]:
            assert row[4] == "不计分" and row[5] == "不合格" and row[6].startswith("首页不更新：首页最新信息发布于")
        else:
            assert row[4] == res["score"] and row[6] == "无"
        if res["passed"] is None:
            assert row[7].startswith("无法判定：数据不足（已有 100/140 次监测）")
    assert any(r[0] == "指标表版本 2026.2" for r in _values(ws))


def test_bulletin_summary_matches_figures_computed_here(tmp_path: Path) -> None:
    sites = period(53)
    path = save_bulletin(tmp_path / "b.xlsx", "2026Q4", [site_row(i, r) for i, r in sites])
    sm = load_workbook(path)["市州汇总"]
    assert sm["A1"].value == "2026Q4 各市州检查结果汇总" and sm.freeze_panes == "A3"
    assert [c.value for c in sm[2]] == list(T.SUMMARY_HEAD)
    got = {r[0]: r for r in _values(sm)[2:] if r[0] and r[1] is not None}
    expect: dict[str, list[Any]] = defaultdict(lambda: [0, 0, 0, 0, []])
    for ident, res in sites:
        for key in (ident.city, "合计"):
            e = expect[key]
            e[0] += 1
            e[1 if res["passed"] is True else 2 if res["passed"] is False else 3] += 1
            if not res["vetoes"]:
                e[4].append(res["score"])
    assert set(got) == set(expect)
    for city, (n, ok, bad, und, scores) in expect.items():
        rate = f"{ok / (ok + bad) * 100:.1f}%" if ok + bad else "—"
        avg = round(sum(scores) / len(scores), 2) if scores else "—"
        assert got[city][1:] == [n, ok, bad, und, rate, avg, len(scores)], city
    assert list(got)[-1] == "合计"


def test_score_sheet(tmp_path: Path) -> None:
    path = save_sheet(tmp_path / "s.xlsx", sheet("deducted"))
    wb = load_workbook(path)
    assert wb.sheetnames == ["评分表", "人工录入", "政务新媒体", "历史得分"]
    ws = _values(wb["评分表"])
    assert ws[0][0] == "湖南省人民政府门户网站 评分表（2026Q4）"
    fields = {r[0]: r[1] for r in ws if r[0] in ("等级", "得分", "扣分合计", "指标表版本", "网站标识码")}
    assert fields == {"网站标识码": "4300000001", "等级": "合格", "得分": 93.2, "扣分合计": 6.8, "指标表版本": "2026.2"}
    veto_rows = [r for r in ws if r[1] in ("未触发", "单项否决", "数据不足", "未判定")]
    assert len(veto_rows) == 8 and {r[1] for r in veto_rows} == {"未触发"}
    lines = [r for r in ws if r[6] and str(r[6]).startswith(("deductions[", "columns["))]
    assert [(r[3], r[6]) for r in lines] == [(5, "columns[3]"), (0.3, "deductions[1]"), (1.5, "deductions[0]")]
    search = next(r for r in ws if r[1] == "搜索（暂定值）")
    assert (search[0], search[2], search[3]) == ("功能设计", 4, 1.5)
    manual = _values(wb["人工录入"])
    assert manual[0] == list(T.MANUAL_HEAD) and [r[5] for r in manual[1:]] == ["deductions[0]", "deductions[1]"]
    assert _values(wb["历史得分"])[1:] == [["2026Q2", 96.5, "合格"], ["2026Q3", "不计分", "不合格"]]


def test_vetoed_score_sheet_scores_nothing(tmp_path: Path) -> None:
    wb = load_workbook(save_sheet(tmp_path / "v.xlsx", sheet("vetoed")))
    ws = _values(wb["评分表"])
    fields = {r[0]: r[1] for r in ws if r[0] in ("等级", "得分", "扣分合计")}
    assert fields == {"等级": "不合格", "得分": "不计分", "扣分合计": "—"}
    assert any(r[0] == "首页不更新" and r[1] == "单项否决" for r in ws)
    assert [r[0] for r in ws if r[0] == "存在单项否决，扣分指标不计分"] == ["存在单项否决，扣分指标不计分"]
    assert wb["评分表"]["B" + str(next(i for i, r in enumerate(ws, 1) if r[0] == "等级"))].font.color.rgb.endswith(
        "B00020")


def test_media_sheet(tmp_path: Path) -> None:
    wb = load_workbook(save_sheet(tmp_path / "m.xlsx", sheet("media")))
    rows = _values(wb["政务新媒体"])
    assert rows[1][:3] == ["微博", 0, "不合格（单项否决）"] and rows[1][3].startswith("两周未更新：最近一次发布于")
    assert rows[1][4] == "留言长期未回复"  # not judged without unanswered_since


def test_200_sites(tmp_path: Path) -> None:
    path = save_bulletin(tmp_path / "p.xlsx", "2026Q4", [site_row(i, r) for i, r in period(200)])
    ws = load_workbook(path, read_only=True)["检查情况"]
    assert sum(1 for r in ws.iter_rows(min_row=3, values_only=True) if isinstance(r[0], int)) == 200


def test_an_empty_period_says_so(tmp_path: Path) -> None:
    wb = load_workbook(save_bulletin(tmp_path / "e.xlsx", "2026Q4", []))
    assert ["本期暂无网站评分结果"] in [[v for v in r if v is not None] for r in _values(wb["检查情况"])]
    total = next(r for r in _values(wb["市州汇总"]) if r[0] == "合计")
    assert total[1:6] == [0, 0, 0, 0, "—"]
