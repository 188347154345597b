"""The alert rules page (告警规则, /rules): every rule in force, grouped by file, with its condition in
Chinese, its open alerts in the viewer's scope, each file's version, and the errors of a broken file.

Read-only for everyone who may view; rules are province-wide (changed by editing the files). The first
paint is rendered server-side; the filters (severity, kind, text) and a refresh tick re-render the body.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Dash, Input, Output, dcc, html

from alerts.federated import rule_view
from core.i18n.screens_rules import KIND, SEVERITY, TR
from dashboard import inputs
from dashboard.data import wall_data
from dashboard.rules_data import RuleFilter, filter_rules, open_counts, rule_frame, rules_reader
from layouts.rules import rules_body
from security.access import Access
from security.auth import Action, PermissionDenied, require
from security.scope import PROVINCE_CODE
from security.web import current_principal

dash.register_page(__name__, path="/rules", name=TR.PAGE, title=f"{TR.PAGE} · 运维指挥中心", order=11,
                   access=Access())  # province-wide rules; open counts within the viewer's scope

P = "rules"


def _scope() -> str:
    """The viewer's region; an anonymous viewer (login switched off) sees the province."""
    p = current_principal()
    return p.scope_code if p is not None else PROVINCE_CODE


def _body(severity: str | None, kind: str | None, text: str | None) -> list[Any]:
    data = wall_data()
    now = data.clock.now()
    snap = rules_reader().snapshot(now)
    scope = _scope()
    with data.sessions() as s:
        counts = open_counts(s, scope_code=scope)
    df = rule_frame(snap.in_force.rules, counts, rules_reader().coverage(rule_view(data.store, data.config), now))
    # Browser values: a list or dict where a name belongs reads as "any", not as a filter pandas chokes on.
    flt = RuleFilter(severity=inputs.text(severity), kind=inputs.text(kind), text=inputs.text(text))
    shown = filter_rules(df, flt)
    note = TR.OPEN_SCOPE_PROVINCE if scope == PROVINCE_CODE else TR.OPEN_SCOPE_CITY.format(code=scope)
    return rules_body(snap, shown, len(df), now.tzinfo, filtered=bool(flt.severity or flt.kind or flt.text.strip()),
                      scope_note=note)


def _filters() -> html.Div:
    def dd(key: str, label: str, mapping: dict[str, str]) -> html.Label:
        return html.Label([html.Span(label), dcc.Dropdown(
            id=f"{P}-f-{key}", options=[{"label": v, "value": k} for k, v in mapping.items()], placeholder=TR.ANY,
            clearable=True, searchable=False)], className="rules-filter")

    return html.Div(className="rules-filters", children=[
        dd("severity", TR.FILTER_SEVERITY, SEVERITY), dd("kind", TR.FILTER_KIND, KIND),
        html.Label([html.Span(TR.FILTER_TEXT), dcc.Input(id=f"{P}-f-text", type="text", value="", debounce=True,
                                                         placeholder=TR.TEXT_PLACEHOLDER)],
                   className="rules-filter rules-filter-text")])


def _refusal() -> str | None:
    """Why the viewer may not see the rules (Chinese), or None; anonymous is allowed only with login off."""
    principal = current_principal()
    if principal is None:
        return None
    try:
        require(principal, Action.VIEW, principal.scope_code)  # province-wide rules, read by every region
    except PermissionDenied as exc:
        return str(exc)
    return None


def layout(**_: Any) -> html.Div:
    why = _refusal()
    if why:
        return html.Div(className="page page-missing", children=[html.H2(why, className="missing")])
    data = wall_data()
    return html.Div(className="page page-rules", children=[
        dcc.Interval(id=f"{P}-tick", interval=data.config.web.refresh_seconds * 1000),
        html.Div(className="page-head", children=[html.H2(TR.PAGE, className="page-name"), _filters()]),
        html.Div(_body(None, None, None), id=f"{P}-body", className="scroll rules-body"),
    ])


def register_callbacks(app: Dash) -> None:
    """This page's callbacks, bound to ``app``."""

    @app.callback(Output(f"{P}-body", "children"), Input(f"{P}-f-severity", "value"), Input(f"{P}-f-kind", "value"),
                  Input(f"{P}-f-text", "value"), Input(f"{P}-tick", "n_intervals"), prevent_initial_call=True)
    def refresh(severity: str | None, kind: str | None, text: str | None, _n: int | None) -> list[Any]:
        why = _refusal()
        return [html.H2(why, className="missing")] if why else _body(severity, kind, text)
