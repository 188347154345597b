"""人工核验与整改 (/verify): the verification queue with confirm / dismiss per finding, a site's score sheet for a
period (manual deductions and bonus items, withdraw, sign-off, 签核后已变更 with what changed), and the
rectification notices of the viewer's region (draft, issue, answer per problem).

Reads go through operations/ (verify_store, notice_store) and dashboard/verify_data.py within the viewer's
scope; every change goes through a ``perform_*`` function of dashboard/verify_actions.py (permission, region
and input checked there again, audited by operations/). The page is for roles that verify (``verify_findings``:
province and city admins) or answer notices (``answer_rectification``: also the site owners' editors); the
verification panels appear only with ``verify_findings``. Kiosk walls are refused.
"""

from __future__ import annotations

from datetime import UTC, timedelta, tzinfo
from typing import Any

import dash
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from flask import request

from core.i18n.inspection import FINDING_KIND
from core.i18n.verification import (
    DECISION_STATUS,
    DISMISS_REASON,
    ENTRY_KIND,
    PAGE,
    PAGE_QUEUE_COLUMNS,
    SHEET_CHANGED,
    SHEET_SIGNED,
    SHEET_UNSIGNED,
    TVA,
)
from dashboard import inputs
from dashboard import verify_actions as va
from dashboard import verify_data as vd
from dashboard.data import wall_data
from layouts import verify as lv
from operations import notice_store, verify_store
from operations.access import Actor
from operations.errors import VerifyError, VerifyScopeError
from operations.periods import PeriodKind, of_date
from security.access import Access, Kind
from security.auth import Action, Principal, allowed_actions
from security.web import current_principal

dash.register_page(__name__, path="/verify", name=PAGE["title"], title=f"{PAGE['title']} · 运维指挥中心", order=11,
                   access=Access(action=Action.ANSWER_RECTIFICATION,
                                 inputs={"verify-site.value": Kind.SITE, "verify-notice-site.value": Kind.SITE}))

P = "verify"
SHOWN = 200  # rows per table; the rest are counted, not hidden silently
TIME = "%Y-%m-%d %H:%M"
DEFAULT_DEADLINE_DAYS = 14
SHEET_STATES = {"unsigned": SHEET_UNSIGNED, "signed": SHEET_SIGNED, "changed": SHEET_CHANGED}


def _actor(p: Principal) -> Actor:
    return Actor(p.actor, p.scope_code, None, p.role.value if p.role is not None else None)


def _may(p: Principal | None, action: Action) -> bool:
    """Whether to show a form (the actions check permission and region again on every submit)."""
    return p is not None and action in allowed_actions(p)


def _field(label: str, control: Any, cls: str = "") -> html.Label:
    return html.Label([html.Span(label), control], className=f"oncall-field {cls}".strip())


def _message(key: str) -> html.Div:
    return html.Div(id=f"{P}-{key}-msg", className="oncall-message", role="status")


def _tz() -> tzinfo:
    return wall_data().clock.now().tzinfo or UTC


def _queue_panel() -> html.Section:
    options = [{"label": TVA.FILTER_OPEN, "value": "open"}, {"label": TVA.FILTER_ALL, "value": "all"}]
    return html.Section(className="panel verify-queue", children=[
        html.H2(PAGE["queue"], className="panel-title"),
        _field("", dcc.RadioItems(id=f"{P}-filter", options=options, value="open", inline=True), "oncall-states"),
        _message("queue"),
        html.Div(lv.table((*PAGE_QUEUE_COLUMNS, ""), [], f"{P}-queue-body", "verify-queue-table"),
                 className="scroll")])


