"""PDF reports (reportlab): the same two documents as reports/excel.py, with an embedded CJK font and charts.

- :func:`find_font` (reports/pdfkit.py, shared with the yearly report's PDF) — the CJK font file to embed.
- :func:`save_bulletin_pdf` — the period's 检查情况通报: the table (breaking across pages, header repeated),
  the per-city summary, bars of pass rate and average score per city.
- :func:`save_sheet_pdf` — one site's score sheet: result, veto items, indicators with lines and sources,
  bonus, manual entries, new media, history, bars of the indicator deductions.

Every page's footer: the title, the indicator version, the count of provisional (暂定值) table values (listed
at the end) and the page number. Written all or nothing (:func:`reports.files.save_atomic`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from core.i18n import media as M
from core.i18n import reports as T
from reports import pdfkit
from reports.model import (
    CitySummary,
    SheetData,
    SiteRow,
    bonus_status,
    fmt_number,
    line_status,
    sort_rows,
    summarize,
)
from reports.pdfkit import FONT_CANDIDATES, FontError, find_font
from reports.pdfkit import Styles as _Styles
from reports.pdfkit import esc as _esc
from reports.pdfkit import table as _table

__all__ = ["FONT_CANDIDATES", "FontError", "city_chart", "deduction_chart", "find_font", "save_bulletin_pdf",
           "save_sheet_pdf"]


def _footer_text(title: str, version: str, provisional: int) -> Callable[[int], str]:
    note = T.FOOTER_PROVISIONAL.format(n=provisional) if provisional else T.FOOTER_FIRM
    return lambda page: T.FOOTER.format(title=title, version=version, provisional=note, page=page)


def _provisional(st: _Styles, keys: Sequence[str]) -> list[Flowable]:
    if not keys:
        return []
    return [Paragraph(T.PROVISIONAL_HEAD, st.h2),
            Paragraph(_esc(T.PROVISIONAL_NOTE.format(n=len(keys), keys="、".join(keys))), st.note)]


def _build(path: Path, story: list[Flowable], font: str, title: str, version: str, provisional: int,
           pagesize: tuple[float, float]) -> Path:
    return pdfkit.build(path, story, font, title, _footer_text(title, version, provisional), pagesize)


# --- charts ---

def _bars(font: str, labels: Sequence[str], series: Sequence[Sequence[float | None]], names: Sequence[str],
          width: float, height: float, top: float, horizontal: bool = False) -> Drawing:
    d = Drawing(width, height)
    chart: Any = HorizontalBarChart() if horizontal else VerticalBarChart()
    left = 150 if horizontal else 40
    bottom = 20 if horizontal else 40  # room for the slanted city names
    chart.x, chart.y = left, bottom
    chart.width, chart.height = width - left - 20, height - bottom - 36  # room for the title and the legend
    chart.data = [list(s) for s in series]
    chart.categoryAxis.categoryNames = list(labels)
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    if not horizontal:
        chart.categoryAxis.labels.angle = 30
        chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = top
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 6
    chart.barLabelFormat = lambda v: fmt_number(v)
    chart.barLabels.nudge = 6
    palette = (colors.HexColor("#3B6FB6"), colors.HexColor("#C9D6EA"))
    for i in range(len(series)):
        chart.bars[i].fillColor = palette[i % len(palette)]
    d.add(chart)
    legend = Legend()
    legend.fontName, legend.fontSize = font, 8
    legend.x, legend.y = left, height - 20
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.colorNamePairs = [(palette[i % len(palette)], n) for i, n in enumerate(names)]
    d.add(legend)
    return d


def city_chart(font: str, per_city: Sequence[CitySummary], width: float) -> Drawing:
    """Pass rate (%) and average score per city as bars; a city with nothing judged has no bar (never 0)."""
    labels = [s.city for s in per_city]
    rates = [None if s.pass_rate is None else round(float(s.pass_rate) * 100, 1) for s in per_city]
    averages = [s.average for s in per_city]
    top = max([100.0, *[a for a in averages if a is not None]])
    d = _bars(font, labels, [rates, averages], [T.CHART_PASS_RATE, T.CHART_AVERAGE], width, 220, top)
    d.add(String(width / 2, 210, T.CHART_CITY, fontName=font, fontSize=10, textAnchor="middle"))
    return d


def deduction_chart(font: str, result: dict[str, Any] | Any, width: float) -> Drawing:
    """Each assessed indicator's deduction beside its points, as horizontal bars."""
    inds = [i for i in result["indicators"] if i["assessed"]]
    if not inds:
        d = Drawing(width, 30)
        d.add(String(0, 10, T.CHART_VETOED, fontName=font, fontSize=9))
        return d
    inds = list(reversed(inds))  # the chart draws its first category at the bottom
    height = 60 + 18 * len(inds)
    d = _bars(font, [i["name"][:16] for i in inds], [[i["deducted"] for i in inds], [i["points"] for i in inds]],
              [T.CHART_DEDUCTED, T.CHART_POINTS], width, height, max(i["points"] for i in inds), horizontal=True)
    d.add(String(width / 2, height - 10, T.CHART_DEDUCTIONS, fontName=font, fontSize=10, textAnchor="middle"))
    return d


