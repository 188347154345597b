"""The infrastructure wall's components (基础设施, /infra), built from frames (no queries).

Inputs: the host frame of layouts/frames.py plus ``kind`` (local / ssh / "") and ``age_s``
(dashboard/infra_data.py ``with_kind_and_age``), the node counts (``code, name, total, up, unhealthy,
stale``) and the disk forecasts (dashboard/infra_data.py ``FORECAST_COLUMNS``). A stale host is grey with its
age wherever it appears; a disk short of data gets no forecast, only a count of how many are waiting.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc, html

from alerts.forecast import INSUFFICIENT, REACHED, REACHING
from alerts.summary import forecast_days, span
from core.i18n.screens_infra import TINF
from layouts.components import KpiItem, format_age, missing, require_columns
from layouts.hosts import WARN_PERCENT, host_href

HOT_N = 5  # hosts per hot-spot list
FORECAST_N = 8  # disks listed by the soonest to fill
_HOST_COLS = ("name", "status", "cpu_percent", "mem_percent", "disk_percent", "city_name", "kind", "age_s")
_FORECAST_COLS = ("host", "mount", "status", "days", "last")


GREY = ("stale", "unknown")  # statuses shown grey: old data, or a cut city's host whose state nobody knows now


def _stale_note(row: Any) -> str:
    if row.status == "unknown":
        return TINF.CUT
    return TINF.NEVER if missing(row.age_s) else TINF.STALE_AGE.format(age=format_age(float(row.age_s)))


def _kind_tag(kind: str) -> html.Span | str:
    if not kind:
        return ""
    return html.Span(TINF.KIND_LOCAL if kind == "local" else TINF.KIND_SSH, className=f"infra-kind infra-kind-{kind}")


def infra_kpis(hosts: pd.DataFrame, forecasts: pd.DataFrame, horizon_days: float = 7.0) -> list[KpiItem]:
    """Tiles: hosts in total, up, unhealthy, stale, and disks whose trend fills them within ``horizon_days``."""
    require_columns(hosts, ("status",), "infra hosts")
    total = len(hosts)
    n = {s: int((hosts["status"] == s).sum()) for s in ("up", "unhealthy")}
    n["stale"] = int(hosts["status"].isin(GREY).sum())
    soon = forecasts[forecasts["status"].isin([REACHING, REACHED])]
    soon_n = int((pd.to_numeric(soon["days"], errors="coerce") < horizon_days).sum())
    judged = int((forecasts["status"] != INSUFFICIENT).sum())
    return [
        KpiItem("total", TINF.KPI_TOTAL, str(total), TINF.UNIT_HOSTS,
                "unknown" if total == 0 else "up" if n["up"] == total else "degraded"),
        KpiItem("up", TINF.KPI_UP, str(n["up"]), TINF.UNIT_HOSTS, "up" if total and n["up"] == total else
                "stale" if total == 0 else "degraded"),
        KpiItem("unhealthy", TINF.KPI_BAD, str(n["unhealthy"]), TINF.UNIT_HOSTS, "down" if n["unhealthy"] else "up"),
        KpiItem("stale", TINF.KPI_STALE, str(n["stale"]), TINF.UNIT_HOSTS, "stale" if n["stale"] else "up"),
        # No forecast yet is not good news: grey until some disk has enough data.
        KpiItem("soon", TINF.KPI_SOON, str(soon_n) if judged else TINF.DASH, TINF.UNIT_DISKS,
                "down" if soon_n else "up" if judged else "stale"),
    ]


def node_rows(nodes: pd.DataFrame) -> list[html.Tr]:
    """One row per node: its name (a link to its city wall) and hosts up / unhealthy / stale / unknown."""
    require_columns(nodes, ("code", "name", "total", "up", "unhealthy", "stale", "unknown"), "infra nodes")
    rows = []
    for r in nodes.itertuples(index=False):
        cls = "row-unhealthy" if r.unhealthy else "row-empty" if not r.total else ""
        rows.append(html.Tr(className=cls, children=[
            html.Td(dcc.Link(r.name, href=f"/city/{r.code}"), className="infra-node-name"),
            html.Td(str(r.up), className="infra-num val-ok" if r.up else "infra-num muted"),
            html.Td(str(r.unhealthy), className="infra-num val-bad" if r.unhealthy else "infra-num muted"),
            html.Td(str(r.stale), className="infra-num val-stale" if r.stale else "infra-num muted"),
            html.Td(str(r.unknown), className="infra-num val-stale" if r.unknown else "infra-num muted")]))
    return rows


def nodes_table(nodes: pd.DataFrame, body_id: str) -> html.Table:
    return html.Table(className="wall-table infra-nodes", children=[
        html.Thead(html.Tr([html.Th(h) for h in TINF.NODE_HEADERS])), html.Tbody(node_rows(nodes), id=body_id)])


def _pct_class(value: Any, limit: float) -> str:
    v = float(value)
    return "val-bad" if v > limit else "val-warn" if v >= WARN_PERCENT else "val-ok"


def hot_list(hosts: pd.DataFrame, column: str, title: str, limit: float, n: int = HOT_N) -> html.Div:
    """The ``n`` hosts highest in ``column`` (a percentage): name, kind, city and the value; stale ones grey
    with their age (an old value is shown as old, never as now)."""
    require_columns(hosts, _HOST_COLS, "infra hosts")
    df = hosts.assign(hot_value=pd.to_numeric(hosts[column], errors="coerce")).dropna(subset=["hot_value"])
    df = df.sort_values(["hot_value", "name"], ascending=[False, True], kind="stable").head(n)
    items: list[Any] = []
    for r in df.itertuples(index=False):
        stale = r.status in GREY
        value_cls = "infra-hot-value " + ("val-stale" if stale else _pct_class(r.hot_value, limit))
        items.append(html.Li(className="infra-hot-row" + (" is-stale" if stale else ""), children=[
            html.Div(className="infra-hot-who", children=[
                dcc.Link(r.name, href=host_href(r.name), className="infra-host"), _kind_tag(r.kind),
                html.Span(_stale_note(r) if stale else r.city_name, className="infra-hot-where")]),
            html.Span(f"{r.hot_value:.0f}%", className=value_cls)]))
    if not items:
        items = [html.Li(TINF.NO_HOSTS, className="infra-hot-row muted")]
    return html.Div(className="infra-hot", children=[html.H3(title, className="infra-hot-title"),
                                                        html.Ol(items, className="infra-hot-list")])


def hot_spots(hosts: pd.DataFrame, limit: float) -> list[html.Div]:
    return [hot_list(hosts, "cpu_percent", TINF.HOT_CPU, limit), hot_list(hosts, "mem_percent", TINF.HOT_MEM, limit),
            hot_list(hosts, "disk_percent", TINF.HOT_DISK, limit)]


def forecast_rows(forecasts: pd.DataFrame, hosts: pd.DataFrame, horizon_days: float,
                  n: int = FORECAST_N) -> list[html.Tr]:
    """The ``n`` disks that fill soonest within ``horizon_days`` (days told as alerts say them, never overstated),
    a disk of a stale host grey with its age; a closing row counts the disks still short of data."""
    require_columns(forecasts, _FORECAST_COLS, "infra forecasts")
    state = {r.name: r for r in hosts.itertuples(index=False)} if len(hosts) else {}
    days = pd.to_numeric(forecasts["days"], errors="coerce")
    soon = forecasts[forecasts["status"].isin([REACHING, REACHED]) & (days < horizon_days)].head(n)
    rows: list[html.Tr] = []
    for r in soon.itertuples(index=False):
        h = state.get(r.host)
        stale = h is not None and h.status in GREY
        when = forecast_days(r.status, r.days)
        cls = "val-stale" if stale else "val-bad" if float(r.days) < 7 else "val-warn"
        rows.append(html.Tr(className="is-stale" if stale else "", children=[
            html.Td([dcc.Link(r.host, href=host_href(r.host)), _kind_tag(h.kind if h is not None else "")]),
            html.Td(r.mount, className="infra-mount"),
            html.Td(TINF.DASH if missing(r.last) else f"{float(r.last):.0f}%", className="infra-num"),
            html.Td([html.Span(when, className=f"infra-days {cls}"),
                     html.Span(_stale_note(h), className="infra-hot-where") if stale else ""])]))
    short = int((forecasts["status"] == INSUFFICIENT).sum())
    judged = len(forecasts) - short
    if not rows:  # "none fills" only of disks that could be judged: with none judged, say that instead
        text = (TINF.FORECAST_NONE.format(horizon=f"{horizon_days:g}") if judged
                else TINF.FORECAST_NONE_JUDGED)
        rows.append(html.Tr(html.Td(text, colSpan=4, className="empty")))
    if short:
        rows.append(html.Tr(html.Td(TINF.FORECAST_SHORT.format(n=short), colSpan=4, className="infra-short")))
    return rows


def forecast_table(forecasts: pd.DataFrame, hosts: pd.DataFrame, horizon_days: float, body_id: str) -> html.Table:
    return html.Table(className="wall-table infra-forecast", children=[
        html.Thead(html.Tr([html.Th(h) for h in TINF.FORECAST_HEADERS])),
        html.Tbody(forecast_rows(forecasts, hosts, horizon_days), id=body_id)])


def forecast_title(window_s: float) -> str:
    return TINF.FORECAST_TITLE.format(window=span(window_s))
