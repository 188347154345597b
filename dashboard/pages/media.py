"""The new-media wall (新媒体): accounts, vetoes, accounts about to breach and those never collected, counts by
platform, and every problem with its days left; within the viewer's region. Refreshed in place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash
from dash import ALL, Dash, Input, Output, ctx, dcc, html

from core.i18n import media as M
from core.i18n.walls import T
from dashboard.data import wall_data
from dashboard.media_data import media_frames
from layouts.components import kpi_tile, paged, panel_title
from layouts.media import issue_rows, issues_table, media_kpi_items, platform_tiles
from newmedia.settings import media_rules
from security.access import Access
from security.scope import PROVINCE_CODE
from security.web import current_principal

dash.register_page(__name__, path="/media", name=M.WALL_TITLE, title=f"{M.WALL_TITLE} · 运维指挥中心", order=4,
                   access=Access())  # every account of the viewer's region (filtered by the reader)

P = "media"


def _frames(now: datetime) -> tuple[Any, Any]:
    data = wall_data()
    p = current_principal()
    scope = p.scope_code if p is not None else PROVINCE_CODE
    return media_frames(data.sessions, now, media_rules(data.config), scope)


def layout(**_: Any) -> html.Div:
    data = wall_data()
    now = data.clock.now()
    accounts, issues = _frames(now)
    return html.Div(className="page page-media", children=[
        dcc.Interval(id=f"{P}-tick", interval=data.config.web.refresh_seconds * 1000),
        html.Div(className="page-head", children=[
            html.H2(M.WALL_HEADING, id=f"{P}-name", className="page-name"),
            dcc.Link(T.BACK_OVERVIEW, href="/", className="back-link")]),
        html.Div([kpi_tile(i, P) for i in media_kpi_items(accounts)], className="kpi-row kpi-row-4"),
        html.Section(className="panel panel-media-platforms", children=[
            panel_title(M.WALL_BY_PLATFORM), html.Div(platform_tiles(accounts), id=f"{P}-platforms")]),
        html.Section(className="panel panel-media-issues", children=[
            panel_title(M.WALL_RISK_TABLE),
            paged(issues_table(issues, body_id=f"{P}-body")),
            html.Div(M.WALL_PROVISIONAL.format(days=data.config.newmedia.unanswered_days), className="media-note")]),
    ])


def register_callbacks(app: Dash) -> None:
    """This page's callbacks, bound to ``app``."""

    @app.callback(
        Output(f"{P}-body", "children"),
        Output(f"{P}-platforms", "children"),
        Output({"type": f"{P}-kpi-value", "key": ALL}, "children"),
        Output({"type": f"{P}-kpi", "key": ALL}, "className"),
        Input(f"{P}-tick", "n_intervals"), prevent_initial_call=True)
    def refresh(_n: int) -> tuple[Any, ...]:
        accounts, issues = _frames(wall_data().clock.now())
        items = {i.key: i for i in media_kpi_items(accounts)}
        keys = [o["id"]["key"] for o in ctx.outputs_list[2]]
        return (issue_rows(issues), platform_tiles(accounts), [items[k].value for k in keys],
                [f"kpi kpi-{items[k].status}" for k in keys])
