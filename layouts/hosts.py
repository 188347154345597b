"""Host components built from data: status badges, host tables, tiles and facts (no queries).

Every table builder takes the host frame of layouts/frames.py and raises ValueError on a missing
column. A host without fresh data is grey 数据过期, never green.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

import pandas as pd
from dash import dcc, html

from core.i18n.walls import HOST_ROLE, HOST_STATUS, T
from layouts.components import KpiItem, cut_note, format_age, missing, require_columns, table
from layouts.frames import HostDetail

WARN_PERCENT = 80.0  # a gauge at or above this is amber; above the health limit it is red

HOSTS_HEADERS = [T.COL_HOST, T.COL_ROLE, T.COL_NODE, T.COL_CITY, T.COL_STATUS, T.COL_CPU, T.COL_MEM,
                 T.COL_DISK, T.COL_LOAD, T.COL_UPTIME]
CITY_HOSTS_HEADERS = [T.COL_HOST, T.COL_ROLE, T.COL_STATUS, T.COL_CPU, T.COL_MEM, T.COL_DISK]
_ROW_COLUMNS = ("name", "role", "status", "cpu_percent", "mem_percent", "disk_percent")
_FULL_COLUMNS = (*_ROW_COLUMNS, "node_name", "city_name", "load1", "load5", "load15", "uptime_s")


def host_href(name: str) -> str:
    """The host page's path; the name is percent-encoded (the page decodes it)."""
    return f"/host/{quote(name, safe='')}"


def host_badge(status: str, note: str | None = None) -> html.Span:
    """The host status word on its colour; unknown statuses read "未知" in grey; ``note`` follows in brackets
    (a cut city's host: 未知（自 08:12 起失联，已 14 分钟）)."""
    known = status if status in HOST_STATUS else "unknown"
    text = f"{HOST_STATUS[known]}（{note}）" if note else HOST_STATUS[known]
    return html.Span(text, className=f"badge badge-{known}")


def role_text(role: str | None) -> str:
    """The role in Chinese; an unregistered host (no role) reads "未登记"."""
    return HOST_ROLE.get(role, role) if role else T.UNREGISTERED


def format_bytes(n: float | None) -> str:
    """"512 MB" / "4.0 GB" (1024-based); "—" when unknown."""
    if missing(n):
        return T.DASH
    value = float(n)  # type: ignore[arg-type]
    for unit in ("B", "KB", "MB", "GB"):
        if abs(value) < 1024:
            return f"{value:.0f} {unit}" if unit in ("B", "KB") or value >= 100 else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def format_uptime(seconds: float | None) -> str:
    """"3 天 5 小时" / "5 小时 12 分钟" / "12 分钟"; "—" when unknown."""
    if missing(seconds):
        return T.DASH
    s = max(0, int(float(seconds)))  # type: ignore[arg-type]
    days, hours, minutes = s // 86400, s % 86400 // 3600, s % 3600 // 60
    if days:
        return f"{days} {T.UNIT_DAY} {hours} {T.UNIT_HOUR}"
    if hours:
        return f"{hours} {T.UNIT_HOUR} {minutes} {T.UNIT_MINUTE}"
    return f"{minutes} {T.UNIT_MINUTE}"


def format_load(l1: Any, l5: Any, l15: Any) -> str:
    """"0.52 / 0.40 / 0.33" (1, 5 and 15 minutes); "—" when the 1-minute load is unknown."""
    if missing(l1):
        return T.DASH
    return " / ".join(T.DASH if missing(v) else f"{float(v):.2f}" for v in (l1, l5, l15))


def gauge_class(value: Any, limit: float) -> str:
    """``val-bad`` above the health limit, ``val-warn`` from 80 %, else ""."""
    if missing(value):
        return ""
    v = float(value)
    return "val-bad" if v > limit else "val-warn" if v >= WARN_PERCENT else ""


def _pct(value: Any, limit: float) -> html.Td:
    text = T.DASH if missing(value) else f"{float(value):.1f}%"
    return html.Td(text, className=gauge_class(value, limit))


def _name_cell(name: str) -> html.Td:
    return html.Td(dcc.Link(name, href=host_href(name)))


def hosts_rows(df: pd.DataFrame, limit: float, now: datetime | None = None) -> list[html.Tr]:
    """One row per host for the hosts page, in the frame's order; ``limit`` is the health limit (%)."""
    require_columns(df, _FULL_COLUMNS, "hosts")
    if df.empty:
        return [html.Tr(html.Td(T.NO_DATA, colSpan=len(HOSTS_HEADERS), className="empty"))]
    return [html.Tr(className=f"row-{r.status}", children=[
        _name_cell(r.name), html.Td(role_text(r.role)), html.Td(r.node_name), html.Td(r.city_name),
        html.Td(host_badge(r.status, cut_note(r, now))), _pct(r.cpu_percent, limit), _pct(r.mem_percent, limit),
        _pct(r.disk_percent, limit), html.Td(format_load(r.load1, r.load5, r.load15)),
        html.Td(format_uptime(r.uptime_s)),
    ]) for r in df.itertuples(index=False)]


