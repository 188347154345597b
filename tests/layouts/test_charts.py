"""Trend and history figures from frames; axis titles read metric declarations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

import collectors.site_probe  # noqa: F401  (declares the site_probe metrics)
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
    assert metric_axis_title("nope", "x", "标签", "个") == "标签（个）"
