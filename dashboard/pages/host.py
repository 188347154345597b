"""One host's page: facts and newest sample, disk usage per mount, 24 hours of CPU, memory and
load, and of network and disk I/O rates."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import dash
from dash import Dash, Input, Output, State, dcc, html, no_update

from core.i18n.walls import T
from dashboard.data import wall_data
from dashboard.health import HOST_LIMIT_PERCENT
from dashboard.impact_data import host_sites
from layouts.host_charts import disk_bars_figure, host_io_figure, host_usage_figure
from layouts.hosts import host_facts
from layouts.impact import served_sites_fact
from security.access import Access, Kind, home_path
from security.web import current_principal, scope_refusal

dash.register_page(__name__, path_template="/host/<name>", name=T.HOST_PAGE,
                   title=f"{T.HOST_PAGE} · 运维指挥中心", order=4,
                   access=Access(params={"name": Kind.HOST}, inputs={"host-key.data": Kind.HOST}))

P = "host"
HISTORY_HOURS = 24
GRAPH_CONFIG: dcc.Graph.Config = {"displayModeBar": False, "responsive": True}


def _facts(name: str, now: Any) -> list[html.Div] | None:
    d = wall_data().host_detail(name, now)
    if d is None:
        return None
    age = None if d.last_seen is None else (now - d.last_seen).total_seconds()
    return [*host_facts(d, age, HOST_LIMIT_PERCENT, now), served_sites_fact(host_sites(wall_data().sessions, name))]


def _figures(name: str, now: Any) -> tuple[Any, Any, Any]:
    data = wall_data()
    history = data.host_history(name, now, HISTORY_HOURS)
    return (host_usage_figure(history), host_io_figure(history),
            disk_bars_figure(data.host_disks(name, now), limit=HOST_LIMIT_PERCENT))


def _back_links() -> list[dcc.Link]:
    """主机列表 and 返回全省总览 for viewers who may open them (the province's); a city's viewer goes home."""
    p = current_principal()
    if p is None or p.is_province:
        return [dcc.Link(T.HOSTS_PAGE, href="/hosts", className="back-link"),
                dcc.Link(T.BACK_OVERVIEW, href="/", className="back-link")]
    return [dcc.Link(T.BACK_OVERVIEW, href=home_path(p), className="back-link")]


def _panel(title: str, body: Any, cls: str) -> html.Section:
    return html.Section(className=f"panel {cls}", children=[html.H2(title, className="panel-title"), body])


def layout(name: str | None = None, **_: Any) -> html.Div:
    data = wall_data()
    now = data.clock.now()
    name = unquote(name or "")
    why = scope_refusal(Kind.HOST, name)  # the guard judged the name as sent; this is the name shown
    if why:
        return html.Div(className="page page-missing", children=[html.H2(why, className="missing")])
    detail = data.host_detail(name, now)
    if detail is None:
        return html.Div(className="page page-missing", children=[
            html.H2(f"{T.NOT_FOUND_HOST}：{name}", className="missing"), *_back_links()])
    usage, io, disks = _figures(name, now)
    return html.Div(className="page page-host", children=[
        dcc.Interval(id=f"{P}-tick", interval=data.config.web.refresh_seconds * 1000),
        dcc.Store(id=f"{P}-key", data=name),
        html.Div(className="page-head", children=[
            html.H2(detail.name, id=f"{P}-name", className="page-name"),
            dcc.Link(detail.city_name, href=f"/city/{detail.city_code}", className="back-link"), *_back_links()]),
        html.Div(className="host-grid", children=[
            _panel(T.HOST_PAGE, html.Div(_facts(name, now), id=f"{P}-facts", className="facts facts-compact"),
                   "panel-facts"),
            _panel(T.HOST_USAGE_TITLE, dcc.Graph(id=f"{P}-usage", figure=usage, className="graph-fill",
                                                 config=GRAPH_CONFIG), "panel-usage"),
            _panel(T.HOST_DISKS_TITLE, dcc.Graph(id=f"{P}-disks", figure=disks, className="graph-fill",
                                                 config=GRAPH_CONFIG), "panel-disks"),
            _panel(T.HOST_IO_TITLE, dcc.Graph(id=f"{P}-io", figure=io, className="graph-fill",
                                              config=GRAPH_CONFIG), "panel-io"),
        ]),
    ])


def register_callbacks(app: Dash) -> None:
    """This page's callbacks, bound to ``app``."""

    @app.callback(Output(f"{P}-facts", "children"), Output(f"{P}-usage", "figure"), Output(f"{P}-io", "figure"),
                  Output(f"{P}-disks", "figure"),
                  Input(f"{P}-tick", "n_intervals"), State(f"{P}-key", "data"), prevent_initial_call=True)
    def refresh(_n: int, name: str | None) -> tuple[Any, ...]:
        if not name:
            return no_update, no_update, no_update, no_update
        now = wall_data().clock.now()
        facts = _facts(name, now)
        if facts is None:
            return no_update, no_update, no_update, no_update
        return (facts, *_figures(name, now))
