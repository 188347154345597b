"""One city's (or one county's: the same wall over the sites, hosts and alerts filed under the county) wall:
its KPI tiles (with the veto-risk tile), every site's state (problems first), every
site's inspection status, veto risk and nearest deadline (riskiest first), 24-hour availability,
its hosts when it has any, and the alert ticker of this city's alerts (as on the overview, where
unacknowledged critical ones pulse red)."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from core.i18n.screens_alerts import TA
from core.i18n.walls import TF, TI, T
from core.region import city_of, is_division_code
from dashboard.alert_data import alert_reader
from dashboard.data import wall_data
from dashboard.health import HOST_LIMIT_PERCENT
from layouts.alerts import ticker_class, ticker_items
from layouts.charts import trend_figure
from layouts.components import (
    city_kpi_items,
    city_sites_rows,
    city_sites_table,
    cut_text,
    kpi_tile,
    paged,
    panel_title,
)
from layouts.hosts import city_hosts_rows, city_hosts_table
from layouts.inspection import city_inspection_rows, city_inspection_table, veto_kpi_item
from security.access import Access, Kind, home_path
from security.web import current_principal

dash.register_page(__name__, path_template="/city/<code>", name=T.CITY_PAGE,
                   title=f"{T.CITY_PAGE} · 运维指挥中心", order=1,
                   access=Access(params={"code": Kind.DIVISION}, inputs={"city-code.data": Kind.DIVISION}))

P = "city"
TICKER_ROWS = 12  # newest firing alerts of the city scrolled in the ticker


def _city_row(code: str, now: Any) -> tuple[str | None, Any]:
    """(name, health row) for ``code``; name None when the code is not a city, a county or 省本级."""
    row = wall_data().region_health(code, now)
    if row is None:
        return None, None
    return str(row["name"]), row


def _kpis(code: str, row: Any, now: Any) -> list[Any]:
    return [*city_kpi_items(row), veto_kpi_item(wall_data().veto_kpis(now, city=code))]


def _cut(code: str, now: Any) -> str:
    """市级节点失联（自 08:12 起，已 14 分钟） while the city's own node is cut off from the province, else ""."""
    cut = wall_data().cut_cities(now)
    city = city_of(code) if is_division_code(code) else code
    if city not in cut:
        return ""
    return TF.CITY_PAGE_CUT.format(state=cut_text(cut[city], now))


def _sees_overview() -> bool:
    """Whether the viewer may open the province overview (a city's users and walls may not)."""
    p = current_principal()
    return p is None or p.is_province


def _ticker(code: str, now: Any) -> html.Div:
    tick = alert_reader().ticker(now, TICKER_ROWS, scope_code=code)
    return html.Div(id=f"{P}-ticker", className=ticker_class(tick), children=[
        html.Span(TA.TICKER_TITLE, className="alert-strip-label"),
        html.Div(html.Div(ticker_items(tick, now), id=f"{P}-ticker-items", className="ticker-track"),
                 className="ticker-window")])


def layout(code: str | None = None, **_: Any) -> html.Div:
    data = wall_data()
    now = data.clock.now()
    name, row = _city_row(code or "", now)
    if name is None:
        return html.Div(className="page page-missing", children=[
            html.H2(f"{T.NOT_FOUND_CITY}：{code}", className="missing"),
            dcc.Link(T.BACK_OVERVIEW, href=home_path(current_principal()), className="back-link")])
    trend = html.Section(className="panel panel-trend", children=[
        html.H2(T.CITY_TREND_TITLE, className="panel-title"),
        dcc.Graph(id=f"{P}-trend", figure=trend_figure(data.availability_trend(now, city=code)),
                  className="graph-trend", config={"displayModeBar": False, "responsive": True})])
    hosts = data.city_hosts(code or "", now)
    panels: list[Any] = [
        html.Section(className="panel panel-sites", children=[
            panel_title(T.CITY_SITES_TITLE),
            paged(city_sites_table(data.city_sites(code or "", now), body_id=f"{P}-sites-body", now=now))]),
        html.Section(className="panel panel-inspection", children=[
            panel_title(TI.CITY_INSPECTION_TITLE),
            paged(city_inspection_table(data.city_inspection(code or "", now), body_id=f"{P}-inspection-body"))]),
        trend]
    if not hosts.empty:
        # The hosts body has a pattern-matching id, so the refresh callback's ALL output simply
        # matches nothing on cities without hosts.
        panels.append(html.Section(className="panel panel-city-hosts", children=[
            panel_title(T.CITY_HOSTS_TITLE),
            paged(city_hosts_table(hosts, body_id={"type": f"{P}-hosts-body", "key": "hosts"},
                                   limit=HOST_LIMIT_PERCENT, now=now))]))
    return html.Div(className="page page-city", children=[
        dcc.Interval(id=f"{P}-tick", interval=data.config.web.refresh_seconds * 1000),
        dcc.Store(id=f"{P}-code", data=code),
        html.Div(className="page-head", children=[
            html.H2(name, id=f"{P}-name", className="page-name"),
            html.Div(_cut(code or "", now), id=f"{P}-cut", className="city-cut"),
            *([dcc.Link(T.BACK_OVERVIEW, href="/", className="back-link")] if _sees_overview() else [])]),
        html.Div([kpi_tile(i, P) for i in _kpis(code or "", row, now)], className="kpi-row kpi-row-5"),
        html.Div(panels, className="city-grid" + (" city-grid-hosts" if not hosts.empty else "")),
        _ticker(code or "", now),
    ])


def register_callbacks(app: Dash) -> None:
    """This page's callbacks, bound to ``app``."""

    @app.callback(
        Output(f"{P}-trend", "figure"), Output(f"{P}-sites-body", "children"),
        Output({"type": f"{P}-kpi-value", "key": ALL}, "children"),
        Output({"type": f"{P}-kpi", "key": ALL}, "className"),
        Output({"type": f"{P}-hosts-body", "key": ALL}, "children"),
        Output(f"{P}-inspection-body", "children"),
        Output(f"{P}-ticker-items", "children"), Output(f"{P}-ticker", "className"),
        Output(f"{P}-cut", "children"),
        Input(f"{P}-tick", "n_intervals"), State(f"{P}-code", "data"), prevent_initial_call=True)
    def refresh(_n: int, code: str | None) -> tuple[Any, ...]:
        if not code:
            return (no_update,) * 9
        data = wall_data()
        now = data.clock.now()
        _, row = _city_row(code, now)
        items = {i.key: i for i in _kpis(code, row, now)}
        keys = [o["id"]["key"] for o in ctx.outputs_list[2]]
        host_bodies = [city_hosts_rows(data.city_hosts(code, now), HOST_LIMIT_PERCENT, now)
                       for _ in ctx.outputs_list[4]]
        tick = alert_reader().ticker(now, TICKER_ROWS, scope_code=code)
        return (trend_figure(data.availability_trend(now, city=code)), city_sites_rows(data.city_sites(code, now), now),
                [items[k].value for k in keys], [f"kpi kpi-{items[k].status}" for k in keys], host_bodies,
                city_inspection_rows(data.city_inspection(code, now)), ticker_items(tick, now), ticker_class(tick),
                _cut(code, now))
