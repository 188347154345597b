"""Metric store benchmark: write throughput and the wall screen's 30-day overview queries.

Run: ``.venv/bin/python -m bench.store_bench [--sites 2000] [--days 30] [--batches 20]``

(a) Write: batches of one ``site_probe`` point per site (6 numeric fields) go through
    ``SQLiteMetricStore.write``; the peer is plain ``sqlite3`` ``executemany`` of the same
    samples, series ids already known, into a ``(series_id, ts, value)`` table with
    primary key ``(series_id, ts)``, same pragmas, one transaction per batch.
    Target: ours / peer >= 0.7. Also printed: the ratio to an unindexed heap table,
    the fastest sqlite3 can take the rows at all (no dedup, no lookup by series).
(b) Query: ``days`` of hourly rollups for every site's ``up`` field are loaded into the
    hour tier (its per-tag-value rows and the day tier are computed from it by the
    store's own rollup code), then the
    overview queries are timed through ``SQLiteMetricStore.query``. The peer is pandas
    aggregating the same hourly rows already in memory; both answers must agree.
    Target: <= 300 ms per query.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from tsdb.planner import NS_PER_DAY, NS_PER_HOUR, floor_to
from tsdb.point import Point
from tsdb.sqlite_schema import roll, roll_groups, set_meta, update_cover
from tsdb.sqlite_store import SQLiteMetricStore, dt_to_ns
from tsdb.store import Query

NOW = datetime(2026, 11, 1, tzinfo=UTC)
FIELDS = ("up", "status", "latency_ms", "bytes", "tls_days", "redirects")
CITIES = [f"43{n:02d}00" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 31)]
PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA cache_size=-65536")


def site_tags(i: int) -> dict[str, str]:
    city = CITIES[i % len(CITIES)]
    return {"site": f"site{i:05d}", "node": f"{city[:4]}{i % 9:02d}", "city": city,
            "level": "county_portal" if i % 3 else "city_department"}


def probe_fields(rng: random.Random) -> dict[str, float | int | bool]:
    up = rng.random() < 0.97
    return {"up": up, "status": 200 if up else 503, "latency_ms": round(rng.uniform(20, 900), 1),
            "bytes": rng.randrange(20_000, 400_000), "tls_days": rng.randrange(1, 365), "redirects": rng.randrange(3)}


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``fn`` in seconds over ``repeat`` runs (after one warm-up)."""
    fn()
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def bench_write(workdir: Path, sites: int, batches: int) -> tuple[float, float, float]:
    """Points/s of the store, of the keyed peer table and of an unindexed heap table (the
    ceiling); all write batch k in turn, so load from other processes hits them alike."""
    rng = random.Random(1)
    base = dt_to_ns(NOW - timedelta(hours=2))
    tags = [site_tags(i) for i in range(sites)]
    data = [[Point("site_probe", probe_fields(rng), base + b * 60 * 10**9, tags[i]) for i in range(sites)]
            for b in tqdm(range(batches + 1), desc="generating write batches", file=sys.stderr)]
    rows = [[(i * len(FIELDS) + k, p.time_ns, float(p.fields[f])) for i, p in enumerate(batch)
             for k, f in enumerate(FIELDS)] for batch in data]
    store = SQLiteMetricStore(workdir / "write.db")
    conn = sqlite3.connect(workdir / "peer.db", isolation_level=None)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    conn.execute("CREATE TABLE samples (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, "
                 "PRIMARY KEY (series_id, ts)) WITHOUT ROWID")
    conn.execute("CREATE TABLE heap (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL)")

    def peer_write(batch_rows: list[tuple[int, int, float]], table: str = "samples") -> None:
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO {table} (series_id, ts, value) VALUES (?, ?, ?)", batch_rows)
        conn.execute("COMMIT")

    store.write(data[0])  # warm-up: creates the series, as the first collector round does
    peer_write(rows[0])
    peer_write(rows[0], "heap")
    ours = peer = heap = 0.0
    for batch, batch_rows in tqdm(list(zip(data[1:], rows[1:], strict=True)), desc="write store vs sqlite3",
                                  file=sys.stderr):
        t = time.perf_counter()
        store.write(batch)
        ours += time.perf_counter() - t
        t = time.perf_counter()
        peer_write(batch_rows)
        peer += time.perf_counter() - t
        t = time.perf_counter()
        peer_write(batch_rows, "heap")
        heap += time.perf_counter() - t
    store.close()
    conn.close()
    points = sites * batches
    return points / ours, points / peer, points / heap


