"""The robust trend and time-to-limit (alerts/forecast.py): tables and properties."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.forecast import (
    HORIZON_DAYS,
    INSUFFICIENT,
    NOT_REACHING,
    REACHED,
    REACHING,
    forecast,
    theil_sen,
)

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def hourly(f: object, hours: int = 7 * 24) -> tuple[list[datetime], list[float]]:
    """Samples every hour back from NOW: value = f(days before now, as a negative number)."""
    times = [NOW - timedelta(hours=h) for h in range(hours)]
    return times, [f((t - NOW).total_seconds() / 86400) for t in times]  # type: ignore[operator]


def test_theil_sen_recovers_a_line() -> None:
    slope, intercept = theil_sen([0, 1, 2, 3], [1, 3, 5, 7])
    assert slope == pytest.approx(2) and intercept == pytest.approx(1)
    with pytest.raises(ValueError):
        theil_sen([1, 1], [2, 3])


def test_linear_growth_gives_the_days_left() -> None:
    t, v = hourly(lambda d: 80 + 2 * d)  # 80 % now, +2 points a day
    f = forecast(t, v, NOW, 100.0, WEEK)
    assert f.status == REACHING and f.days_to_limit == pytest.approx(10, rel=1e-6)
    assert f.slope_per_day == pytest.approx(2) and f.level == pytest.approx(80)
    assert f.points == 168 and f.sufficient


def test_falling_series_toward_a_floor() -> None:
    t, v = hourly(lambda d: 30 - 5 * d)  # 30 now, falling 5 a day toward a floor of 10
    f = forecast(t, v, NOW, 10.0, WEEK, direction="down")
    assert f.status == REACHING and f.days_to_limit == pytest.approx(4)


@pytest.mark.parametrize("series,direction,status", [
    (lambda d: 50.0, "up", NOT_REACHING),  # constant
    (lambda d: 50 - 3 * d, "up", NOT_REACHING),  # receding (falling while the limit is a ceiling)
    (lambda d: 50 + 3 * d, "down", NOT_REACHING),  # rising while the limit is a floor
    (lambda d: 50 + 1e-6 * d, "up", NOT_REACHING),  # would take longer than the horizon
    (lambda d: 101 + d, "up", REACHED),  # already past the ceiling
    (lambda d: 5 + d, "down", REACHED),  # already under the floor of 10
])
def test_statuses(series: object, direction: str, status: str) -> None:
    t, v = hourly(series)
    limit = 10.0 if direction == "down" else 100.0
    f = forecast(t, v, NOW, limit, WEEK, direction=direction)
    assert f.status == status
    if status == NOT_REACHING:
        assert f.days_to_limit is None
    if status == REACHED:
        assert f.days_to_limit == 0.0


@pytest.mark.parametrize("hours,min_points,status", [
    (0, 6, INSUFFICIENT), (1, 6, INSUFFICIENT), (5, 6, INSUFFICIENT),  # too few points
    (48, 6, INSUFFICIENT),  # 48 points but 2 days of a 7-day window (the span minimum is half the window)
    (90, 6, REACHING), (90, 100, INSUFFICIENT),
])
def test_no_verdict_before_the_data_suffices(hours: int, min_points: int, status: str) -> None:
    t, v = hourly(lambda d: 80 + 2 * d, hours)
    f = forecast(t, v, NOW, 100.0, WEEK, min_points=min_points)
    assert f.status == status
    assert f.points == hours
    if status == INSUFFICIENT:
        assert f.days_to_limit is None and f.slope_per_day is None and not f.sufficient
        facts = f.facts()
        assert facts["samples"] == hours and facts["window_s"] == WEEK.total_seconds()


def test_missing_limit_and_out_of_window_samples() -> None:
    t, v = hourly(lambda d: 80 + 2 * d)
    assert forecast(t, v, NOW, None, WEEK).status == INSUFFICIENT
    old = [NOW - timedelta(days=30 + i) for i in range(100)]
    assert forecast(old, [1.0] * 100, NOW, 100.0, WEEK).points == 0
    nan = forecast(t, [float("nan")] * len(t), NOW, 100.0, WEEK)
    assert nan.status == INSUFFICIENT and nan.points == 0


def test_a_spike_barely_moves_the_forecast() -> None:
    t, v = hourly(lambda d: 60 + 3 * d)
    clean = forecast(t, v, NOW, 100.0, WEEK)
    spiked = list(v)
    for i in (0, 1, 2, 50, 51):  # the newest hours and a burst mid-window read 100 % (a temp file)
        spiked[i] = 100.0
    noisy = forecast(t, spiked, NOW, 100.0, WEEK)
    assert noisy.status == REACHING and clean.days_to_limit is not None and noisy.days_to_limit is not None
    assert abs(noisy.days_to_limit - clean.days_to_limit) / clean.days_to_limit < 0.05
    assert noisy.last == 100.0  # the sample as measured is still reported


def test_noisy_series_stays_near_the_truth() -> None:
    rng = random.Random(7)
    t, v = hourly(lambda d: 70 + 2 * d + rng.gauss(0, 3))
    f = forecast(t, v, NOW, 100.0, WEEK)
    assert f.status == REACHING and f.days_to_limit is not None
    assert 13 < f.days_to_limit < 17  # the truth is 15


def test_many_points_are_thinned_and_bad_direction_refused() -> None:
    times = [NOW - timedelta(minutes=5 * m) for m in range(7 * 24 * 60 // 5)]  # every 5 min: 2016 points
    f = forecast(times, [80 + 2 * (t - NOW).total_seconds() / 86400 for t in times], NOW, 100.0, WEEK)
    assert f.points == 2016 and f.days_to_limit == pytest.approx(10, rel=1e-3)
    with pytest.raises(ValueError):
        forecast(times, [1.0] * len(times), NOW, 1.0, WEEK, direction="sideways")


@settings(max_examples=60, deadline=None)
@given(level=st.floats(0, 90), slope=st.floats(-20, 20), limit=st.floats(1, 200),
       direction=st.sampled_from(["up", "down"]),
       noise=st.lists(st.floats(-1, 1), min_size=24, max_size=24))
def test_never_negative_or_infinite(level: float, slope: float, limit: float, direction: str,
                                    noise: list[float]) -> None:
    times = [NOW - timedelta(hours=6 * i) for i in range(24)]
    values = [level + slope * (t - NOW).total_seconds() / 86400 + noise[i] for i, t in enumerate(times)]
    f = forecast(times, values, NOW, limit, WEEK, direction=direction)
    assert f.status in (NOT_REACHING, REACHING, REACHED)
    if f.days_to_limit is not None:
        assert 0 <= f.days_to_limit <= HORIZON_DAYS
    else:
        assert f.status == NOT_REACHING