# --- documents ---

def _rate(x: Any) -> str:
    return T.NOT_AVAILABLE if x is None else f"{float(x) * 100:.1f}%"


def save_bulletin_pdf(path: Path, period: str, rows: Iterable[SiteRow], font_path: str | Path | None = None) -> Path:
    """The 检查情况通报 of ``period`` as a landscape A4 PDF."""
    font = find_font(font_path)
    st = _Styles(font)
    ordered = sort_rows(rows)
    title = T.BULLETIN_TITLE.format(period=period)
    body, fails = [], []
    for n, r in enumerate(ordered, 1):
        vetoes = "\n".join(f"{name}：{why}" for name, why in r.vetoes) or T.NO_VETO
        body.append([n, r.name, r.type_label, r.city, T.GRADE_NONE if r.score is None else fmt_number(r.score),
                     r.grade, vetoes, "\n".join(r.problems) or T.NO_PROBLEM])
        if r.passed is False:
            fails.append((n, 5))
    width = landscape(A4)[0] - 24 * mm
    cols = [w * width for w in (0.04, 0.17, 0.1, 0.07, 0.06, 0.06, 0.2, 0.3)]
    per_city, total = summarize(ordered)
    summary = [[s.city, s.sites, s.passed, s.failed, s.undetermined, _rate(s.pass_rate), fmt_number(s.average),
                s.scored] for s in [*per_city, total]]
    story: list[Flowable] = [Paragraph(_esc(title), st.title)]
    if not ordered:
        story.append(Paragraph(T.NO_SITES, st.body))
    else:
        story += [_table(st, T.BULLETIN_HEAD, body, cols, fails),
                  Paragraph(_esc(T.SUMMARY_TITLE.format(period=period)), st.h2),
                  _table(st, T.SUMMARY_HEAD, summary, [width / 8] * 8),
                  Paragraph(_esc(T.PASS_RATE_NOTE), st.note), Spacer(1, 6), city_chart(font, per_city, width)]
    provisional = sorted({k for r in ordered for k in r.provisional})
    story += _provisional(st, provisional)
    version = "、".join(sorted({r.indicator_version for r in ordered})) or T.NOT_AVAILABLE
    return _build(path, story, font, title, version, len(provisional), landscape(A4))


