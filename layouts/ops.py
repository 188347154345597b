"""Figures and components of the 运营中心 wall and the score sheet, built from the frames of
dashboard/ops_data.py (columns in its ``*_COLUMNS``). Pure: no queries; a frame lacking a column raises
ValueError naming it.

The map reuses the overview's offline Hunan outlines (layouts/geo.py: filled scatter polygons, no geo or
map-tile traces), coloured by pass rate, with each city's rate written under its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from core.i18n import ops as O
from layouts import theme
from layouts.components import KpiItem, missing, require_columns, table
from layouts.geo import cities, lat_scale

MAP_VALUE_PX = 28  # a city's pass rate on the map: a reading, held to the wall's number size
BAR_TEXT_PX = 28
PASS_GOOD = 90.0  # pass rate (%) at or above: green; at or above PASS_FAIR: amber; below: red
PASS_FAIR = 60.0

CITY_COLS = ("code", "name", "sites", "passed", "failed", "undetermined", "pass_rate", "average")


def fmt(x: Any, unit: str = "") -> str:
    """A rate as shown: up to one decimal, no trailing zero; — for none."""
    return O.DASH if missing(x) else f"{round(float(x), 1):g}{unit}"


def fmt_points(x: Any) -> str:
    """A score, an average or points as shown: up to two decimals (the scoring's precision, and the
    检查情况通报's: reports.model.fmt_number), no trailing zero; — for none. One decimal would show 97.75 as
    97.8 on the wall while the export says 97.75, and two sites ranked apart as equal."""
    return O.DASH if missing(x) else f"{round(float(x), 2):g}"


def rate_status(rate: Any) -> str:
    """A pass rate's colour status (up / degraded / down; unknown when nothing is judged)."""
    if missing(rate):
        return "unknown"
    return "up" if float(rate) >= PASS_GOOD else "degraded" if float(rate) >= PASS_FAIR else "down"


def ops_kpi_items(total: Any) -> list[KpiItem]:
    """Tiles of the period's totals (a reports.model.CitySummary); — in grey when nothing is known."""
    if total is None:
        return [KpiItem(k, label, O.DASH, unit, "unknown") for k, label, unit in (
            ("sites", O.KPI_SITES, O.UNIT_SITES), ("pass_rate", O.KPI_PASS_RATE, "%"),
            ("average", O.KPI_AVERAGE, O.UNIT_POINTS), ("failed", O.KPI_FAILED, O.UNIT_SITES),
            ("undetermined", O.KPI_UNDETERMINED, O.UNIT_SITES))]
    rate = None if total.pass_rate is None else float(total.pass_rate) * 100
    return [
        KpiItem("sites", O.KPI_SITES, str(total.sites), O.UNIT_SITES, "up" if total.sites else "unknown"),
        KpiItem("pass_rate", O.KPI_PASS_RATE, fmt(rate), "%", rate_status(rate)),
        KpiItem("average", O.KPI_AVERAGE, fmt_points(total.average), O.UNIT_POINTS,
                "unknown" if total.average is None else "up" if total.average >= PASS_FAIR else "down"),
        KpiItem("failed", O.KPI_FAILED, str(total.failed), O.UNIT_SITES, "down" if total.failed else "up"),
        KpiItem("undetermined", O.KPI_UNDETERMINED, str(total.undetermined), O.UNIT_SITES,
                "stale" if total.undetermined else "up"),
    ]


def pass_rate_map(city_df: pd.DataFrame) -> go.Figure:
    """The Hunan map, each city filled by its pass rate (grey: no judged site) with the rate written under its
    name (only where something is judged); traces 0..13 are the cities, then the names, then the values."""
    require_columns(city_df, CITY_COLS, "ops cities")
    rows: Mapping[str, Any] = {str(r["code"]): r for _, r in city_df.iterrows()}
    shapes = cities()
    fig = go.Figure()
    for s in shapes:
        r = rows.get(s.code)
        rate = None if r is None else r["pass_rate"]
        color = theme.status_color(rate_status(rate))
        hover = s.name if r is None else O.MAP_HOVER.format(
            name=s.name, sites=int(r["sites"]), passed=int(r["passed"]), failed=int(r["failed"]),
            undetermined=int(r["undetermined"]), rate=fmt(rate, "%"), avg=fmt_points(r["average"]))
        fig.add_trace(go.Scatter(x=list(s.xs), y=list(s.ys), mode="lines", fill="toself",
                                 fillcolor=theme.fill_rgba(color, 0.55), line={"color": "#0b1626", "width": 2},
                                 name=s.name, text=hover, hoveron="fills", hoverinfo="text", meta={"code": s.code}))
    font = {"family": theme.FONT_FAMILY, "color": theme.TEXT}
    fig.add_trace(go.Scatter(x=[s.label_lon for s in shapes], y=[s.label_lat + 0.1 for s in shapes], mode="text",
                             text=[s.short_name for s in shapes], hoverinfo="skip", name="names",
                             textfont={**font, "size": theme.FONT_MAP_LABEL_PX}))
    known = [s for s in shapes if s.code in rows and not missing(rows[s.code]["pass_rate"])]
    fig.add_trace(go.Scatter(x=[s.label_lon for s in known], y=[s.label_lat - 0.1 for s in known], mode="text",
                             text=[fmt(rows[s.code]["pass_rate"], "%") for s in known], hoverinfo="skip",
                             name="values", customdata=[s.code for s in known],
                             textfont={**font, "size": MAP_VALUE_PX, "color": "#ffffff"}))
    axis = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True}
    fig.update_layout(**theme.base_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0}, dragmode=False,
                                          hovermode="closest", uirevision="ops-map"))
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis, scaleanchor="x", scaleratio=lat_scale(shapes))
    return fig


