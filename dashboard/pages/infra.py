"""The infrastructure wall (基础设施): hosts per node, CPU/memory/disk hot spots and the disks that fill soonest
by their trend, local and SSH hosts alike; readable from 5 m at 1920×1080."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Dash, Input, Output, ctx, dcc, html

from core.i18n.screens_infra import TINF
from dashboard.data import wall_data
from dashboard.health import HOST_LIMIT_PERCENT
from dashboard.infra_data import FORECAST_HORIZON_DAYS, FORECAST_WINDOW
from layouts.components import kpi_tile, panel_title
from layouts.infra import forecast_rows, forecast_table, forecast_title, hot_spots, infra_kpis, node_rows, nodes_table
from security.access import Access

dash.register_page(__name__, path="/infra", name=TINF.PAGE, title=f"{TINF.PAGE} · 运维指挥中心", order=5,
                   access=Access(province_only=True))  # every host of the platform, as the hosts page

P = "infra"


def layout(**_: Any) -> html.Div:
    data = wall_data()
    now = data.clock.now()
    snap = data.infra(now)
    return html.Div(className="page page-infra", children=[
        dcc.Interval(id=f"{P}-tick", interval=data.config.web.refresh_seconds * 1000),
        html.Div(className="page-head", children=[
            html.H2(TINF.PAGE, id=f"{P}-name", className="page-name"),
            dcc.Link(TINF.TO_HOSTS, href="/hosts", className="back-link")]),
        html.Div([kpi_tile(i, P) for i in infra_kpis(snap.hosts, snap.forecasts)], className="kpi-row kpi-row-5"),
        html.Div(className="infra-grid", children=[
            html.Section(className="panel infra-panel-nodes", children=[
                panel_title(TINF.NODES_TITLE), nodes_table(snap.nodes, f"{P}-nodes")]),
            html.Section(className="panel infra-panel-hot", children=[
                panel_title(TINF.HOT_TITLE),
                html.Div(hot_spots(snap.hosts, HOST_LIMIT_PERCENT), id=f"{P}-hot", className="infra-hot-grid")]),
            html.Section(className="panel infra-panel-forecast", children=[
                panel_title(forecast_title(FORECAST_WINDOW.total_seconds())),
                forecast_table(snap.forecasts, snap.hosts, FORECAST_HORIZON_DAYS, f"{P}-forecast"),
                html.Div(TINF.FOOTNOTE, className="footnote")]),
        ]),
    ])


def register_callbacks(app: Dash) -> None:
    """This page's callbacks, bound to ``app``."""

    @app.callback(
        Output(f"{P}-nodes", "children"), Output(f"{P}-hot", "children"), Output(f"{P}-forecast", "children"),
        Output({"type": f"{P}-kpi-value", "key": ALL}, "children"),
        Output({"type": f"{P}-kpi", "key": ALL}, "className"),
        Input(f"{P}-tick", "n_intervals"), prevent_initial_call=True)
    def refresh(_n: int) -> tuple[Any, ...]:
        data = wall_data()
        snap = data.infra(data.clock.now())
        items = {i.key: i for i in infra_kpis(snap.hosts, snap.forecasts)}
        keys = [o["id"]["key"] for o in ctx.outputs_list[3]]
        return (node_rows(snap.nodes), hot_spots(snap.hosts, HOST_LIMIT_PERCENT),
                forecast_rows(snap.forecasts, snap.hosts, FORECAST_HORIZON_DAYS),
                [items[k].value for k in keys], [f"kpi kpi-{items[k].status}" for k in keys])
