"""Time-series figures: the province availability trend and one site's history."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from collectors.base import METRICS
from layouts import theme
from layouts.text import T


def metric_axis_title(measurement: str, field: str, label: str, unit: str) -> str:
    """Axis title from the metric's declaration when a collector declared it, else the fallback."""
    spec = METRICS.get((measurement, field))
    if spec is not None:
        label, unit = spec.label_zh, spec.unit
    return f"{label}（{unit}）" if unit else label


def _require(df: pd.DataFrame, cols: tuple[str, ...], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what} frame lacks columns: {', '.join(missing)}")


MIN_SPAN = pd.Timedelta(minutes=30)


def time_range(times: pd.Series) -> list[pd.Timestamp] | None:
    """An x range of at least ``MIN_SPAN`` ending at the newest time, or None (autorange) for a longer
    history: a few buckets autoranged into minutes repeat the same "%H:%M" tick label."""
    t = pd.to_datetime(times).dropna()
    if t.empty or t.max() - t.min() >= MIN_SPAN:
        return None
    end = t.max() + pd.Timedelta(minutes=1)
    return [end - MIN_SPAN, end]


def _no_data(fig: go.Figure) -> go.Figure:
    fig.add_annotation(text=T.NO_DATA, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                       font={"size": 28, "color": theme.MUTED})
    return fig


def trend_figure(df: pd.DataFrame) -> go.Figure:
    """Availability % over time as a filled line; an empty frame gives a "暂无数据" figure.

    ``df`` needs columns ``time`` and ``availability`` (0–100); raises ValueError otherwise.
    """
    _require(df, ("time", "availability"), "availability trend")
    fig = go.Figure(layout=theme.base_layout(uirevision="trend", margin={"l": 70, "r": 20, "t": 10, "b": 40}))
    lo = 90.0
    if not df.empty:
        lo = min(lo, float(df["availability"].min()) - 2)
        fig.add_trace(go.Scatter(
            # markers too while the history is short: a single bucket drawn as a line is invisible
            x=df["time"], y=df["availability"], mode="lines+markers" if len(df) <= 36 else "lines",
            marker={"size": 8, "color": theme.ACCENT}, line={"color": theme.ACCENT, "width": 3},
            fill="tozeroy", fillcolor=theme.fill_rgba(theme.ACCENT, 0.18), name=T.HOVER_AVAIL,
            hovertemplate="%{x|%m-%d %H:%M}<br>" + T.HOVER_AVAIL + "：%{y:.2f}%<extra></extra>"))
    else:
        _no_data(fig)
    fig.update_xaxes(**theme.AXIS, tickformat="%H:%M", range=time_range(df["time"]))
    fig.update_yaxes(**theme.AXIS, title={"text": T.AVAILABILITY_AXIS, "font": {"color": theme.MUTED}},
                     range=[max(0.0, lo), 100.5])
    return fig


def history_figure(df: pd.DataFrame) -> go.Figure:
    """A site's latency (top) and availability (bottom) over time, sharing the time axis.

    ``df`` needs ``time``, ``latency_ms``, ``availability``; buckets without data are gaps.
    Raises ValueError when a column is missing.
    """
    _require(df, ("time", "latency_ms", "availability"), "site history")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.75, 0.25])
    fig.update_layout(**theme.base_layout(uirevision="history", margin={"l": 90, "r": 20, "t": 10, "b": 40}))
    if df.empty:
        _no_data(fig)
    else:
        fig.add_trace(go.Scatter(
            x=df["time"], y=df["latency_ms"], mode="lines+markers", name=T.HISTORY_LATENCY,
            line={"color": theme.ACCENT, "width": 3}, marker={"size": 5},
            hovertemplate="%{x|%m-%d %H:%M}<br>" + T.HISTORY_LATENCY + "：%{y:.0f} " + T.UNIT_MS
            + "<extra></extra>"), row=1, col=1)
        # A status strip: every bucket is a full-height bar coloured by its availability, so a
        # fully-down bucket (0 %) shows as red instead of vanishing as a zero-height bar.
        avail = df["availability"]
        colors = [theme.GREY if pd.isna(v) else theme.GREEN if v >= 99.5 else theme.AMBER if v >= 90
                  else theme.RED for v in avail]
        fig.add_trace(go.Bar(
            x=df["time"], y=[100] * len(df), customdata=avail, name=T.HISTORY_UP, marker={"color": colors},
            hovertemplate="%{x|%m-%d %H:%M}<br>" + T.HOVER_AVAIL + "：%{customdata:.1f}%<extra></extra>"),
            row=2, col=1)
    fig.update_xaxes(**theme.AXIS, tickformat="%H:%M", range=time_range(df["time"]))
    fig.update_yaxes(**theme.AXIS)
    fig.update_yaxes(title={"text": metric_axis_title("site_probe", "latency_ms", T.HISTORY_LATENCY, "ms")},
                     rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title={"text": T.HISTORY_UP}, range=[0, 100], showticklabels=False, showgrid=False,
                     row=2, col=1)
    return fig
