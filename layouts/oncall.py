"""Duty screen components (值班与静默, /oncall) from the frames of dashboard/oncall_data.py: who is on
duty now, the roster table, the alerts a handover passes on, the handover history and the silence
list. Pure: no queries; times shown in the zone of the ``now`` passed in (the wall's clock).

Row buttons carry pattern ids (``{"type": "oncall-remove", "id": n}``, ``{"type": "oncall-expire",
"id": n}``) and only appear where the page says the viewer may act.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from dash import dcc, html

from core.i18n.screens_oncall import SHIFT_STATUS, SILENCE_KIND, SILENCE_STATE, TO
from layouts.alerts import severity_badge, state_badge
from layouts.components import format_age, missing

REMOVE = "oncall-remove"
EXPIRE = "oncall-expire"


def _require(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    lost = [c for c in cols if c not in df.columns]
    if lost:
        raise ValueError(f"{what}: frame lacks column(s) {', '.join(lost)}")


def fmt_when(t: Any, now: datetime, with_date: bool = True) -> str:
    """``MM-DD HH:MM`` (or ``HH:MM``) in the zone of ``now``; "—" when missing."""
    if t is None or missing(t) or pd.isna(t):
        return format_age(None)
    ts = pd.Timestamp(t)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts
    return ts.tz_convert(now.tzinfo).strftime("%m-%d %H:%M" if with_date else "%H:%M")


def tier_label(tier: int) -> str:
    return TO.TIER.format(tier=tier)


def _cell(users: str, until: Any, fallback: bool, tier: int, now: datetime) -> html.Td:
    if users:
        return html.Td(className="duty-on", children=[
            html.Span(users, className="duty-users"),
            html.Span(TO.DUTY_UNTIL.format(time=fmt_when(until, now)), className="duty-until")])
    if fallback:
        return html.Td(TO.DUTY_FALLBACK, className="duty-fallback")
    return html.Td(TO.DUTY_NOBODY, className="duty-gap" + (" duty-gap-first" if tier == 1 else ""))


def duty_table(duty: pd.DataFrame, now: datetime) -> html.Table:
    """当前值班: one row per scope, one column per tier; a scope without anybody at tier 1 (and no
    province fallback) is marked ``duty-gap-first`` (red)."""
    _require(duty, ["scope_code", "scope_name", "tier", "users", "until", "fallback"], "duty_table")
    tiers = sorted({int(t) for t in duty["tier"]}) or [1]
    rows = []
    for (code, name), g in duty.groupby(["scope_code", "scope_name"], sort=False):
        by_tier = {int(r.tier): r for r in g.itertuples(index=False)}
        cells = [_cell(r.users, r.until, bool(r.fallback), t, now) if (r := by_tier.get(t)) is not None
                 else html.Td(TO.NONE) for t in tiers]
        rows.append(html.Tr([html.Td(name, className="duty-scope"), *cells], id=f"oncall-duty-{code}"))
    return html.Table(className="wall-table oncall-table duty-table", children=[
        html.Thead(html.Tr([html.Th(TO.DUTY_SCOPE), *[html.Th(tier_label(t)) for t in tiers]])),
        html.Tbody(rows or [html.Tr(html.Td(TO.NONE, colSpan=len(tiers) + 1, className="empty"))])])


def shift_rows(shifts: pd.DataFrame, now: datetime, removable: bool) -> list[html.Tr]:
    """The roster table body; a 删除 button on shifts not yet over when ``removable``."""
    _require(shifts, ["id", "scope_name", "tier", "username", "starts_at", "ends_at", "status"], "shift_rows")
    if shifts.empty:
        return [html.Tr(html.Td(TO.ROSTER_EMPTY, colSpan=len(TO.ROSTER_COLUMNS), className="empty"))]
    out = []
    for r in shifts.itertuples(index=False):
        action: Any = ""
        if removable and r.status != "over":
            action = html.Button(TO.BTN_REMOVE, id={"type": REMOVE, "id": int(r.id)}, n_clicks=0,
                                 className="btn btn-small btn-danger")
        out.append(html.Tr(className=f"shift-row shift-{r.status}", children=[
            html.Td(r.scope_name), html.Td(tier_label(int(r.tier))), html.Td(r.username),
            html.Td(fmt_when(r.starts_at, now)), html.Td(fmt_when(r.ends_at, now)),
            html.Td(html.Span(SHIFT_STATUS.get(r.status, r.status), className=f"badge badge-shift-{r.status}")),
            html.Td(action)]))
    return out


def pass_on_list(alerts: pd.DataFrame) -> html.Div:
    """The open alerts a handover will pass on, shown before it is confirmed."""
    _require(alerts, ["id", "severity", "state", "city_name", "summary"], "pass_on_list")
    if alerts.empty:
        return html.Div(TO.PASS_ON_NONE, className="pass-on-none")
    items = [html.Li(className="pass-on-item", children=[
        html.Span(f"#{r.id}", className="pass-on-id"), severity_badge(r.severity), state_badge(r.state),
        html.Span(r.city_name, className="pass-on-city"), html.Span(r.summary, className="pass-on-summary")])
        for r in alerts.itertuples(index=False)]
    return html.Div([html.Div(TO.PASS_ON.format(count=len(alerts)), className="pass-on-title"),
                     html.Ul(items, className="pass-on-list")])


def handover_rows(handovers: pd.DataFrame, now: datetime) -> list[html.Tr]:
    """The handover history body: time, region, from → to, the alerts passed on (count, ids and
    summaries on hover, a link to the console) and the note."""
    _require(handovers, ["at", "scope_name", "from_user", "to_user", "note", "alert_ids", "alerts_text"],
             "handover_rows")
    if handovers.empty:
        return [html.Tr(html.Td(TO.HISTORY_EMPTY, colSpan=len(TO.HISTORY_COLUMNS), className="empty"))]
    out = []
    for r in handovers.itertuples(index=False):
        ids = list(r.alert_ids)
        passed: Any = TO.NONE
        if ids:
            passed = html.Span([dcc.Link(TO.ALERTS_COUNT.format(count=len(ids)), href="/alerts",
                                         title=TO.ALERTS_LINK),
                                html.Span(" " + "、".join(f"#{i}" for i in ids), className="handover-ids")],
                               title=r.alerts_text)
        out.append(html.Tr(className="handover-row", children=[
            html.Td(fmt_when(r.at, now)), html.Td(r.scope_name), html.Td(r.from_user), html.Td(r.to_user),
            html.Td(passed), html.Td(r.note or TO.NONE, title=r.note, className="handover-note")]))
    return out


def silence_rows(rows: pd.DataFrame, now: datetime, expirable: bool) -> list[html.Tr]:
    """The silence list body; a 结束 button on pending and active rows when ``expirable``."""
    _require(rows, ["id", "kind", "state", "matchers", "starts_at", "ends_at", "created_by", "reason"],
             "silence_rows")
    if rows.empty:
        return [html.Tr(html.Td(TO.SILENCE_EMPTY, colSpan=len(TO.SILENCE_COLUMNS), className="empty"))]
    out = []
    for r in rows.itertuples(index=False):
        action: Any = ""
        if expirable and r.state != "expired":
            action = html.Button(TO.BTN_EXPIRE, id={"type": EXPIRE, "id": int(r.id)}, n_clicks=0,
                                 className="btn btn-small btn-danger")
        out.append(html.Tr(className=f"silence-row silence-{r.state}", children=[
            html.Td(f"#{r.id}"), html.Td(SILENCE_KIND.get(r.kind, r.kind)),
            html.Td(html.Span(SILENCE_STATE.get(r.state, r.state), className=f"badge badge-silence-{r.state}")),
            html.Td(html.Code(r.matchers), title=r.matchers, className="silence-matchers"),
            html.Td(fmt_when(r.starts_at, now)), html.Td(fmt_when(r.ends_at, now)), html.Td(r.created_by),
            html.Td(r.reason, title=r.reason, className="silence-reason"), html.Td(action)]))
    return out


def table(headers: Sequence[str], body: list[html.Tr], body_id: str, cls: str) -> html.Table:
    return html.Table(className=f"wall-table oncall-table {cls}", children=[
        html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(body, id=body_id)])