def _sheet_panel(sites: list[tuple[str, str]], period: str) -> html.Section:
    site_opts = [{"label": f"{n}（{c}）", "value": c} for c, n in sites]
    return html.Section(className="panel verify-sheet", children=[
        html.H2(TVA.SHEET_TITLE, className="panel-title"),
        html.Div(className="oncall-form", children=[
            _field(TVA.F_SITE, dcc.Dropdown(id=f"{P}-site", options=site_opts, clearable=False, searchable=True,
                                            value=sites[0][0] if sites else None), "wide"),
            _field(TVA.F_PERIOD, dcc.Input(id=f"{P}-period", type="text", value=period, debounce=True), "narrow")]),
        html.Div(className="oncall-form", children=[
            _field(TVA.F_KIND, dcc.Dropdown(id=f"{P}-kind", value="deduction", clearable=False, searchable=False,
                                            options=[{"label": v, "value": k} for k, v in ENTRY_KIND.items()]),
                   "narrow"),
            _field(TVA.F_CODE, dcc.Dropdown(id=f"{P}-code", options=[], clearable=True, searchable=True), "wide"),
            _field(TVA.F_POINTS, dcc.Input(id=f"{P}-points", type="number", min=0, step=0.1), "narrow"),
            _field(TVA.F_NOTE, dcc.Input(id=f"{P}-entry-note", type="text", value=""), "wide"),
            _field(TVA.F_EVIDENCE, dcc.Input(id=f"{P}-evidence", type="text", value="")),
            html.Button(TVA.BTN_ADD, id=f"{P}-entry-add", n_clicks=0, className="btn btn-primary")]),
        _message("sheet"),
        html.H3(TVA.ENTRIES_TITLE),
        html.Div(className="oncall-form", children=[
            _field(TVA.F_WITHDRAW_NOTE, dcc.Input(id=f"{P}-withdraw-note", type="text", value=""), "wide")]),
        html.Div(lv.table(TVA.ENTRY_COLUMNS, [], f"{P}-entries-body", "verify-entries"), className="scroll"),
        html.Div(className="oncall-form", children=[
            _field(TVA.F_SIGN_NOTE, dcc.Input(id=f"{P}-sign-note", type="text", value=""), "wide"),
            html.Button(TVA.BTN_SIGN, id=f"{P}-sign", n_clicks=0, className="btn btn-primary")]),
        html.Div(id=f"{P}-sheet", className="verify-sheet-status")])


def _create_form(sites: list[tuple[str, str]], deadline: str) -> html.Details:
    site_opts = [{"label": f"{n}（{c}）", "value": c} for c, n in sites]
    return html.Details(open=True, className="oncall-add", children=[
        html.Summary(TVA.NOTICE_TITLE), html.Div(className="oncall-form", children=[
            _field(TVA.F_SITE, dcc.Dropdown(id=f"{P}-notice-site", options=site_opts, clearable=False,
                                            searchable=True, value=sites[0][0] if sites else None)),
            _field(TVA.F_FINDINGS, dcc.Dropdown(id=f"{P}-notice-findings", options=[], multi=True), "wide"),
            _field(TVA.F_DEADLINE, dcc.Input(id=f"{P}-deadline", type="text", value=deadline), "narrow"),
            _field(TVA.F_NOTE, dcc.Input(id=f"{P}-notice-note", type="text", value="")),
            html.Button(TVA.BTN_CREATE, id=f"{P}-notice-create", n_clicks=0, className="btn btn-primary")])])


def _answer_form() -> html.Details:
    return html.Details(open=True, className="oncall-add", children=[
        html.Summary(TVA.ANSWER_TITLE), html.Div(className="oncall-form", children=[
            _field(TVA.F_NOTICE, dcc.Dropdown(id=f"{P}-answer-notice", options=[], clearable=True), "wide"),
            _field(TVA.F_PROBLEM, dcc.Dropdown(id=f"{P}-answer-problem", options=[], clearable=True)),
            _field(TVA.F_ANSWER, dcc.Input(id=f"{P}-answer-text", type="text", value=""), "wide"),
            _field(TVA.F_EVIDENCE, dcc.Input(id=f"{P}-answer-evidence", type="text", value="")),
            html.Button(TVA.BTN_ANSWER, id=f"{P}-answer-go", n_clicks=0, className="btn btn-primary")])])


