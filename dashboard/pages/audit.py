"""The audit log (审计日志, /audit) for admins and security analysts: filters (actor, action by its Chinese
name, object, region within the viewer's scope, a date range in the display zone), paging with the total
count, and CSV / Excel export of every filtered row (``/audit/export.csv|xlsx``, itself audited).

Province admins and security analysts see every entry; a city admin sees the entries of its city only,
on screen and in exports. The first page is rendered from the URL's query (``/audit?action=login.failed``
is a bookmark); afterwards one callback re-reads the table when a filter or the page changes. Queries and
exports live in dashboard/audit_data.py, components in layouts/audit.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import dash
from dash import Dash, Input, Output, State, ctx, dcc, html
from flask import Response, request

from core.cli import zone_label
from core.i18n.screens_audit import TAU
from core.i18n.security import AUDIT_ACTION_GROUPS, AUDIT_ACTION_LABELS
from dashboard import audit_data as ad
from dashboard.data import wall_data
from dashboard.not_found import message_page
from db.session import transaction
from layouts.audit import body_rows, count_text, header_row
from security.access import Access, Kind
from security.auth import Action, PermissionDenied, Principal, require
from security.enforce import registry
from security.scope import PROVINCE_CODE
from security.web import current_principal

ACCESS = Access(action=Action.VIEW_AUDIT, inputs={"audit-region.value": Kind.DIVISION})
dash.register_page(__name__, path="/audit", name=TAU.PAGE, title=f"{TAU.PAGE} · 运维指挥中心", order=9,
                   access=ACCESS)

P = "audit"
EXPORT_PATH = "/audit/export.<fmt>"


def _viewer() -> Principal:
    """The principal allowed to read the audit log; raises PermissionDenied (Chinese) otherwise."""
    p = current_principal()
    return require(p, Action.VIEW_AUDIT, p.scope_code if p is not None else PROVINCE_CODE)


def _names() -> dict[str, str]:
    cities = wall_data().cities()
    return ad.region_names(dict(zip(cities["code"], cities["name"], strict=True)))


def _tz() -> Any:
    return wall_data().clock.now().tzinfo


def action_options() -> list[dict[str, str]]:
    """全部操作 by area: each area as a whole, then each of its actions, by Chinese name."""
    out = []
    for key, (label, prefixes) in AUDIT_ACTION_GROUPS.items():
        out.append({"label": TAU.GROUP_ALL.format(group=label), "value": f"{ad.GROUP_PREFIX}{key}"})
        out += [{"label": f"　{name}", "value": code} for code, name in AUDIT_ACTION_LABELS.items()
                if code.split(".")[0] in prefixes]
    return out


def _region_options(scope: str, names: dict[str, str]) -> list[dict[str, str]]:
    if scope != PROVINCE_CODE:
        return [{"label": names.get(scope, scope), "value": scope}]
    return [{"label": n, "value": c} for c, n in names.items()]


def _field(label: str, control: Any, cls: str = "") -> html.Label:
    return html.Label([html.Span(label), control], className=f"audit-field {cls}".strip())


def _text(key: str, value: str, placeholder: str) -> dcc.Input:
    return dcc.Input(id=f"{P}-{key}", type="text", value=value, placeholder=placeholder, debounce=False,
                     n_submit=0, autoComplete="off")


def _filters(f: ad.AuditFilter, scope: str, names: dict[str, str]) -> html.Div:
    city = scope != PROVINCE_CODE
    return html.Div(className="audit-filters", children=[
        _field(TAU.F_ACTOR, _text("actor", f.actor, TAU.ACTOR_PLACEHOLDER)),
        _field(TAU.F_ACTION, dcc.Dropdown(id=f"{P}-action", options=action_options(), value=f.action or None,
                                          placeholder=TAU.ANY_ACTION, clearable=True, searchable=True), "wide"),
        _field(TAU.F_OBJECT, _text("object", f.object, TAU.OBJECT_PLACEHOLDER)),
        _field(TAU.F_REGION, dcc.Dropdown(id=f"{P}-region", options=_region_options(scope, names),
                                          value=scope if city else (f.region or None), placeholder=TAU.ANY_REGION,
                                          clearable=not city, disabled=city, searchable=True)),
        _field(TAU.F_START, _text("start", str(f.start or ""), TAU.DATE_PLACEHOLDER), "date"),
        _field(TAU.F_END, _text("end", str(f.end or ""), TAU.DATE_PLACEHOLDER), "date"),
        html.Button(TAU.BTN_APPLY, id=f"{P}-apply", n_clicks=0, className="btn btn-primary"),
        dcc.Link(TAU.BTN_RESET, href="/audit", className="audit-reset", id=f"{P}-reset")])


def _export_href(fmt: str, f: ad.AuditFilter) -> str:
    query = f.query_string()
    return f"/audit/export.{fmt}" + (f"?{query}" if query else "")


def _table(f: ad.AuditFilter, scope: str, page: int, names: dict[str, str]) -> tuple[list[Any], int, int, int]:
    """(rows, total, page, pages) of the filter for the viewer's scope."""
    tz = _tz()
    with wall_data().sessions() as s:
        total = ad.count(s, f, scope, tz)
        page = ad.clamp_page(page, total)
        found = ad.entries(s, f, scope, tz, offset=(page - 1) * ad.PAGE_SIZE, limit=ad.PAGE_SIZE)
        rows = ad.rows(found, tz, names)
    return body_rows(rows), total, page, ad.pages(total)


