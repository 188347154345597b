"""Trend and history figures from frames; axis titles read metric declarations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

import collectors.kinds.site_probe  # noqa: F401  (declares the site_probe metrics)
from layouts import theme
from layouts.charts import history_figure, metric_axis_title, trend_figure

T0 = datetime(2026, 11, 27, tzinfo=UTC)


def test_trend_plots_availability_and_an_empty_frame_says_no_data() -> None:
    df = pd.DataFrame({"time": [T0, T0 + timedelta(minutes=10)], "availability": [99.0, 80.0]})
    fig = trend_figure(df)
    assert len(fig.data) == 1 and list(fig.data[0].y) == [99.0, 80.0]
    assert fig.layout.yaxis.range[0] == pytest.approx(78.0) and fig.layout.yaxis.range[1] > 100
    empty = trend_figure(pd.DataFrame({"time": [], "availability": []}))
    assert len(empty.data) == 0 and empty.layout.annotations[0].text == "暂无数据"
    with pytest.raises(ValueError, match="availability"):
        trend_figure(pd.DataFrame({"time": [T0]}))


def test_history_colours_each_bucket_and_titles_from_declarations() -> None:
    df = pd.DataFrame({"time": [T0 + timedelta(minutes=10 * i) for i in range(4)],
                       "latency_ms": [120.0, 130.0, 15000.0, None], "availability": [100.0, 95.0, 0.0, None]})
    fig = history_figure(df)
    latency, strip = fig.data
    assert list(latency.y[:3]) == [120.0, 130.0, 15000.0]
    assert list(strip.marker.color) == [theme.GREEN, theme.AMBER, theme.RED, theme.GREY]
    assert fig.layout.yaxis.title.text == "首页加载耗时（ms）"
    with pytest.raises(KeyError, match=r"nope\.x"):  # an undeclared metric is a bug, never a raw code on screen
        metric_axis_title("nope", "x")


def test_running_bucket_is_drawn_apart_as_counting() -> None:
    """The live row (tsdb.series) is never part of the solid line or the strip: dashed, hollow, 统计中."""
    times = [T0 + timedelta(minutes=10 * i) for i in range(3)]
    trend = pd.DataFrame({"time": [*times, times[-1] + timedelta(minutes=4)],
                          "availability": [97.0, 97.5, 97.2, 97.1], "partial": [False, False, False, True]})
    fig = trend_figure(trend)
    line, live = fig.data
    assert list(line.y) == [97.0, 97.5, 97.2]
    assert list(live.y) == [97.2, 97.1] and live.line.dash == "dot"  # from the last complete point
    assert list(live.text) == ["", "统计中"]
    hist = pd.DataFrame({"time": trend["time"], "latency_ms": [100.0, 110.0, 120.0, 130.0],
                         "availability": [100.0, 100.0, 100.0, 0.0], "partial": trend["partial"]})
    latency, live_latency, strip = history_figure(hist).data
    assert list(latency.y) == [100.0, 110.0, 120.0] and list(live_latency.y) == [120.0, 130.0]
    assert len(strip.x) == 3 and theme.RED not in list(strip.marker.color)  # no bar for the running bucket
    only_live = trend_figure(trend.tail(1))
    assert [list(t.y) for t in only_live.data] == [[], [97.1]]
