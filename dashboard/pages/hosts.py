"""The hosts wall: tiles (healthy, unhealthy, stale, fullest disk) and every host, problems first."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Dash, Input, Output, ctx, dcc, html

from core.i18n.screens_infra import TINF
from core.i18n.walls import T
from dashboard.data import wall_data
from dashboard.health import HOST_LIMIT_PERCENT
from layouts.components import kpi_tile, paged, panel_title
from layouts.hosts import host_kpi_items, hosts_rows, hosts_table
from security.access import Access

dash.register_page(__name__, path="/hosts", name=T.HOSTS_PAGE, title=f"{T.HOSTS_PAGE} · 运维指挥中心", order=3,
                   access=Access(province_only=True))  # every host of the platform

P = "hosts"


def layout(**_: Any) -> html.Div:
    data = wall_data()
    now = data.clock.now()
    hosts = data.host_frame(now)
    return html.Div(className="page page-hosts", children=[
        dcc.Interval(id=f"{P}-tick", interval=data.config.web.refresh_seconds * 1000),
        html.Div(className="page-head", children=[
            html.H2(T.HOSTS_PAGE, id=f"{P}-name", className="page-name"),
            dcc.Link(TINF.PAGE + " ›", href="/infra", className="back-link"),
            dcc.Link(T.BACK_OVERVIEW, href="/", className="back-link")]),
        html.Div([kpi_tile(i, P) for i in host_kpi_items(hosts, HOST_LIMIT_PERCENT)], className="kpi-row kpi-row-4"),
        html.Section(className="panel panel-hosts", children=[
            panel_title(T.HOSTS_TITLE),
            paged(hosts_table(hosts, body_id=f"{P}-body", limit=HOST_LIMIT_PERCENT, now=now))]),
    ])


def register_callbacks(app: Dash) -> None:
    """This page's callbacks, bound to ``app``."""

    @app.callback(
        Output(f"{P}-body", "children"),
        Output({"type": f"{P}-kpi-value", "key": ALL}, "children"),
        Output({"type": f"{P}-kpi", "key": ALL}, "className"),
        Input(f"{P}-tick", "n_intervals"), prevent_initial_call=True)
    def refresh(_n: int) -> tuple[Any, ...]:
        data = wall_data()
        now = data.clock.now()
        hosts = data.host_frame(now)
        items = {i.key: i for i in host_kpi_items(hosts, HOST_LIMIT_PERCENT)}
        keys = [o["id"]["key"] for o in ctx.outputs_list[1]]
        return (hosts_rows(hosts, HOST_LIMIT_PERCENT, now), [items[k].value for k in keys],
                [f"kpi kpi-{items[k].status}" for k in keys])
