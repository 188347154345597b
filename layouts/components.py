"""Wall components built from data: KPI tiles, status badges and tables (no controls, no queries).

Tables are plain HTML (no sorting or paging widgets: nobody touches a wall; a table that has more rows
than fit pages itself in the browser, see :func:`paged`). Every builder
takes the frames documented in layouts/frames.py and raises ValueError on a missing column.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from dash import dcc, html

from alerts.summary import clock, span
from core.i18n.walls import LINK_STATE, PROBE_ERROR, SITE_LEVEL, SITE_LEVEL_SHORT, SITE_STATUS, TF, T
from layouts.frames import OverviewKpis, SiteDetail


@dataclass(frozen=True)
class KpiItem:
    """One KPI tile's content: ``status`` picks its colour (up/slow/degraded/down/stale/unknown)."""

    key: str
    label: str
    value: str
    unit: str
    status: str
    href: str | None = None  # the tile is a link (an anchor) to this path
    note: str | None = None  # a small tag after the label, e.g. 暂定 for a value resting on a provisional rule


def missing(v: Any) -> bool:
    """True for None, NaN, pd.NA and NaT."""
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def format_age(seconds: float | None) -> str:
    """"12 秒前" / "5 分钟前" / "3 小时前"; "—" when unknown."""
    if seconds is None:
        return T.DASH
    s = max(0.0, seconds)
    if s < 120:
        return f"{s:.0f} {T.UNIT_SECONDS_AGO}"
    if s < 7200:
        return f"{s / 60:.0f} {T.UNIT_MINUTES_AGO}"
    return f"{s / 3600:.0f} {T.UNIT_HOURS_AGO}"


def _avail_status(avail: float | None) -> str:
    if avail is None:
        return "stale"
    return "up" if avail >= 99 else "degraded" if avail >= 95 else "down"


def kpi_items(k: OverviewKpis, stale_after_s: float) -> list[KpiItem]:
    """The overview tiles, in display order; missing data shows "—" in grey, never green.

    ``stale_after_s`` is the age beyond which collector data counts as stale.
    """
    all_stale = k.sites_total > 0 and k.sites_stale == k.sites_total
    sites_status = "stale" if all_stale else ("unknown" if k.sites_total == 0 else _avail_status(k.availability))
    if k.p95_latency_ms is None:
        p95_val, p95_status = T.DASH, "stale"
    else:
        p95_val = f"{k.p95_latency_ms:.0f}"
        p95_status = "up" if k.p95_latency_ms < 1000 else "slow" if k.p95_latency_ms < 3000 else "down"
    if k.hosts_total == 0:
        hosts_status = "unknown"
    elif k.hosts_healthy == k.hosts_total:
        hosts_status = "up"
    elif k.hosts_stale == k.hosts_total:
        hosts_status = "stale"
    else:
        hosts_status = "degraded" if k.hosts_healthy >= 0.8 * k.hosts_total else "down"
    fresh_status = "stale" if k.freshness_s is None or k.freshness_s > stale_after_s else "up"
    return [
        KpiItem("sites", T.KPI_SITES_UP, f"{k.sites_up}/{k.sites_total}", T.SITES_SUFFIX, sites_status),
        KpiItem("availability", T.KPI_AVAILABILITY,
                T.DASH if k.availability is None else f"{k.availability:.1f}", "%", _avail_status(k.availability)),
        KpiItem("p95", T.KPI_P95, p95_val, T.UNIT_MS, p95_status),
        KpiItem("hosts", T.KPI_HOSTS, f"{k.hosts_healthy}/{k.hosts_total}", T.HOSTS_SUFFIX, hosts_status,
                href=HOSTS_PATH),
        KpiItem("stale", T.KPI_STALE, str(k.sites_stale), T.SITES_SUFFIX, "up" if k.sites_stale == 0 else "stale"),
        KpiItem("freshness", T.KPI_FRESHNESS, format_age(k.freshness_s), "", fresh_status),
    ]


