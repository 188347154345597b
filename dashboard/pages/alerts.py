"""The on-call console (告警处置, /alerts): filters, the alert list (dependants under their source), the
selected alert's detail (facts, the metric around the firing time for a metric rule or the findings with
their evidence for a finding rule, events, notifications, audit) with its actions, and MTTA/MTTR.

Reads go through dashboard/alert_data.py within the viewer's scope; every action goes through
dashboard/alert_actions.perform (alerts/oncall.py and alerts/silences.py underneath). A kiosk
wall or an anonymous viewer sees the console read-only. The list and the detail refresh in place.
"Assign" picks from the users who may handle the selected alert's city (alert_actions.assignees);
perform() checks the pick again on the server.
"""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from flask import request

import dashboard.rules_data  # noqa: F401  (imports the collectors, which declare the metrics charts are titled from)
from core.i18n.screens_alerts import ALERT_STATE, HISTORY_DAYS, SEVERITY, TA
from core.i18n.security import ROLE_LABELS
from dashboard import alert_data as ad
from dashboard import inputs
from dashboard.alert_actions import assignees, perform
from dashboard.data import wall_data
from dashboard.impact_data import alert_affected
from layouts.alerts import (
    alert_rows,
    alert_table,
    assignee_options,
    audit_table,
    detail_facts,
    events_table,
    history_rows,
    metric_figure,
    metric_title,
    notifications_table,
    read_only_note,
)
from layouts.alerts_evidence import findings_panel
from security.access import Access, Kind
from security.auth import Action, Principal, allowed_actions
from security.scope import PROVINCE_CODE
from security.web import current_principal

# Reads are confined to the viewer's scope by the queries; the filters' codes are judged as well.
dash.register_page(__name__, path="/alerts", name=TA.PAGE, title=f"{TA.PAGE} · 运维指挥中心", order=8,
                   access=Access(inputs={"alerts-f-city.value": Kind.DIVISION, "alerts-f-site.value": Kind.SITE}))

P = "alerts"
OPEN = "open"
BUTTONS = ("ack", "unack", "assign", "severity", "close", "silence", "note")
BUTTON_TEXT = {"ack": TA.BTN_ACK, "unack": TA.BTN_UNACK, "assign": TA.BTN_ASSIGN, "severity": TA.BTN_SEVERITY,
               "close": TA.BTN_CLOSE, "silence": TA.BTN_SILENCE, "note": TA.BTN_NOTE}


def _scope() -> str:
    p = current_principal()
    return p.scope_code if p is not None else PROVINCE_CODE


def _can_act(p: Principal | None) -> bool:
    """Whether to show the action bar (the actions check permissions again on every click)."""
    return p is not None and Action.ACK in allowed_actions(p)


def _options(mapping: dict[str, str]) -> list[dict[str, str]]:
    return [{"label": v, "value": k} for k, v in mapping.items()]


def _filters(scope: str) -> html.Div:
    data = wall_data()
    cities = data.cities()
    if scope != PROVINCE_CODE:
        cities = cities[cities["code"] == scope]
    city_opts = [{"label": n, "value": c} for c, n in zip(cities["code"], cities["name"], strict=True)]
    if scope == PROVINCE_CODE:
        city_opts.insert(0, {"label": "省本级", "value": PROVINCE_CODE})
    with data.sessions() as s:
        site_opts = [{"label": f"{n}（{c}）", "value": c} for c, n in ad.sites_of(s, scope)]
    states = {OPEN: "未恢复", **ALERT_STATE}

    def dd(key: str, label: str, options: list[dict[str, str]], value: str | None = None) -> html.Label:
        return html.Label([html.Span(label), dcc.Dropdown(id=f"{P}-f-{key}", options=options, value=value,
                                                          placeholder=TA.ANY, clearable=True, searchable=True)],
                          className="alerts-filter")

    return html.Div(className="alerts-filters", children=[
        dd("severity", TA.FILTER_SEVERITY, _options(SEVERITY)), dd("city", TA.FILTER_CITY, city_opts),
        dd("site", TA.FILTER_SITE, site_opts), dd("state", TA.FILTER_STATE, _options(states), OPEN)])


def _role_label(p: Principal | None) -> str | None:
    """The logged-in user's role in Chinese; None for a kiosk wall or an anonymous viewer."""
    return ROLE_LABELS.get(p.role, str(p.role)) if p is not None and not p.kiosk and p.role is not None else None


def _actions(principal: Principal | None) -> html.Div:
    if not _can_act(principal):
        return html.Div(read_only_note(_role_label(principal)), className="alerts-readonly", id=f"{P}-readonly")
    return html.Div(className="alerts-actions", children=[
        html.Div(className="alerts-inputs", children=[
            dcc.Input(id=f"{P}-note", type="text", placeholder=TA.NOTE_PLACEHOLDER, debounce=False, value=""),
            dcc.Dropdown(id=f"{P}-user", options=[], placeholder=TA.USER_PLACEHOLDER, clearable=True,
                         searchable=True),
            dcc.Dropdown(id=f"{P}-severity", options=_options(SEVERITY), placeholder=TA.F_SEVERITY,
                         clearable=True, searchable=False),
            html.Label([TA.HOURS_LABEL, dcc.Input(id=f"{P}-hours", type="number", min=1, max=168, value=2)])]),
        html.Div([html.Button(BUTTON_TEXT[b], id=f"{P}-btn-{b}", n_clicks=0, className=f"btn btn-{b}")
                  for b in BUTTONS], className="alerts-buttons"),
        html.Div(id=f"{P}-message", className="alerts-message", role="status")])