def layout(**_: Any) -> html.Div:
    p = current_principal()
    if p is None:
        return html.Div(PAGE["no_viewer"], className="page page-verify")
    data = wall_data()
    now = data.clock.now()
    verifier = _may(p, Action.VERIFY)
    with data.sessions() as s:
        sites = vd.sites(s, _actor(p)) if verifier else []
    local = now.astimezone(now.tzinfo or UTC).date()
    notices_children: list[Any] = [html.H2(PAGE["notices"], className="panel-title")]
    if verifier:
        notices_children.append(_create_form(sites, (local + timedelta(days=DEFAULT_DEADLINE_DAYS)).isoformat()))
    notices_children += [_answer_form(), _message("notice"),
                         html.Div(lv.table(TVA.NOTICE_COLUMNS, [], f"{P}-notices-body", "verify-notices"),
                                  className="scroll")]
    grid: list[Any] = ([_queue_panel(), _sheet_panel(sites, of_date(local, PeriodKind.QUARTER).code)] if verifier
                       else [html.Div(TVA.READ_ONLY_VERIFY, className="oncall-readonly", id=f"{P}-readonly")])
    stores = ["notice", *(("queue", "sheet") if verifier else ())]
    return html.Div(className="page page-verify", children=[
        *[dcc.Store(id=f"{P}-{k}-changed", data=0) for k in stores],
        html.Div(className="page-head", children=[html.H2(PAGE["title"], id=f"{P}-name", className="page-name")]),
        html.P(PAGE["note"].format(scope=p.scope_code), id=f"{P}-note", className="verify-note"),
        html.Div(className="verify-grid" + ("" if verifier else " verify-answer-only"), children=[
            *grid, html.Section(className="panel verify-notices-panel", children=notices_children)])])


def _msg(out: va.Outcome) -> tuple[str, str]:
    return out.message, "oncall-message " + ("msg-ok" if out.ok else "msg-error")


def _clicked() -> bool:
    """A real click: pattern-matched buttons also "trigger" with 0 clicks when their rows re-render."""
    return bool(ctx.triggered) and bool(ctx.triggered[0].get("value"))


def _bump(changed: Any, out: va.Outcome) -> int:
    return (inputs.integer(changed) or 0) + (1 if out.ok else 0)


def _queue_cells(i: verify_store.QueueItem, tz: tzinfo) -> list[str]:
    # The last decision by its time and reason, not its author: a province inspector's name is not the city's.
    last = "—" if i.decided_at is None else (i.decided_at.astimezone(tz).strftime(TIME)
                                            + (f"（{DISMISS_REASON[i.reason]}）" if i.reason in DISMISS_REASON else ""))
    return [str(i.finding_id), f"{i.site_name}（{i.site_code}）", f"{FINDING_KIND.get(i.kind, '问题')}：{i.detail}",
            i.location, DECISION_STATUS[i.status.value], last]


def _entry_row(e: Any, table: dict[str, str], tz: tzinfo) -> lv.EntryRow:
    live = e.withdrawn_at is None
    state = TVA.VALID if live else TVA.WITHDRAWN.format(by=e.withdrawn_by or "",
                                                        at=_when(e.withdrawn_at, tz))
    return lv.EntryRow(e.id, ENTRY_KIND.get(e.kind, e.kind), f"{e.code} {table.get(e.code, '')}".strip(),
                       f"{e.points:g}", e.note, e.evidence or "", f"{e.created_by}，{_when(e.created_at, tz)}", state,
                       live)


def _when(t: Any, tz: tzinfo) -> str:
    return (t.replace(tzinfo=UTC) if t.tzinfo is None else t).astimezone(tz).strftime(TIME)


def _ref(value: Any) -> tuple[int | None, int | None]:
    """``"id:version"`` of the answer picker → (id, version)."""
    head, _, tail = inputs.text(value, 32).partition(":")
    return inputs.integer(head), inputs.integer(tail)


