"""SQLiteMetricStore against a brute-force computation over the same points."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tsdb.reference import assert_same, brute_query, ns
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore
from tsdb.store import AGGS, MetricStore, Query, QueryError

T0 = datetime(2026, 3, 1, tzinfo=UTC)
SITES = [
    {"site": "s0", "city": "c0", "level": "portal"},
    {"site": "s1", "city": "c0", "level": "dept"},
    {"site": "s2", "city": "c1", "level": "portal"},
    {"site": "s3", "city": "c1", "level": "dept"},
    {"site": "s4", "level": "dept"},  # no city tag: groups under ""
]
EVERY = [None, timedelta(seconds=90), timedelta(minutes=1), timedelta(minutes=5), timedelta(hours=1),
         timedelta(hours=2), timedelta(days=1), timedelta(minutes=7)]
FILTERS: list[dict] = [{}, {}, {"level": "portal"}, {"city": ["c0", "c1"]}, {"site": ("s1", "s4")}, {"city": []}]
GROUPS = [(), (), ("city",), ("level", "city")]


class Points:
    """Random probe points with timestamps unique across the whole test (no 'last' ties)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[int] = set()
        self.all: list[Point] = []

    def make(self, n: int, lo: datetime, hi: datetime) -> list[Point]:
        out = []
        a, b = ns(lo), ns(hi)
        for _ in range(n):
            ts = self.rng.randrange(a, b)
            while ts in self.used:
                ts = self.rng.randrange(a, b)
            self.used.add(ts)
            fields: dict = {"latency_ms": round(self.rng.uniform(1, 900), 3)}
            if self.rng.random() < 0.7:
                fields["up"] = self.rng.random() < 0.8
            if self.rng.random() < 0.5:
                fields["status"] = self.rng.choice([200, 301, 404, 500])
            if self.rng.random() < 0.3:
                fields["error"] = self.rng.choice(["timeout", "tls", "dns 失败"])
            out.append(Point("site_probe", fields, ts, dict(self.rng.choice(SITES))))
        self.all += out
        return out


def random_query(rng: random.Random, lo: datetime, hi: datetime, field: str | None = None) -> Query:
    span = int((hi - lo).total_seconds())
    start = lo + timedelta(seconds=rng.randrange(-3600, span), microseconds=rng.randrange(10**6))
    stop = start + timedelta(seconds=rng.randrange(1, span + 7200))
    return Query("site_probe", field or rng.choice(["latency_ms", "up", "status"]), start, stop,
                 every=rng.choice(EVERY), agg=rng.choice(AGGS), tags=rng.choice(FILTERS),
                 group_by=rng.choice(GROUPS))


def check(store: SQLiteMetricStore, pts: Points, q: Query) -> None:
    assert_same(store.query(q), brute_query(pts.all, q), label=repr(q))


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_queries_match_brute_force_through_rollups_and_late_points(seed: int) -> None:
    rng = random.Random(seed)
    pts = Points(rng)
    hi = T0 + timedelta(days=3)
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteMetricStore(Path(tmp) / "m.db", raw_retention=timedelta(days=30))  # raw stays: exact answers
        assert isinstance(store, MetricStore)
        for _ in range(3):
            store.write(pts.make(80, T0, hi))
        queries = [random_query(rng, T0, hi) for _ in range(6)]
        for q in queries:
            check(store, pts, q)
        counts = store.maintain(hi + timedelta(hours=1))
        assert counts["rolled_1m"] > 0 and counts["rolled_1h"] > 0 and counts["rolled_1d"] > 0
        for q in queries + [random_query(rng, T0, hi) for _ in range(6)]:
            check(store, pts, q)
        # late points land in buckets that are already rolled up at every tier
        store.write(pts.make(40, T0, hi))
        for q in queries:
            check(store, pts, q)
        again = store.maintain(hi + timedelta(hours=1))
        assert again["rolled_1m"] == again["rolled_1h"] == again["rolled_1d"] == 0
        for q in [random_query(rng, T0, hi) for _ in range(6)]:
            check(store, pts, q)
        store.close()


