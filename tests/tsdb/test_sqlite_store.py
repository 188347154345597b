"""SQLiteMetricStore against a brute-force computation over the same points."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tsdb.reference import EVERY, FILTERS, GROUPS, SITES, assert_same, brute_query, ns
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore
from tsdb.store import AGGS, MetricStore, Query, QueryError

T0 = datetime(2026, 3, 1, tzinfo=UTC)


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
                fields["redirects"] = self.rng.choice([0, 1, 2])
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
    assert counts["deleted_raw"] > 0 and counts["deleted_roll_1m"] > 0
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
    # a late point older than raw retention is merged into the tiers and still counted
    store.write(pts.make(5, T0 + timedelta(days=2, hours=1), T0 + timedelta(days=2, hours=2)))
    store.write(pts.make(5, T0 + timedelta(days=4, hours=1), T0 + timedelta(days=4, hours=2)))
    for q in (day, hour, minute):
        check(store, pts, q)


def test_text_values_are_refused_with_the_whole_batch(tmp_path: Path) -> None:
    """Numbers only (tsdb.store): text is a tag of a marker field, never a field value."""
    rng = random.Random(3)
    pts = Points(rng)
    store = SQLiteMetricStore(tmp_path / "m.db")
    store.write(pts.make(200, T0, T0 + timedelta(hours=6)))
    before = store.query(Query("site_probe", "latency_ms", T0, T0 + timedelta(days=1), agg="count"))
    bad = [Point("site_probe", {"latency_ms": 1.0}, ns(T0) + 1, {"site": "s9"}),
           Point("site_probe", {"latency_ms": "fast"}, ns(T0) + 2, {"site": "s9"})]
    with pytest.raises(ValueError, match=r"point 1 \(site_probe\): field 'latency_ms' holds text 'fast'"):
        store.write(bad)
    with pytest.raises(ValueError, match="field 'error' holds text"):  # a field the store has never seen too
        store.write([Point("site_probe", {"up": 0, "error": "timeout"}, ns(T0) + 3, {"site": "s9"})])
    with pytest.raises(ValueError, match="unsupported type NoneType"):
        store.write([Point("site_probe", {"up": None}, ns(T0) + 4, {"site": "s9"})])  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="finite"):
        store.write([Point("site_probe", {"latency_ms": 1.0}, ns(T0) + 3), Point("x", {"v": float("inf")}, 1)])
    after = store.query(Query("site_probe", "latency_ms", T0, T0 + timedelta(days=1), agg="count"))
    assert after.equals(before)
    assert store.latest("site_probe", "latency_ms", tags={"site": "s9"}).empty
    assert store.latest("site_probe", "up", tags={"site": "s9"}).empty and store.latest("site_probe", "error").empty


def test_a_file_with_string_fields_of_an_older_release_opens_without_them(tmp_path: Path) -> None:
    """Before text facts became tags the embedded store kept string fields (kind 'str', table raw_str);
    opening such a file drops them, keeps every number and can write the same name as a number later."""
    import json
    import sqlite3

    path = tmp_path / "m.db"
    store = SQLiteMetricStore(path)
    store.write([Point("site_probe", {"up": 0.0}, ns(T0), {"site": "s1"})])
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)  # what the older release left behind
    conn.execute("CREATE TABLE raw_str (fid INTEGER NOT NULL, ts INTEGER NOT NULL, sid INTEGER NOT NULL, "
                 "value TEXT NOT NULL, PRIMARY KEY (fid, ts, sid)) WITHOUT ROWID")
    fid = conn.execute("INSERT INTO fields (measurement, field, kind) VALUES ('site_probe', 'reason', 'str')").lastrowid
    sid = conn.execute("INSERT INTO series (fid, tags) VALUES (?, ?)", (fid, json.dumps({"site": "s1"}))).lastrowid
    conn.execute("INSERT INTO series_tag (fid, key, value, sid) VALUES (?, 'site', 's1', ?)", (fid, sid))
    conn.execute("INSERT INTO raw_str VALUES (?, ?, ?, '连接被拒绝')", (fid, ns(T0), sid))
    conn.execute("INSERT INTO latest VALUES (?, ?, '连接被拒绝')", (sid, ns(T0)))
    conn.close()

    store = SQLiteMetricStore(path)
    assert store.latest("site_probe", "reason").empty
    assert store.latest("site_probe", "up")["value"].tolist() == [0.0]
    store.write([Point("site_probe", {"reason": 3}, ns(T0) + 1, {"site": "s1"})])
    assert store.latest("site_probe", "reason")["value"].tolist() == [3.0]
    store.close()
    conn = sqlite3.connect(path)
    left = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'raw_str'").fetchone()[0]
    kinds = {k for (k,) in conn.execute("SELECT kind FROM fields")}
    conn.close()
    assert left == 0 and kinds == {"num"}


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


@pytest.mark.parametrize("variable_limit", [None, 40])
def test_a_sample_written_again_replaces_the_earlier_one_in_large_batches(tmp_path: Path,
                                                                          variable_limit: int | None) -> None:
    """Dedup by (series, ts), the later sample winning, holds inside a batch (across the store's multi-row
    statements and their remainder) and across batches; integers and booleans are stored as floats."""
    import sqlite3

    store = SQLiteMetricStore(tmp_path / "m.db")
    if variable_limit is not None:  # an SQLite built with a low parameter limit takes fewer rows per statement
        store._conn().setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, variable_limit)
    base = ns(T0)
    sites = [{"site": f"s{i}"} for i in range(7)]
    batch = [Point("host", {"load": float(k), "up": k % 2 == 0}, base + (k // 7) * 10**9, sites[k % 7])
             for k in range(1403)]
    # the same (series, ts) again later in the batch: in a later multi-row statement and in the remainder
    batch.insert(700, Point("host", {"load": -1.0, "up": 7}, base, sites[0]))
    batch.append(Point("host", {"load": -2.0}, base + 200 * 10**9, sites[2]))
    store.write(batch)
    store.write([Point("host", {"load": -3.0}, base + 10**9, sites[1])])  # a later batch
    conn = store._conn()
    assert conn.execute("SELECT count(*) FROM raw").fetchone()[0] == 2 * 1403
    assert {t for (t,) in conn.execute("SELECT DISTINCT typeof(value) FROM raw")} == {"real"}
    q = Query("host", "load", T0, T0 + timedelta(minutes=5), agg="count", group_by=("site",))
    assert store.query(q)["value"].tolist() == [201, 201, 201, 200, 200, 200, 200]
    q = Query("host", "load", T0, T0 + timedelta(seconds=1), agg="sum", group_by=("site",))
    assert store.query(q)["value"].tolist() == [-1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    q = Query("host", "load", T0 + timedelta(seconds=1), T0 + timedelta(seconds=2), agg="sum", group_by=("site",))
    assert store.query(q)["value"].tolist() == [7.0, -3.0, 9.0, 10.0, 11.0, 12.0, 13.0]
    q = Query("host", "load", T0 + timedelta(seconds=200), T0 + timedelta(seconds=201), agg="sum",
              group_by=("site",))
    assert store.query(q)["value"].tolist() == [1400.0, 1401.0, -2.0]
    up = store.query(Query("host", "up", T0, T0 + timedelta(seconds=1), agg="sum", group_by=("site",)))
    assert up["value"].tolist() == [7.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
    latest = store.latest("host", "load")
    assert dict(zip(latest["site"], latest["value"], strict=True)) == {
        "s0": 1400.0, "s1": 1401.0, "s2": -2.0, "s3": 1396.0, "s4": 1397.0, "s5": 1398.0, "s6": 1399.0}
    store.close()


def test_large_batches_with_late_points_match_brute_force(tmp_path: Path) -> None:
    """Batches of more samples than one multi-row statement takes, the second one late behind rollups."""
    rng = random.Random(7)
    pts = Points(rng)
    hi = T0 + timedelta(days=2)
    store = SQLiteMetricStore(tmp_path / "m.db", raw_retention=timedelta(days=30))
    store.write(pts.make(900, T0, hi))
    store.maintain(hi + timedelta(hours=1))
    store.write(pts.make(900, T0, hi + timedelta(minutes=30)))
    for q in [random_query(rng, T0, hi) for _ in range(12)]:
        check(store, pts, q)
    latest = store.latest("site_probe", "latency_ms")
    newest = {}
    for p in sorted(pts.all, key=lambda p: p.time_ns):
        newest[p.tags["site"]] = p.fields["latency_ms"]
    assert dict(zip(latest["site"], latest["value"], strict=True)) == newest
    store.close()
