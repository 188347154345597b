"""Excel reports (openpyxl): a period's 检查情况通报 and one site's score sheet.

- :func:`bulletin_workbook` / :func:`save_bulletin` — sheet 检查情况: a title row naming the period, the header
  序号 网站名称 网站类型 所属市州 得分 等级 单项否决 主要问题, one row per site (by city, then score); sheet
  市州汇总: sites, 合格, 不合格, 无法判定, pass rate, average per city and in total, with how they are computed.
- :func:`sheet_workbook` / :func:`save_sheet` — sheets 评分表 (identity, result, every veto item, every indicator
  with its points, deduction and lines with their sources, bonus), 人工录入, 政务新媒体, 历史得分.

A vetoed site shows 不合格 and 不计分, never 0; 无法判定 shows as such with its reason. Files are written all
or nothing (:func:`reports.files.save_atomic`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.i18n import media as M
from core.i18n import reports as T
from reports.files import save_atomic
from reports.model import SheetData, SiteRow, bonus_status, fmt_number, line_status, sort_rows, summarize

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEAD_FILL = PatternFill("solid", fgColor="DDE5F0")
FAIL = Font(color="B00020", bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BULLETIN_WIDTHS = (6, 34, 16, 12, 8, 10, 40, 60)
SUMMARY_WIDTHS = (14, 8, 8, 8, 10, 10, 10, 12)


def _row(ws: Worksheet) -> int:
    """The last appended row. openpyxl's ``max_row`` scans every cell, which made 2,000 rows quadratic."""
    return int(ws._current_row)


def _score_cell(score: float | None) -> float | str:
    return T.GRADE_NONE if score is None else score


def _title(ws: Worksheet, text: str, width: int) -> None:
    ws.append([text])
    ws.merge_cells(start_row=_row(ws), start_column=1, end_row=_row(ws), end_column=width)
    ws.cell(_row(ws), 1).font = TITLE
    ws.cell(_row(ws), 1).alignment = CENTER
    ws.row_dimensions[_row(ws)].height = 28


def _styles(wb: Workbook) -> None:
    """Named styles: a cell takes one by name, far cheaper than hashing a font, border and alignment per cell."""
    wb.add_named_style(NamedStyle("报表表头", font=BOLD, fill=HEAD_FILL, alignment=CENTER, border=BOX))
    wb.add_named_style(NamedStyle("报表正文", alignment=WRAP, border=BOX))


def _cells(ws: Worksheet, n: int) -> list[Any]:
    row = _row(ws)
    return [ws.cell(row, col) for col in range(1, n + 1)]  # not ws[row]: its max_column scans every cell


def _head(ws: Worksheet, names: Sequence[str]) -> None:
    ws.append(list(names))
    for c in _cells(ws, len(names)):
        c.style = "报表表头"


def _body(ws: Worksheet, values: Sequence[Any]) -> None:
    ws.append(list(values))
    for c in _cells(ws, len(values)):
        c.style = "报表正文"


def _widths(ws: Worksheet, widths: Sequence[int]) -> None:
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w


def _rate(x: Any) -> str:
    return T.NOT_AVAILABLE if x is None else f"{float(x) * 100:.1f}%"


def bulletin_workbook(period: str, rows: Iterable[SiteRow]) -> Workbook:
    """The 检查情况通报 of ``period`` (e.g. 2026Q4) for these sites."""
    ordered = sort_rows(rows)
    wb = Workbook()
    _styles(wb)
    ws = wb.active
    assert ws is not None
    ws.title = T.BULLETIN_SHEET
    _title(ws, T.BULLETIN_TITLE.format(period=period), len(T.BULLETIN_HEAD))
    _head(ws, T.BULLETIN_HEAD)
    ws.freeze_panes = "A3"
    for n, r in enumerate(ordered, 1):
        vetoes = "\n".join(f"{name}：{why}" for name, why in r.vetoes) or T.NO_VETO
        problems = "\n".join(r.problems) or T.NO_PROBLEM
        _body(ws, [n, r.name, r.type_label, r.city, _score_cell(r.score), r.grade, vetoes, problems])
        if r.passed is False:
            ws.cell(_row(ws), 6).font = FAIL
    if not ordered:
        ws.append([T.NO_SITES])
    _widths(ws, BULLETIN_WIDTHS)
    ws.auto_filter.ref = f"A2:{get_column_letter(len(T.BULLETIN_HEAD))}{_row(ws)}"
    versions = sorted({r.indicator_version for r in ordered})
    provisional = sorted({k for r in ordered for k in r.provisional})
    ws.append([])
    ws.append([T.VERSION_NOTE.format(version="、".join(versions) or T.NOT_AVAILABLE)])
    if provisional:
        ws.append([T.PROVISIONAL_NOTE.format(n=len(provisional), keys="、".join(provisional))])

    sm = wb.create_sheet(T.SUMMARY_SHEET)
    _title(sm, T.SUMMARY_TITLE.format(period=period), len(T.SUMMARY_HEAD))
    _head(sm, T.SUMMARY_HEAD)
    sm.freeze_panes = "A3"
    per_city, total = summarize(ordered)
    for s in [*per_city, total]:
        _body(sm, [s.city, s.sites, s.passed, s.failed, s.undetermined, _rate(s.pass_rate),
                   T.NOT_AVAILABLE if s.average is None else s.average, s.scored])
    for c in _cells(sm, len(T.SUMMARY_HEAD)):
        c.font = BOLD
    sm.append([])
    sm.append([T.PASS_RATE_NOTE])
    _widths(sm, SUMMARY_WIDTHS)
    return wb