def load_hourly(store: SQLiteMetricStore, sites: int, days: int) -> pd.DataFrame:
    """``days`` of hourly ``up`` rollups per site into the hour tier; returns the rows for the peer."""
    rng = random.Random(2)
    end = dt_to_ns(NOW)
    start = end - days * NS_PER_DAY
    store.write([Point("site_probe", {"up": True}, start, site_tags(i)) for i in range(sites)])
    conn = store._conn()  # the benchmark fills the tier directly, below the public interface
    fid, = conn.execute("SELECT id FROM fields WHERE measurement = 'site_probe' AND field = 'up'").fetchone()
    sids = dict(conn.execute("SELECT json_extract(tags, '$.site'), id FROM series WHERE fid = ?", (fid,)))
    order = [sids[site_tags(i)["site"]] for i in range(sites)]
    peer_rows: dict[str, list] = {"time": [], "city": [], "level": [], "up": [], "cnt": []}
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DELETE FROM raw")
    for h in tqdm(range(days * 24), desc="loading hourly rollups", file=sys.stderr):
        bucket = start + h * NS_PER_HOUR
        rows = []
        for i, sid in enumerate(order):
            ups = 60 - (rng.randrange(4) if rng.random() < 0.05 else 0)
            last = 1.0 if rng.random() < 0.97 else 0.0
            rows.append((fid, bucket, sid, 60, float(ups), 0.0 if ups < 60 else 1.0, 1.0, last,
                         bucket + 59 * 60 * 10**9))
            peer_rows["time"].append(bucket)
            peer_rows["city"].append(CITIES[i % len(CITIES)])
            peer_rows["level"].append(site_tags(i)["level"])
            peer_rows["up"].append(float(ups))
            peer_rows["cnt"].append(60)
        conn.executemany("INSERT INTO roll_1h VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    roll_groups(conn, "1h", fid, start, end, store.group_keys)
    update_cover(conn, "1h", store.group_keys, start, end)
    roll(conn, "1d", fid, floor_to(start, NS_PER_DAY), end, store.group_keys)
    update_cover(conn, "1d", store.group_keys, floor_to(start, NS_PER_DAY), end)
    for key, value in (("wm_1m", end), ("wm_1h", end), ("wm_1d", end)):
        set_meta(conn, key, value)
    conn.execute("COMMIT")
    return pd.DataFrame(peer_rows)


def bench_query(workdir: Path, sites: int, days: int, repeat: int) -> list[tuple[str, float, float, int]]:
    store = SQLiteMetricStore(workdir / "query.db")
    frame = load_hourly(store, sites, days)
    results = []
    variants = [(timedelta(hours=1), "1h", ()), (timedelta(hours=1), "1h", ("city",)),
                (timedelta(days=1), "1d", ()), (timedelta(days=1), "1d", ("city",)),
                # two group keys: no per-value rows answer this, so it scans the per-series tier
                (timedelta(hours=1), "1h", ("city", "level"))]
    for every, label, group_by in variants:
        q = Query("site_probe", "up", NOW - timedelta(days=days), NOW, every=every, agg="avg",
                  group_by=group_by)
        rows = len(store.query(q))
        ours = timed(lambda q=q: store.query(q), repeat)
        width = every // timedelta(microseconds=1) * 1000

        def peer(width: int = width, group_by: tuple[str, ...] = group_by) -> pd.DataFrame:
            keys = [(frame["time"] // width) * width, *[frame[k] for k in group_by]]
            g = frame.groupby(keys, sort=True)
            return g["up"].sum() / g["cnt"].sum()

        got, want = store.query(q)["value"].to_numpy(), peer().to_numpy()
        if len(got) != len(want) or not np.allclose(got, want):
            raise SystemExit(f"store and pandas disagree on {q}")  # a fast wrong answer is no result
        results.append((f"every={label} group_by={group_by or '()'}", ours, timed(peer, repeat), rows))
    store.close()
    return results


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=2000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--batches", type=int, default=60, help="write batches (one point per site each)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per query (median reported)")
    args = ap.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="store-bench-"))
    try:
        ours, peer, heap = bench_write(workdir, args.sites, args.batches)
        print(f"write: SQLiteMetricStore.write {ours:,.0f} points/s ({ours * len(FIELDS):,.0f} samples/s); "
              f"sqlite3 executemany into (series_id, ts) keyed table {peer:,.0f} points/s, ratio {ours / peer:.2f} "
              f"(target >= 0.70); into unindexed heap table {heap:,.0f} points/s, ratio {ours / heap:.2f}")
        for label, t_ours, t_peer, rows in bench_query(workdir, args.sites, args.days, args.repeat):
            print(f"query {args.days}d x {args.sites} sites, avg(up) {label}: {t_ours * 1000:.1f} ms, "
                  f"{rows} rows (target <= 300 ms); pandas in-memory peer {t_peer * 1000:.1f} ms; "
                  f"ratio {t_ours / t_peer:.2f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