def layout(alert: str = "", **_: Any) -> html.Div:
    """``?alert=N`` (a wall ticker's link) opens the console with alert N selected."""
    data = wall_data()
    principal = current_principal()
    scope = _scope()
    return html.Div(className="page page-alerts", children=[
        dcc.Interval(id=f"{P}-tick", interval=data.config.web.refresh_seconds * 1000),
        dcc.Store(id=f"{P}-selected", data=int(alert) if alert.strip().isdigit() else None),
        dcc.Store(id=f"{P}-version"), dcc.Store(id=f"{P}-changed", data=0),
        _filters(scope),
        html.Div(className="alerts-grid", children=[
            html.Section(className="panel panel-alert-list", children=[
                html.H2(TA.LIST_TITLE, className="panel-title"),
                html.Div(alert_table([], f"{P}-body"), className="scroll")]),
            html.Section(className="panel panel-alert-detail", children=[
                html.H2(TA.DETAIL_TITLE, className="panel-title"),
                html.Div(className="scroll", children=[
                    html.Div(TA.DETAIL_NONE, id=f"{P}-facts"),
                    _actions(principal),
                    html.H3(TA.CHART_TITLE, id=f"{P}-chart-title"),
                    html.Div(id=f"{P}-chart-box", children=dcc.Graph(
                        id=f"{P}-chart", figure=metric_figure(pd.DataFrame(columns=["time", "value"]), None, "",
                                                              data.clock.now()),
                        className="alerts-chart", style={"height": "240px"},
                        config={"displayModeBar": False, "responsive": True})),
                    html.Div(id=f"{P}-evidence"),
                    html.H3(TA.EVENTS_TITLE), html.Div(id=f"{P}-events"),
                    html.H3(TA.NOTIFY_TITLE), html.Div(id=f"{P}-notifications"),
                    html.H3(TA.AUDIT_TITLE), html.Div(id=f"{P}-audit")])]),
            html.Section(className="panel panel-alert-history", children=[
                html.H2(TA.HISTORY_TITLE, className="panel-title"),
                dcc.RadioItems(id=f"{P}-days", options=[{"label": v, "value": k} for k, v in HISTORY_DAYS.items()],
                               value=7, inline=True, className="alerts-days"),
                html.Table(className="wall-table history-table", children=[
                    html.Thead(html.Tr([html.Th(h) for h in TA.HISTORY_COLUMNS])),
                    html.Tbody(id=f"{P}-history-body")])]),
        ]),
    ])


def _filter(severity: str | None, city: str | None, site: str | None, state: str | None) -> ad.AlertFilter:
    states: tuple[str, ...] = () if not state or state == OPEN else (state,)
    return ad.AlertFilter(severity=severity or "", city=city or "", site=site or "", states=states)


