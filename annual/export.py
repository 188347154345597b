"""Excel workbooks of the yearly report (openpyxl): one site's report in the national table layout, and the
provincial roll-up of every site's report. Pure builders from plain data: ``(rows …) → Workbook``; the caller
saves it.

Layout of one report: a title, the unit and state line, then each section of the template as a header row and
its fields (label left, value right, where the value came from in a third column; hand-entered values are
marked 手工填报 and shaded); the template's ``footer`` section becomes the signature line at the bottom
(单位负责人 / 审核人 / 填报人 / 联系电话 / 填报日期).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from annual.fill import shown
from annual.template import Template
from core.i18n import annual as T

FOOTER = "footer"
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_MANUAL = PatternFill("solid", fgColor="FFF2CC")
_MISSING = PatternFill("solid", fgColor="F4CCCC")
_SECTION = PatternFill("solid", fgColor="D9E1F2")
_WRAP = Alignment(wrap_text=True, vertical="center")


def origin_text(v: Mapping[str, Any]) -> str:
    """Where a value came from, as the third column says it."""
    status = T.STATUS[v["status"]]
    text = f"{status}：{v.get('note', '')}"
    if v.get("coverage"):
        text += f"（仅 {v['coverage']} 天有数据）"
    return text


def report_workbook(template: Template, values: Mapping[str, Mapping[str, Any]], *, year: int, organizer: str,
                    state: str, version: str) -> Workbook:
    """One site's report in the national layout (see the module docstring)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{year}年度报表"
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 70
    ws.append([T.X_TITLE.format(title=template.title, year=year)])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=3)
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([T.X_SUBTITLE.format(organizer=organizer, state=T.STATE.get(state, state), version=version)])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=3)
    ws.append(list(T.X_HEAD))
    for cell in ws[3]:
        cell.font, cell.border = Font(bold=True), _BOX
    for sec in template.sections:
        if sec.key == FOOTER:
            continue
        ws.append([sec.label])
        r = ws.max_row
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
        ws.cell(r, 1).font, ws.cell(r, 1).fill = Font(bold=True), _SECTION
        for f in template.in_section(sec.key):
            v = values.get(f.key) or {"status": "missing", "value": None, "note": ""}
            label = f"{f.label}（{f.unit}）" if f.unit else f.label
            value: Any = v["value"]
            cell_value = value if isinstance(value, int) and not isinstance(value, bool) else shown(value)
            ws.append([label, cell_value, origin_text(v)])
            r = ws.max_row
            for c in range(1, 4):
                ws.cell(r, c).border, ws.cell(r, c).alignment = _BOX, _WRAP
            ws.cell(r, 2).alignment = Alignment(horizontal="right", vertical="center", wrap_text=True)
            if v["status"] == "manual":
                ws.cell(r, 2).fill = _MANUAL
            elif v["status"] == "missing":
                ws.cell(r, 2).fill = _MISSING
    footer = template.in_section(FOOTER)
    _text_cells(ws)
    if footer:
        ws.append([])
        parts = [f"{f.label}：{shown((values.get(f.key) or {}).get('value'))}" for f in footer]
        ws.append(["    ".join(parts)])
        r = ws.max_row
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
        marked = [f.label for f in footer if (values.get(f.key) or {}).get("status") == "manual"]
        if marked:
            ws.append([f"{T.X_MANUAL_MARK}：{'、'.join(marked)}"])
        _text_cells(ws)
    return wb


def _text_cells(ws: Any) -> None:
    """Every text cell stays text: a value typed by hand that starts with "=" is never stored as a formula."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


@dataclass(frozen=True)
class RollupRow:
    code: str
    name: str
    organizer: str
    site_type: str
    state: str  # a ReportState value, or "" when the site has no report
    values: Mapping[str, Mapping[str, Any]]
    reviewer: str
    updated: str


ROLLUP_FIELDS = ("uv", "pv", "info_total", "msg_received", "msg_closed", "sec_found", "sec_fixed")


def rollup_workbook(rows: Sequence[RollupRow], *, year: int, region: str) -> Workbook:
    """Every site's report of ``year``: state and key figures (blank where a figure is missing)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{year}年度报表汇总"
    ws.append([T.X_ROLLUP_TITLE.format(year=year, region=region)])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(T.X_ROLLUP_HEAD))
    ws["A1"].font = Font(size=14, bold=True)
    ws.append(list(T.X_ROLLUP_HEAD))
    for cell in ws[2]:
        cell.font, cell.border = Font(bold=True), _BOX
    for row in rows:
        figures = [(row.values.get(k) or {}).get("value") for k in ROLLUP_FIELDS]
        missing = sum(1 for v in row.values.values() if v.get("value") is None)
        ws.append([row.code, row.name, row.organizer, row.site_type,
                   T.STATE.get(row.state, T.X_ROLLUP_NONE) if row.state else T.X_ROLLUP_NONE,
                   *figures, missing if row.state else None, row.reviewer, row.updated])
    _text_cells(ws)
    for i, w in enumerate((14, 30, 30, 14, 10, 16, 16, 14, 14, 14, 14, 14, 12, 12, 20), start=1):
        ws.column_dimensions[ws.cell(2, i).column_letter].width = w
    return wb
