"""One site's page: registry facts, its newest probe, 24 hours of latency and availability, its veto
items (单项否决), its crawl coverage (全站覆盖) and its inspection findings grouped by check (recently
resolved ones greyed). On a province federating cities also the site from every vantage that probes it (各观测点
探测结果: the province and city nodes) with the verdict: down from everywhere, a path problem of some, or fine."""

from __future__ import annotations

from typing import Any

import dash
from dash import Dash, Input, Output, State, dcc, html, no_update

from core.i18n.walls import TF, TI, T
from core.region import is_county
from dashboard import federation_data
from dashboard.data import wall_data
from dashboard.impact_data import site_targets
from federation.vantage import judge
from layouts.charts import history_figure
from layouts.components import paged, panel_title, site_facts, table
from layouts.crawl_coverage import coverage_children
from layouts.federation import VANTAGE_HEADERS, vantage_rows, verdict_badge
from layouts.impact import site_targets_head
from layouts.inspection import FINDINGS_HEADERS, VETO_HEADERS, findings_rows, provisional_note, veto_rows
from security.access import Access, Kind, home_path
from security.web import current_principal

dash.register_page(__name__, path_template="/site/<code>", name=T.SITE_PAGE,
                   title=f"{T.SITE_PAGE} · 运维指挥中心", order=2,
                   access=Access(params={"code": Kind.SITE}, inputs={"site-code.data": Kind.SITE}))

P = "site"
HISTORY_HOURS = 24


def _sees_province() -> bool:
    """Whether the viewer may open the province's pages (a city's users and walls may not: no link there)."""
    p = current_principal()
    return p is None or p.is_province


def _region_link(detail: Any) -> dcc.Link:
    """The wall the site belongs to for this viewer: its county's for a county's viewer (who may not open
    the city's), else its city's."""
    p = current_principal()
    if p is not None and is_county(p.scope_code):
        return dcc.Link(detail.node_name, href=f"/city/{p.scope_code}", className="back-link")
    return dcc.Link(detail.city_name, href=f"/city/{detail.city_code}", className="back-link")


def _facts(code: str, now: Any) -> list[html.Div] | None:
    d = wall_data().site_detail(code, now)
    if d is None:
        return None
    age = None if d.last_probe is None else (now - d.last_probe).total_seconds()
    return site_facts(d, age, now)


def _vantages(code: str, now: Any) -> tuple[Any, list[Any]]:
    """(verdict, table rows) of the site seen from every vantage that probed it."""
    data = wall_data()
    probes = data.site_vantages(code, now)
    stale = federation_data.stale_after(data.config)
    return verdict_badge(judge(probes, now, stale)), vantage_rows(probes, now, stale)


def _coverage(code: str, now: Any) -> list[Any]:
    return coverage_children(wall_data().site_coverage(code, now), now)


def _inspection(code: str, url: str, now: Any) -> tuple[list[Any], list[Any], Any]:
    """(findings rows, veto rows, footnote) of one site."""
    data = wall_data()
    snap = data.inspection(now)
    judged = snap.sites.loc[snap.sites["code"] == code, "judged"]
    findings = findings_rows(data.site_findings(code, now), url,
                             judged=bool(judged.iloc[0]) if not judged.empty else False, tz=now.tzinfo)
    return findings, veto_rows(data.site_veto(code, now)), provisional_note(snap.provisional, snap.rules_error)


def layout(code: str | None = None, **_: Any) -> html.Div:
    data = wall_data()
    now = data.clock.now()
    detail = data.site_detail(code or "", now)
    if detail is None:
        return html.Div(className="page page-missing", children=[
            html.H2(f"{T.NOT_FOUND_SITE}：{code}", className="missing"),
            dcc.Link(T.BACK_OVERVIEW, href=home_path(current_principal()), className="back-link")])
    findings, veto, note = _inspection(detail.code, detail.url, now)
    # Per-vantage results where cities probe too (a province federating cities); hidden elsewhere.
    vantaged = bool(data.config.node.federated_cities)
    verdict, vantage_body = _vantages(detail.code, now)
    return html.Div(className="page page-site", children=[
        dcc.Interval(id=f"{P}-tick", interval=data.config.web.refresh_seconds * 1000),
        dcc.Store(id=f"{P}-code", data=code),
        html.Div(className="page-head", children=[
            html.H2(detail.name, id=f"{P}-name", className="page-name"),
            _region_link(detail),
            *([dcc.Link(T.BACK_OVERVIEW, href="/", className="back-link")] if _sees_province() else []),
            site_targets_head(site_targets(data.sessions, detail.code))]),
        html.Div(className="site-grid" + (" site-grid-vantage" if vantaged else ""), children=[
            html.Section(className="panel panel-facts", children=[
                html.H2(T.SITE_PAGE, className="panel-title"),
                html.Div(_facts(detail.code, now), id=f"{P}-facts", className="facts facts-compact")]),
            html.Section(className="panel panel-history", children=[
                html.H2(f"{T.HISTORY_LATENCY} / {T.HISTORY_UP}", className="panel-title"),
                dcc.Graph(id=f"{P}-history", figure=history_figure(data.site_history(detail.code, now,
                                                                                     HISTORY_HOURS)),
                          className="graph-history", config={"displayModeBar": False, "responsive": True})]),
            html.Section(className="panel panel-veto", children=[
                panel_title(TI.VETO_TITLE),
                paged(table(VETO_HEADERS, veto, f"{P}-veto-body", "veto-table")),
                html.Div(note, id=f"{P}-veto-note")]),
            html.Section(className="panel panel-coverage", children=[
                html.H2(TI.COVERAGE_TITLE, className="panel-title"),
                html.Div(_coverage(detail.code, now), id=f"{P}-coverage")]),
            html.Section(id=f"{P}-vantage-panel", className="panel panel-vantage", hidden=not vantaged, children=[
                html.H2(TF.VANTAGE_TITLE, className="panel-title"),
                html.Div(verdict, id=f"{P}-verdict"),
                table(VANTAGE_HEADERS, vantage_body, f"{P}-vantage-body", "vantage-table")]),
            html.Section(className="panel panel-findings", children=[
                panel_title(TI.FINDINGS_TITLE),
                paged(table(FINDINGS_HEADERS, findings, f"{P}-findings-body", "findings-table"))]),
        ]),
    ])


def register_callbacks(app: Dash) -> None:
    """This page's callbacks, bound to ``app``."""

    @app.callback(Output(f"{P}-facts", "children"), Output(f"{P}-history", "figure"),
                  Output(f"{P}-findings-body", "children"), Output(f"{P}-veto-body", "children"),
                  Output(f"{P}-veto-note", "children"), Output(f"{P}-coverage", "children"),
                  Output(f"{P}-verdict", "children"), Output(f"{P}-vantage-body", "children"),
                  Input(f"{P}-tick", "n_intervals"), State(f"{P}-code", "data"), prevent_initial_call=True)
    def refresh(_n: int, code: str | None) -> tuple[Any, ...]:
        if not code:
            return (no_update,) * 8
        data = wall_data()
        now = data.clock.now()
        detail = data.site_detail(code, now)
        if detail is None:
            return (no_update,) * 8
        return (_facts(code, now), history_figure(data.site_history(code, now, HISTORY_HOURS)),
                *_inspection(code, detail.url, now), _coverage(code, now), *_vantages(code, now))