def register_callbacks(app: Dash) -> None:
    """This page's callbacks, bound to ``app``."""

    @app.callback(Output(f"{P}-body", "children"),
                  Input(f"{P}-f-severity", "value"), Input(f"{P}-f-city", "value"), Input(f"{P}-f-site", "value"),
                  Input(f"{P}-f-state", "value"), Input(f"{P}-tick", "n_intervals"), Input(f"{P}-changed", "data"),
                  Input(f"{P}-selected", "data"))
    def refresh_list(severity: str | None, city: str | None, site: str | None, state: str | None, _n: Any,
                     _c: Any, selected: int | None) -> Any:
        data = wall_data()
        now = data.clock.now()
        with data.sessions() as s:
            df = ad.list_alerts(s, now, _filter(severity, city, site, state), scope_code=_scope(),
                                inhibit_rules=ad.inhibit_rules_in_force())
        return alert_rows(df, now, inputs.integer(selected))

    # Selection runs in the browser: a server round trip could be superseded by the refresh that
    # re-renders the rows (Dash drops the older of two pending calls), losing the click.
    app.clientside_callback(
        """function(clicks) {
            const t = window.dash_clientside.callback_context.triggered || [];
            const hit = t.find(x => x.value);
            if (!hit) { return window.dash_clientside.no_update; }  // rows re-rendered, not clicked
            return JSON.parse(hit.prop_id.slice(0, hit.prop_id.lastIndexOf('.'))).id;
        }""",
        Output(f"{P}-selected", "data"), Input({"type": f"{P}-row", "id": ALL}, "n_clicks"),
        prevent_initial_call=True)

    @app.callback(Output(f"{P}-facts", "children"), Output(f"{P}-chart-title", "children"),
                  Output(f"{P}-chart", "figure"), Output(f"{P}-chart-box", "style"),
                  Output(f"{P}-evidence", "children"),
                  Output(f"{P}-events", "children"), Output(f"{P}-notifications", "children"),
                  Output(f"{P}-audit", "children"), Output(f"{P}-version", "data"),
                  Input(f"{P}-selected", "data"), Input(f"{P}-changed", "data"), Input(f"{P}-tick", "n_intervals"))
    def show_detail(selected: int | None, _c: Any, _n: Any) -> tuple[Any, ...]:
        if selected is None:
            return (no_update,) * 9
        data = wall_data()
        now = data.clock.now()
        rules = ad.rules_in_force()
        ident = inputs.integer(selected)  # anything but an alert id reads as an alert that is gone
        with data.sessions() as s:
            d = ad.alert_detail(s, ident, now, scope_code=_scope(), inhibit_rules=rules.inhibit_rules) \
                if ident is not None else None
            findings = ad.alert_findings(s, rules, d, now) if d is not None else None
            affected = alert_affected(s, d.labels) if d is not None else None
        if d is None:
            return (html.Div(TA.DETAIL_GONE, className="muted"), no_update, no_update, no_update, "", "", "", "", None)
        facts = detail_facts(d.row, d.labels, now, d.resolve_reason, d.source, d.dependants, d.names, affected)
        chart = None if findings is not None else ad.chart_series(data.store, rules, d, now)
        if findings is not None or chart is None:  # a finding rule: its evidence, not an unrelated chart
            evidence = findings_panel(findings, now) if findings is not None else html.Div(TA.CHART_NONE,
                                                                                            className="muted")
            return (facts, TA.EVIDENCE_TITLE if findings is not None else TA.CHART_TITLE, no_update,
                    {"display": "none"}, evidence, events_table(d.events, now),
                    notifications_table(d.notifications, now), audit_table(d.audit, now),
                    {"id": d.row["id"], "version": d.row["version"]})
        title = metric_title(chart.measurement, chart.field, chart.agg, chart.every)
        fig = metric_figure(chart.frame, d.row["fired_at"], title, now)
        return (facts, f"{TA.CHART_TITLE}：{title}", fig, {}, "", events_table(d.events, now),
                notifications_table(d.notifications, now), audit_table(d.audit, now),
                {"id": d.row["id"], "version": d.row["version"]})

    # The assign picker follows the selection only (not the refresh tick, which would drop a pick in
    # progress); the pick is kept when the new alert may go to the same user. Absent for read-only
    # viewers, so Dash never calls it for them; assignees() refuses them anyway.
    @app.callback(Output(f"{P}-user", "options"), Output(f"{P}-user", "value"),
                  Input(f"{P}-selected", "data"), State(f"{P}-user", "value"))
    def assign_choices(selected: int | None, current: str | None) -> tuple[Any, Any]:
        ident, current = inputs.integer(selected), inputs.text(current, 128) or None
        if ident is None:
            return [], None
        with wall_data().sessions() as s:
            options = assignee_options(assignees(s, current_principal(), ident))
        return options, current if current in {o["value"] for o in options} else None

    @app.callback(Output(f"{P}-message", "children"), Output(f"{P}-message", "className"),
                  Output(f"{P}-changed", "data"),
                  *[Input(f"{P}-btn-{b}", "n_clicks") for b in BUTTONS],
                  State(f"{P}-version", "data"), State(f"{P}-note", "value"), State(f"{P}-user", "value"),
                  State(f"{P}-severity", "value"), State(f"{P}-hours", "value"), State(f"{P}-changed", "data"),
                  prevent_initial_call=True)
    def act(*args: Any) -> tuple[Any, ...]:
        version, note, user, severity, hours, changed = args[len(BUTTONS):]
        trig = ctx.triggered_id
        if not isinstance(trig, str) or not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update, no_update, no_update
        ref = inputs.record_ref(version)
        if ref is None or trig.removeprefix(f"{P}-btn-") not in BUTTONS:
            return TA.DETAIL_NONE, "alerts-message msg-error", no_update
        data = wall_data()
        out = perform(data.sessions, current_principal(), trig.removeprefix(f"{P}-btn-"), ref[0], ref[1],
                      data.clock.now(), note=note or "", user=user or "", severity=severity or "", hours=hours or 0,
                      remote_addr=request.remote_addr)
        bumped = (inputs.integer(changed) or 0) + 1
        return out.message, "alerts-message " + ("msg-ok" if out.ok else "msg-error"), bumped

    @app.callback(Output(f"{P}-history-body", "children"), Input(f"{P}-days", "value"),
                  Input(f"{P}-tick", "n_intervals"), Input(f"{P}-changed", "data"))
    def history(days: int, _n: Any, _c: Any) -> Any:
        data = wall_data()
        with data.sessions() as s:
            chosen = inputs.integer(days)
            rows = ad.response_times(s, data.clock.now(), chosen if chosen in HISTORY_DAYS else 7,
                                     scope_code=_scope())
        return history_rows(ad.mtta_mttr(rows))
