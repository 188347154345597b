"""Honest bucketed series (tsdb.series) on every registered store kind: no running bucket drawn as a drop."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import to_ns
from tests.support.stores import KINDS, open_kind
from tsdb.point import Point
from tsdb.series import ceil_to, complete_until, floor_to, honest_query
from tsdb.store import MetricStore, Query

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
EVERY = timedelta(minutes=10)
SITES = 20  # 3 of them down: 85 % of probes succeed


def _rounds(minutes: int, first: int = 0) -> list[Point]:
    """One probe round a minute, starting 5 s before each minute: the successes land at once, the
    3 failures only at the 15 s timeout, so a round straddling a bucket boundary puts them first
    into the new bucket — exactly how the site probe writes."""
    pts = []
    for m in range(first, minutes):
        start = T0 + timedelta(minutes=m) - timedelta(seconds=5)
        for i in range(SITES):
            down = i < 3
            t = start + timedelta(seconds=15 if down else 1)
            pts.append(Point("site_probe", {"up": 0 if down else 1}, to_ns(t), {"site": f"S{i:02d}", "city": "430100"}))
    return pts


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MetricStore]:
    with open_kind(request.param, tmp_path) as s:
        yield s


def test_grid_helpers() -> None:
    t = T0 + timedelta(minutes=13, seconds=2)
    assert floor_to(t, EVERY) == T0 + timedelta(minutes=10)
    assert ceil_to(t, EVERY) == T0 + timedelta(minutes=20)
    assert ceil_to(T0, EVERY) == T0
    assert complete_until(T0 + timedelta(minutes=20, seconds=30), EVERY, timedelta(seconds=60)) \
        == T0 + timedelta(minutes=10)
    with pytest.raises(ValueError):
        complete_until(T0, timedelta(0), timedelta(0))


def test_running_bucket_is_never_a_drop(store: MetricStore) -> None:
    store.write(_rounds(60, first=-90))
    # 11 s into a new bucket: only the failures of the round that straddled the boundary are in it.
    now = T0 + timedelta(minutes=40, seconds=11)
    q = Query("site_probe", "up", now - timedelta(hours=1), now, every=EVERY, agg="avg")
    naive = store.query(q)
    assert naive["value"].iloc[-1] == 0.0  # the lie this module exists to avoid

    df = honest_query(store, q, now, settle=timedelta(seconds=60))
    assert list(df.columns) == ["time", "value", "partial"]
    done = df[~df["partial"]]
    assert done["time"].max() == T0 + timedelta(minutes=20)  # [20, 30) ended 10 min ago; [30, 40) only 11 s
    assert done["time"].min() == T0 - timedelta(minutes=10)  # [07:40:11 …) starts a cut bucket: left out
    assert done["value"].tolist() == pytest.approx([0.85] * len(done), abs=0.02)
    live = df[df["partial"]]
    assert len(live) == 1
    assert live["time"].iloc[0] == now - EVERY
    assert live["value"].iloc[0] == pytest.approx(0.85, abs=0.02)  # a whole bucket's width of the newest data


def test_live_row_alone_when_no_bucket_is_complete(store: MetricStore) -> None:
    store.write(_rounds(4, first=1))
    now = T0 + timedelta(minutes=4)
    df = honest_query(store, Query("site_probe", "up", now - timedelta(hours=24), now, every=EVERY, agg="avg"),
                      now, settle=timedelta(seconds=60))
    assert df["partial"].tolist() == [True]


def test_grouped_and_empty(store: MetricStore) -> None:
    store.write(_rounds(30))
    now = T0 + timedelta(minutes=30)
    q = Query("site_probe", "up", T0, now, every=EVERY, agg="count", group_by=("city",))
    df = honest_query(store, q, now, settle=timedelta(seconds=60))
    assert list(df.columns) == ["time", "city", "value", "partial"]
    assert set(df["city"]) == {"430100"}
    nothing = honest_query(store, Query("site_probe", "nope", T0, now, every=EVERY, group_by=("city",)), now,
                           settle=timedelta(0))
    assert nothing.empty and list(nothing.columns) == ["time", "city", "value", "partial"]
    with pytest.raises(ValueError, match="every"):
        honest_query(store, Query("site_probe", "up", T0, now), now, settle=timedelta(0))