def register_callbacks(app: Dash) -> None:
    """This page's callbacks, bound to ``app``."""
    _register_queue(app)
    _register_sheet(app)
    _register_notices(app)


def _register_queue(app: Dash) -> None:
    @app.callback(Output(f"{P}-queue-body", "children"),
                  Input(f"{P}-queue-changed", "data"), Input(f"{P}-filter", "value"))
    def refresh_queue(_c: Any, which: Any) -> Any:
        p = current_principal()
        if p is None or not _may(p, Action.VERIFY):  # an editor's page has no queue: a crafted call reads nothing
            return []
        columns = len(PAGE_QUEUE_COLUMNS) + 1
        data = wall_data()
        tz = data.clock.now().tzinfo or UTC
        with data.sessions() as s:
            items = verify_store.queue(s, _actor(p), include_decided=which == "all")
        if not items:
            return lv.empty_row(PAGE["queue_empty"], columns)
        rows = lv.queue_rows([(i.finding_id, _queue_cells(i, tz)) for i in items[:SHOWN]], _may(p, Action.VERIFY))
        if len(items) > SHOWN:
            rows.append(lv.more_row(PAGE["more"].format(n=len(items) - SHOWN, total=len(items)), columns))
        return rows

    @app.callback(Output(f"{P}-queue-msg", "children"), Output(f"{P}-queue-msg", "className"),
                  Output(f"{P}-queue-changed", "data"),
                  Input({"type": lv.CONFIRM, "id": ALL}, "n_clicks"),
                  Input({"type": lv.DISMISS, "id": ALL}, "n_clicks"),
                  State({"type": lv.REASON, "id": ALL}, "value"), State({"type": lv.QNOTE, "id": ALL}, "value"),
                  State(f"{P}-queue-changed", "data"), prevent_initial_call=True)
    def decide(_c: Any, _d: Any, _reasons: Any, _notes: Any, changed: Any) -> tuple[Any, ...]:
        trig = ctx.triggered_id
        if not _clicked() or not isinstance(trig, dict):
            return no_update, no_update, no_update
        fid = trig.get("id")
        reasons = {str(d["id"].get("id")): d.get("value") for d in ctx.states_list[0]}
        notes = {str(d["id"].get("id")): d.get("value") for d in ctx.states_list[1]}
        data = wall_data()
        if trig.get("type") == lv.CONFIRM:
            out = va.perform_confirm(data.sessions, current_principal(), fid, notes.get(str(fid)), data.clock.now(),
                                     remote_addr=request.remote_addr)
        else:
            out = va.perform_dismiss(data.sessions, current_principal(), fid, reasons.get(str(fid)),
                                     notes.get(str(fid)), data.clock.now(), remote_addr=request.remote_addr)
        return *_msg(out), _bump(changed, out)