def test_every_aggregation_on_fixed_data(tmp_path: Path) -> None:
    store = SQLiteMetricStore(tmp_path / "m.db")
    base = ns(T0)
    vals = [(0, 5.0), (20, 1.0), (50, 9.0), (70, 4.0)]  # seconds after T0
    store.write([Point("host", {"cpu": v}, base + s * 10**9, {"host": "h1"}) for s, v in vals])
    want = {"avg": [3.0, 6.5], "min": [1.0, 4.0], "max": [5.0, 9.0], "sum": [6.0, 13.0], "count": [2, 2],
            "last": [1.0, 4.0]}
    for agg, expected in want.items():
        q = Query("host", "cpu", T0, T0 + timedelta(minutes=2), every=timedelta(seconds=40), agg=agg)
        df = store.query(q)
        assert list(df["value"]) == expected, agg
        assert list(df["time"]) == [T0, T0 + timedelta(seconds=40)]
    whole = store.query(Query("host", "cpu", T0 + timedelta(seconds=10), T0 + timedelta(minutes=2), agg="sum"))
    assert list(whole["time"]) == [T0 + timedelta(seconds=10)] and list(whole["value"]) == [14.0]
    with pytest.raises(QueryError):
        Query("host", "cpu", T0, T0 + timedelta(minutes=1), agg="median")  # type: ignore[arg-type]
    assert store.query(Query("nope", "cpu", T0, T0 + timedelta(minutes=1), group_by=("host",))).columns.tolist() \
        == ["time", "host", "value"]


def test_retention_drops_old_data_and_tiers_keep_answering(tmp_path: Path) -> None:
    rng = random.Random(7)
    pts = Points(rng)
    store = SQLiteMetricStore(tmp_path / "m.db", raw_retention=timedelta(hours=6),
                              minute_retention=timedelta(days=1), hour_retention=timedelta(days=3),
                              day_retention=timedelta(days=30))
    now = T0 + timedelta(days=5)
    store.write(pts.make(600, T0, now - timedelta(minutes=5)))
    counts = store.maintain(now)
    assert counts["deleted_raw"] > 0 and counts["deleted_roll_1m"] > 0 and counts["deleted_raw_str"] > 0
    assert counts["deleted_roll_1h"] > 0  # hour buckets older than 3 days are gone, days remain
    # raw is gone before now-6h: a 30 s query there finds nothing
    old = Query("site_probe", "latency_ms", T0, T0 + timedelta(days=4), every=timedelta(seconds=30), agg="count")
    assert store.query(old).empty
    # but aligned queries are answered exactly by the tiers that still hold the range
    day = Query("site_probe", "latency_ms", T0, now, every=timedelta(days=1), agg="avg", group_by=("city",))
    hour = Query("site_probe", "up", T0 + timedelta(days=2), T0 + timedelta(days=4, hours=5),
                 every=timedelta(hours=1), agg="sum", tags={"level": "portal"})
    minute = Query("site_probe", "latency_ms", now - timedelta(hours=20), now, every=timedelta(minutes=1),
                   agg="max")
    for q in (day, hour, minute):
        check(store, pts, q)
    strings = Query("site_probe", "error", T0, now, every=timedelta(hours=1), agg="count")
    assert store.query(strings)["time"].min() >= now - timedelta(hours=7)
    # a late point older than raw retention is merged into the tiers and still counted
    store.write(pts.make(5, T0 + timedelta(days=2, hours=1), T0 + timedelta(days=2, hours=2)))
    store.write(pts.make(5, T0 + timedelta(days=4, hours=1), T0 + timedelta(days=4, hours=2)))
    for q in (day, hour, minute):
        check(store, pts, q)