def trend_figure(trend: pd.DataFrame) -> go.Figure:
    """Pass rate (bars, %) and average score (a line; markers only for one period: one point is not a line)
    per period, oldest first; the values are written on the marks."""
    require_columns(trend, ("period", "pass_rate", "average"), "ops trend")
    fig = go.Figure()
    x = list(trend["period"])
    rates = [None if missing(v) else float(v) for v in trend["pass_rate"]]
    avgs = [None if missing(v) else float(v) for v in trend["average"]]
    fig.add_trace(go.Bar(x=x, y=rates, name=O.TREND_RATE, marker_color=theme.ACCENT, text=[fmt(v) for v in rates],
                         textposition="inside", insidetextanchor="start",
                         textfont={"size": BAR_TEXT_PX, "color": theme.BG}, hoverinfo="x+y"))
    fig.add_trace(go.Scatter(x=x, y=avgs, name=O.TREND_AVERAGE, yaxis="y2",
                             mode="lines+markers+text" if len(x) > 1 else "markers+text",
                             text=[fmt_points(v) for v in avgs], textposition="top center",
                             textfont={"size": BAR_TEXT_PX, "color": theme.AMBER},
                             line={"color": theme.AMBER, "width": 3}, marker={"size": 14, "color": theme.AMBER}))
    fig.update_layout(**theme.base_layout(margin={"l": 70, "r": 70, "t": 56, "b": 40}, showlegend=True,
                                          legend={"orientation": "h", "y": 1.0, "x": 0, "yanchor": "bottom",
                                                  "font": {"size": theme.FONT_CHART_PX, "color": theme.TEXT}},
                                          bargap=0.5 if len(x) > 1 else 0.7))
    fig.update_xaxes(type="category", **theme.AXIS)
    fig.update_yaxes(range=[0, 105], title_text=O.TREND_RATE, **theme.AXIS)
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "range": [0, 125], "showgrid": False,
                              "title": {"text": O.TREND_AVERAGE, "font": {"size": theme.FONT_AXIS_TITLE_PX,
                                                                           "color": theme.MUTED}},
                              "tickfont": {"color": theme.MUTED, "size": theme.FONT_CHART_PX}})
    return fig


def _site_link(code: str, name: str, period: str | None) -> dcc.Link:
    q = f"?period={period}" if period else ""
    return dcc.Link(name, href=f"/ops/site/{code}{q}", className="ops-site-link")


def _grade(grade: str, passed: Any) -> html.Span:
    status = "unknown" if missing(passed) else "up" if passed else "down"
    return html.Span(grade, className=f"badge badge-{status}")


