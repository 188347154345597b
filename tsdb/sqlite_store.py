"""The embedded metric store: one SQLite file, raw samples plus 1 min / 1 h / 1 day rollups.

Schema and rollup statements live in :mod:`tsdb.sqlite_schema`, tier choice in
:mod:`tsdb.planner`, query execution in :mod:`tsdb.sqlite_query`. Concurrency: one
connection per thread, WAL journal, busy timeout; writes and maintenance of this object
are serialised by a lock and run in ``BEGIN IMMEDIATE`` transactions, so a batch lands
whole or not at all, and readers see committed batches only.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pandas as pd

from core.config import EmbeddedMetricsConfig, resolve_path
from core.files import SQLITE_SIDE_FILES, make_private
from tsdb import sqlite_query
from tsdb.planner import floor_to
from tsdb.point import Point, check_point
from tsdb.sqlite_schema import (
    GROUPED_TIERS,
    PAIR_SEP,
    TIER_ORDER,
    TIERS,
    create_schema,
    drop_text_fields,
    get_meta,
    merge_point,
    roll,
    roll_groups,
    set_meta,
    update_cover,
    write_samples,
)
from tsdb.store import EXPORT_BATCH, STORES, Query, QueryError, TagFilter, check_range

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NEG_INF = -(2**62)
MINUTE = TIERS["1m"][1]
# how much backlog one maintenance transaction rolls up, per tier (keeps the write lock short)
CHUNK = {"1m": 3600 * 10**9, "1h": 86400 * 10**9, "1d": 30 * 86400 * 10**9}


def dt_to_ns(dt: datetime) -> int:
    """Exact nanoseconds since the epoch (float timestamps lose microseconds)."""
    if dt.tzinfo is None:
        raise ValueError(f"naive datetime {dt!r}: pass an aware UTC datetime")
    return (dt - EPOCH) // timedelta(microseconds=1) * 1000


def _td_ns(td: timedelta, what: str) -> int:
    ns = td // timedelta(microseconds=1) * 1000
    if ns <= 0:
        raise ValueError(f"{what} must be positive, got {td}")
    return ns


GROUP_TIERS = tuple(f"g{t}" for t in GROUPED_TIERS)  # dirty keys: per-tag-value rows to refresh
# new fields, new series and new cache entries of a write, committed to the caches only on success
_NewEntries = tuple[dict, dict, dict]
_Tags = tuple[tuple[str, str], ...]


@STORES.register("embedded")
class SQLiteMetricStore:
    """:class:`tsdb.store.MetricStore` on a local SQLite file (created if absent).

    Retention per tier is measured back from the ``now`` given to :meth:`maintain`.
    Buckets are rolled up once they ended ``rollup_delay`` before ``now``; points that
    arrive later still count (their buckets are recomputed in the write transaction).
    ``group_keys`` are the tag keys whose per-value hourly and daily aggregates are kept
    ready, so queries filtering and grouping on one of them read few rows. Tags with an
    empty value are dropped, as InfluxDB does.
    """

    config_class: ClassVar[type] = EmbeddedMetricsConfig

    @classmethod
    def from_config(cls, section: EmbeddedMetricsConfig) -> SQLiteMetricStore:
        """The store on ``section.path`` (relative to the project folder) with its retention settings."""
        return cls(resolve_path(section.path), raw_retention=timedelta(hours=section.raw_retention_hours),
                   minute_retention=timedelta(days=section.minute_retention_days),
                   hour_retention=timedelta(days=section.hour_retention_days),
                   day_retention=timedelta(days=section.day_retention_days))

    def __init__(self, path: str | Path, *, raw_retention: timedelta = timedelta(hours=48),
                 minute_retention: timedelta = timedelta(days=15),
                 hour_retention: timedelta = timedelta(days=400),
                 day_retention: timedelta = timedelta(days=1830),
                 rollup_delay: timedelta = timedelta(minutes=2), busy_timeout: float = 30.0,
                 group_keys: Sequence[str] = ("city", "node", "level")) -> None:
        self.path = Path(path)
        if str(path) == ":memory:":
            raise ValueError("SQLiteMetricStore needs a file path: each thread opens its own connection")
        self.retention = {"raw": _td_ns(raw_retention, "raw_retention"),
                          "1m": _td_ns(minute_retention, "minute_retention"),
                          "1h": _td_ns(hour_retention, "hour_retention"),
                          "1d": _td_ns(day_retention, "day_retention")}
        self.rollup_delay = rollup_delay // timedelta(microseconds=1) * 1000
        self.busy_timeout = busy_timeout
        if any(not k or not isinstance(k, str) or PAIR_SEP in k for k in group_keys):
            raise ValueError(f"group_keys must be non-empty tag names, got {group_keys!r}")
        self.group_keys = tuple(group_keys)
        make_private(self.path, side_files=SQLITE_SIDE_FILES)  # owner only, like the registry database
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closed = False
        # writer-side caches; entries are added only after their transaction commits
        self._fields: dict[tuple[str, str], int] = {}
        self._series: dict[tuple[int, _Tags], int] = {}
        self._entries: dict[tuple[str, _Tags], dict[str, tuple[int, int]]] = {}
        conn = self._conn()
        create_schema(conn)
        drop_text_fields(conn)  # a file written before text facts became tags

    # -- connections -------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise RuntimeError(f"metric store {self.path} is closed")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-65536")
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS _sel (sid INTEGER PRIMARY KEY, g INTEGER NOT NULL)")
            self._local.conn = conn
            with self._conns_lock:
                self._conns.append(conn)
        return conn

    def close(self) -> None:
        """Close every thread's connection; the store is unusable afterwards."""
        self._closed = True
        with self._conns_lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()

    # -- writing -----------------------------------------------------------------------

    def _field(self, conn: sqlite3.Connection, m: str, f: str, new: dict[tuple[str, str], int]) -> int:
        key = (m, f)
        fid = self._fields.get(key) or new.get(key)
        if fid is None:
            row = conn.execute("SELECT id FROM fields WHERE measurement = ? AND field = ?", key).fetchone()
            if row is None:
                row = (conn.execute("INSERT INTO fields (measurement, field, kind) VALUES (?, ?, 'num')",
                                    key).lastrowid,)
            fid = new[key] = int(row[0])
        return fid

    def _sid(self, conn: sqlite3.Connection, fid: int, tkey: _Tags, new: dict[tuple[int, _Tags], int]) -> int:
        key = (fid, tkey)
        sid = self._series.get(key) or new.get(key)
        if sid is None:
            tags_json = json.dumps(dict(tkey), ensure_ascii=False, separators=(",", ":"))
            row = conn.execute("SELECT id FROM series WHERE fid = ? AND tags = ?", (fid, tags_json)).fetchone()
            if row is None:
                sid = conn.execute("INSERT INTO series (fid, tags) VALUES (?, ?)", (fid, tags_json)).lastrowid
                conn.executemany("INSERT INTO series_tag (fid, key, value, sid) VALUES (?, ?, ?, ?)",
                                 [(fid, k, v, sid) for k, v in tkey])
            else:
                sid = row[0]
            assert sid is not None
            new[key] = sid
        return sid

    def write(self, points: Iterable[Point]) -> int:
        """Store points in one transaction (all or none); returns the number of points.

        Raises ValueError naming the point for a non-finite or non-numeric value (text too:
        text facts are tags, see :mod:`tsdb.catalogue`), a bad tag or timestamp; nothing of the
        batch is stored then.
        """
        pts = list(points)
        if not pts:
            return 0
        with self._write_lock:
            conn = self._conn()
            new: _NewEntries = ({}, {}, {})
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._write_tx(conn, pts, new)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._fields.update(new[0])
            self._series.update(new[1])
            for (m, tkey, f), entry in new[2].items():
                self._entries.setdefault((m, tkey), {})[f] = entry
        return len(pts)

    def _entry(self, conn: sqlite3.Connection, i: int, p: Point, tkey: _Tags, f: str,
               new: _NewEntries) -> tuple[int, int]:
        """(fid, sid) for a field not in the committed cache; validates on the way."""
        key = (p.measurement, tkey, f)
        entry = new[2].get(key)
        if entry is None:
            check_point(i, p)
            fid = self._field(conn, p.measurement, f, new[0])
            clean = tuple(kv for kv in tkey if kv[1] != "")
            entry = new[2][key] = (fid, self._sid(conn, fid, clean, new[1]))
        return entry

    def _write_tx(self, conn: sqlite3.Connection, pts: list[Point], new: _NewEntries) -> None:
        # the samples as one flat list (fid, ts, sid, value, fid, ...), what write_samples binds: the batch
        # keeps no object per sample alive, and the multi-row statements take it in slices
        flat: list[int | float] = []
        add = flat.extend
        entries = self._entries
        empty: dict[str, tuple[int, int]] = {}
        lo = pts[0].time_ns
        for i, p in enumerate(pts):
            tkey = tuple(sorted(p.tags.items()))
            ts = p.time_ns
            if type(ts) is not int:
                check_point(i, p)
            if ts < lo:
                lo = ts
            known = entries.get((p.measurement, tkey), empty)
            for f, v in p.fields.items():
                tv = type(v)
                if not (tv is float or tv is int or tv is bool):  # text, None, other types: refused by name
                    check_point(i, p)
                fv = float(v)
                if fv - fv != 0.0:  # NaN or infinite
                    check_point(i, p)
                entry = known.get(f)
                if entry is None:
                    entry = self._entry(conn, i, p, tkey, f, new)
                add((entry[0], ts, entry[1], fv))
        meta = get_meta(conn)
        wm = meta.get("wm_1m")
        dirty: dict[str, set[tuple[int, int]]] = {}
        if wm is not None and flat and lo < wm:
            flat, dirty = self._place_late(conn, flat, meta)
        write_samples(conn, flat)
        if dirty:
            _reroll(conn, meta, dirty, self.group_keys)

    def _place_late(self, conn: sqlite3.Connection, flat: list[int | float],
                    meta: dict[str, int]) -> tuple[list[int | float], dict[str, set[tuple[int, int]]]]:
        """Route samples (flat, as :func:`write_samples` takes them) older than the 1-minute watermark;
        returns the samples still bound for raw, flat too, and the tier buckets to recompute.

        A late point whose raw window still exists goes to raw and marks its minute for
        recomputation; one older than raw retention is added to the finest tier that still
        covers it, marking the enclosing coarser bucket.
        """
        wm = meta["wm_1m"]
        dirty: dict[str, set[tuple[int, int]]] = {t: set() for t in (*TIER_ORDER, *GROUP_TIERS)}
        keep: list[int | float] = []
        levels = [("raw", "1m"), ("1m", "1h"), ("1h", "1d"), ("1d", None)]
        for at in range(0, len(flat), 4):
            row = flat[at:at + 4]
            fid, ts, sid, v = int(row[0]), int(row[1]), int(row[2]), float(row[3])
            if ts >= wm:
                keep += row
                continue
            for level, parent in levels:
                if ts >= meta.get(f"floor_{level}", NEG_INF) or parent is None:
                    if level == "raw":
                        keep += row
                    else:
                        bucket = merge_point(conn, level, fid, sid, ts, v)
                        if level in GROUPED_TIERS:
                            dirty[f"g{level}"].add((fid, bucket))
                    if parent is not None:
                        dirty[parent].add((fid, floor_to(ts, TIERS[parent][1])))
                    break
        return keep, dirty

    # -- maintenance -------------------------------------------------------------------

    def maintain(self, now: datetime) -> dict[str, int]:
        """Roll complete buckets up (raw→1m→1h→1d) and drop data past each tier's retention.

        Incremental and idempotent; returns rows written per tier (``rolled_<tier>``) and
        rows deleted per table (``deleted_<table>``).
        """
        now_ns = dt_to_ns(now)
        counts = {f"rolled_{t}": 0 for t in TIER_ORDER}
        with self._write_lock:
            conn = self._conn()
            source_wm = floor_to(now_ns - self.rollup_delay, MINUTE)
            for tier in TIER_ORDER:
                _, width, src, _ = TIERS[tier]
                target = floor_to(source_wm, width)
                with _tx(conn):
                    meta = get_meta(conn)
                    if f"wm_{tier}" not in meta:
                        col = "ts" if src == "raw" else "bucket"
                        first = conn.execute(f"SELECT min({col}) FROM {src}").fetchone()[0]
                        set_meta(conn, f"wm_{tier}", target if first is None else min(target, floor_to(first, width)))
                    wm = get_meta(conn)[f"wm_{tier}"]
                while wm < target:
                    stop = min(target, wm + CHUNK[tier])
                    with _tx(conn):
                        # fields are read inside the transaction: another process may add one
                        fids = _fids(conn)
                        for fid in fids:
                            counts[f"rolled_{tier}"] += roll(conn, tier, fid, wm, stop, self.group_keys)
                        if tier in GROUPED_TIERS:
                            update_cover(conn, tier, self.group_keys, wm, stop)
                        set_meta(conn, f"wm_{tier}", stop)
                    wm = stop
                source_wm = wm
            with _tx(conn):
                counts.update(self._expire(conn, now_ns, _fids(conn)))
        return counts

    def _expire(self, conn: sqlite3.Connection, now_ns: int, fids: list[int]) -> dict[str, int]:
        meta = get_meta(conn)
        out: dict[str, int] = {}
        # a finer level is only cut where its data is already rolled into the next tier
        plan = [("raw", "raw", MINUTE, meta.get("wm_1m")), ("1m", "roll_1m", TIERS["1h"][1], meta.get("wm_1h")),
                ("1h", "roll_1h", TIERS["1d"][1], meta.get("wm_1d")), ("1d", "roll_1d", TIERS["1d"][1], None)]
        for level, table, align, wm in plan:
            cut = floor_to(now_ns - self.retention[level], align)
            if wm is not None:
                cut = min(cut, wm)
            col = "ts" if level == "raw" else "bucket"
            n = 0
            for fid in fids:
                n += conn.execute(f"DELETE FROM {table} WHERE fid = ? AND {col} < ?", (fid, cut)).rowcount
            out[f"deleted_{table}"] = n
            if level in GROUPED_TIERS:
                for fid in fids:
                    conn.execute(f"DELETE FROM grp_{level} WHERE fid = ? AND bucket < ?", (fid, cut))
            if cut > meta.get(f"floor_{level}", NEG_INF):
                set_meta(conn, f"floor_{level}", cut)
        return out

    # -- reading -----------------------------------------------------------------------

    def query(self, q: Query) -> pd.DataFrame:
        """See :meth:`tsdb.store.MetricStore.query`."""
        conn = self._conn()
        with _tx(conn, "BEGIN"):
            return sqlite_query.run_query(conn, q, dt_to_ns(q.start), dt_to_ns(q.stop))

    def latest(self, measurement: str, field: str, tags: TagFilter | None = None,
               since: datetime | None = None) -> pd.DataFrame:
        """See :meth:`tsdb.store.MetricStore.latest`; missing tag keys read as ``""``."""
        conn = self._conn()
        with _tx(conn, "BEGIN"):
            return sqlite_query.run_latest(conn, measurement, field, tags or {},
                                           None if since is None else dt_to_ns(since))

    def export(self, start: datetime, stop: datetime, batch: int = EXPORT_BATCH) -> Iterator[list[Point]]:
        """See :meth:`tsdb.store.MetricStore.export`: the ``raw`` table, field by field in time order.

        Read in pages of ``batch`` rows, each its own short read transaction (a slow consumer holds no
        snapshot); a sample written meanwhile into a page not yet read is included."""
        check_range(start, stop, "export")
        if batch < 1:
            raise QueryError(f"export batch must be at least 1, got {batch}")
        a, b = dt_to_ns(start), dt_to_ns(stop)
        conn = self._conn()
        fields = conn.execute("SELECT id, measurement, field FROM fields ORDER BY id").fetchall()
        tags: dict[int, dict[str, str]] = {}
        for fid, measurement, field in fields:
            ts, sid = a, -1
            while True:
                with _tx(conn, "BEGIN"):
                    rows = conn.execute("SELECT ts, sid, value FROM raw WHERE fid = ? AND (ts, sid) > (?, ?) "
                                        "AND ts < ? ORDER BY ts, sid LIMIT ?", (fid, ts, sid, b, batch)).fetchall()
                    for sid_ in {r[1] for r in rows} - tags.keys():
                        row = conn.execute("SELECT tags FROM series WHERE id = ?", (sid_,)).fetchone()
                        tags[sid_] = json.loads(row[0])
                if not rows:
                    break
                yield [Point(measurement, {field: value}, t, tags[s]) for t, s, value in rows]
                ts, sid = rows[-1][0], rows[-1][1]
                if len(rows) < batch:
                    break


