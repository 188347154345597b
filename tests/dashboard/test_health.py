"""Pure health rules: staleness, site and city status, p95, cache-window flooring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard import health

NOW = datetime(2026, 11, 27, 8, 0, 7, tzinfo=UTC)


def test_stale_after_two_intervals_and_never_up() -> None:
    assert not health.is_stale(NOW - timedelta(seconds=120), NOW, 60)
    assert health.is_stale(NOW - timedelta(seconds=121), NOW, 60)
    assert health.site_status(1, NOW - timedelta(seconds=121), 50, NOW, 60) == "stale"
    assert health.site_status(1, None, 50, NOW, 60) == "stale"
    assert health.site_status(0, NOW, 50, NOW, 60) == "down"
    assert health.site_status(1, NOW, 3000, NOW, 60) == "slow"
    assert health.site_status(1, NOW, 2999, NOW, 60) == "up"
    with pytest.raises(ValueError, match="interval"):
        health.stale_after(0)


def test_city_status() -> None:
    assert health.city_status(0, 0, 0, 0) == "unknown"
    assert health.city_status(3, 0, 0, 3) == "stale"
    assert health.city_status(10, 8, 2, 0) == "down"
    assert health.city_status(10, 9, 0, 1) == "degraded"
    assert health.city_status(20, 19, 1, 0) == "degraded"
    assert health.city_status(5, 5, 0, 0) == "up"


def test_p95_and_floor() -> None:
    assert health.p95([]) is None
    assert health.p95([5.0]) == 5.0
    assert health.p95(float(i) for i in range(1, 101)) == pytest.approx(95.05)
    assert health.floor_time(NOW, 10) == NOW.replace(second=0)
    assert health.host_healthy(95.0, 10.0, None) is False and health.host_healthy(None, 50.0, 50.0) is True
