"""页面不存在, inside the app: what Dash's router shows when a link inside a running page leads to a path
no page claims (Dash finds this page by its module name). A direct load of an unknown path never gets
here: dashboard/not_found.py answers it with status 404 first."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from dashboard.not_found import BACK_HOME, HOME_HINT, NOT_FOUND_PATH, NOT_FOUND_TITLE, home_path
from security.access import Access

dash.register_page(__name__, path=NOT_FOUND_PATH, name=NOT_FOUND_TITLE, title=f"{NOT_FOUND_TITLE} · 运维指挥中心",
                   order=99, access=Access())


def layout(**_: Any) -> html.Div:
    return html.Div(className="page page-not-found", children=[
        html.Div(className="not-found-box", children=[
            html.Div("404", className="not-found-code"),
            html.H2(NOT_FOUND_TITLE, className="not-found-title"),
            html.P(HOME_HINT, className="not-found-text"),
            dcc.Link(BACK_HOME, href=home_path(), className="not-found-home", id="not-found-home")])])
