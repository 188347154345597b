"""One site's yearly report (/annual/site/<code>?year=YYYY): every field by section with its value and where it
came from (自动：source / 手工：who, when), missing fields highlighted; a form to enter a field by hand while the
report is editable (草稿 / 已退回) for users who may edit (``edit_content``); 提交审核 / 审核通过 / 退回（须填写原因）/
发布 shown only when the state and the viewer's role allow them (dashboard/annual_actions.py checks again on
every click; the workflow's refusals come back as its Chinese message); Excel and PDF downloads
(``/annual/export.xlsx|pdf?site=CODE&year=YYYY``, the same builders as ``app.py annual export``)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import dash
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update
from flask import Response, request

from annual.export import report_workbook
from annual.pdf import head_lines, save_report_pdf
from annual.workflow import find
from core.i18n import annual as T
from core.i18n.annual import S
from dashboard import annual_actions as aa
from dashboard import annual_data as ad
from dashboard import inputs
from dashboard.annual_data import actor, refusal
from dashboard.data import wall_data
from dashboard.not_found import message_page
from layouts.annual import field_sections, head_block
from reports.files import ReportSaveError
from reports.pdfkit import FontError
from security.access import Access, Kind
from security.enforce import registry
from security.web import current_principal

ACCESS = Access(params={"code": Kind.SITE, "site": Kind.SITE}, inputs={"annual-site-code.data": Kind.SITE})
dash.register_page(__name__, path_template="/annual/site/<code>", name=S.SITE_PAGE,
                   title=f"{S.SITE_PAGE} · 运维指挥中心", order=13, access=ACCESS)

P = "annual-site"
EXPORT_PATH = "/annual/export.<fmt>"
MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}
MOVES = ("submit", "review", "return", "publish")


def _year(text: Any, fallback: int) -> int | None:
    if text is None or text == "":
        return fallback
    y = inputs.integer(text)
    return y if y is not None and 2000 <= y <= 2100 else None


def _message(code: str, text: str) -> html.Div:
    return html.Div(className="page page-annual", children=[
        html.Div(className="page-head", children=[html.H2(S.SITE_PAGE, id=f"{P}-name", className="page-name"),
                                                  dcc.Link(S.BACK, href="/annual", className="back-link")]),
        html.P(text, id=f"{P}-refused", className="annual-note")])


def _export_href(fmt: str, code: str, year: int) -> str:
    return f"/annual/export.{fmt}?site={quote(code)}&year={year}"


def layout(code: str | None = None, year: str | None = None, **_: Any) -> html.Div:
    code = (code or "").strip()
    p = current_principal()
    why = refusal(p)
    if why is not None or p is None:
        return _message(code, why or S.NO_VIEWER)
    data = wall_data()
    y = _year(year, data.clock.now().year)
    if y is None:
        return _message(code, S.BAD_YEAR.format(text=year))
    with data.sessions() as s:
        got = ad.site_report(s, actor(p), code, y, data.clock.now().tzinfo or UTC)
    if got is None:
        return _message(code, S.NO_SITE.format(code=code))
    site, view = got
    if view is None:
        return _message(code, S.NO_REPORT.format(name=site.name, code=code, year=y))
    buttons = [html.Button(S.BTN[m], id=f"{P}-{m}", n_clicks=0, hidden=True,
                           className="btn " + ("btn-danger" if m == "return" else "btn-primary")) for m in MOVES]
    return html.Div(className="page page-annual page-annual-site", children=[
        dcc.Store(id=f"{P}-code", data=code), dcc.Store(id=f"{P}-year", data=y),
        dcc.Store(id=f"{P}-changed", data=0),
        html.Div(className="page-head", children=[
            html.H2(S.HEADING.format(name=site.name, year=y), id=f"{P}-name", className="page-name"),
            dcc.Link(S.BACK, href=f"/annual?year={y}", className="back-link"),
            html.A(S.XLSX, href=_export_href("xlsx", code, y), id=f"{P}-xlsx", className="btn btn-primary",
                   download=""),
            html.A(S.PDF, href=_export_href("pdf", code, y), id=f"{P}-pdf", className="btn btn-primary",
                   download="")]),
        html.Div(className="annual-grid", children=[
            html.Section(className="panel annual-fields-panel", children=[
                html.Div(id=f"{P}-head"), html.Div(id=f"{P}-body", className="scroll")]),
            html.Section(className="panel annual-actions-panel", children=[
                html.H3(S.FORM_TITLE),
                html.Div(id=f"{P}-form", hidden=True, className="oncall-form", children=[
                    html.Label([html.Span(S.F_FIELD), dcc.Dropdown(id=f"{P}-field", options=[], clearable=True,
                                                                   searchable=True)], className="oncall-field wide"),
                    html.Label([html.Span(S.F_VALUE), dcc.Input(id=f"{P}-value", type="text", value="")],
                               className="oncall-field wide"),
                    html.Div(id=f"{P}-hint", className="annual-hint"),
                    html.Button(S.BTN_SET, id=f"{P}-set", n_clicks=0, className="btn btn-primary")]),
                html.Div(id=f"{P}-form-note", className="oncall-readonly"),
                html.Div(className="oncall-form annual-moves", children=[
                    html.Label([html.Span(S.F_REASON), dcc.Input(id=f"{P}-reason", type="text", value="")],
                               id=f"{P}-reason-box", hidden=True, className="oncall-field wide"),
                    *buttons]),
                html.Div(id=f"{P}-none", className="oncall-readonly"),
                html.Div(id=f"{P}-msg", className="oncall-message", role="status")])])])


def _refresh(_changed: Any, code: Any, year: Any) -> tuple[Any, ...]:
    p = current_principal()
    hidden_all = (True,) * (2 + len(MOVES))
    c, y = inputs.text(code, 32), inputs.integer(year)
    if p is None or refusal(p) is not None or not c or y is None:
        return "", [], [], "", "", *hidden_all
    data = wall_data()
    with data.sessions() as s:
        got = ad.site_report(s, actor(p), c, y, data.clock.now().tzinfo or UTC)
    if got is None or got[1] is None:
        return "", [], [], "", "", *hidden_all
    view = got[1]
    notes = [S.STALE_TEMPLATE.format(old=view.head.version, new=ad.template().version)] if view.stale_template else []
    counts = T.P_COUNTS.format(n=sum(view.counts.values()), **view.counts)
    head = head_block(head_lines(view.head), view.return_reason, counts, notes)
    can_edit = view.editable and not view.stale_template and aa.may(p, "set")
    form_note = "" if can_edit or not aa.may(p, "set") else S.NOT_EDITABLE.format(
        state=T.STATE[view.head.state])
    options = [{"label": S.MISSING_OPTION.format(label=f.label) if f.status == "missing" else f.label,
                "value": f.key} for _, fields in view.sections for f in fields]
    shown = {m: m in view.actions and aa.may(p, m) for m in MOVES}
    none = "" if any(shown.values()) or can_edit else S.READ_ONLY
    return (head, field_sections(view.sections), options, form_note, none, not can_edit, not shown["return"],
            *[not shown[m] for m in MOVES])


def _hint(key: Any) -> str:
    k = inputs.text(key, 64)
    try:
        f = ad.template().field(k)
    except KeyError:
        return ""
    if f.type == "choice":
        return S.HINT_CHOICE.format(choices="、".join(f.choices))
    if f.type == "multi":
        return S.HINT_MULTI.format(choices="、".join(f.choices))
    return S.HINT.get(f.type, "")


def _act(_s: Any, _a: Any, _b: Any, _c: Any, _d: Any, code: Any, year: Any, key: Any, value: Any, reason: Any,
         changed: Any) -> tuple[Any, ...]:
    trig = ctx.triggered_id
    if not ctx.triggered or not ctx.triggered[0].get("value"):
        return no_update, no_update, no_update
    data = wall_data()
    p, now = current_principal(), data.clock.now()
    if trig == f"{P}-set":
        out = aa.perform_set(data.sessions, p, code=code, year=year, key=key, value=value, now=now)
    else:
        out = aa.perform_move(data.sessions, p, code=code, year=year, action=str(trig).removeprefix(f"{P}-"),
                              reason=reason, now=now)
    return (out.message, "oncall-message " + ("msg-ok" if out.ok else "msg-error"),
            (inputs.integer(changed) or 0) + (1 if out.ok else 0))


def export(fmt: str) -> Response:
    """``/annual/export.xlsx|pdf?site=CODE&year=YYYY``: the site's report in the national layout."""
    if fmt not in MIMETYPES:
        return message_page(S.PAGE, S.EXPORT_BAD.format(what=fmt), 404)
    p = current_principal()
    why = refusal(p)
    if why is not None or p is None:
        return message_page(S.PAGE, why or S.NO_VIEWER, 403)
    code = request.args.get("site", "").strip()
    data = wall_data()
    y = _year(request.args.get("year"), 0)
    if not code or not y:
        return message_page(S.PAGE, S.EXPORT_BAD.format(what=request.query_string.decode("utf-8", "replace")), 400)
    tz = data.clock.now().tzinfo or UTC
    with data.sessions() as s:
        got = ad.site_report(s, actor(p), code, y, tz)
        if got is None:
            return message_page(S.PAGE, S.NO_SITE.format(code=code), 404)
        site, view = got
        if view is None:
            return message_page(S.PAGE, S.NO_REPORT.format(name=site.name, code=code, year=y), 404)
        report = find(s, site.id, y)
        assert report is not None
        values = dict(report.values or {})
    t = ad.template()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"report.{fmt}"
        try:
            if fmt == "pdf":
                save_report_pdf(path, t, values, view.head, data.config.reports.pdf_font or None, ad.when(tz))
            else:
                report_workbook(t, values, year=y, organizer=view.head.organizer, state=view.head.state,
                                version=view.head.version).save(path)
        except (FontError, ReportSaveError) as exc:
            return message_page(S.PAGE, str(exc), 500)
        body = path.read_bytes()
    name = f"{site.name}-{y}年度报表.{fmt}"
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return Response(body, mimetype=MIMETYPES[fmt], headers={
        "Content-Disposition": f"attachment; filename=annual-{code}-{y}-{stamp}.{fmt}; "
                               f"filename*=UTF-8''{quote(name)}", "Cache-Control": "no-store"})


