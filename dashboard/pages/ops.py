"""The 运营中心 wall (/ops): the score snapshots of the viewer's region for one period — pass rate and
average per city on the Hunan map, the totals, the rankings (cities, county portals, provincial
departments), the vetoes, the trend across periods and the sites closest to failing. No controls: the
period comes from the URL (``/ops?period=2026Q4``) or is the latest with snapshots; absent or stale scores
are said in words. Refreshed in place."""

from __future__ import annotations

from typing import Any

import dash
from dash import Dash, Input, Output, State, dcc, html
from flask import request

from core.i18n import ops as O
from core.region import PROVINCE_CODE
from dashboard.data import wall_data
from dashboard.ops_data import OpsView, export_bulletin, parse_period, stale_days
from layouts.components import kpi_tile, paged, panel_title
from layouts.ops import (
    city_rank_table,
    closest_table,
    ops_kpi_items,
    pass_rate_map,
    period_line,
    site_rank_table,
    trend_figure,
    veto_table,
)
from operations.errors import VerifyError
from security.access import Access
from security.web import current_principal

dash.register_page(__name__, path="/ops", name=O.WALL_TITLE, title=f"{O.WALL_TITLE} · 运维指挥中心", order=5,
                   access=Access())  # the viewer's region's snapshots (the reader filters)

P = "ops"


def _scope() -> str:
    p = current_principal()
    return p.scope_code if p is not None else PROVINCE_CODE


def _body(period_text: str | None) -> list[Any]:
    """The page below its heading: the message when there is nothing true to show, else the panels."""
    data = wall_data()
    now = data.clock.now()
    try:
        parse_period(period_text)
        view = data.ops(now, _scope(), (period_text or "").strip().upper() or None)
    except VerifyError as exc:
        return [html.Div(O.BAD_PERIOD.format(text=period_text, error=exc), id=f"{P}-missing", className="missing")]
    if view.period is None or view.total is None:
        text = O.NO_SCORES if view.period is None else O.NO_SCORES_PERIOD.format(period=view.period.code)
        return [html.Div(text, id=f"{P}-missing", className="missing")]
    return _panels(view, now)


def _panels(view: OpsView, now: Any) -> list[Any]:
    assert view.period is not None
    code = view.period.code
    kind = O.KIND_QUARTER if view.period.kind.value == "quarter" else O.KIND_HALF
    n = len(view.trend)
    trend_title = O.TREND_PANEL.format(kind=kind, n=n)
    return [
        html.Div(period_line(view.period.label, code, view.computed_at, now, view.frozen, stale_days(view, now),
                             view.behind, view.oldest_at),
                 id=f"{P}-period", className="ops-period" + (" ops-stale" if stale_days(view, now) else "")),
        html.Div([kpi_tile(i, P) for i in ops_kpi_items(view.total)], className="kpi-row kpi-row-5"),
        html.Div(className="ops-grid", children=[
            html.Section(className="panel panel-ops-map", children=[
                panel_title(O.MAP_PANEL),
                dcc.Graph(id=f"{P}-map", figure=pass_rate_map(view.cities), className="graph-ops-map",
                          config={"displayModeBar": False, "responsive": True}),
                html.Div(O.MAP_NOTE, className="ops-note")]),
            html.Section(className="panel", children=[
                panel_title(O.CITY_RANK_PANEL), paged(city_rank_table(view.city_rank, f"{P}-city-rank"))]),
            html.Section(className="panel panel-ops-trend", children=[
                panel_title(trend_title),
                dcc.Graph(id=f"{P}-trend", figure=trend_figure(view.trend), className="graph-ops-trend",
                          config={"displayModeBar": False, "responsive": True}),
                html.Div(O.TREND_ONE, className="ops-note") if n == 1 else None]),
            html.Section(className="panel", children=[
                panel_title(O.VETO_PANEL), paged(veto_table(view.vetoes, f"{P}-vetoes", code))]),
            html.Section(className="panel", children=[
                panel_title(O.COUNTY_RANK_PANEL),
                paged(site_rank_table(view.county_rank, f"{P}-county-rank", code))]),
            html.Section(className="panel", children=[
                panel_title(O.DEPT_RANK_PANEL),
                paged(site_rank_table(view.dept_rank, f"{P}-dept-rank", code, with_city=False))]),
            html.Section(className="panel", children=[
                panel_title(O.CLOSEST_PANEL), paged(closest_table(view.closest, f"{P}-closest", code))]),
        ]),
    ]


def _export_controls() -> list[Any]:
    """The 检查情况通报 download, for a logged-in person (a kiosk wall shows none): the viewer's region, the
    page's period (or the latest), written as ``score export`` writes it."""
    p = current_principal()
    if p is None or p.kiosk or p.role is None:
        return []
    return [html.Button(O.EXPORT_BUTTON, id=f"{P}-export", n_clicks=0, className="btn ops-export"),
            html.Span("", id=f"{P}-export-msg", className="ops-note"), dcc.Download(id=f"{P}-download")]


def layout(period: str | None = None, **_: Any) -> html.Div:
    data = wall_data()
    return html.Div(className="page page-ops", children=[
        dcc.Interval(id=f"{P}-tick", interval=data.config.web.refresh_seconds * 1000),
        dcc.Store(id=f"{P}-period-code", data=period),
        html.Div(className="page-head", children=[html.H2(O.WALL_HEADING, id=f"{P}-name", className="page-name"),
                                                  *_export_controls()]),
        html.Div(_body(period), id=f"{P}-body", className="ops-body"),
    ])


def register_callbacks(app: Dash) -> None:
    """This page's callbacks, bound to ``app``."""

    @app.callback(Output(f"{P}-body", "children"), Input(f"{P}-tick", "n_intervals"),
                  State(f"{P}-period-code", "data"), prevent_initial_call=True)
    def refresh(_n: int, period: str | None) -> list[Any]:
        return _body(period)

    @app.callback(Output(f"{P}-download", "data"), Output(f"{P}-export-msg", "children"),
                  Input(f"{P}-export", "n_clicks"), State(f"{P}-period-code", "data"), prevent_initial_call=True)
    def export(n: int | None, period: str | None) -> tuple[Any, Any]:
        if not n:
            return dash.no_update, dash.no_update
        data = wall_data()
        try:
            wanted = parse_period(period)
        except VerifyError as exc:
            return dash.no_update, O.BAD_PERIOD.format(text=period, error=exc)
        out = export_bulletin(data.sessions, current_principal(), wanted, data.clock.now(),
                              request.remote_addr)
        if out.content is None:
            return dash.no_update, out.message
        return dcc.send_bytes(out.content, out.filename), out.message
