"""Clocks: the demo's compressed clock and the scale every sleeper divides by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.clock import FixedClock, ScaledClock, SystemClock, ZonedClock, time_scale

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


def test_scaled_clock_runs_factor_times_faster_from_its_origin() -> None:
    real = [100.0]
    clock = ScaledClock(60, origin=T0, monotonic=lambda: real[0])
    assert clock.now() == T0
    real[0] += 90  # a minute and a half of real time
    assert clock.now() == T0 + timedelta(minutes=90)
    assert time_scale(clock) == 60
    assert time_scale(ZonedClock(clock, ZoneInfo("Asia/Shanghai"))) == 60  # seen through the screens' zone
    assert time_scale(SystemClock()) == 1 and time_scale(FixedClock(T0)) == 1
    with pytest.raises(ValueError, match="factor"):
        ScaledClock(0.5)
