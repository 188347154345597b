"""Host figures from frames: series and axis titles from the metric declarations, disk colours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

import collectors.kinds.host  # noqa: F401  (declares the host metrics)
from layouts import theme
from layouts.charts import time_range
from layouts.host_charts import HISTORY_COLUMNS, declared, disk_bars_figure, host_io_figure, host_usage_figure

T0 = datetime(2026, 11, 27, tzinfo=UTC)


def _history(n: int) -> pd.DataFrame:
    times = [T0 + timedelta(minutes=10 * i) for i in range(n)]
    cols = {c: [float(i) for i in range(n)] for c in HISTORY_COLUMNS[1:]}
    return pd.DataFrame({"time": times, **cols})


def test_usage_figure_series_and_titles_from_declarations() -> None:
    fig = host_usage_figure(_history(48))
    assert [t.name for t in fig.data] == ["CPU 使用率", "内存使用率", "1 分钟负载", "5 分钟负载", "15 分钟负载"]
    assert [t.legend or "legend" for t in fig.data] == ["legend", "legend", "legend2", "legend2", "legend2"]
    assert fig.data[0].mode == "lines" and list(fig.data[1].y[:3]) == [0.0, 1.0, 2.0]
    assert fig.layout.yaxis.title.text == "使用率（%）" and fig.layout.yaxis2.title.text == "系统负载"
    assert fig.layout.yaxis.range == (0, 100.5)
    short = host_usage_figure(_history(2))
    assert short.data[0].mode == "lines+markers" and short.layout.xaxis.range is not None


def test_io_figure_rates_in_bytes_per_second() -> None:
    fig = host_io_figure(_history(48))
    assert [t.name for t in fig.data] == ["网络接收速率", "网络发送速率", "磁盘读速率", "磁盘写速率"]
    assert fig.layout.yaxis.title.text == "网络（B/s）" and fig.layout.yaxis2.title.text == "磁盘读写（B/s）"
    assert fig.layout.yaxis.tickformat == "~s"


def test_empty_history_says_no_data_and_hides_axes() -> None:
    for build in (host_usage_figure, host_io_figure):
        fig = build(_history(0))
        assert len(fig.data) == 0 and fig.layout.annotations[0].text == "暂无数据"
        assert fig.layout.xaxis.visible is False and fig.layout.yaxis2.visible is False
    with pytest.raises(ValueError, match="net_rx_bps"):
        host_io_figure(_history(3).drop(columns="net_rx_bps"))


def test_disk_bars_coloured_against_the_limit() -> None:
    df = pd.DataFrame({"mount": ["/", "/data", "/var", "/x"], "used_percent": [50.0, 85.0, 95.0, None],
                       "free_bytes": [50 * 1024 ** 3, 15 * 1024 ** 3, 5 * 1024 ** 3, None],
                       "total_bytes": [100 * 1024 ** 3] * 4})
    fig = disk_bars_figure(df, limit=90.0)
    (bars,) = fig.data
    assert list(bars.y) == ["/", "/data", "/var", "/x"]
    assert list(bars.marker.color) == [theme.GREEN, theme.AMBER, theme.RED, theme.GREY]
    assert bars.text[1] == "85.0%  可用 15.0 GB"
    assert fig.layout.shapes[0].x0 == 90.0 and fig.layout.xaxis.title.text == "磁盘使用率（%）"
    empty = disk_bars_figure(df.iloc[:0])
    assert len(empty.data) == 0 and empty.layout.annotations[0].text == "暂无数据"
    with pytest.raises(ValueError, match="mount"):
        disk_bars_figure(df.drop(columns="mount"))


def test_declarations_and_time_range() -> None:
    assert declared("host", "net_rx_bps") == ("网络接收速率", "B/s")
    with pytest.raises(KeyError, match=r"nope\.x"):
        declared("nope", "x")
    short = time_range(pd.Series([T0, T0 + timedelta(minutes=10)]))
    assert short is not None and short[1] - short[0] == pd.Timedelta(minutes=30)
    assert short[1] == pd.Timestamp(T0 + timedelta(minutes=11))
    assert time_range(pd.Series([T0, T0 + timedelta(hours=2)])) is None
    assert time_range(pd.Series([], dtype="datetime64[ns, UTC]")) is None