def _sheet_story(st: _Styles, data: SheetData, width: float) -> list[Flowable]:
    r, ident = data.result, data.identity
    vetoed = bool(r["vetoes"])
    story: list[Flowable] = [Paragraph(_esc(T.SHEET_TITLE.format(name=ident.name, period=data.period)), st.title)]
    values = (r["grade"], T.GRADE_NONE if vetoed or r["score"] is None else fmt_number(r["score"]),
              fmt_number(r.get("deduction_total")), fmt_number(r.get("deduction_part")),
              fmt_number(r.get("bonus_total")), r["indicator_version"], r["as_of"])
    pairs = [(label, getattr(ident, attr)) for label, attr in T.IDENTITY] + list(zip(T.RESULT_FIELDS, values,
                                                                                     strict=True))
    grade_row = len(T.IDENTITY) + 1
    story.append(_table(st, ("项目", "内容"), pairs, [0.25 * width, 0.75 * width],
                        [(grade_row, 1)] if r["passed"] is False else []))
    if r["passed"] is None and r["undetermined"]:
        why = T.UNDETERMINED_WHY.format(reasons="；".join(u["reason"] for u in r["undetermined"]))
        story.append(Paragraph(_esc(why), st.body))
    story.append(Paragraph("单项否决", st.h2))
    vrows, vfails = [], []
    for n, v in enumerate(r.get("veto_items", r["vetoes"]), 1):
        status = v.get("status", "breached")
        vrows.append([v.get("name", v["item"]), T.VETO_STATUS.get(status, status), v["reason"],
                      "、".join(v.get("evidence", ()))])
        if status == "breached":
            vfails.append((n, 1))
    story.append(_table(st, T.VETO_HEAD, vrows, [w * width for w in (0.16, 0.1, 0.54, 0.2)], vfails))
    story.append(Paragraph("扣分指标", st.h2))
    if vetoed or not r["indicators"]:
        story.append(Paragraph(T.INDICATOR_VETOED, st.body))
    else:
        rows: list[list[Any]] = []
        for ind in r["indicators"]:
            name = ind["name"] + ("（暂定值）" if ind.get("provisional") else "")
            deducted = fmt_number(ind["deducted"]) if ind["assessed"] else T.INDICATOR_NOT_ASSESSED
            rows.append([ind["group"], name, fmt_number(ind["points"]), deducted, "", "", ""])
            rows += [["", "", fmt_number(ln["points"]), fmt_number(ln["charged"]), ln["note"], line_status(ln),
                      ln["source"]] for ln in ind["lines"]]
        story.append(_table(st, T.INDICATOR_HEAD, rows, [w * width for w in (0.09, 0.2, 0.06, 0.07, 0.32, 0.12,
                                                                              0.14)]))
        story += [Spacer(1, 6), deduction_chart(st.font, r, width)]
        story.append(Paragraph("加分项", st.h2))
        brows = [[bonus_status(r), fmt_number(r.get("bonus_total")), "", "", ""]]
        brows += [[ln.get("name", ln["code"]), fmt_number(ln["charged"]), ln["note"], line_status(ln), ln["source"]]
                  for ln in r["bonus"]]
        story.append(_table(st, T.BONUS_HEAD, brows, [w * width for w in (0.3, 0.08, 0.34, 0.14, 0.14)]))
    story.append(Paragraph(T.SHEET_MANUAL, st.h2))
    if data.manual:
        story.append(_table(st, T.MANUAL_HEAD, [[T.MANUAL_KIND[e.kind], e.name, fmt_number(e.points),
                                                 fmt_number(e.charged), e.note, e.source] for e in data.manual],
                            [w * width for w in (0.1, 0.22, 0.08, 0.08, 0.38, 0.14)]))
    else:
        story.append(Paragraph(T.NO_MANUAL, st.body))
    story.append(Paragraph(T.SHEET_MEDIA, st.h2))
    if r["new_media"]:
        mrows = [[m.get("platform_name", m["platform"]), m["index"], T.MEDIA_PASSED[bool(m["passed"])],
                  "\n".join(f"{v.get('name', v['rule'])}：{v['reason']}" for v in m["vetoes"]) or T.NO_VETO,
                  "、".join(M.RULE.get(k, k) for k in m.get("not_judged", ())) or T.NO_VETO] for m in r["new_media"]]
        story.append(_table(st, T.MEDIA_HEAD, mrows, [w * width for w in (0.12, 0.06, 0.16, 0.5, 0.16)],
                            [(n, 2) for n, m in enumerate(r["new_media"], 1) if not m["passed"]]))
    else:
        story.append(Paragraph(T.NO_MEDIA, st.body))
    story.append(Paragraph(T.SHEET_HISTORY, st.h2))
    if data.history:
        story.append(_table(st, T.HISTORY_HEAD, [[p, T.GRADE_NONE if s is None else fmt_number(s), g]
                                                 for p, s, g in data.history], [width / 3] * 3))
    else:
        story.append(Paragraph(T.NO_HISTORY, st.body))
    return story


def save_sheet_pdf(path: Path, data: SheetData, font_path: str | Path | None = None) -> Path:
    """One site's score sheet as a portrait A4 PDF."""
    font = find_font(font_path)
    st = _Styles(font)
    width = A4[0] - 24 * mm
    story = _sheet_story(st, data, width) + _provisional(st, data.provisional)
    title = T.SHEET_TITLE.format(name=data.identity.name, period=data.period)
    return _build(path, story, font, title, data.indicator_version, len(data.provisional), A4)