def register_callbacks(app: Dash) -> None:
    app.callback(Output(f"{P}-head", "children"), Output(f"{P}-body", "children"), Output(f"{P}-field", "options"),
                 Output(f"{P}-form-note", "children"), Output(f"{P}-none", "children"),
                 Output(f"{P}-form", "hidden"), Output(f"{P}-reason-box", "hidden"),
                 *[Output(f"{P}-{m}", "hidden") for m in MOVES],
                 Input(f"{P}-changed", "data"), State(f"{P}-code", "data"), State(f"{P}-year", "data"))(_refresh)
    app.callback(Output(f"{P}-hint", "children"), Input(f"{P}-field", "value"))(_hint)
    app.callback(Output(f"{P}-msg", "children"), Output(f"{P}-msg", "className"), Output(f"{P}-changed", "data"),
                 Input(f"{P}-set", "n_clicks"), *[Input(f"{P}-{m}", "n_clicks") for m in MOVES],
                 State(f"{P}-code", "data"), State(f"{P}-year", "data"), State(f"{P}-field", "value"),
                 State(f"{P}-value", "value"), State(f"{P}-reason", "value"), State(f"{P}-changed", "data"),
                 prevent_initial_call=True)(_act)
    # The downloads are plain links, so they live on the Flask server behind the same login, declared like the
    # page (the ``site`` argument is judged against the viewer's scope by the guard, then by site_report).
    app.server.add_url_rule(EXPORT_PATH, endpoint="annual_export", view_func=export, methods=["GET"])
    registry(app.server).route("annual_export", ACCESS)