def test_string_fields_last_count_latest_and_errors(tmp_path: Path) -> None:
    rng = random.Random(3)
    pts = Points(rng)
    store = SQLiteMetricStore(tmp_path / "m.db")
    store.write(pts.make(200, T0, T0 + timedelta(hours=6)))
    for agg in ("last", "count"):
        for every in (None, timedelta(minutes=30)):
            check(store, pts, Query("site_probe", "error", T0, T0 + timedelta(hours=6), every=every, agg=agg,
                                    group_by=("site",)))
    with pytest.raises(QueryError, match="strings"):
        store.query(Query("site_probe", "error", T0, T0 + timedelta(hours=1), agg="avg"))
    latest = store.latest("site_probe", "error", tags={"site": ["s0", "s4"]})
    assert list(latest.columns) == ["time", "city", "level", "site", "value"]
    for _, row in latest.iterrows():
        mine = [p for p in pts.all if p.tags["site"] == row["site"] and "error" in p.fields]
        newest = max(mine, key=lambda p: p.time_ns)
        assert row["value"] == newest.fields["error"] and row["time"].value == newest.time_ns
    # a field cannot switch between numbers and strings; the whole batch is refused
    before = store.query(Query("site_probe", "latency_ms", T0, T0 + timedelta(days=1), agg="count"))
    bad = [Point("site_probe", {"latency_ms": 1.0}, ns(T0) + 1, {"site": "s9"}),
           Point("site_probe", {"latency_ms": "fast"}, ns(T0) + 2, {"site": "s9"})]
    with pytest.raises(ValueError, match="latency_ms"):
        store.write(bad)
    with pytest.raises(ValueError, match="finite"):
        store.write([Point("site_probe", {"latency_ms": 1.0}, ns(T0) + 3), Point("x", {"v": float("inf")}, 1)])
    after = store.query(Query("site_probe", "latency_ms", T0, T0 + timedelta(days=1), agg="count"))
    assert after.equals(before)
    assert store.latest("site_probe", "latency_ms", tags={"site": "s9"}).empty


def test_latest_respects_since_and_filters(tmp_path: Path) -> None:
    store = SQLiteMetricStore(tmp_path / "m.db")
    base = ns(T0)
    store.write([Point("host", {"load": 1.0}, base, {"host": "a", "city": "c0"}),
                 Point("host", {"load": 2.0}, base + 60 * 10**9, {"host": "a", "city": "c0"}),
                 Point("host", {"load": 3.0}, base + 30 * 10**9, {"host": "b", "city": "c1"})])
    store.write([Point("host", {"load": 0.5}, base + 10 * 10**9, {"host": "a", "city": "c0"})])  # older: ignored
    df = store.latest("host", "load")
    assert sorted(zip(df["host"], df["value"], strict=True)) == [("a", 2.0), ("b", 3.0)]
    recent = store.latest("host", "load", since=T0 + timedelta(seconds=45))
    assert list(recent["host"]) == ["a"] and list(recent["time"]) == [T0 + timedelta(minutes=1)]
    assert list(store.latest("host", "load", tags={"city": ["c1"]})["value"]) == [3.0]
    assert store.latest("host", "nope").empty


def test_empty_tag_values_are_dropped_and_bad_points_refused(tmp_path: Path) -> None:
    store = SQLiteMetricStore(tmp_path / "m.db")
    base = ns(T0)
    store.write([Point("host", {"load": 1.0}, base, {"host": "a", "mount": ""}),
                 Point("host", {"load": 2.0}, base + 1, {"host": "a"})])
    df = store.latest("host", "load")
    assert list(df.columns) == ["time", "host", "value"] and list(df["value"]) == [2.0]
    for bad in (Point("host", {"load": 1.0}, 1.5, {"host": "a"}),  # type: ignore[arg-type]
                Point("host", {"load": 1.0}, 1, {"host": 3}),  # type: ignore[dict-item]
                Point("host", {"load": [1]}, 1, {"host": "a"})):  # type: ignore[dict-item]
        with pytest.raises(ValueError, match="point 0"):
            store.write([bad])
    with pytest.raises(ValueError, match="group_keys"):
        SQLiteMetricStore(tmp_path / "n.db", group_keys=("city", ""))
