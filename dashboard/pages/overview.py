"""The province overview wall: KPI tiles (with 否决风险网站), the Hunan map with open alert counts per
city, the 24-hour trend, the sites with the lowest availability, the sites closest to a veto breach
and the alert ticker (newest firing alerts; unacknowledged critical ones pulse red).

On a province federating cities (``[node] federated_cities``) the side column starts with the 市级节点状态 panel:
each city node's link (在线 / 失联 since when / 未接入) and how many sites and hosts of cut cities read unknown.

The first paint is rendered server-side; afterwards one interval callback patches figures,
tile values and the table body in place (the page layout is never rebuilt).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Dash, Input, Output, Patch, ctx, dcc, html, no_update

from core.i18n.screens_alerts import TA
from core.i18n.walls import CITY_STATUS, TI, T
from dashboard.alert_data import alert_reader
from dashboard.data import wall_data
from layouts import theme
from layouts.alerts import city_count_rows, ticker_class, ticker_items
from layouts.charts import trend_figure
from layouts.components import kpi_items, kpi_tile, paged, panel_title, worst_sites_rows, worst_sites_table
from layouts.federation import node_panel
from layouts.inspection import closest_rows, closest_table, provisional_note, veto_kpi_item
from layouts.map import city_from_click, map_figure, map_restyle
from security.access import Access

dash.register_page(__name__, path="/", name=T.OVERVIEW, title=f"{T.OVERVIEW} · 运维指挥中心", order=0,
                   access=Access(province_only=True))  # the whole province

P = "overview"
LIST_ROWS = 5  # rows of the worst-sites and closest-to-breach lists (they fit the 1080-pixel wall; else they page)
TICKER_ROWS = 12  # newest firing alerts scrolled in the ticker


def _kpis(now: Any) -> list[Any]:
    data = wall_data()
    return [*kpi_items(data.overview_kpis(now), _stale_after_s()), veto_kpi_item(data.veto_kpis(now))]


def _stale_after_s() -> float:
    c = wall_data().config.collectors
    return 2.0 * max(c.probe_interval, c.host_interval)


def _legend() -> html.Div:
    items = [("up", CITY_STATUS["up"]), ("degraded", CITY_STATUS["degraded"]), ("down", CITY_STATUS["down"]),
             ("stale", CITY_STATUS["stale"])]
    return html.Div(className="map-legend", children=[
        html.Span([html.I(className="swatch", style={"background": theme.status_color(k)}), v])
        for k, v in items])


def _nodes(now: Any) -> list[Any]:
    """The 市级节点状态 panel (only on a province federating cities)."""
    data = wall_data()
    if not data.config.node.federated_cities:
        return []
    k = data.overview_kpis(now)
    return [node_panel(data.node_links(now), now, k.sites_unknown, k.hosts_unknown, P)]


def layout(**_: Any) -> html.Div:
    data = wall_data()
    now = data.clock.now()
    federated = bool(data.config.node.federated_cities)
    snap = data.inspection(now)
    alerts = alert_reader()
    tick = alerts.ticker(now, TICKER_ROWS)
    return html.Div(className="page page-overview", children=[
        dcc.Interval(id=f"{P}-tick", interval=data.config.web.refresh_seconds * 1000),
        dcc.Location(id=f"{P}-nav", refresh="callback-nav"),
        html.Div([kpi_tile(i, P) for i in _kpis(now)], className="kpi-row kpi-row-7"),
        html.Div(className="overview-grid", children=[
            html.Section(className="panel panel-map", children=[
                html.H2(T.MAP_TITLE, className="panel-title"),
                html.Div(className="map-body", children=[
                    dcc.Graph(id=f"{P}-map", figure=map_figure(data.city_health(now)), className="graph-map",
                              config={"displayModeBar": False, "scrollZoom": False, "responsive": True}),
                    html.Aside(className="map-side", children=[
                        html.Div(className="alert-counts", children=[
                            html.Div(TA.COUNTS_TITLE, className="alert-counts-title"),
                            html.Div(city_count_rows(alerts.city_counts(now)), id=f"{P}-alert-counts")]),
                        _legend(),
                        html.Div(T.ATTRIBUTION, className="attribution")]),
                ]),
            ]),
            html.Div(className="overview-side" + (" overview-side-nodes" if federated else ""), children=[
                html.Div(_nodes(now), id=f"{P}-nodes", className="overview-nodes", hidden=not federated),
                html.Section(className="panel panel-trend", children=[
                    html.H2(T.TREND_TITLE, className="panel-title"),
                    dcc.Graph(id=f"{P}-trend", figure=trend_figure(data.availability_trend(now)),
                              className="graph-trend", config={"displayModeBar": False, "responsive": True}),
                ]),
                html.Section(className="panel panel-worst", children=[
                    panel_title(T.WORST_TITLE),
                    paged(worst_sites_table(data.worst_sites(now, LIST_ROWS), body_id=f"{P}-worst-body", now=now)),
                ]),
                html.Section(className="panel panel-closest", children=[
                    panel_title(TI.CLOSEST_TITLE),
                    paged(closest_table(data.closest_to_breach(now, LIST_ROWS), body_id=f"{P}-closest-body")),
                    html.Div(provisional_note(snap.provisional, snap.rules_error), id=f"{P}-closest-note"),
                ]),
            ]),
        ]),
        html.Div(id=f"{P}-ticker", className=ticker_class(tick), children=[
            html.Span(TA.TICKER_TITLE, className="alert-strip-label"),
            html.Div(html.Div(ticker_items(tick, now), id=f"{P}-ticker-items", className="ticker-track"),
                     className="ticker-window")]),
    ])


def register_callbacks(app: Dash) -> None:
    """This page's callbacks, bound to ``app``."""

    @app.callback(
        Output(f"{P}-map", "figure"), Output(f"{P}-trend", "figure"), Output(f"{P}-worst-body", "children"),
        Output({"type": f"{P}-kpi-value", "key": ALL}, "children"),
        Output({"type": f"{P}-kpi", "key": ALL}, "className"),
        Output(f"{P}-closest-body", "children"), Output(f"{P}-closest-note", "children"),
        Output(f"{P}-ticker-items", "children"), Output(f"{P}-ticker", "className"),
        Output(f"{P}-alert-counts", "children"), Output(f"{P}-nodes", "children"),
        Input(f"{P}-tick", "n_intervals"), prevent_initial_call=True)
    def refresh(_n: int) -> tuple[Any, ...]:
        data = wall_data()
        now = data.clock.now()
        patch = Patch()
        for idx, props in map_restyle(data.city_health(now)):
            for key, value in props.items():
                patch["data"][idx][key] = value
        items = {i.key: i for i in _kpis(now)}
        keys = [o["id"]["key"] for o in ctx.outputs_list[3]]
        snap = data.inspection(now)
        alerts = alert_reader()
        tick = alerts.ticker(now, TICKER_ROWS)
        return (patch, trend_figure(data.availability_trend(now)),
                worst_sites_rows(data.worst_sites(now, LIST_ROWS), now),
                [items[k].value for k in keys], [f"kpi kpi-{items[k].status}" for k in keys],
                closest_rows(data.closest_to_breach(now, LIST_ROWS)), provisional_note(snap.provisional,
                                                                                      snap.rules_error),
                ticker_items(tick, now), ticker_class(tick), city_count_rows(alerts.city_counts(now)), _nodes(now))

    @app.callback(Output(f"{P}-nav", "href"), Input(f"{P}-map", "clickData"), prevent_initial_call=True)
    def drill_down(click: dict[str, Any] | None) -> Any:
        code = city_from_click(click)
        return f"/city/{code}" if code else no_update
