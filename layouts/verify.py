"""Components of the verification page (人工核验与整改, /verify) from plain rows: the queue with its per-row
confirm / dismiss controls, the manual entries with 撤回, the score sheet's state, the notices with 下发.
Pure: no queries; times are formatted by the caller (the page, in the wall's zone).

Row controls carry pattern ids (``{"type": "verify-confirm", "id": n}`` …) and appear only where the page
says the viewer may act.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dash import dcc, html

from core.i18n.verification import DISMISS_REASON, TVA

CONFIRM, DISMISS, REASON, QNOTE = "verify-confirm", "verify-dismiss", "verify-reason", "verify-qnote"
WITHDRAW, ISSUE = "verify-withdraw", "verify-issue"


def table(headers: Sequence[str], body: list[html.Tr], body_id: str, cls: str) -> html.Table:
    return html.Table(className=f"wall-table verify-table {cls}", children=[
        html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(body, id=body_id)])


def empty_row(text: str, columns: int) -> list[html.Tr]:
    return [html.Tr(html.Td(text, colSpan=columns, className="empty"))]


def more_row(text: str, columns: int) -> html.Tr:
    return html.Tr(html.Td(text, colSpan=columns, className="verify-more"))


def decision_controls(finding_id: int) -> html.Div:
    """A queue row's controls: a reason of the closed set, a note, 确认 and 排除."""
    return html.Div(className="verify-decide", children=[
        dcc.Dropdown(id={"type": REASON, "id": finding_id}, placeholder=TVA.F_REASON, clearable=True,
                     searchable=False, className="verify-reason",
                     options=[{"label": v, "value": k} for k, v in DISMISS_REASON.items()]),
        dcc.Input(id={"type": QNOTE, "id": finding_id}, type="text", value="", placeholder=TVA.F_NOTE,
                  className="verify-qnote"),
        html.Button(TVA.BTN_CONFIRM, id={"type": CONFIRM, "id": finding_id}, n_clicks=0,
                    className="btn btn-small btn-primary"),
        html.Button(TVA.BTN_DISMISS, id={"type": DISMISS, "id": finding_id}, n_clicks=0,
                    className="btn btn-small btn-danger")])


def queue_rows(rows: Sequence[tuple[int, Sequence[str]]], act: bool) -> list[html.Tr]:
    """``(finding id, cells)`` → rows, each with its decision controls when ``act``."""
    return [html.Tr(className="verify-row", id=f"verify-finding-{fid}", children=[
        *[html.Td(c) for c in cells], html.Td(decision_controls(fid) if act else "")]) for fid, cells in rows]


@dataclass(frozen=True)
class EntryRow:
    id: int
    kind: str  # Chinese
    code: str  # code and name
    points: str
    note: str
    evidence: str
    by: str  # who and when
    state: str  # 有效 / 已撤回（…）
    live: bool


def entry_rows(rows: Sequence[EntryRow], act: bool) -> list[html.Tr]:
    """The manual entries of a sheet, a 撤回 button on the live ones when ``act``."""
    if not rows:
        return empty_row(TVA.ENTRIES_EMPTY, len(TVA.ENTRY_COLUMNS))
    out = []
    for r in rows:
        button: Any = ""
        if act and r.live:
            button = html.Button(TVA.BTN_WITHDRAW, id={"type": WITHDRAW, "id": r.id}, n_clicks=0,
                                 className="btn btn-small btn-danger")
        out.append(html.Tr(className="verify-entry" + ("" if r.live else " verify-withdrawn"), children=[
            html.Td(str(r.id)), html.Td(r.kind), html.Td(r.code), html.Td(r.points), html.Td(r.note),
            html.Td(r.evidence), html.Td(r.by), html.Td(r.state), html.Td(button)]))
    return out


def sheet_panel(state: str, state_key: str, signed: str | None, changes: Sequence[str]) -> html.Div:
    """The sheet's state (未签核 / 已签核 / 签核后已变更), who signed and, after a sign-off, what changed."""
    children: list[Any] = [html.Div(TVA.SHEET_STATE.format(state=state), id="verify-sheet-state",
                                    className=f"verify-sheet-state sheet-{state_key}")]
    if signed:
        children.append(html.Div(signed, className="verify-signed"))
    if changes:
        children.append(html.Div(TVA.SHEET_CHANGES, className="verify-changes-title"))
        children.append(html.Ul([html.Li(c) for c in changes], className="verify-changes", id="verify-changes"))
    return html.Div(children)


def notice_rows(rows: Sequence[tuple[int, int, bool, Sequence[str]]], act: bool) -> list[html.Tr]:
    """``(id, version, draft?, cells)`` → rows; a 下发 button on drafts when ``act``."""
    out = []
    for nid, version, draft, cells in rows:
        button: Any = ""
        if act and draft:
            button = html.Button(TVA.BTN_ISSUE, id={"type": ISSUE, "id": nid, "v": version}, n_clicks=0,
                                 className="btn btn-small btn-primary")
        out.append(html.Tr(id=f"verify-notice-{nid}", children=[*[html.Td(c) for c in cells], html.Td(button)]))
    return out
