"""Components of the score-sheet page (/ops/site/<code>), built from a dashboard.ops_data.SheetView's parts
(a stored ``inspection.scoring.to_dict`` result and the details of what its lines cite). Pure: no queries.

Every line names its source: ``finding:ID`` becomes a link to the site's page with the finding's check and
detail, ``entry:ID`` the manual entry with who entered it and its note; anything else is shown as stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from dash import dcc, html

from core.i18n import ops as O
from core.i18n.reports import BONUS_STATUS, LINE_STATUS
from layouts.components import table
from layouts.ops import fmt_points


def line_status(line: Mapping[str, Any]) -> str:
    """A deduction or bonus line's status in words (the wording of reports.model.line_status, which this
    floor may not import)."""
    return LINE_STATUS.get(line["status"], line["status"]).format(other=line.get("duplicate_of", ""))


def bonus_status(result: Mapping[str, Any]) -> str:
    status = result.get("bonus_status", "")
    return BONUS_STATUS.get(status, status).format(part=fmt_points(result.get("deduction_part")))


def source_parts(source: str, site_code: str, findings: Mapping[int, tuple[str, str, str]],
                 entries: Mapping[int, tuple[str, str, bool]]) -> list[Any]:
    """A line's ``source`` (``finding:12,entry:4`` …) as links and texts, separated by a middle dot."""
    out: list[Any] = []
    for part in [p for p in str(source or "").replace(",", " ").split() if p]:
        if out:
            out.append(" · ")
        kind, _, ident = part.partition(":")
        if kind == "finding" and ident.isdigit():
            fid = int(ident)
            text = O.SOURCE_FINDING.format(id=fid)
            if fid in findings:
                check, detail, _loc = findings[fid]
                text = f"{text} {detail}（{check}）"
            else:
                text = O.SOURCE_GONE.format(source=text)
            out.append(dcc.Link(text, href=f"/site/{site_code}", className="sheet-finding",
                                id={"type": "ops-sheet-finding", "id": fid}))
        elif kind == "entry" and ident.isdigit():
            eid = int(ident)
            if eid in entries:
                by, note, _withdrawn = entries[eid]
                out.append(html.Span(O.SOURCE_ENTRY_NOTE.format(id=eid, by=by, note=note), className="sheet-entry"))
            else:
                out.append(html.Span(O.SOURCE_GONE.format(source=O.SOURCE_ENTRY.format(id=eid))))
        else:
            out.append(html.Span(part))
    return out or [O.DASH]


def indicator_rows(result: Mapping[str, Any], site_code: str, findings: Mapping[int, tuple[str, str, str]],
                   entries: Mapping[int, tuple[str, str, bool]]) -> list[html.Tr]:
    """One row per indicator: group, name (暂定 tagged), points, deducted, and each line with its source."""
    rows = []
    for ind in result.get("indicators", ()):
        name: list[Any] = [ind["name"]]
        if ind.get("provisional"):
            name.append(html.Span(O.SHEET_PROVISIONAL, className="tag-provisional-inline"))
        lines = [html.Li([O.SHEET_LINE.format(note=ln["note"], charged=fmt_points(ln["charged"]),
                                              status=line_status(ln)),
                          " ← ", *source_parts(ln.get("source", ""), site_code, findings, entries)])
                 for ln in ind.get("lines", ())]
        rows.append(html.Tr([html.Td(ind["group"]), html.Td(name), html.Td(fmt_points(ind["points"]), className="num"),
                             html.Td(fmt_points(ind["deducted"]), className="num"),
                             html.Td(html.Ul(lines, className="sheet-lines") if lines else O.DASH)],
                            className="row-deducted" if ind.get("deducted") else None))
    return rows


def veto_rows(result: Mapping[str, Any], site_code: str, findings: Mapping[int, tuple[str, str, str]],
              entries: Mapping[int, tuple[str, str, bool]]) -> list[html.Tr]:
    return [html.Tr([html.Td(v.get("name", v["item"]), className="ops-veto-item"), html.Td(v["reason"]),
                     html.Td(source_parts(" ".join(map(str, v.get("evidence", ()))), site_code, findings, entries))])
            for v in result.get("vetoes", ())]


