"""The PDF of one site's yearly report in the national table layout (reportlab, reports/pdfkit.py): the same
sections, fields and order as the Excel export (annual/export.py). Each value with where it came from; a
hand-entered value marked 【手工】; a field still missing reads 未填报 (never blank, never 0). The head says the
report's state and, as far as the report went, who submitted, reviewed, returned and published it and when.
Written all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from annual.export import FOOTER, origin_text
from annual.fill import counts, shown
from annual.template import Template
from core.i18n import annual as T
from reports.pdfkit import Styles, build, esc, find_font, table

MANUAL_BG = colors.HexColor("#FFF2CC")
MISSING_BG = colors.HexColor("#F4CCCC")
SECTION_BG = colors.HexColor("#D9E1F2")


@dataclass(frozen=True)
class ReportHead:
    """Who and what the report is, times already formatted for people (Beijing time); empty: not yet."""

    name: str
    code: str
    organizer: str
    year: int
    state: str  # a ReportState value
    version: str
    submitted: tuple[str, str] | None = None  # (by, at)
    reviewed: tuple[str, str] | None = None
    returned: tuple[str, str, str] | None = None  # (by, at, reason): the last return, while returned
    published: tuple[str, str] | None = None


def head_of(site_name: str, code: str, organizer: str, report: Any, publisher: str | None,
            when: Callable[[datetime | None], str]) -> ReportHead:
    """The head of a stored report (db.models_annual.AnnualReport); ``when`` formats a time for people."""
    state = report.state.value
    submitted = (report.submitted_by, when(report.submitted_at)) if report.submitted_by else None
    returned = ((report.reviewer or "", when(report.reviewed_at), report.return_reason or "")
                if state == "returned" else None)
    reviewed = ((report.reviewer or "", when(report.reviewed_at)) if state in ("reviewed", "published")
                and report.reviewer else None)
    published = (publisher or "", when(report.published_at)) if state == "published" else None
    return ReportHead(site_name, code, organizer, report.year, state, report.template_version, submitted,
                      reviewed, returned, published)


def value_text(v: Mapping[str, Any], unit: str = "") -> str:
    """A field's value as the PDF and the screen show it: 未填报 when missing, 【手工】 when entered by hand."""
    if v.get("value") is None or v.get("status") == "missing":
        return T.P_NOT_FILLED
    text = shown(v["value"])
    if unit and not isinstance(v["value"], (bool, list)):
        text += f" {unit}"
    return text + (T.P_MANUAL_MARK if v.get("status") == "manual" else "")


def head_lines(h: ReportHead) -> list[str]:
    """The lines under the title: site and organizer, state and template, then the workflow's steps so far."""
    lines = [T.P_SITE.format(name=h.name, code=h.code, organizer=h.organizer or h.name),
             T.P_STATE.format(state=T.STATE.get(h.state, h.state), version=h.version)]
    if h.submitted:
        lines.append(T.P_SUBMITTED.format(by=h.submitted[0], at=h.submitted[1]))
    if h.returned:
        lines.append(T.P_RETURNED.format(by=h.returned[0], at=h.returned[1], reason=h.returned[2]))
    if h.reviewed:
        lines.append(T.P_REVIEWED.format(by=h.reviewed[0], at=h.reviewed[1]))
    if h.published:
        lines.append(T.P_PUBLISHED.format(by=h.published[0], at=h.published[1]))
    return lines


def origin(v: Mapping[str, Any], fmt: Callable[[datetime | None], str]) -> str:
    """Where a value came from, for people: 自动：source note / 手工：who，when (``fmt`` formats the time) /
    未能取得：why."""
    if v.get("status") == "manual":
        try:
            at = fmt(datetime.fromisoformat(str(v.get("at"))))
        except ValueError:
            at = str(v.get("at") or "")
        auto = v.get("auto") or {}
        extra = T.MANUAL_OVER_AUTO.format(auto=value_text({**auto, "status": "auto"})) \
            if auto.get("value") is not None and auto.get("value") != v.get("value") else ""
        return f"手工：{v.get('by', '')}，{at}{extra}"
    if v.get("status") == "auto":
        cover = f"（仅 {v['coverage']} 天有数据）" if v.get("coverage") else ""
        return f"自动：{v.get('note', '')}{cover}"
    return f"{T.MISSING}：{v.get('note', '')}"


def _missing(f_key: str, values: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any]:
    return values.get(f_key) or {"status": "missing", "value": None, "note": ""}


def report_story(st: Styles, template: Template, values: Mapping[str, Mapping[str, Any]], head: ReportHead,
                 width: float, when: Callable[[datetime | None], str] | None = None) -> list[Flowable]:
    """The document's flowables (see the module docstring)."""
    story: list[Flowable] = [Paragraph(esc(T.X_TITLE.format(title=template.title, year=head.year)), st.title)]
    story += [Paragraph(esc(line), st.body) for line in head_lines(head)]
    c = counts(values)
    story += [Paragraph(esc(T.P_COUNTS.format(n=len(values), **c)), st.body),
              Paragraph(esc(T.P_LEGEND), st.note), Spacer(1, 4)]
    rows: list[list[str]] = []
    extra: list[tuple[Any, ...]] = []
    for sec in template.sections:
        if sec.key == FOOTER:
            continue
        rows.append([sec.label, "", ""])
        r = len(rows)  # row 0 is the header
        extra += [("SPAN", (0, r), (2, r)), ("BACKGROUND", (0, r), (2, r), SECTION_BG)]
        for f in template.in_section(sec.key):
            v = _missing(f.key, values)
            label = f"{f.label}（{f.unit}）" if f.unit else f.label
            rows.append([label, value_text(v), origin(v, when) if when is not None else origin_text(v)])
            r = len(rows)
            if v["status"] == "manual":
                extra.append(("BACKGROUND", (1, r), (1, r), MANUAL_BG))
            elif v["value"] is None:
                extra.append(("BACKGROUND", (1, r), (1, r), MISSING_BG))
    story.append(table(st, T.P_HEAD, rows, [0.28 * width, 0.27 * width, 0.45 * width], extra=extra))
    footer = template.in_section(FOOTER)
    if footer:
        story.append(Spacer(1, 8))
        parts = [f"{f.label}：{value_text(_missing(f.key, values))}" for f in footer]
        story.append(Paragraph(esc("    ".join(parts)), st.body))
    return story


def save_report_pdf(path: Path, template: Template, values: Mapping[str, Mapping[str, Any]], head: ReportHead,
                    font_path: str | Path | None = None,
                    when: Callable[[datetime | None], str] | None = None) -> Path:
    """One site's report of a year as a portrait A4 PDF at ``path``; FontError when no CJK font is usable.
    ``when`` formats the times of hand entries (as the screen does); None: the stored note as is."""
    font = find_font(font_path)
    st = Styles(font)
    width = A4[0] - 24 * mm
    title = T.X_TITLE.format(title=template.title, year=head.year)
    story = report_story(st, template, values, head, width, when)

    def footer_text(page: int) -> str:
        return T.P_FOOTER.format(title=title, name=head.name, code=head.code, version=head.version, page=page)
    return build(path, story, font, title, footer_text, A4)
