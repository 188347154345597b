"""Time-series figures: the province availability trend and one site's history."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.i18n.walls import T
from layouts import theme
from tsdb.catalogue import metric


def metric_axis_title(measurement: str, field: str) -> str:
    """Axis title from the metric's declaration (tsdb.catalogue), e.g. ``首页加载耗时（ms）``.

    Raises KeyError for an undeclared metric: the process must have imported its writer."""
    spec = metric(measurement, field)
    return f"{spec.label_zh}（{spec.unit}）" if spec.unit else spec.label_zh


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


def split_live(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(complete buckets, live rows) of a frame with an optional ``partial`` column (tsdb.series)."""
    if "partial" not in df.columns:
        return df, df.iloc[0:0]
    live = df["partial"].fillna(False).astype(bool)
    return df[~live], df[live]


def add_live(fig: go.Figure, done: pd.DataFrame, live: pd.DataFrame, y: str, color: str, hover_fmt: str,
             unit: str = "", *, row: int | None = None, legend: str | None = None) -> None:
    """The running bucket of ``y`` as a dashed segment from the last complete point, a hollow marker and
    the label 统计中 — a value still being counted, never drawn as part of the solid history."""
    pts = live.dropna(subset=[y])
    if pts.empty:
        return
    head = done.dropna(subset=[y]).tail(1)
    xs = [*head["time"], *pts["time"]]
    ys = [*head[y], *pts[y]]
    texts = [""] * len(head) + [T.LIVE] * len(pts)
    kw: dict[str, object] = {"row": row, "col": 1} if row is not None else {}
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="lines+markers+text", text=texts, textposition="top left",
        textfont={"size": theme.LIVE_FONT, "color": color}, showlegend=False, legend=legend or "legend",
        line={"color": color, "width": 3, "dash": "dot"},
        marker={"size": [0] * len(head) + [12] * len(pts), "color": theme.BG, "line": {"color": color, "width": 3}},
        hovertemplate="%{x|%m-%d %H:%M}<br>" + T.LIVE_HOVER + "：%{y:" + hover_fmt + "}"
        + (f" {unit}" if unit else "") + "<extra></extra>"), **kw)


def _no_data(fig: go.Figure) -> go.Figure:
    fig.add_annotation(text=T.NO_DATA, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                       font={"size": theme.FONT_NO_DATA_PX, "color": theme.MUTED})
    return fig


def trend_figure(df: pd.DataFrame) -> go.Figure:
    """Availability % over time as a filled line; an empty frame gives a "暂无数据" figure.

    ``df`` needs columns ``time`` and ``availability`` (0–100); raises ValueError otherwise. Rows with
    ``partial`` set (the running bucket, tsdb.series) are drawn apart as 统计中, not as part of the line.
    """
    _require(df, ("time", "availability"), "availability trend")
    fig = go.Figure(layout=theme.base_layout(uirevision="trend", margin={"l": 20, "r": 20, "t": 16, "b": 10}))
    lo = 90.0
    done, live = split_live(df)
    if not df.empty:
        lo = min(lo, float(df["availability"].min()) - 2)
        fig.add_trace(go.Scatter(
            # markers too while the history is short: a single bucket drawn as a line is invisible
            x=done["time"], y=done["availability"], mode="lines+markers" if len(done) <= 36 else "lines",
            marker={"size": 8, "color": theme.ACCENT}, line={"color": theme.ACCENT, "width": 3},
            fill="tozeroy", fillcolor=theme.fill_rgba(theme.ACCENT, 0.18), name=T.HOVER_AVAIL,
            hovertemplate="%{x|%m-%d %H:%M}<br>" + T.HOVER_AVAIL + "：%{y:.2f}%<extra></extra>"))
        add_live(fig, done, live, "availability", theme.ACCENT, ".2f", "%")
    else:
        _no_data(fig)
    fig.update_xaxes(**theme.AXIS, tickformat="%H:%M", range=time_range(df["time"]))
    # The unit on the ticks, not a vertical title: on a 150-pixel wall chart a vertical title is taller
    # than the plot and gets cut.
    fig.update_yaxes(**theme.AXIS, ticksuffix="%", range=[max(0.0, lo), 100.5], nticks=4)
    return fig


def history_figure(df: pd.DataFrame) -> go.Figure:
    """A site's latency (top) and availability (bottom) over time, sharing the time axis.

    ``df`` needs ``time``, ``latency_ms``, ``availability``; buckets without data are gaps. ``partial``
    rows (the running bucket) are drawn as 统计中 on the latency line and get no availability bar.
    Raises ValueError when a column is missing.
    """
    _require(df, ("time", "latency_ms", "availability"), "site history")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.75, 0.25])
    fig.update_layout(**theme.base_layout(uirevision="history", margin={"l": 20, "r": 20, "t": 10, "b": 10}))
    done, live = split_live(df)
    if df.empty:
        _no_data(fig)
    else:
        fig.add_trace(go.Scatter(
            x=done["time"], y=done["latency_ms"], mode="lines+markers", name=T.HISTORY_LATENCY,
            line={"color": theme.ACCENT, "width": 3}, marker={"size": 5},
            hovertemplate="%{x|%m-%d %H:%M}<br>" + T.HISTORY_LATENCY + "：%{y:.0f} " + T.UNIT_MS
            + "<extra></extra>"), row=1, col=1)
        add_live(fig, done, live, "latency_ms", theme.ACCENT, ".0f", T.UNIT_MS, row=1)
        # A status strip: every complete bucket is a full-height bar coloured by its availability, so a
        # fully-down bucket (0 %) shows as red instead of vanishing as a zero-height bar. The running
        # bucket gets no bar: its share of failures is not known until it ends.
        avail = done["availability"]
        colors = [theme.GREY if pd.isna(v) else theme.GREEN if v >= 99.5 else theme.AMBER if v >= 90
                  else theme.RED for v in avail]
        fig.add_trace(go.Bar(
            x=done["time"], y=[100] * len(done), customdata=avail, name=T.HISTORY_UP, marker={"color": colors},
            hovertemplate="%{x|%m-%d %H:%M}<br>" + T.HOVER_AVAIL + "：%{customdata:.1f}%<extra></extra>"),
            row=2, col=1)
    fig.update_xaxes(**theme.AXIS, tickformat="%H:%M", range=time_range(df["time"]))
    fig.update_yaxes(**theme.AXIS)
    fig.update_yaxes(title={"text": metric_axis_title("site_probe", "latency_ms")},
                     rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title={"text": T.HISTORY_UP}, range=[0, 100], showticklabels=False, showgrid=False,
                     row=2, col=1)
    return fig