def _fids(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM fields")]


def _reroll(conn: sqlite3.Connection, meta: dict[str, int], dirty: dict[str, set[tuple[int, int]]],
            group_keys: Sequence[str]) -> None:
    """Recompute already rolled-up buckets that late points touched, finest tier first."""
    for i, tier in enumerate(TIER_ORDER):
        wm = meta.get(f"wm_{tier}")
        width = TIERS[tier][1]
        for fid, bucket in sorted(dirty.get(tier, ())):
            if wm is None or bucket >= wm:
                continue  # not rolled up yet: the regular rollup will include it
            roll(conn, tier, fid, bucket, bucket + width, group_keys)
            dirty.get(f"g{tier}", set()).discard((fid, bucket))
            if i + 1 < len(TIER_ORDER):
                parent = TIER_ORDER[i + 1]
                dirty[parent].add((fid, floor_to(bucket, TIERS[parent][1])))
    for tier in GROUPED_TIERS:
        width = TIERS[tier][1]
        for fid, bucket in sorted(dirty.get(f"g{tier}", ())):
            roll_groups(conn, tier, fid, bucket, bucket + width, group_keys)


class _tx:
    """``with _tx(conn):`` runs a transaction, rolled back on any exception."""

    def __init__(self, conn: sqlite3.Connection, begin: str = "BEGIN IMMEDIATE") -> None:
        self.conn, self.begin = conn, begin

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute(self.begin)
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type is not None else "COMMIT")