def _register_sheet(app: Dash) -> None:
    @app.callback(Output(f"{P}-code", "options"), Output(f"{P}-code", "value"), Input(f"{P}-kind", "value"))
    def codes(kind: Any) -> tuple[Any, Any]:
        choices = va.code_choices(inputs.text(kind, 16))
        return [{"label": f"{name}（{code}，{pts} 分）", "value": code} for code, name, pts in choices], None

    @app.callback(Output(f"{P}-entries-body", "children"), Output(f"{P}-sheet", "children"),
                  Input(f"{P}-site", "value"), Input(f"{P}-period", "value"), Input(f"{P}-sheet-changed", "data"),
                  Input(f"{P}-queue-changed", "data"))  # a decision bears on the sheet too
    def refresh_sheet(site: Any, period: Any, _c: Any, _q: Any) -> tuple[Any, Any]:
        p = current_principal()
        code, per = inputs.text(site, 32), inputs.text(period, 16)
        if p is None or not _may(p, Action.VERIFY):
            return [], ""
        if not code or not per:
            return lv.empty_row(TVA.SHEET_PICK, len(TVA.ENTRY_COLUMNS)), ""
        tz = _tz()
        names = {c: n for c, n, _ in [*va.code_choices("deduction"), *va.code_choices("bonus")]}
        try:
            with wall_data().sessions() as s:
                rows = verify_store.list_entries(s, _actor(p), code, per)
                st = verify_store.sheet_status(s, _actor(p), code, per)
                entry_rows = [_entry_row(e, names, tz) for e in rows]
        except (VerifyError, VerifyScopeError) as exc:
            return lv.empty_row(str(exc), len(TVA.ENTRY_COLUMNS)), ""
        signed = (TVA.SHEET_SIGNED_BY.format(by=st.signed_by, at=st.signed_at.astimezone(tz).strftime(TIME))
                  if st.signed_at is not None else None)
        changes = [f"{c.at.astimezone(tz).strftime(TIME)} {c.actor} {c.what}" for c in st.changes]
        return (lv.entry_rows(entry_rows, _may(p, Action.VERIFY)),
                lv.sheet_panel(SHEET_STATES[st.state.value], st.state.value, signed, changes))

    @app.callback(Output(f"{P}-sheet-msg", "children"), Output(f"{P}-sheet-msg", "className"),
                  Output(f"{P}-sheet-changed", "data"),
                  Input(f"{P}-entry-add", "n_clicks"), Input(f"{P}-sign", "n_clicks"),
                  Input({"type": lv.WITHDRAW, "id": ALL}, "n_clicks"),
                  State(f"{P}-site", "value"), State(f"{P}-period", "value"), State(f"{P}-kind", "value"),
                  State(f"{P}-code", "value"), State(f"{P}-points", "value"), State(f"{P}-entry-note", "value"),
                  State(f"{P}-evidence", "value"), State(f"{P}-withdraw-note", "value"),
                  State(f"{P}-sign-note", "value"), State(f"{P}-sheet-changed", "data"), prevent_initial_call=True)
    def sheet_action(_a: Any, _s: Any, _w: Any, site: Any, period: Any, kind: Any, code: Any, points: Any,
                     note: Any, evidence: Any, withdraw_note: Any, sign_note: Any, changed: Any) -> tuple[Any, ...]:
        if not _clicked():
            return no_update, no_update, no_update
        data = wall_data()
        trig, now, p = ctx.triggered_id, data.clock.now(), current_principal()
        if isinstance(trig, dict):
            out = va.perform_withdraw_entry(data.sessions, p, trig.get("id"), withdraw_note, now,
                                            remote_addr=request.remote_addr)
        elif trig == f"{P}-sign":
            out = va.perform_sign_off(data.sessions, p, site_code=site, period=period, note=sign_note, now=now,
                                      remote_addr=request.remote_addr)
        else:
            out = va.perform_add_entry(data.sessions, p, site_code=site, period=period, kind=kind, code=code,
                                       points=points, note=note, evidence=evidence, now=now,
                                       remote_addr=request.remote_addr)
        return *_msg(out), _bump(changed, out)