def hosts_table(df: pd.DataFrame, body_id: str, limit: float, now: datetime | None = None) -> html.Table:
    return table(HOSTS_HEADERS, hosts_rows(df, limit, now), body_id, "hosts-table")


def city_hosts_rows(df: pd.DataFrame, limit: float, now: datetime | None = None) -> list[html.Tr]:
    """Compact rows (name, role, status, CPU, memory, fullest disk) for a city page."""
    require_columns(df, _ROW_COLUMNS, "city hosts")
    if df.empty:
        return [html.Tr(html.Td(T.NO_DATA, colSpan=len(CITY_HOSTS_HEADERS), className="empty"))]
    return [html.Tr(className=f"row-{r.status}", children=[
        _name_cell(r.name), html.Td(role_text(r.role)), html.Td(host_badge(r.status, cut_note(r, now))),
        _pct(r.cpu_percent, limit), _pct(r.mem_percent, limit), _pct(r.disk_percent, limit),
    ]) for r in df.itertuples(index=False)]


def city_hosts_table(df: pd.DataFrame, body_id: str | dict[str, str], limit: float,
                     now: datetime | None = None) -> html.Table:
    return table(CITY_HOSTS_HEADERS, city_hosts_rows(df, limit, now), body_id, "city-hosts-table")


def host_kpi_items(df: pd.DataFrame, limit: float) -> list[KpiItem]:
    """Tiles for the hosts page: healthy/total, unhealthy, stale and the fullest fresh disk."""
    require_columns(df, ("status", "disk_percent"), "hosts")
    total = len(df)
    healthy = int((df["status"] == "up").sum())
    bad = int((df["status"] == "unhealthy").sum())
    stale = int((df["status"] == "stale").sum())
    fresh_disks = pd.to_numeric(df.loc[df["status"] != "stale", "disk_percent"], errors="coerce").dropna()
    worst = None if fresh_disks.empty else float(fresh_disks.max())
    if total == 0:
        hosts_status = "unknown"
    elif stale == total:
        hosts_status = "stale"
    else:
        hosts_status = "up" if healthy == total else "degraded" if healthy >= 0.8 * total else "down"
    # "0 unhealthy" is only good news when some host has fresh data.
    unhealthy_status = "down" if bad else hosts_status if hosts_status in ("stale", "unknown") else "up"
    disk_status = ("stale" if worst is None else "down" if worst > limit
                   else "degraded" if worst >= WARN_PERCENT else "up")
    return [
        KpiItem("healthy", T.KPI_HOSTS, f"{healthy}/{total}", T.HOSTS_SUFFIX, hosts_status),
        KpiItem("unhealthy", T.KPI_HOSTS_UNHEALTHY, str(bad), T.HOSTS_SUFFIX, unhealthy_status),
        KpiItem("stale", T.KPI_HOSTS_STALE, str(stale), T.HOSTS_SUFFIX, "up" if stale == 0 else "stale"),
        KpiItem("disk", T.KPI_DISK_WORST, T.DASH if worst is None else f"{worst:.1f}", "%", disk_status),
    ]


def host_facts(d: HostDetail, age_s: float | None, limit: float, now: datetime | None = None) -> list[html.Div]:
    """Label/value cells describing one host; ``age_s`` is the age of its newest sample."""
    mem = T.DASH
    if d.mem_percent is not None:
        mem = f"{d.mem_percent:.1f}%"
        if d.mem_used_bytes is not None and d.mem_total_bytes is not None:
            mem += f"（{format_bytes(d.mem_used_bytes)} / {format_bytes(d.mem_total_bytes)}）"

    def pct(v: float | None) -> html.Span:
        return html.Span(T.DASH if v is None else f"{v:.1f}%", className=gauge_class(v, limit))

    pairs: list[tuple[str, Any]] = [
        (T.COL_STATUS, host_badge(d.status, cut_note(d, now))),
        (T.COL_ADDRESS, d.address or T.DASH),
        (T.COL_ROLE, role_text(d.role)),
        (T.COL_NODE, d.node_name if d.node_name == d.city_name else f"{d.city_name} · {d.node_name}"),
        (T.COL_CPU, pct(d.cpu_percent)),
        (T.COL_MEM, html.Span(mem, className=gauge_class(d.mem_percent, limit))),
        (T.COL_DISK, pct(d.disk_percent)),
        (T.COL_SWAP, T.DASH if d.swap_percent is None else f"{d.swap_percent:.1f}%"),
        (T.COL_LOAD, format_load(d.load1, d.load5, d.load15)),
        (T.COL_PROCS, T.DASH if d.procs is None else f"{d.procs:.0f} {T.UNIT_PROCS}"),
        (T.COL_UPTIME, format_uptime(d.uptime_s)),
        (T.COL_LAST_SAMPLE, format_age(age_s)),
    ]
    return [html.Div([html.Div(k, className="fact-label"), html.Div(v, className="fact-value")],
                     className="fact") for k, v in pairs]
