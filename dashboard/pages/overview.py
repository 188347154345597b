"""The province overview wall: KPI tiles, the Hunan map, the 24-hour trend and the worst sites.

The first paint is rendered server-side; afterwards one interval callback patches figures,
tile values and the table body in place (the page layout is never rebuilt).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Dash, Input, Output, Patch, ctx, dcc, html, no_update

from dashboard.data import wall_data
from layouts import theme
from layouts.charts import trend_figure
from layouts.components import kpi_items, kpi_tile, worst_sites_rows, worst_sites_table
from layouts.map import city_from_click, map_figure, map_restyle
from layouts.text import CITY_STATUS, T

dash.register_page(__name__, path="/", name=T.OVERVIEW, title=f"{T.OVERVIEW} · 运维指挥中心", order=0)

P = "overview"


def _stale_after_s() -> float:
    c = wall_data().config.collectors
    return 2.0 * max(c.probe_interval, c.host_interval)


def _legend() -> html.Div:
    items = [("up", CITY_STATUS["up"]), ("degraded", CITY_STATUS["degraded"]), ("down", CITY_STATUS["down"]),
             ("stale", CITY_STATUS["stale"])]
    return html.Div(className="map-legend", children=[
        html.Span([html.I(className="swatch", style={"background": theme.status_color(k)}), v])
        for k, v in items])


def layout(**_: Any) -> html.Div:
    data = wall_data()
    now = data.clock.now()
    kpis = data.overview_kpis(now)
    return html.Div(className="page page-overview", children=[
        dcc.Interval(id=f"{P}-tick", interval=data.config.web.refresh_seconds * 1000),
        dcc.Location(id=f"{P}-nav", refresh="callback-nav"),
        html.Div([kpi_tile(i, P) for i in kpi_items(kpis, _stale_after_s())], className="kpi-row"),
        html.Div(className="overview-grid", children=[
            html.Section(className="panel panel-map", children=[
                html.H2(T.MAP_TITLE, className="panel-title"),
                dcc.Graph(id=f"{P}-map", figure=map_figure(data.city_health(now)), className="graph-map",
                          config={"displayModeBar": False, "scrollZoom": False, "responsive": True}),
                _legend(),
                html.Div(T.ATTRIBUTION, className="attribution"),
            ]),
            html.Div(className="overview-side", children=[
                html.Section(className="panel panel-trend", children=[
                    html.H2(T.TREND_TITLE, className="panel-title"),
                    dcc.Graph(id=f"{P}-trend", figure=trend_figure(data.availability_trend(now)),
                              className="graph-trend", config={"displayModeBar": False, "responsive": True}),
                ]),
                html.Section(className="panel panel-worst", children=[
                    html.H2(T.WORST_TITLE, className="panel-title"),
                    worst_sites_table(data.worst_sites(now), body_id=f"{P}-worst-body"),
                ]),
            ]),
        ]),
    ])


def register_callbacks(app: Dash) -> None:
    """This page's callbacks, bound to ``app``."""

    @app.callback(
        Output(f"{P}-map", "figure"), Output(f"{P}-trend", "figure"), Output(f"{P}-worst-body", "children"),
        Output({"type": f"{P}-kpi-value", "key": ALL}, "children"),
        Output({"type": f"{P}-kpi", "key": ALL}, "className"),
        Input(f"{P}-tick", "n_intervals"), prevent_initial_call=True)
    def refresh(_n: int) -> tuple[Any, ...]:
        data = wall_data()
        now = data.clock.now()
        patch = Patch()
        for idx, props in map_restyle(data.city_health(now)):
            for key, value in props.items():
                patch["data"][idx][key] = value
        items = {i.key: i for i in kpi_items(data.overview_kpis(now), _stale_after_s())}
        keys = [o["id"]["key"] for o in ctx.outputs_list[3]]
        return (patch, trend_figure(data.availability_trend(now)), worst_sites_rows(data.worst_sites(now)),
                [items[k].value for k in keys], [f"kpi kpi-{items[k].status}" for k in keys])

    @app.callback(Output(f"{P}-nav", "href"), Input(f"{P}-map", "clickData"), prevent_initial_call=True)
    def drill_down(click: dict[str, Any] | None) -> Any:
        code = city_from_click(click)
        return f"/city/{code}" if code else no_update
