"""The province's walls for the city nodes: the node status panel, the "unknown since" note of a cut city's
sites and hosts, and one site's per-vantage table with its verdict. Pure: rows in, components out.

Times are told in ``now``'s zone (the wall runs on 北京时间) and every age is computed from ``now``, so the
text is true when shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from dash import html

from alerts.summary import clock, span
from core.i18n.walls import LINK_STATE, TF, T
from federation.vantage import VantageProbe, VantageVerdict, Verdict
from layouts.components import format_age, table
from layouts.frames import LinkRow


def link_text(row: LinkRow, now: datetime) -> str:
    """在线 / 失联（自 08:12 起，已 14 分钟）/ 未接入."""
    if row.state == "unreachable" and row.since is not None:
        return TF.LINK_CUT.format(since=clock(row.since, now), span=span((now - row.since).total_seconds()))
    return LINK_STATE.get(row.state, LINK_STATE["never"])


_LINK_CLASS = {"online": "up", "unreachable": "unknown", "never": "stale"}


def node_rows(links: Sequence[LinkRow], now: datetime) -> list[html.Div]:
    """One line per federated city: its name and its link, coloured (在线 green, 失联 / 未接入 grey)."""
    out = []
    for row in links:
        state = _LINK_CLASS.get(row.state, "unknown")
        out.append(html.Div(className=f"node-link node-link-{state} node-{row.code}", children=[
            html.Span(row.name, className="node-link-name"),
            html.Span(link_text(row, now), className=f"node-link-state badge badge-{state}")]))
    return out


def unknown_note(sites: int, hosts: int) -> str:
    """How many sites and hosts of cut cities read unknown (and are not counted as failed)."""
    return TF.UNKNOWN_COUNTS.format(sites=sites, hosts=hosts) if sites or hosts else TF.NONE_CUT


def node_counts(links: Sequence[LinkRow]) -> html.Div:
    """在线 N · 失联 M · 未接入 K, the numbers large enough to read from across the room."""
    items = []
    for state in ("online", "unreachable", "never"):
        n = sum(1 for r in links if r.state == state)
        items.append(html.Span(className=f"node-count node-count-{_LINK_CLASS[state]}", children=[
            html.Span(str(n), className="node-count-value"),
            html.Span(LINK_STATE[state], className="node-count-label")]))
    return html.Div(items, className="node-counts")


def node_panel(links: Sequence[LinkRow], now: datetime, unknown_sites: int, unknown_hosts: int,
               prefix: str) -> html.Section:
    """The 市级节点状态 panel of the province overview (rebuilt whole by the page's refresh)."""
    return html.Section(className="panel panel-nodes", children=[
        html.Div([html.H2(TF.NODES_TITLE, className="panel-title"), node_counts(links)], className="nodes-head"),
        html.Div(node_rows(links, now), id=f"{prefix}-node-rows", className="node-links"),
        html.Div(unknown_note(unknown_sites, unknown_hosts), id=f"{prefix}-node-note", className="node-note"),
    ])


VANTAGE_HEADERS = [TF.COL_VANTAGE, TF.COL_RESULT, TF.COL_LATENCY, TF.COL_AGE]


def vantage_rows(probes: Sequence[VantageProbe], now: datetime, stale_after: timedelta) -> list[html.Tr]:
    """One row per vantage; a stale one is greyed (``row-stale``) with its age, never read as current."""
    if not probes:
        return [html.Tr(html.Td(TF.NO_VANTAGE, colSpan=len(VANTAGE_HEADERS), className="empty"))]
    rows = []
    for p in probes:
        fresh = p.fresh(now, stale_after)
        state = "stale" if not fresh else "up" if p.up else "down"
        result = T.DASH if p.up is None else TF.RESULT_UP if p.up else TF.RESULT_DOWN
        age = None if p.last_probe is None else (now - p.last_probe).total_seconds()
        latency = T.DASH if p.latency_ms is None or not p.up else f"{p.latency_ms:.0f} {T.UNIT_MS}"
        rows.append(html.Tr(className=f"row-{state}", children=[
            html.Td(p.name), html.Td(html.Span(result, className=f"badge badge-{state}")),
            html.Td(latency), html.Td(format_age(age))]))
    return rows


def vantage_table(probes: Sequence[VantageProbe], now: datetime, stale_after: timedelta,
                  body_id: str) -> html.Table:
    return table(VANTAGE_HEADERS, vantage_rows(probes, now, stale_after), body_id, "vantage-table")


def verdict_text(v: VantageVerdict) -> str:
    """The plain verdict: down from everywhere, a path problem of some vantages, all fine, or too few."""
    if v.verdict is Verdict.TOO_FEW:
        return TF.VERDICT_TOO_FEW.format(fresh=v.fresh)
    if v.verdict is Verdict.ALL_DOWN:
        return TF.VERDICT_ALL_DOWN
    if v.verdict is Verdict.PATH:
        return TF.VERDICT_PATH.format(names="、".join(v.failing))
    return TF.VERDICT_ALL_UP


_VERDICT_CLASS = {Verdict.ALL_UP: "up", Verdict.ALL_DOWN: "down", Verdict.PATH: "slow", Verdict.TOO_FEW: "stale"}


def verdict_badge(v: VantageVerdict) -> html.Div:
    return html.Div(verdict_text(v), className=f"vantage-verdict badge badge-{_VERDICT_CLASS[v.verdict]}")