def bonus_rows(result: Mapping[str, Any], site_code: str, findings: Mapping[int, tuple[str, str, str]],
               entries: Mapping[int, tuple[str, str, bool]]) -> list[html.Tr]:
    return [html.Tr([html.Td(ln.get("name", ln["code"])), html.Td(fmt_points(ln["points"]), className="num"),
                     html.Td(fmt_points(ln["charged"]), className="num"), html.Td(line_status(ln)), html.Td(ln["note"]),
                     html.Td(source_parts(ln.get("source", ""), site_code, findings, entries))])
            for ln in result.get("bonus", ())]


def history_rows(history: Sequence[Any], site_code: str, tz: Any) -> list[html.Tr]:
    """Every stored revision (a SnapshotView), newest period first; a period links to its sheet."""
    out = []
    for v in reversed(history):
        score = v.result.get("score") if not v.result.get("vetoes") else None
        out.append(html.Tr([
            html.Td(dcc.Link(v.period, href=f"/ops/site/{site_code}?period={v.period}")),
            html.Td(str(v.revision) + ("" if v.current else "（历史）"), className="num"),
            html.Td(fmt_points(score), className="num"), html.Td(str(v.result.get("grade", O.DASH))),
            html.Td(v.computed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")),
            html.Td(O.FROZEN_YES if v.frozen else O.FROZEN_NO)]))
    return out


def signoff_text(status: Any, tz: Any) -> tuple[str, bool]:
    """(the sign-off state in words, whether the sheet changed after it)."""
    if status is None or status.state.value == "unsigned":
        return O.SIGNOFF["unsigned"], False
    at = status.signed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if status.signed_at else O.DASH
    if status.state.value == "changed":
        return O.SIGNOFF["changed"].format(by=status.signed_by, at=at, n=len(status.changes)), True
    return O.SIGNOFF["signed"].format(by=status.signed_by, at=at), False


def facts(result: Mapping[str, Any], period_label: str, computed_at: datetime, tz: Any,
          signoff: Any) -> list[html.Div]:
    """The sheet's head facts: period, score (— when vetoed), grade, deductions, bonus, version (暂定 when any
    value is provisional), reference date, when scored, sign-off."""
    vetoed = bool(result.get("vetoes"))
    sign, changed = signoff_text(signoff, tz)
    version = str(result.get("indicator_version", O.DASH))
    if result.get("provisional"):
        version += f"（{O.SHEET_PROVISIONAL}）"
    values = [period_label, O.DASH if vetoed else fmt_points(result.get("score")), str(result.get("grade", O.DASH)),
              fmt_points(result.get("deduction_total")),
              f"{fmt_points(result.get('bonus_total'))}（{bonus_status(result)}）",
              version, str(result.get("as_of", O.DASH)), computed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), sign]
    out = []
    for i, (label, value) in enumerate(zip(O.SHEET_FACTS, values, strict=True)):
        cls = "sheet-fact-value" + (" sheet-changed" if changed and i == len(values) - 1 else "")
        out.append(html.Div([html.Div(label, className="sheet-fact-label"),
                             html.Div(value, className=cls, id=f"ops-sheet-fact-{i}")]))
    return out


def basis_note(computed_at: datetime, frozen: bool, tz: Any, pending: Sequence[Any]) -> html.Div:
    """What the sheet's figures are (the snapshot of when, open or frozen; the sign-off is live) and the
    verification changes made after that snapshot, which its figures do not include yet (``pending``:
    operations.sheets.Change)."""
    at = computed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    parts: list[Any] = [html.Div((O.SHEET_BASIS_FROZEN if frozen else O.SHEET_BASIS_OPEN).format(computed=at),
                                 id="ops-sheet-basis")]
    if pending:
        what = "；".join(f"{c.at.astimezone(tz).strftime('%m-%d %H:%M')} {c.actor} {c.what}" for c in pending)
        text = (O.SHEET_PENDING_FROZEN if frozen else O.SHEET_PENDING).format(n=len(pending), what=what)
        parts.append(html.Div(text, id="ops-sheet-pending", className="ops-stale"))
    return html.Div(parts, className="ops-note sheet-basis")


def sheet_table(headers: Sequence[str], rows: list[html.Tr], body_id: str, empty: str) -> html.Table:
    return table(list(headers), rows or [html.Tr([html.Td(empty, colSpan=len(headers), className="ops-empty")])],
                 body_id, "sheet-table")
