"""The offline Hunan map: one filled scatter polygon per city, coloured by health.

No geo or map-tile traces (they fetch from a CDN or need WebGL); plain cartesian
polygons with the y axis stretched by 1/cos(latitude) render anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from core.i18n.walls import CITY_STATUS, TF, T
from layouts import theme
from layouts.geo import CityShape, cities, lat_scale

CITY_HEALTH_COLUMNS = ("code", "status", "sites_total", "up", "down", "stale", "availability")


@dataclass(frozen=True)
class CityStyle:
    """How one city is drawn: fill/line colour, hover text, label text."""

    status: str
    fill: str
    line: str
    hover: str
    label: str


def _int(v: Any) -> int:
    return 0 if v is None or (isinstance(v, float) and math.isnan(v)) else int(v)


def city_styles(city_health: pd.DataFrame) -> dict[str, CityStyle]:
    """Style per city code for every city on the map; cities absent from the frame are grey.

    Raises ValueError naming the missing columns when ``city_health`` lacks any of
    ``CITY_HEALTH_COLUMNS``.
    """
    missing = [c for c in CITY_HEALTH_COLUMNS if c not in city_health.columns]
    if missing:
        raise ValueError(f"city_health frame lacks columns: {', '.join(missing)}")
    rows: Mapping[str, Any] = {str(r["code"]): r for _, r in city_health.iterrows()}
    styles: dict[str, CityStyle] = {}
    for shape in cities():
        row = rows.get(shape.code)
        status = str(row["status"]) if row is not None else "unknown"
        color = theme.status_color(status)
        lines = [f"<b>{shape.name}</b>", f"{T.COL_STATUS}：{CITY_STATUS.get(status, CITY_STATUS['unknown'])}"]
        if row is not None:
            avail = row["availability"]
            avail_txt = T.DASH if avail is None or pd.isna(avail) else f"{float(avail):.1f}%"
            lines += [f"{T.HOVER_SITES}：{_int(row['sites_total'])}　{T.HOVER_UP}：{_int(row['up'])}　"
                      f"{T.HOVER_DOWN}：{_int(row['down'])}　{T.HOVER_STALE}：{_int(row['stale'])}",
                      f"{T.HOVER_AVAIL}：{avail_txt}"]
            unknown = _int(row["unknown"]) if "unknown" in row.index else 0
            if unknown:  # a federated city whose node is cut off: its sites are unknown, not failed
                lines[1] = f"{T.COL_STATUS}：{TF.CITY_CUT.format(n=unknown)}"
        label = shape.short_name
        if row is not None and _int(row["down"]):
            label += f"<br>{T.HOVER_DOWN} {_int(row['down'])}"
        styles[shape.code] = CityStyle(status, theme.fill_rgba(color, 0.55), color, "<br>".join(lines), label)
    return styles


def map_figure(city_health: pd.DataFrame) -> go.Figure:
    """The province map: traces 0..13 are the city polygons in GeoJSON order, the last holds labels.

    Label points carry the city code in ``customdata``; polygon clicks report only the
    trace index, which :func:`city_from_click` maps back to a code.
    """
    shapes = cities()
    styles = city_styles(city_health)
    fig = go.Figure()
    for s in shapes:
        st = styles[s.code]
        fig.add_trace(go.Scatter(
            x=list(s.xs), y=list(s.ys), mode="lines", fill="toself", fillcolor=st.fill,
            line={"color": "#0b1626", "width": 2}, name=s.name, text=st.hover, hoveron="fills",
            hoverinfo="text", meta={"code": s.code}))
    fig.add_trace(go.Scatter(
        x=[s.label_lon for s in shapes], y=[s.label_lat for s in shapes], mode="text",
        text=[styles[s.code].label for s in shapes], customdata=[s.code for s in shapes],
        textfont={"family": theme.FONT_FAMILY, "size": theme.FONT_MAP_LABEL_PX, "color": theme.TEXT},
        hovertext=[styles[s.code].hover for s in shapes], hoverinfo="text", name="labels"))
    axis = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True}
    fig.update_layout(**theme.base_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0}, dragmode=False,
                                          hovermode="closest", uirevision="hunan-map"))
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis, scaleanchor="x", scaleratio=lat_scale(shapes))
    return fig


def map_restyle(city_health: pd.DataFrame) -> list[tuple[int, dict[str, Any]]]:
    """(trace index, properties) updates that recolour an existing :func:`map_figure` in place."""
    shapes: tuple[CityShape, ...] = cities()
    styles = city_styles(city_health)
    updates: list[tuple[int, dict[str, Any]]] = [
        (i, {"fillcolor": styles[s.code].fill, "text": styles[s.code].hover}) for i, s in enumerate(shapes)]
    updates.append((len(shapes), {"text": [styles[s.code].label for s in shapes],
                                  "hovertext": [styles[s.code].hover for s in shapes]}))
    return updates


def city_from_click(click_data: Mapping[str, Any] | None) -> str | None:
    """The city code a map click (on a polygon or a label) points at, or None."""
    if not click_data or not click_data.get("points"):
        return None
    point = click_data["points"][0]
    if point.get("customdata"):
        return str(point["customdata"])
    n = point.get("curveNumber")
    shapes = cities()
    if isinstance(n, int) and 0 <= n < len(shapes):
        return shapes[n].code
    return None
