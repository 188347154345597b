"""The 平台服务 wall: tiles (正常 / 异常 / 未知), one card per service kind and every service with its state and
key figures, problems first. A viewer sees the services of their own region (the province all of them, a city
its own and its counties', a county its own), like the alert console.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Dash, Input, Output, ctx, dcc, html

from core.i18n.services import PAGE, W
from core.i18n.walls import T
from core.region import PROVINCE_CODE
from dashboard.data import wall_data
from layouts.components import kpi_tile, paged, panel_title
from layouts.services import kind_cards, service_kpi_items, service_rows, services_table
from security.access import Access
from security.web import current_principal

dash.register_page(__name__, path="/services", name=PAGE, title=f"{PAGE} · 运维指挥中心", order=5,
                   access=Access())  # any viewer: the rows are cut to the viewer's own region

P = "services"


def _scope() -> str:
    p = current_principal()
    return p.scope_code if p is not None else PROVINCE_CODE


def layout(**_: Any) -> html.Div:
    data = wall_data()
    now = data.clock.now()
    df = data.service_frame(now, _scope())
    return html.Div(className="page page-services", children=[
        dcc.Interval(id=f"{P}-tick", interval=data.config.web.refresh_seconds * 1000),
        html.Div(className="page-head", children=[
            html.H2(PAGE, id=f"{P}-name", className="page-name"),
            dcc.Link(T.BACK_OVERVIEW, href="/", className="back-link")]),
        html.Div([kpi_tile(i, P) for i in service_kpi_items(df)], className="kpi-row kpi-row-3"),
        html.Div(kind_cards(df, P), id=f"{P}-cards", className="kpi-row service-cards"),
        html.Section(className="panel panel-services", children=[
            panel_title(W["table"]),
            paged(services_table(df, body_id=f"{P}-body", now=now))]),
    ])


def register_callbacks(app: Dash) -> None:
    """This page's callbacks, bound to ``app``."""

    @app.callback(
        Output(f"{P}-body", "children"),
        Output(f"{P}-cards", "children"),
        Output({"type": f"{P}-kpi-value", "key": ALL}, "children"),
        Output({"type": f"{P}-kpi", "key": ALL}, "className"),
        Input(f"{P}-tick", "n_intervals"), prevent_initial_call=True)
    def refresh(_n: int) -> tuple[Any, ...]:
        data = wall_data()
        now = data.clock.now()
        df = data.service_frame(now, _scope())
        items = {i.key: i for i in service_kpi_items(df)}
        keys = [o["id"]["key"] for o in ctx.outputs_list[2]]
        return (service_rows(df, now), kind_cards(df, P), [items[k].value for k in keys],
                [f"kpi kpi-{items[k].status}" for k in keys])
