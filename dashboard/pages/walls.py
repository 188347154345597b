"""The playlist editor (大屏轮播, /walls), for admins (``manage_kiosk``; a city admin sees and edits its own
city's room only): every playlist with its kiosk URL's state, and a form to create, rename, re-item or
delete one and to issue or revoke its kiosk URL (shown once). Items are edited as lines (walls/items_text.py):
add a line, delete one, move one to reorder. Every change goes through dashboard/walls_actions.py
(permission, region and input checked there, all-or-nothing, audited). Nothing of this appears on a wall.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update
from flask import request

from core.i18n.playlists import EXPANSION_LABELS, TE, TP
from dashboard import walls_actions as wa
from dashboard.data import wall_data
from layouts.geo import cities
from security.access import Access, Kind
from security.auth import Action
from security.scope import PROVINCE_CODE
from security.web import current_principal
from walls.items_text import format_items
from walls.playlist import DWELL_MAX, DWELL_MIN, VIEWS, expansion_label
from walls.store import KioskState, PlaylistInfo, list_playlists

dash.register_page(__name__, path="/walls", name=TE.PAGE, title=f"{TE.PAGE} · 运维指挥中心", order=12,
                   access=Access(action=Action.MANAGE_KIOSK, inputs={"walls-scope.value": Kind.DIVISION}))

P = "walls"
KIOSK_STATE = {KioskState.NONE: TP.CLI_URL_NONE, KioskState.LIVE: TP.URL_LIVE, KioskState.REVOKED: TP.CLI_URL_REVOKED}


def _when(value: datetime | None) -> str:
    return value.astimezone(wall_data().config.web.tz).strftime("%Y-%m-%d %H:%M") if value else TP.CLI_NEVER


def _scope_name(code: str) -> str:
    return TP.PROVINCE if code == PROVINCE_CODE else next((c.name for c in cities() if c.code == code), code)


def _summary(p: PlaylistInfo) -> str:
    return "，".join(TP.CLI_ITEM.format(view=VIEWS[i.view].label if i.view in VIEWS else i.view,
                                        expansion=i.city or expansion_label(i.expansion), dwell=i.dwell)
                     for i in p.items)


def _mine() -> list[PlaylistInfo]:
    principal = current_principal()
    with wall_data().sessions() as s:
        return [p for p in list_playlists(s) if wa.visible(principal, p.scope)]


def _rows(rows: list[PlaylistInfo]) -> list[Any]:
    if not rows:
        return [html.Tr(html.Td(TE.NONE, colSpan=len(TE.COLS), className="empty"))]
    return [html.Tr([html.Td(p.name + (TE.DEFAULT_MARK if p.default else "")), html.Td(_scope_name(p.scope)),
                     html.Td(_summary(p), className="walls-items"),
                     html.Td(KIOSK_STATE[p.kiosk], className=f"walls-kiosk-{p.kiosk.value}"),
                     html.Td(_when(p.kiosk_last_used_at) if p.kiosk is not KioskState.NONE else "—")],
                    id={"type": f"{P}-row", "name": p.name}) for p in rows]


def _options(rows: list[PlaylistInfo]) -> list[dict[str, str]]:
    return [{"label": TE.NEW, "value": ""}, *({"label": p.name, "value": p.name} for p in rows)]


def _scopes() -> list[dict[str, str]]:
    principal = current_principal()
    codes = [PROVINCE_CODE, *(c.code for c in cities())]
    return [{"label": f"{_scope_name(c)}（{c}）", "value": c} for c in codes if wa.visible(principal, c)]


def _field(label: str, control: Any) -> html.Label:
    return html.Label([html.Span(label), control], className="walls-field")


def layout(**_: Any) -> html.Div:
    rows = _mine()
    scopes = _scopes()
    views = "、".join(f"{k}（{v.label}）" for k, v in VIEWS.items())
    expansions = "、".join(f"{k}（{v}）" for k, v in EXPANSION_LABELS.items())
    return html.Div(className="page page-walls", children=[
        html.Div(className="page-head", children=[html.H2(TE.PAGE, className="page-name")]),
        html.Div(className="walls-grid", children=[
            html.Div(className="panel panel-walls-list", children=[
                html.H3(TE.LIST_TITLE, className="panel-title"),
                html.Table(className="wall-table walls-table", children=[
                    html.Thead(html.Tr([html.Th(c) for c in TE.COLS])),
                    html.Tbody(_rows(rows), id=f"{P}-body")])]),
            html.Div(className="panel panel-walls-edit", children=[
                html.H3(TE.EDIT_TITLE, className="panel-title"),
                html.Div(className="walls-form", children=[
                    _field(TE.F_SELECT, dcc.Dropdown(id=f"{P}-select", options=_options(rows), value="",
                                                     clearable=False)),
                    _field(TE.F_NAME, dcc.Input(id=f"{P}-name", type="text", value="", maxLength=48)),
                    _field(TE.F_SCOPE, dcc.Dropdown(id=f"{P}-scope", options=scopes,
                                                    value=scopes[0]["value"] if scopes else None, clearable=False)),
                    _field(TE.F_ITEMS, dcc.Textarea(id=f"{P}-items", value="", className="walls-items-input")),
                    html.Ul(className="walls-help", children=[
                        html.Li(TE.HELP_VIEWS.format(views=views)),
                        html.Li(TE.HELP_EXPANSIONS.format(expansions=expansions)),
                        html.Li(TE.HELP_DWELL.format(lo=DWELL_MIN, hi=DWELL_MAX))]),
                    html.Div(className="walls-buttons", children=[
                        html.Button(TE.BTN_SAVE, id=f"{P}-save", n_clicks=0, className="btn btn-primary"),
                        dcc.ConfirmDialogProvider(
                            html.Button(TE.BTN_DELETE, className="btn btn-danger"),
                            id=f"{P}-delete", message=TE.CONFIRM_DELETE),
                        html.Button(TE.BTN_ISSUE, id=f"{P}-issue", n_clicks=0, className="btn"),
                        html.Button(TE.BTN_REVOKE, id=f"{P}-revoke", n_clicks=0, className="btn btn-danger")]),
                    html.Div(id=f"{P}-msg", className="walls-message", role="status")])]),
        ]),
        dcc.Store(id=f"{P}-changed", data=0),
    ])


def register_callbacks(app: Dash) -> None:
    """This page's callbacks, bound to ``app``."""

    @app.callback(Output(f"{P}-body", "children"), Output(f"{P}-select", "options"),
                  Input(f"{P}-changed", "data"), prevent_initial_call=True)
    def refresh(_: Any) -> tuple[Any, Any]:
        rows = _mine()
        return _rows(rows), _options(rows)

    @app.callback(Output(f"{P}-name", "value"), Output(f"{P}-items", "value"), Output(f"{P}-scope", "value"),
                  Output(f"{P}-scope", "disabled"), Input(f"{P}-select", "value"), prevent_initial_call=True)
    def load(selected: Any) -> tuple[Any, ...]:
        chosen = next((p for p in _mine() if p.name == selected), None)
        if chosen is None:
            return "", "", no_update, False
        return chosen.name, format_items(chosen.items), chosen.scope, True

    @app.callback(Output(f"{P}-msg", "children"), Output(f"{P}-msg", "className"), Output(f"{P}-changed", "data"),
                  Output(f"{P}-select", "value"),
                  Input(f"{P}-save", "n_clicks"), Input(f"{P}-delete", "submit_n_clicks"),
                  Input(f"{P}-issue", "n_clicks"), Input(f"{P}-revoke", "n_clicks"),
                  State(f"{P}-select", "value"), State(f"{P}-name", "value"), State(f"{P}-scope", "value"),
                  State(f"{P}-items", "value"), State(f"{P}-changed", "data"), prevent_initial_call=True)
    def act(_save: Any, _delete: Any, _issue: Any, _revoke: Any, selected: Any, name: Any, scope: Any,
            items: Any, changed: Any) -> tuple[Any, ...]:
        if not (ctx.triggered and ctx.triggered[0].get("value")):
            return no_update, no_update, no_update, no_update
        data, principal, trig = wall_data(), current_principal(), ctx.triggered_id
        now, remote = data.clock.now(), request.remote_addr
        select: Any = no_update
        if trig == f"{P}-save":
            out = wa.perform_save(data.sessions, principal, selected=selected, name=name, scope=scope,
                                  items_text=items, now=now, remote_addr=remote)
            select = str(name or "").strip() if out.ok else no_update
        elif trig == f"{P}-delete":
            out = wa.perform_delete(data.sessions, principal, selected=selected, now=now, remote_addr=remote)
            select = "" if out.ok else no_update
        else:
            out = wa.perform_kiosk(data.sessions, principal, selected=selected, issue=trig == f"{P}-issue",
                                   base_url=request.host_url, now=now, remote_addr=remote)
        cls = "walls-message " + ("msg-ok" if out.ok else "msg-error")
        bump = (changed if isinstance(changed, int) else 0) + (1 if out.ok else 0)
        return out.message, cls, bump, select