def kpi_tile(item: KpiItem, prefix: str) -> html.Div | dcc.Link:
    """A tile whose value and status class can be updated in place by pattern-matching ids;
    an anchor (``dcc.Link``: an ``<a href>`` that navigates without reloading the wall) when the
    item has an ``href``."""
    label: list[Any] = [item.label]
    if item.note:
        label.append(html.Span(item.note, className="tag-provisional"))
    children = [
        html.Div(label, className="kpi-label"),
        html.Div([html.Span(item.value, id={"type": f"{prefix}-kpi-value", "key": item.key},
                            className="kpi-value"),
                  html.Span(item.unit, className="kpi-unit")], className="kpi-body"),
    ]
    tile_id = {"type": f"{prefix}-kpi", "key": item.key}
    if item.href:
        return dcc.Link(children, href=item.href, id=tile_id, className=f"kpi kpi-{item.status}")
    return html.Div(children, id=tile_id, className=f"kpi kpi-{item.status}")


def status_badge(status: str, note: str | None = None) -> html.Span:
    """The status word on its status colour; unknown statuses read "未知" in grey. ``note`` follows the word
    in brackets (a cut city's site: 未知（自 08:12 起失联，已 14 分钟）)."""
    known = status if status in SITE_STATUS else "unknown"
    text = f"{SITE_STATUS[known]}（{note}）" if note else SITE_STATUS[known]
    return html.Span(text, className=f"badge badge-{known}")


def cut_text(since: Any, now: datetime) -> str:
    """``自 08:12 起失联，已 14 分钟`` for a link lost at ``since`` (times in ``now``'s zone); ``未接入`` when
    ``since`` is missing (the city never connected)."""
    if missing(since):
        return LINK_STATE["never"]
    t = pd.Timestamp(since).to_pydatetime()
    return TF.CUT_SINCE_FOR.format(since=clock(t, now), span=span((now - t).total_seconds()))


def cut_note(row: Any, now: datetime | None) -> str | None:
    """The "unknown since" note of a frame row whose city is cut (columns ``cut``, ``cut_since``), else None."""
    if now is None or not bool(getattr(row, "cut", False)):
        return None
    return cut_text(getattr(row, "cut_since", None), now)


def require_columns(df: pd.DataFrame, cols: tuple[str, ...], what: str) -> None:
    """Raise ValueError naming the ``what`` frame and every column of ``cols`` it lacks."""
    absent = [c for c in cols if c not in df.columns]
    if absent:
        raise ValueError(f"{what} frame lacks columns: {', '.join(absent)}")


def _num(v: Any, fmt: str, unit: str = "") -> str:
    return T.DASH if missing(v) else f"{format(float(v), fmt)}{unit}"


def table(headers: list[str], rows: list[html.Tr], body_id: str | dict[str, str], cls: str) -> html.Table:
    """A plain wall table whose body (id ``body_id``) a refresh callback replaces in place."""
    return html.Table(className=f"wall-table {cls}", children=[
        html.Thead(html.Tr([html.Th(h) for h in headers])),
        html.Tbody(rows, id=body_id),
    ])


def paged(body: Any) -> html.Div:
    """``body`` (a wall table) in a window that takes its panel's remaining height; when the rows do not
    fit, dashboard/assets/paging.js shows them a page at a time (theme.PAGE_SECONDS each) with 第 k/n 页 in
    the panel title's page indicator (see :func:`panel_title`)."""
    return html.Div(body, className="paged-window")


def panel_title(text: Any) -> html.H2:
    """A panel's title with the (empty until paging.js fills it) page indicator of its paged table."""
    return html.H2([text, html.Span(className="page-indicator", hidden=True)], className="panel-title")


HOSTS_PATH = "/hosts"

WORST_HEADERS = [T.COL_RANK, T.COL_SITE, T.COL_CITY, T.COL_STATUS, T.COL_AVAIL, T.COL_LATENCY]
CITY_SITES_HEADERS = [T.COL_SITE, T.COL_LEVEL, T.COL_NODE, T.COL_STATUS, T.COL_LATENCY, T.COL_TLS, T.COL_AVAIL]


def worst_sites_rows(df: pd.DataFrame, now: datetime | None = None) -> list[html.Tr]:
    """Ranked rows, each site name linking to its detail page; a cut city's site reads 未知 since when."""
    require_columns(df, ("code", "name", "city_name", "status", "availability", "latency_ms"), "worst sites")
    if df.empty:
        return [html.Tr(html.Td(T.NO_DATA, colSpan=len(WORST_HEADERS), className="empty"))]
    return [html.Tr(className=f"row-{r.status}", children=[
        html.Td(str(i)), html.Td(dcc.Link(r.name, href=f"/site/{r.code}")), html.Td(r.city_name),
        html.Td(status_badge(r.status, cut_note(r, now))), html.Td(_num(r.availability, ".1f", "%")),
        html.Td(_num(r.latency_ms, ".0f", f" {T.UNIT_MS}")),
    ]) for i, r in enumerate(df.itertuples(index=False), 1)]