def _int(value: Any, default: int = 1) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def layout(actor: str = "", action: str = "", object: str = "", region: str = "", start: str = "", end: str = "",
           page: str = "1", **_: Any) -> html.Div:
    try:
        principal = _viewer()
    except PermissionDenied as exc:
        return html.Div(className="page page-missing", children=[html.H2(str(exc), className="missing")])
    scope, names = principal.scope_code, _names()
    message = ""
    try:
        f = ad.parse_filter({"actor": actor, "action": action, "object": object, "region": region, "start": start,
                             "end": end}, scope, names)
    except ad.AuditFilterError as exc:
        f, message = ad.AuditFilter(), str(exc)
    body, total, page_no, n_pages = _table(f, scope, _int(page), names)
    count, page_text = count_text(total, page_no, n_pages)
    note = TAU.SCOPE_CITY.format(name=names.get(scope, scope)) if scope != PROVINCE_CODE else ""
    return html.Div(className="page page-audit", children=[
        dcc.Store(id=f"{P}-page", data=page_no),
        html.Section(className="panel panel-audit-filters", children=[
            html.H2(TAU.PAGE, className="panel-title"), _filters(f, scope, names)]),
        html.Section(className="panel panel-audit", children=[
            html.Div(className="audit-bar", children=[
                html.Span(count, id=f"{P}-count", className="audit-count"),
                html.Button(TAU.BTN_PREV, id=f"{P}-prev", n_clicks=0, className="btn btn-small",
                            disabled=page_no <= 1),
                html.Span(page_text, id=f"{P}-pageno", className="audit-pageno"),
                html.Button(TAU.BTN_NEXT, id=f"{P}-next", n_clicks=0, className="btn btn-small",
                            disabled=page_no >= n_pages),
                html.Span(note, className="audit-scope-note"),
                html.Span(message, id=f"{P}-msg", className="audit-message", role="status"),
                html.A(TAU.EXPORT_CSV, id=f"{P}-csv", href=_export_href("csv", f), className="btn audit-export"),
                html.A(TAU.EXPORT_XLSX, id=f"{P}-xlsx", href=_export_href("xlsx", f), className="btn audit-export")]),
            html.Div(className="scroll", children=[html.Table(className="wall-table audit-table", children=[
                html.Thead(header_row(zone_label(_tz()))), html.Tbody(body, id=f"{P}-body")])])])])


