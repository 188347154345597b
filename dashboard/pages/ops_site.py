"""A site's score sheet (/ops/site/<code>, drill-down from the 运营中心 wall; ``?period=2026Q4``, default the
site's latest period with a snapshot): every indicator with its points and deductions, each line with its
source (the finding it rests on, linked to the site's page, or the manual entry with its note), the vetoes
with their reasons, the bonus, the grade, the indicator version and its provisional values, the sign-off
state (签核后已变更 when so) and the history across periods. Access as the site's page."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from core.i18n import ops as O
from core.region import PROVINCE_CODE
from dashboard.data import wall_data
from dashboard.ops_data import parse_period, read_sheet
from layouts.components import panel_title
from layouts.ops_sheet import (
    basis_note,
    bonus_rows,
    facts,
    history_rows,
    indicator_rows,
    sheet_table,
    veto_rows,
)
from operations.errors import VerifyError
from security.access import Access, Kind
from security.web import current_principal

dash.register_page(__name__, path_template="/ops/site/<code>", name=O.SHEET_TITLE,
                   title=f"{O.SHEET_TITLE} · 运维指挥中心", order=6, access=Access(params={"code": Kind.SITE}))

P = "ops-sheet"


def _head(title: str, code: str) -> html.Div:
    return html.Div(className="page-head", children=[
        html.H2(title, id=f"{P}-name", className="page-name"),
        dcc.Link(O.BACK_OPS, href="/ops", className="back-link"),
        dcc.Link(O.SITE_PAGE_LINK, href=f"/site/{code}", className="back-link")])


def layout(code: str | None = None, period: str | None = None, **_: Any) -> html.Div:
    data = wall_data()
    code = (code or "").strip()
    p = current_principal()
    scope = p.scope_code if p is not None else PROVINCE_CODE
    try:
        wanted = parse_period(period)
    except VerifyError as exc:
        return _message(code, O.BAD_PERIOD.format(text=period, error=exc))
    names = dict(zip(data.cities()["code"].astype(str), data.cities()["name"], strict=True))
    sheet = read_sheet(data.sessions, scope, code, wanted, names)
    if sheet is None:
        return _message(code, O.SHEET_NONE)
    tz = data.clock.now().tzinfo
    title = O.SHEET_HEADING.format(name=sheet.site_name)
    history = html.Section(className="panel", children=[
        panel_title(O.SHEET_HISTORY),
        sheet_table(O.SHEET_HISTORY_COLUMNS, history_rows(sheet.history, sheet.site_code, tz), f"{P}-history",
                    O.NO_ROWS)])
    snap = sheet.snapshot
    if snap is None:
        return html.Div(className="page page-ops-sheet", children=[
            _head(title, sheet.site_code),
            html.Div(O.SHEET_PERIOD_MISSING.format(period=wanted.code if wanted else ""), id=f"{P}-missing",
                     className="missing"), history])
    r = snap.result
    args = (sheet.site_code, sheet.findings, sheet.entries)
    left: list[Any] = [
        html.Section(className="panel", children=[
            panel_title(f"{sheet.city_name} · {snap.site_code}"),
            html.Div(facts(r, snap.period, snap.computed_at, tz, sheet.signoff), className="sheet-facts"),
            basis_note(snap.computed_at, snap.frozen, tz, sheet.pending)]),
        html.Section(className="panel", children=[
            panel_title(O.SHEET_INDICATORS),
            sheet_table(O.SHEET_INDICATOR_COLUMNS, indicator_rows(r, *args), f"{P}-indicators", O.NO_ROWS)]),
    ]
    right: list[Any] = [
        html.Section(className="panel", children=[
            panel_title(O.SHEET_VETOES),
            sheet_table(O.SHEET_VETO_COLUMNS, veto_rows(r, *args), f"{P}-vetoes", O.SHEET_NO_VETO)]),
        html.Section(className="panel", children=[
            panel_title(O.SHEET_BONUS),
            sheet_table(O.SHEET_BONUS_COLUMNS, bonus_rows(r, *args), f"{P}-bonus", O.SHEET_NO_BONUS)]),
    ]
    if r.get("undetermined"):
        right.append(html.Section(className="panel", children=[
            panel_title(O.SHEET_UNDETERMINED),
            html.Ul([html.Li(u["reason"]) for u in r["undetermined"]], className="sheet-lines",
                    id=f"{P}-undetermined")]))
    if r.get("provisional"):
        right.append(html.Details([html.Summary(O.SHEET_PROVISIONAL_SUMMARY.format(n=len(r["provisional"]))),
                                   O.SHEET_PROVISIONAL_NOTE.format(items="、".join(map(str, r["provisional"])))],
                                  className="sheet-note", id=f"{P}-provisional"))
    if "refused" in r:
        right.append(html.Section(className="panel", children=[
            panel_title(O.SHEET_UNDETERMINED),
            html.Ul([html.Li(x) for x in r["refused"]], className="sheet-lines", id=f"{P}-refused")]))
    right.append(history)
    return html.Div(className="page page-ops-sheet", children=[
        _head(title, sheet.site_code),
        html.Div(className="sheet-grid", children=[html.Div(left, className="sheet-col"),
                                                    html.Div(right, className="sheet-col")])])


def _message(code: str, text: str) -> html.Div:
    return html.Div(className="page page-ops-sheet", children=[
        _head(O.SHEET_TITLE, code), html.Div(text, id=f"{P}-missing", className="missing")])