def worst_sites_table(df: pd.DataFrame, body_id: str, now: datetime | None = None) -> html.Table:
    return table(WORST_HEADERS, worst_sites_rows(df, now), body_id, "worst-table")


def city_sites_rows(df: pd.DataFrame, now: datetime | None = None) -> list[html.Tr]:
    """One row per site of a city, in the frame's order; a cut city's site reads 未知 since when."""
    require_columns(df, ("code", "name", "level", "node_name", "status", "latency_ms", "tls_days", "availability"),
             "city sites")
    if df.empty:
        return [html.Tr(html.Td(T.NO_DATA, colSpan=len(CITY_SITES_HEADERS), className="empty"))]
    return [html.Tr(className=f"row-{r.status}", children=[
        html.Td(dcc.Link(r.name, href=f"/site/{r.code}")), html.Td(SITE_LEVEL_SHORT.get(r.level, r.level)),
        html.Td(r.node_name), html.Td(status_badge(r.status, cut_note(r, now))),
        html.Td(_num(r.latency_ms, ".0f", f" {T.UNIT_MS}")), html.Td(_num(r.tls_days, ".0f", f" {T.UNIT_DAYS}")),
        html.Td(_num(r.availability, ".1f", "%")),
    ]) for r in df.itertuples(index=False)]


def city_sites_table(df: pd.DataFrame, body_id: str, now: datetime | None = None) -> html.Table:
    return table(CITY_SITES_HEADERS, city_sites_rows(df, now), body_id, "city-table")


def site_facts(d: SiteDetail, now_age_s: float | None, now: datetime | None = None) -> list[html.Div]:
    """Label/value cells describing one site; ``now_age_s`` is the age of its last probe; a cut city's site
    reads 未知 since when (``now`` given)."""
    pairs: list[tuple[str, Any]] = [
        (T.COL_STATUS, status_badge(d.status, cut_note(d, now))),
        (T.COL_URL, d.url),
        (T.COL_LEVEL, SITE_LEVEL.get(d.level, d.level)),
        (T.COL_NODE, d.node_name),
        (T.COL_LATENCY, _num(d.latency_ms, ".0f", f" {T.UNIT_MS}")),
        (T.COL_HTTP, T.DASH if d.http_status is None else str(d.http_status)),
        (T.COL_TLS, _num(d.tls_days, ".0f", f" {T.UNIT_DAYS}")),
        (T.COL_AVAIL, _num(d.availability, ".2f", "%")),
        (T.COL_LAST_PROBE, format_age(now_age_s)),
        (T.COL_ERROR, PROBE_ERROR.get(d.error, d.error) if d.error else T.DASH),
    ]
    return [html.Div([html.Div(k, className="fact-label"), html.Div(v, className="fact-value")],
                     className="fact") for k, v in pairs]


def city_kpi_items(row: Any | None) -> list[KpiItem]:
    """Tiles for one city from its city-health row (a mapping or None when the city has no data)."""
    get: Callable[[str], Any] = (lambda k: row[k]) if row is not None else (lambda k: None)
    total, up, down, stale = (0 if missing(get(k)) else int(get(k)) for k in ("sites_total", "up", "down", "stale"))
    avail = None if missing(get("availability")) else float(get("availability"))
    status = str(get("status") or "unknown")
    return [
        KpiItem("sites", T.KPI_SITES_UP, f"{up}/{total}", T.SITES_SUFFIX, status),
        KpiItem("availability", T.KPI_AVAILABILITY, T.DASH if avail is None else f"{avail:.1f}", "%",
                _avail_status(avail)),
        KpiItem("down", T.HOVER_DOWN, str(down), T.SITES_SUFFIX, "up" if down == 0 else "down"),
        KpiItem("stale", T.KPI_STALE, str(stale), T.SITES_SUFFIX, "up" if stale == 0 else "stale"),
    ]