def _refresh(_apply: Any, _a: Any, _o: Any, _s: Any, _e: Any, action: str | None, region: str | None, _prev: Any,
             _next: Any, actor: str | None, obj: str | None, start: str | None, end: str | None,
             page: int | None) -> tuple[Any, ...]:
    """Re-read the table for the filters: page 1 after a filter change, one page on for 上一页/下一页.
    A malformed filter keeps the table as it is and says what is wrong."""
    try:
        principal = _viewer()
    except PermissionDenied as exc:
        return ([], "", "", 1, "", "", str(exc), True, True)
    scope, names = principal.scope_code, _names()
    try:
        f = ad.parse_filter({"actor": actor, "action": action, "object": obj, "region": region, "start": start,
                             "end": end}, scope, names)
    except ad.AuditFilterError as exc:
        no = dash.no_update
        return (no, no, no, no, no, no, str(exc), no, no)
    step = {f"{P}-prev": -1, f"{P}-next": 1}.get(str(ctx.triggered_id))
    want = _int(page) + step if step is not None else 1
    body, total, page_no, n_pages = _table(f, scope, want, names)
    count, page_text = count_text(total, page_no, n_pages)
    return (body, count, page_text, page_no, _export_href("csv", f), _export_href("xlsx", f), "",
            page_no <= 1, page_no >= n_pages)


def export(fmt: str) -> Response:
    """``/audit/export.csv|xlsx?<filters>``: every row of the filter within the viewer's region, audited."""
    if fmt not in ad.EXPORT_FORMATS:
        return message_page(TAU.PAGE, f"不支持的导出格式：{fmt}（可选 csv、xlsx）", 404)
    try:
        principal = _viewer()
    except PermissionDenied as exc:
        return message_page(TAU.PAGE, str(exc), 403)
    scope, names, tz = principal.scope_code, _names(), _tz()
    try:
        f = ad.parse_filter(request.args, scope, names)
    except ad.AuditFilterError as exc:
        return message_page(TAU.PAGE, str(exc), 400)
    data = wall_data()
    with data.sessions() as s:
        total = ad.count(s, f, scope, tz)
        if total > ad.EXPORT_LIMIT:
            return message_page(TAU.PAGE, TAU.EXPORT_TOO_MANY.format(n=total, limit=ad.EXPORT_LIMIT), 400)
        rows = ad.rows(ad.entries(s, f, scope, tz, limit=ad.EXPORT_LIMIT), tz, names)
    body = ad.to_csv(rows, tz) if fmt == "csv" else ad.to_xlsx(rows, tz)
    with transaction(data.sessions) as s:
        ad.record_export(s, actor=principal.actor, scope_code=scope, remote_addr=request.remote_addr, fmt=fmt,
                         n=len(rows), f=f, names=names, now=datetime.now(UTC))
    stamp = data.clock.now().strftime("%Y%m%d-%H%M")
    name = f"审计日志-{stamp}.{fmt}"
    return Response(body, mimetype=ad.EXPORT_FORMATS[fmt], headers={
        "Content-Disposition": f"attachment; filename=audit-{stamp}.{fmt}; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store"})


def register_callbacks(app: Dash) -> None:
    app.callback(
        Output(f"{P}-body", "children"), Output(f"{P}-count", "children"), Output(f"{P}-pageno", "children"),
        Output(f"{P}-page", "data"), Output(f"{P}-csv", "href"), Output(f"{P}-xlsx", "href"),
        Output(f"{P}-msg", "children"), Output(f"{P}-prev", "disabled"), Output(f"{P}-next", "disabled"),
        Input(f"{P}-apply", "n_clicks"), Input(f"{P}-actor", "n_submit"), Input(f"{P}-object", "n_submit"),
        Input(f"{P}-start", "n_submit"), Input(f"{P}-end", "n_submit"), Input(f"{P}-action", "value"),
        Input(f"{P}-region", "value"), Input(f"{P}-prev", "n_clicks"), Input(f"{P}-next", "n_clicks"),
        State(f"{P}-actor", "value"), State(f"{P}-object", "value"), State(f"{P}-start", "value"),
        State(f"{P}-end", "value"), State(f"{P}-page", "data"), prevent_initial_call=True)(_refresh)
    # The export is a plain download (a link), so it lives on the Flask server behind the same login,
    # declared like the page (its region argument is checked against the viewer's scope by parse_filter).
    app.server.add_url_rule(EXPORT_PATH, endpoint="audit_export", view_func=export, methods=["GET"])
    registry(app.server).route("audit_export", ACCESS)