def city_rank_table(df: pd.DataFrame, body_id: str) -> html.Table:
    require_columns(df, ("rank", "name", "sites", "pass_rate", "average"), "ops city rank")
    rows = [html.Tr([html.Td(O.DASH if missing(r["rank"]) else str(int(r["rank"])), className="num"),
                     html.Td(r["name"]), html.Td(str(int(r["sites"])), className="num"),
                     html.Td(fmt(r["pass_rate"], "%"), className=f"num rate-{rate_status(r['pass_rate'])}"),
                     html.Td(fmt_points(r["average"]), className="num")]) for _, r in df.iterrows()]
    return table([O.COL_RANK, O.COL_CITY, O.COL_SITES, O.COL_PASS_RATE, O.COL_AVERAGE],
                 rows or [_empty_row(5)], body_id, "ops-city-rank")


def site_rank_table(df: pd.DataFrame, body_id: str, period: str | None, *, with_city: bool = True) -> html.Table:
    """Ranked sites: rank, site (a link to its score sheet), city (unless ``with_city`` is False: the
    provincial departments are all 省本级), score (— when vetoed), grade."""
    require_columns(df, ("rank", "code", "name", "city_name", "score", "grade", "passed"), "ops site rank")
    rows = [html.Tr([html.Td(O.DASH if missing(r["rank"]) else str(int(r["rank"])), className="num"),
                     html.Td(_site_link(r["code"], r["name"], period)),
                     *([html.Td(r["city_name"])] if with_city else []),
                     html.Td(fmt_points(r["score"]), className="num"), html.Td(_grade(r["grade"], r["passed"]))],
                    className="row-veto" if r["passed"] is False and missing(r["score"]) else None)
            for _, r in df.iterrows()]
    headers = [O.COL_RANK, O.COL_SITE, *([O.COL_CITY] if with_city else []), O.COL_SCORE, O.COL_GRADE]
    return table(headers, rows or [_empty_row(len(headers))], body_id, "ops-site-rank")


def veto_table(df: pd.DataFrame, body_id: str, period: str | None) -> html.Table:
    require_columns(df, ("code", "name", "city_name", "item", "reason"), "ops vetoes")
    rows = [html.Tr([html.Td(_site_link(r["code"], r["name"], period)),
                     html.Td(r["item"], className="ops-veto-item"), html.Td(r["reason"], className="ops-reason")])
            for _, r in df.iterrows()]
    return table([O.COL_SITE, O.COL_ITEM, O.COL_REASON], rows or [_empty_row(3, O.NO_VETOES)], body_id, "ops-vetoes")


def closest_table(df: pd.DataFrame, body_id: str, period: str | None) -> html.Table:
    require_columns(df, ("code", "name", "city_name", "score", "risk"), "ops closest")
    rows = [html.Tr([html.Td(_site_link(r["code"], r["name"], period)),
                     html.Td(fmt_points(r["score"]), className="num"), html.Td(r["risk"] or O.DASH)])
            for _, r in df.iterrows()]
    return table([O.COL_SITE, O.COL_SCORE, O.COL_RISK], rows or [_empty_row(3)], body_id, "ops-closest")


def _empty_row(n: int, text: str = O.NO_ROWS) -> html.Tr:
    return html.Tr([html.Td(text, colSpan=n, className="ops-empty")])


def period_line(label: str, code: str, computed_at: datetime | None, now: datetime, frozen: bool,
                stale_days: int | None, behind: int = 0, oldest_at: datetime | None = None) -> str:
    """``2026年第四季度（2026Q4）· 评分于 2026-12-07 12:00，2 天前 · 已封存`` (times in ``now``'s zone); when
    ``behind`` sites were not rescored by that run, how many and since when their scores date."""
    if computed_at is None:
        return f"{label}（{code}）"
    local = computed_at.astimezone(now.tzinfo)
    days = int((now - computed_at).total_seconds() // 86400)
    text = O.PERIOD_LINE.format(label=label, code=code, computed=local.strftime("%Y-%m-%d %H:%M"),
                                age=O.AGE_DAYS.format(days=days) if days >= 1 else "")
    if behind and oldest_at is not None:
        text += O.BEHIND.format(n=behind, oldest=oldest_at.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M"))
    text += O.PERIOD_FROZEN if frozen else O.PERIOD_OPEN
    if stale_days is not None:
        text += O.STALE.format(days=stale_days)
    return text
