"""The audit log (审计日志) for admins: newest first, filtered by actor, action and object.

Province admins and security analysts see every entry; a city admin sees the entries of its city.
Filtering is a plain GET form (the query string becomes layout arguments), so no callback changes state.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from dashboard.data import wall_data
from security import audit
from security.auth import Action, PermissionDenied, require
from security.scope import scope_filter
from security.text import S
from security.throttle import aware
from security.web import current_principal

dash.register_page(__name__, path="/audit", name=S.AUDIT_PAGE, title=f"{S.AUDIT_PAGE} · 运维指挥中心", order=9)

P = "audit"
LIMIT = 500


def _filters(actor: str, action: str, obj: str) -> html.Form:
    def field(name: str, label: str, value: str) -> html.Label:
        return html.Label([label, dcc.Input(name=name, value=value, type="text", id=f"{P}-{name}")],
                          className="audit-filter")

    return html.Form(method="get", action="/audit", className=f"{P}-filters", children=[
        field("actor", S.AUDIT_FILTER_ACTOR, actor), field("action", S.AUDIT_FILTER_ACTION, action),
        field("object", S.AUDIT_FILTER_OBJECT, obj), html.Button("筛选", type="submit")])


def layout(actor: str = "", action: str = "", object: str = "", **_: Any) -> html.Div:
    principal = current_principal()
    try:
        require(principal, Action.VIEW_AUDIT, principal.scope_code if principal else "430000")
    except PermissionDenied as exc:
        return html.Div(className="page page-missing", children=[html.H2(str(exc), className="missing")])
    assert principal is not None
    with wall_data().sessions() as s:
        rows = audit.search(s, actor=actor.strip(), action=action.strip(), object_text=object.strip(),
                            scope_code=scope_filter(principal.scope_code), limit=LIMIT)
        body = [html.Tr([html.Td(aware(e.at).astimezone(wall_data().clock.now().tzinfo).strftime(
                             "%Y-%m-%d %H:%M:%S")),
                         html.Td(e.actor), html.Td(e.action), html.Td(e.object_type), html.Td(e.object_id),
                         html.Td(e.scope_code or ""), html.Td(e.remote_addr or ""), html.Td(e.summary)])
                for e in rows]
    table = html.Table(className="table", children=[
        html.Thead(html.Tr([html.Th(h) for h in S.AUDIT_COLUMNS])),
        html.Tbody(body or [html.Tr(html.Td(S.AUDIT_EMPTY, colSpan=len(S.AUDIT_COLUMNS)))], id=f"{P}-body")])
    return html.Div(className="page page-audit", children=[
        html.Section(className="panel", children=[html.H2(S.AUDIT_PAGE, className="panel-title"),
                                                   _filters(actor, action, object), table])])
