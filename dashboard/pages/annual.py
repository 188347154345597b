"""政府网站工作年度报表 (/annual; ``?year=YYYY``): the viewer's region's sites with their report of a year — type,
city, state, how many fields are missing, automatic and entered by hand, the last change — each linking to
its report (/annual/site/<code>); a site without a report reads 未生成. Reads through dashboard/annual_data.py
within the viewer's scope. Kiosk walls are refused (an office page, read at a desk)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import dash
from dash import Dash, Input, Output, dcc, html

from core.i18n.annual import S
from dashboard import annual_data as ad
from dashboard import inputs
from dashboard.annual_data import actor, refusal
from dashboard.data import wall_data
from layouts.annual import year_table
from security.access import Access
from security.web import current_principal

dash.register_page(__name__, path="/annual", name=S.PAGE, title=f"{S.PAGE} · 运维指挥中心", order=12,
                   access=Access())

P = "annual"


def layout(year: str | None = None, **_: Any) -> html.Div:
    p = current_principal()
    why = refusal(p)
    if why is not None or p is None:
        return html.Div(html.P(why, id=f"{P}-refused", className="annual-note"), className="page page-annual")
    data = wall_data()
    current = data.clock.now().year
    with data.sessions() as s:
        offered = ad.years(s, actor(p), current)
    wanted = inputs.integer(year) if year else None
    chosen = wanted if wanted is not None and 2000 <= wanted <= 2100 else offered[0]
    options = [{"label": f"{y} 年", "value": y} for y in sorted(set(offered) | {chosen}, reverse=True)]
    return html.Div(className="page page-annual", children=[
        html.Div(className="page-head", children=[html.H2(S.PAGE, id=f"{P}-name", className="page-name")]),
        html.P(S.PAGE_NOTE.format(scope=p.scope_code), className="annual-note"),
        html.Div(className="oncall-form", children=[
            html.Label([html.Span(S.YEAR), dcc.Dropdown(id=f"{P}-year", options=options, value=chosen,
                                                        clearable=False, searchable=False)],
                       className="oncall-field narrow"),
            html.Div(id=f"{P}-summary", className="annual-summary")]),
        html.Section(className="panel annual-panel", children=[html.Div(className="scroll", children=[
            html.Table(className="wall-table annual-table", children=[
                html.Thead(html.Tr([html.Th(h) for h in S.COLUMNS])), html.Tbody(id=f"{P}-body")])])])])


def register_callbacks(app: Dash) -> None:
    @app.callback(Output(f"{P}-body", "children"), Output(f"{P}-summary", "children"), Input(f"{P}-year", "value"))
    def refresh(year: Any) -> tuple[Any, Any]:
        p = current_principal()
        y = inputs.integer(year)
        if p is None or refusal(p) is not None or y is None:
            return [], ""
        data = wall_data()
        tz = data.clock.now().tzinfo or UTC
        with data.sessions() as s:
            rows = ad.year_rows(s, actor(p), y, tz)
        made = [r for r in rows if r.state_key]
        summary = S.SUMMARY.format(year=y, n=len(rows), made=len(made), none=len(rows) - len(made),
                                   published=sum(1 for r in made if r.state_key == "published"))
        return year_table(rows, y), summary
