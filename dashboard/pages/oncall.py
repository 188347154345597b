"""The duty screen (值班与静默, /oncall): who is on duty now per region and tier, the roster for today
and the next 7 days, shift handover with the open alerts passed on, and silences / maintenance windows.

Reads go through dashboard/oncall_data.py within the viewer's scope; every change goes through a
``perform_*`` function of dashboard/oncall_actions.py (permission, region and input checked there
again, audited by alerts/roster.py and alerts/silences.py). Forms appear only for principals whose
role allows the action; a kiosk wall or an anonymous viewer sees the screen read-only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dash
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from flask import request

from core.i18n.screens_oncall import SILENCE_KIND, SILENCE_STATE, TO
from core.region import is_county
from dashboard import inputs
from dashboard import oncall_actions as oa
from dashboard import oncall_data as od
from dashboard.data import wall_data
from layouts.oncall import EXPIRE, REMOVE, duty_table, handover_rows, pass_on_list, shift_rows, silence_rows, table
from security.access import Access, Kind
from security.auth import Action, Principal, allowed_actions
from security.scope import PROVINCE_CODE
from security.web import current_principal

dash.register_page(__name__, path="/oncall", name=TO.PAGE, title=f"{TO.PAGE} · 运维指挥中心", order=10,
                   access=Access(inputs={"oncall-shift-scope.value": Kind.DIVISION}))

P = "oncall"
INPUT_TIME = "%Y-%m-%d %H:%M"
DEFAULT_SHIFT_HOURS = 8
DEFAULT_SILENCE_HOURS = 2


def _scope() -> str:
    p = current_principal()
    return p.scope_code if p is not None else PROVINCE_CODE


def _may(p: Principal | None, action: Action) -> bool:
    """Whether to show a form (the actions check permission and region again on every submit)."""
    return p is not None and action in allowed_actions(p)


def _denied(p: Principal | None, text: str, key: str) -> html.Div:
    return html.Div(TO.READ_ONLY if p is None or p.kiosk else text, className="oncall-readonly",
                    id=f"{P}-{key}-readonly")


def _field(label: str, control: Any, cls: str = "") -> html.Label:
    return html.Label([html.Span(label), control], className=f"oncall-field {cls}".strip())


def _message(key: str) -> html.Div:
    return html.Div(id=f"{P}-{key}-msg", className="oncall-message", role="status")


def _roster_form(scopes: list[tuple[str, str]], start: str, end: str) -> html.Div:
    scope_opts = [{"label": n, "value": c} for c, n in scopes]
    return html.Div(className="oncall-form roster-form", children=[
        _field(TO.F_SCOPE, dcc.Dropdown(id=f"{P}-shift-scope", options=scope_opts, value=scopes[0][0],
                                        clearable=False, searchable=True)),
        _field(TO.F_TIER, dcc.Dropdown(id=f"{P}-shift-tier", clearable=False, searchable=False, value=1,
                                       options=[{"label": TO.TIER.format(tier=t), "value": t} for t in od.TIERS]),
               "narrow"),
        _field(TO.F_USER, dcc.Dropdown(id=f"{P}-shift-user", options=[], clearable=True, searchable=True)),
        _field(TO.F_START, dcc.Input(id=f"{P}-shift-start", type="text", value=start,
                                             placeholder=TO.TIME_PLACEHOLDER)),
        _field(TO.F_END, dcc.Input(id=f"{P}-shift-end", type="text", value=end, placeholder=TO.TIME_PLACEHOLDER)),
        html.Button(TO.BTN_ADD, id=f"{P}-shift-add", n_clicks=0, className="btn btn-primary")])


def _handover_form(p: Principal) -> html.Div:
    return html.Div(className="oncall-form handover-form", children=[
        _field(TO.F_FROM, html.Span(p.actor, id=f"{P}-handover-from", className="oncall-me")),
        _field(TO.F_TO, dcc.Dropdown(id=f"{P}-handover-to", options=[], clearable=True, searchable=True)),
        _field(TO.F_NOTE, dcc.Textarea(id=f"{P}-handover-note", value="", placeholder=TO.NOTE_PLACEHOLDER),
               "wide"),
        html.Button(TO.BTN_HANDOVER, id=f"{P}-handover-go", n_clicks=0, className="btn btn-primary")])


def _silence_form() -> html.Div:
    return html.Div(className="oncall-form silence-form", children=[
        _field(TO.F_KIND, dcc.Dropdown(id=f"{P}-silence-kind", value="silence", clearable=False, searchable=False,
                                       options=[{"label": v, "value": k} for k, v in SILENCE_KIND.items()]),
               "narrow"),
        _field(TO.F_MATCHERS, dcc.Input(id=f"{P}-silence-matchers", type="text", value="",
                                        placeholder=TO.MATCHERS_PLACEHOLDER), "wide"),
        _field(TO.F_START, dcc.Input(id=f"{P}-silence-start", type="text", value="",
                                             placeholder=TO.SILENCE_START_PLACEHOLDER)),
        _field(TO.F_END, dcc.Input(id=f"{P}-silence-end", type="text", value="",
                                           placeholder=TO.SILENCE_END_PLACEHOLDER)),
        _field(TO.F_DURATION, dcc.Input(id=f"{P}-silence-hours", type="number", min=0, step=0.5,
                                        value=DEFAULT_SILENCE_HOURS), "narrow"),
        _field(TO.F_REASON, dcc.Input(id=f"{P}-silence-reason", type="text", value=""), "wide"),
        html.Button(TO.BTN_SILENCE, id=f"{P}-silence-add", n_clicks=0, className="btn btn-primary")])


def layout(**_: Any) -> html.Div:
    data = wall_data()
    principal = current_principal()
    scope = _scope()
    now = data.clock.now()
    with data.sessions() as s:
        scopes = od.roster_scopes(s, scope)
    start = now.replace(minute=0, second=0, microsecond=0)
    roster_form = (_roster_form(scopes, start.strftime(INPUT_TIME),
                                (start + timedelta(hours=DEFAULT_SHIFT_HOURS)).strftime(INPUT_TIME))
                   if _may(principal, Action.MANAGE_ROSTER) and scopes else _denied(principal, TO.NO_ROSTER, "roster"))
    handover_form = (_handover_form(principal) if principal is not None and _may(principal, Action.HANDOVER)
                     else _denied(principal, TO.NO_HANDOVER, "handover"))
    silence_form = _silence_form() if _may(principal, Action.SILENCE) else _denied(principal, TO.NO_SILENCE,
                                                                                   "silence")
    states = [{"label": TO.SILENCE_ALL, "value": ""}, *({"label": v, "value": k} for k, v in SILENCE_STATE.items())]
    return html.Div(className="page page-oncall", children=[
        dcc.Interval(id=f"{P}-tick", interval=data.config.web.refresh_seconds * 1000),
        *[dcc.Store(id=f"{P}-{k}-changed", data=0) for k in ("roster", "handover", "silence")],
        html.Div(className="oncall-grid", children=[
            html.Section(className="panel panel-duty", children=[
                html.H2(TO.DUTY_TITLE, className="panel-title"),
                html.Div(id=f"{P}-duty", className="scroll")]),
            html.Section(className="panel panel-roster", children=[
                html.H2(TO.ROSTER_TITLE, className="panel-title"),
                html.Details(open=True, className="oncall-add", children=[
                    html.Summary(TO.ADD_TITLE), roster_form]),
                _message("roster"),
                html.Div(table(TO.ROSTER_COLUMNS, [], f"{P}-shifts-body", "roster-table"), className="scroll")]),
            html.Section(className="panel panel-handover", children=[
                html.H2(TO.HANDOVER_TITLE, className="panel-title"),
                handover_form, _message("handover"),
                html.Div(id=f"{P}-pass-on", className="pass-on"),
                html.H3(TO.HISTORY_TITLE),
                html.Div(table(TO.HISTORY_COLUMNS, [], f"{P}-handovers-body", "handover-table"),
                         className="scroll")]),
            html.Section(className="panel panel-silences", children=[
                html.H2(TO.SILENCE_TITLE, className="panel-title"),
                html.Details(open=True, className="oncall-add", children=[
                    html.Summary(TO.SILENCE_ADD), silence_form]),
                _message("silence"),
                _field(TO.SILENCE_FILTER, dcc.RadioItems(id=f"{P}-silence-state", options=states, value="",
                                                         inline=True), "oncall-states"),
                html.Div(table(TO.SILENCE_COLUMNS, [], f"{P}-silences-body", "silence-table"),
                         className="scroll")]),
        ]),
    ])


def _msg(out: oa.Outcome) -> tuple[str, str]:
    return out.message, "oncall-message " + ("msg-ok" if out.ok else "msg-error")


def _clicked() -> bool:
    """A real click: pattern-matched buttons also "trigger" with 0 clicks when their rows re-render."""
    return bool(ctx.triggered) and bool(ctx.triggered[0].get("value"))


def register_callbacks(app: Dash) -> None:
    """This page's callbacks, bound to ``app``."""

    @app.callback(Output(f"{P}-duty", "children"), Output(f"{P}-shifts-body", "children"),
                  Input(f"{P}-tick", "n_intervals"), Input(f"{P}-roster-changed", "data"))
    def refresh_roster(_n: Any, _c: Any) -> tuple[Any, Any]:
        data = wall_data()
        now = data.clock.now()
        p = current_principal()
        with data.sessions() as s:
            duty = od.on_duty_now(s, now, scope_code=_scope())
            shifts = od.shifts(s, now, scope_code=_scope())
        panel = (html.Div(TO.DUTY_COUNTY, className="oncall-readonly", id=f"{P}-duty-county")
                 if is_county(_scope()) else duty_table(duty, now))
        return panel, shift_rows(shifts, now, _may(p, Action.MANAGE_ROSTER))

    @app.callback(Output(f"{P}-pass-on", "children"), Output(f"{P}-handovers-body", "children"),
                  Input(f"{P}-tick", "n_intervals"), Input(f"{P}-handover-changed", "data"))
    def refresh_handover(_n: Any, _c: Any) -> tuple[Any, Any]:
        data = wall_data()
        now = data.clock.now()
        p = current_principal()
        with data.sessions() as s:
            pending = od.open_alerts(s, scope_code=_scope()) if _may(p, Action.HANDOVER) else None
            history = od.handovers(s, scope_code=_scope())
        return (pass_on_list(pending) if pending is not None else ""), handover_rows(history, now)

    @app.callback(Output(f"{P}-silences-body", "children"),
                  Input(f"{P}-tick", "n_intervals"), Input(f"{P}-silence-changed", "data"),
                  Input(f"{P}-silence-state", "value"))
    def refresh_silences(_n: Any, _c: Any, state: Any) -> Any:
        data = wall_data()
        now = data.clock.now()
        try:
            with data.sessions() as s:
                rows = od.silences(s, now, scope_code=_scope(), state=state)
        except od.SilenceFilterError as exc:  # a value no radio button sends: say so instead of failing
            return [html.Tr(html.Td(str(exc), colSpan=len(TO.SILENCE_COLUMNS), className="empty error"))]
        return silence_rows(rows, now, _may(current_principal(), Action.SILENCE))

    @app.callback(Output(f"{P}-shift-user", "options"), Output(f"{P}-shift-user", "value"),
                  Input(f"{P}-shift-scope", "value"), State(f"{P}-shift-user", "value"))
    def shift_people(scope: str | None, current: str | None) -> tuple[Any, Any]:
        scope, current = inputs.text(scope, 16), inputs.text(current, 128) or None
        if not scope:
            return [], None
        with wall_data().sessions() as s:
            people = od.choices(s, current_principal(), scope, Action.MANAGE_ROSTER)
        opts = [{"label": f"{name}（{user}）" if name != user else user, "value": user} for user, name in people]
        return opts, current if current in {u for u, _ in people} else None

    # Fires once when the form is on the page (the from-user span is only there with the form).
    @app.callback(Output(f"{P}-handover-to", "options"), Input(f"{P}-handover-from", "children"))
    def handover_people(_me: Any) -> Any:
        p = current_principal()
        if p is None:
            return []
        with wall_data().sessions() as s:
            people = od.choices(s, p, p.scope_code, Action.HANDOVER)
        return [{"label": f"{name}（{user}）" if name != user else user, "value": user}
                for user, name in people if user != p.actor]

    @app.callback(Output(f"{P}-roster-msg", "children"), Output(f"{P}-roster-msg", "className"),
                  Output(f"{P}-roster-changed", "data"),
                  Input(f"{P}-shift-add", "n_clicks"), Input({"type": REMOVE, "id": ALL}, "n_clicks"),
                  State(f"{P}-shift-scope", "value"), State(f"{P}-shift-tier", "value"),
                  State(f"{P}-shift-user", "value"), State(f"{P}-shift-start", "value"),
                  State(f"{P}-shift-end", "value"), State(f"{P}-roster-changed", "data"),
                  prevent_initial_call=True)
    def roster_action(_add: Any, _remove: Any, scope: str | None, tier: Any, user: str | None, start: str | None,
                      end: str | None, changed: int | None) -> tuple[Any, ...]:
        if not _clicked():
            return no_update, no_update, no_update
        data = wall_data()
        trig = ctx.triggered_id
        if isinstance(trig, dict) and trig.get("type") == REMOVE:
            out = oa.perform_remove_shift(data.sessions, current_principal(), trig.get("id"), data.clock.now(),
                                          remote_addr=request.remote_addr)
        else:
            out = oa.perform_add_shift(data.sessions, current_principal(), scope_code=scope or "", tier=tier,
                                       username=user or "", starts_at=start or "", ends_at=end or "",
                                       now=data.clock.now(), remote_addr=request.remote_addr)
        return *_msg(out), (inputs.integer(changed) or 0) + (1 if out.ok else 0)

    @app.callback(Output(f"{P}-handover-msg", "children"), Output(f"{P}-handover-msg", "className"),
                  Output(f"{P}-handover-changed", "data"), Output(f"{P}-handover-note", "value"),
                  Input(f"{P}-handover-go", "n_clicks"), State(f"{P}-handover-to", "value"),
                  State(f"{P}-handover-note", "value"), State(f"{P}-handover-changed", "data"),
                  prevent_initial_call=True)
    def handover_action(_go: Any, to_user: str | None, note: str | None, changed: int | None) -> tuple[Any, ...]:
        if not _clicked():
            return no_update, no_update, no_update, no_update
        data = wall_data()
        out = oa.perform_handover(data.sessions, current_principal(), to_user=to_user or "", note=note or "",
                                  now=data.clock.now(), remote_addr=request.remote_addr)
        return *_msg(out), (inputs.integer(changed) or 0) + (1 if out.ok else 0), "" if out.ok else no_update

    @app.callback(Output(f"{P}-silence-msg", "children"), Output(f"{P}-silence-msg", "className"),
                  Output(f"{P}-silence-changed", "data"),
                  Input(f"{P}-silence-add", "n_clicks"), Input({"type": EXPIRE, "id": ALL}, "n_clicks"),
                  State(f"{P}-silence-kind", "value"), State(f"{P}-silence-matchers", "value"),
                  State(f"{P}-silence-start", "value"), State(f"{P}-silence-end", "value"),
                  State(f"{P}-silence-hours", "value"), State(f"{P}-silence-reason", "value"),
                  State(f"{P}-silence-changed", "data"), prevent_initial_call=True)
    def silence_action(_add: Any, _expire: Any, kind: str | None, matchers: str | None, start: str | None,
                       end: str | None, hours: Any, reason: str | None, changed: int | None) -> tuple[Any, ...]:
        if not _clicked():
            return no_update, no_update, no_update
        data = wall_data()
        trig = ctx.triggered_id
        if isinstance(trig, dict) and trig.get("type") == EXPIRE:
            out = oa.perform_expire_silence(data.sessions, current_principal(), trig.get("id"), data.clock.now(),
                                            remote_addr=request.remote_addr)
        else:
            out = oa.perform_create_silence(data.sessions, current_principal(), kind=kind or "",
                                            matchers=matchers or "", starts_at=start or "", ends_at=end or "",
                                            hours=hours, reason=reason or "", now=data.clock.now(),
                                            remote_addr=request.remote_addr)
        return *_msg(out), (inputs.integer(changed) or 0) + (1 if out.ok else 0)
