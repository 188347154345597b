"""Host figures from frames: CPU/memory/load history, network and disk I/O rates, disk usage bars.

Series names and units come from the metric declarations (:mod:`tsdb.catalogue`, declared by the host
collector). Pure: frames in, figures out.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.i18n.walls import T
from layouts import theme
from layouts.charts import add_live, split_live, time_range
from layouts.components import require_columns
from layouts.hosts import format_bytes
from tsdb.catalogue import metric

HISTORY_COLUMNS = ("time", "cpu_percent", "mem_percent", "load1", "load5", "load15", "net_rx_bps", "net_tx_bps",
                   "disk_read_bps", "disk_write_bps")
DISK_COLUMNS = ("mount", "used_percent", "free_bytes", "total_bytes")
SPACING = 0.16  # between the two stacked plots: room for the lower one's legend


def declared(measurement: str, field: str) -> tuple[str, str]:
    """(Chinese label, unit) of a metric from its declaration; KeyError for an undeclared one."""
    spec = metric(measurement, field)
    return spec.label_zh, spec.unit


def axis_title(label: str, unit: str) -> str:
    return f"{label}（{unit}）" if unit else label


def _no_data(fig: go.Figure) -> go.Figure:
    """An empty figure: "暂无数据" and no axes (empty axes suggest a flat zero line)."""
    fig.add_annotation(text=T.NO_DATA, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                       font={"size": theme.FONT_NO_DATA_PX, "color": theme.MUTED})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _legend(y: float) -> dict[str, object]:
    return {"orientation": "h", "x": 1, "xanchor": "right", "y": y, "yanchor": "bottom",
            "font": {"size": theme.FONT_CHART_PX, "color": theme.MUTED}, "bgcolor": "rgba(0,0,0,0)"}


def _two_rows(uirevision: str) -> go.Figure:
    """Two stacked plots sharing the time axis, each with its own legend just above it."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=SPACING)
    top_of_lower = (1 - SPACING) / 2
    fig.update_layout(**theme.base_layout(
        uirevision=uirevision, margin={"l": 20, "r": 20, "t": 34, "b": 10}, showlegend=True,
        legend=_legend(1.0), legend2=_legend(top_of_lower)))
    return fig


def _lines(fig: go.Figure, df: pd.DataFrame, fields: tuple[str, ...], row: int, hover_fmt: str) -> None:
    done, live = split_live(df)
    short = len(done) <= 36  # markers while the history is short: a single bucket drawn as a line is invisible
    legend = "legend" if row == 1 else "legend2"
    for i, field in enumerate(fields):
        label, unit = declared("host", field)
        color = theme.SERIES[i % len(theme.SERIES)]
        fig.add_trace(go.Scatter(
            x=done["time"], y=done[field], mode="lines+markers" if short else "lines", name=label,
            legend=legend, line={"color": color, "width": 3}, marker={"size": 7, "color": color},
            hovertemplate="%{x|%m-%d %H:%M}<br>" + label + "：%{y:" + hover_fmt + "}" + (f" {unit}" if unit else "")
            + "<extra></extra>"), row=row, col=1)
        add_live(fig, done, live, field, color, hover_fmt, unit, row=row, legend=legend)


def host_usage_figure(df: pd.DataFrame) -> go.Figure:
    """CPU and memory % (top, 0–100) and the 1/5/15-minute load (bottom) over time.

    ``df`` is a host history frame (layouts/frames.py); raises ValueError on a missing column.
    """
    require_columns(df, HISTORY_COLUMNS, "host history")
    fig = _two_rows("host-usage")
    if not df.empty:
        _lines(fig, df, ("cpu_percent", "mem_percent"), 1, ".1f")
        _lines(fig, df, ("load1", "load5", "load15"), 2, ".2f")
    fig.update_xaxes(**theme.AXIS, tickformat="%H:%M", range=time_range(df["time"]))
    fig.update_yaxes(**theme.AXIS)
    fig.update_yaxes(title={"text": axis_title(T.USAGE_AXIS, declared("host", "cpu_percent")[1])},
                     range=[0, 100.5], row=1, col=1)
    fig.update_yaxes(title={"text": axis_title(T.LOAD_AXIS, declared("host", "load1")[1])}, rangemode="tozero",
                     row=2, col=1)
    return _no_data(fig) if df.empty else fig


def host_io_figure(df: pd.DataFrame) -> go.Figure:
    """Network receive/send (top) and disk read/write (bottom) rates over time, SI-scaled ticks.

    ``df`` is a host history frame; buckets without a rate (e.g. a collector's first run) are gaps.
    """
    require_columns(df, HISTORY_COLUMNS, "host history")
    fig = _two_rows("host-io")
    if not df.empty:
        _lines(fig, df, ("net_rx_bps", "net_tx_bps"), 1, ".3s")
        _lines(fig, df, ("disk_read_bps", "disk_write_bps"), 2, ".3s")
    fig.update_xaxes(**theme.AXIS, tickformat="%H:%M", range=time_range(df["time"]))
    fig.update_yaxes(**theme.AXIS, tickformat="~s", rangemode="tozero")
    fig.update_yaxes(title={"text": axis_title(T.NET_AXIS, declared("host", "net_rx_bps")[1])}, row=1, col=1)
    fig.update_yaxes(title={"text": axis_title(T.DISK_IO_AXIS, declared("host", "disk_read_bps")[1])},
                     row=2, col=1)
    return _no_data(fig) if df.empty else fig


def _bar_color(used: float, limit: float, warn: float) -> str:
    return theme.GREY if pd.isna(used) else theme.RED if used > limit else theme.AMBER if used >= warn \
        else theme.GREEN


def disk_bars_figure(df: pd.DataFrame, limit: float = 90.0, warn: float = 80.0) -> go.Figure:
    """One horizontal bar per mount (used %, first mount on top) coloured against ``warn``/``limit``,
    with the limit drawn as a dashed line. ``df`` is a host disks frame."""
    require_columns(df, DISK_COLUMNS, "host disks")
    label, unit = declared("host_disk", "used_percent")
    fig = go.Figure(layout=theme.base_layout(uirevision="host-disks", margin={"l": 20, "r": 30, "t": 10, "b": 10},
                                             bargap=0.4))
    if not df.empty:
        used = pd.to_numeric(df["used_percent"], errors="coerce")
        free = [format_bytes(v) for v in df["free_bytes"]]
        fig.add_trace(go.Bar(
            y=df["mount"], x=used, orientation="h", marker={"color": [_bar_color(u, limit, warn) for u in used]},
            text=[f"{u:.1f}%  {T.DISK_FREE} {f}" for u, f in zip(used, free, strict=True)],
            textposition="inside", insidetextanchor="start", textfont={"size": theme.FONT_CHART_PX, "color": "#06121f"},
            customdata=free, name=label,
            hovertemplate="%{y}<br>" + label + "：%{x:.1f}%<br>" + T.DISK_FREE + "：%{customdata}<extra></extra>"))
        fig.add_vline(x=limit, line={"color": theme.RED, "width": 2, "dash": "dash"})
    fig.update_xaxes(**theme.AXIS, range=[0, 100], title={"text": axis_title(label, unit)}, ticksuffix="")
    fig.update_yaxes(**theme.AXIS, autorange="reversed", automargin=True, type="category")
    fig.update_yaxes(tickfont={"size": theme.FONT_CHART_PX, "color": theme.TEXT})
    return _no_data(fig) if df.empty else fig