def save_bulletin(path: Path, period: str, rows: Iterable[SiteRow]) -> Path:
    wb = bulletin_workbook(period, rows)
    return save_atomic(path, lambda tmp: wb.save(tmp))


def _main_sheet(ws: Worksheet, data: SheetData) -> None:
    r, ident = data.result, data.identity
    _title(ws, T.SHEET_TITLE.format(name=ident.name, period=data.period), len(T.INDICATOR_HEAD))
    for label, attr in T.IDENTITY:
        ws.append([label, getattr(ident, attr)])
        ws.cell(_row(ws), 1).font = BOLD
    score = r["score"] if not r["vetoes"] else None
    values = (r["grade"], _score_cell(score), r.get("deduction_total"), r.get("deduction_part"),
              r.get("bonus_total"), r["indicator_version"], r["as_of"])
    for label, value in zip(T.RESULT_FIELDS, values, strict=True):
        ws.append([label, T.NOT_AVAILABLE if value is None else value])
        ws.cell(_row(ws), 1).font = BOLD
        if label == "等级" and r["passed"] is False:
            ws.cell(_row(ws), 2).font = FAIL
    if r["passed"] is None and r["undetermined"]:
        ws.append(["", T.UNDETERMINED_WHY.format(reasons="；".join(u["reason"] for u in r["undetermined"]))])
    ws.append([])
    _head(ws, T.VETO_HEAD)
    for v in r.get("veto_items", r["vetoes"]):
        status = T.VETO_STATUS.get(v.get("status", "breached"), v.get("status", ""))
        _body(ws, [v.get("name", v["item"]), status, v["reason"], "、".join(v.get("evidence", ()))])
        if status == T.VETO_STATUS["breached"]:
            ws.cell(_row(ws), 2).font = FAIL
    ws.append([])
    if not r["indicators"]:
        ws.append([T.INDICATOR_VETOED])
    else:
        _head(ws, T.INDICATOR_HEAD)
        for ind in r["indicators"]:
            points = ind["points"]
            if not ind["assessed"]:
                _body(ws, [ind["group"], ind["name"], points, T.INDICATOR_NOT_ASSESSED, "", "", ""])
                continue
            name = ind["name"] + ("（暂定值）" if ind.get("provisional") else "")
            _body(ws, [ind["group"], name, points, ind["deducted"], "", "", ""])
            for ln in ind["lines"]:
                _body(ws, ["", "", ln["points"], ln["charged"], ln["note"], line_status(ln), ln["source"]])
        ws.append([])
        _head(ws, T.BONUS_HEAD)
        _body(ws, [bonus_status(r), r.get("bonus_total"), "", "", ""])
        for ln in r["bonus"]:
            _body(ws, [ln.get("name", ln["code"]), ln["charged"], ln["note"], line_status(ln), ln["source"]])
    if data.provisional:
        ws.append([])
        ws.append([T.PROVISIONAL_NOTE.format(n=len(data.provisional), keys="、".join(data.provisional))])
    _widths(ws, (16, 30, 8, 8, 50, 22, 24))


def sheet_workbook(data: SheetData) -> Workbook:
    """One site's score sheet."""
    wb = Workbook()
    _styles(wb)
    ws = wb.active
    assert ws is not None
    ws.title = T.SHEET_MAIN
    _main_sheet(ws, data)

    mn = wb.create_sheet(T.SHEET_MANUAL)
    _head(mn, T.MANUAL_HEAD)
    mn.freeze_panes = "A2"
    for e in data.manual:
        _body(mn, [T.MANUAL_KIND[e.kind], e.name, e.points, e.charged, e.note, e.source])
    if not data.manual:
        mn.append([T.NO_MANUAL])
    _widths(mn, (10, 24, 8, 8, 50, 16))

    md = wb.create_sheet(T.SHEET_MEDIA)
    _head(md, T.MEDIA_HEAD)
    md.freeze_panes = "A2"
    for m in data.result["new_media"]:
        vetoes = "\n".join(f"{v.get('name', v['rule'])}：{v['reason']}" for v in m["vetoes"]) or T.NO_VETO
        _body(md, [m.get("platform_name", m["platform"]), m["index"], T.MEDIA_PASSED[bool(m["passed"])], vetoes,
                   "、".join(M.RULE.get(k, k) for k in m.get("not_judged", ())) or T.NO_VETO])
    if not data.result["new_media"]:
        md.append([T.NO_MEDIA])
    _widths(md, (12, 6, 18, 60, 14))

    hs = wb.create_sheet(T.SHEET_HISTORY)
    _head(hs, T.HISTORY_HEAD)
    hs.freeze_panes = "A2"
    for period, score, grade in data.history:
        _body(hs, [period, _score_cell(score), grade])
    if not data.history:
        hs.append([T.NO_HISTORY])
    _widths(hs, (12, 10, 10))
    return wb


def save_sheet(path: Path, data: SheetData) -> Path:
    wb = sheet_workbook(data)
    return save_atomic(path, lambda tmp: wb.save(tmp))


__all__ = ["bulletin_workbook", "fmt_number", "save_bulletin", "save_sheet", "sheet_workbook"]