def _register_notices(app: Dash) -> None:
    @app.callback(Output(f"{P}-notice-findings", "options"), Output(f"{P}-notice-findings", "value"),
                  Input(f"{P}-notice-site", "value"), Input(f"{P}-notice-changed", "data"))
    def notice_findings(site: Any, _c: Any) -> tuple[Any, Any]:
        p = current_principal()
        code = inputs.text(site, 32)
        if p is None or not code:
            return [], []
        with wall_data().sessions() as s:
            found = vd.open_findings(s, _actor(p), code)
        return [{"label": label, "value": fid} for fid, label in found], []

    @app.callback(Output(f"{P}-notices-body", "children"), Output(f"{P}-answer-notice", "options"),
                  Input(f"{P}-notice-changed", "data"))
    def refresh_notices(_c: Any) -> tuple[Any, Any]:
        p = current_principal()
        if p is None:
            return [], []
        data = wall_data()
        now = data.clock.now()
        tz = now.tzinfo or UTC
        with data.sessions() as s:
            views = notice_store.list_notices(s, _actor(p), now, tz=tz)
            owed = vd.answerable(s, _actor(p)) if _may(p, Action.ANSWER_RECTIFICATION) else []
            alerting = vd.notice_alerts(s, [n.id for n in views[:SHOWN] if n.overdue])
        columns = len(TVA.NOTICE_COLUMNS)
        rows = (lv.notice_rows([(n.id, n.version, n.state.value == "draft",
                                 [str(n.id), f"{n.site_name}（{n.site_code}）", n.addressee,
                                  n.state_label + (PAGE["notice_alert"].format(alert=alerting[n.id])
                                                   if n.id in alerting else ""),
                                  n.deadline.isoformat(), f"{n.fixed}/{n.problems}", str(n.escalations)])
                                for n in views[:SHOWN]], _may(p, Action.VERIFY))
                if views else lv.empty_row(PAGE["notices_empty"], columns))
        if len(views) > SHOWN:
            rows.append(lv.more_row(PAGE["more"].format(n=len(views) - SHOWN, total=len(views)), columns))
        return rows, [{"label": a.label, "value": f"{a.notice_id}:{a.version}"} for a in owed]

    @app.callback(Output(f"{P}-answer-problem", "options"), Output(f"{P}-answer-problem", "value"),
                  Input(f"{P}-answer-notice", "value"))
    def answer_problems(value: Any) -> tuple[Any, Any]:
        p = current_principal()
        nid, _ = _ref(value)
        if p is None or nid is None:
            return [], None
        with wall_data().sessions() as s:
            owed = next((a for a in vd.answerable(s, _actor(p)) if a.notice_id == nid), None)
        return ([{"label": label, "value": fid} for fid, label in owed.problems] if owed else []), None

    @app.callback(Output(f"{P}-notice-msg", "children"), Output(f"{P}-notice-msg", "className"),
                  Output(f"{P}-notice-changed", "data"),
                  Input(f"{P}-notice-create", "n_clicks"), Input({"type": lv.ISSUE, "id": ALL, "v": ALL}, "n_clicks"),
                  Input(f"{P}-answer-go", "n_clicks"),
                  State(f"{P}-notice-site", "value"), State(f"{P}-notice-findings", "value"),
                  State(f"{P}-deadline", "value"), State(f"{P}-notice-note", "value"),
                  State(f"{P}-answer-notice", "value"), State(f"{P}-answer-problem", "value"),
                  State(f"{P}-answer-text", "value"), State(f"{P}-answer-evidence", "value"),
                  State(f"{P}-notice-changed", "data"), prevent_initial_call=True)
    def notice_action(_c: Any, _i: Any, _a: Any, site: Any, findings: Any, deadline: Any, note: Any, answer_ref: Any,
                      problem: Any, text: Any, evidence: Any, changed: Any) -> tuple[Any, ...]:
        if not _clicked():
            return no_update, no_update, no_update
        data = wall_data()
        trig, now, p = ctx.triggered_id, data.clock.now(), current_principal()
        if isinstance(trig, dict):
            out = va.perform_issue_notice(data.sessions, p, trig.get("id"), trig.get("v"), now,
                                          remote_addr=request.remote_addr)
        elif trig == f"{P}-answer-go":
            nid, version = _ref(answer_ref)
            out = va.perform_answer(data.sessions, p, notice_id=nid, finding_id=problem, text=text,
                                    evidence=evidence, version=version, now=now, remote_addr=request.remote_addr)
        else:
            out = va.perform_create_notice(data.sessions, p, site_code=site, finding_ids=findings, deadline=deadline,
                                           note=note, now=now, remote_addr=request.remote_addr)
        return *_msg(out), _bump(changed, out)
