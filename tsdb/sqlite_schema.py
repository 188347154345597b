"""Schema and rollup statements of the embedded SQLite metric store.

Layout (all times are integer nanoseconds since the epoch, UTC):

- ``fields``: one row per (measurement, field) with its kind, ``num`` or ``str``.
- ``series``: one row per (field, canonical tag set); ``series_tag`` is the inverted
  tag index ``(fid, key, value) -> sid`` used by filters.
- ``raw`` / ``raw_str``: samples keyed ``(fid, ts, sid)``; points arrive roughly in time
  order, so inserts append at the end of each field's key range, and rollups and
  retention read or delete one contiguous time range per field.
- ``roll_1m`` / ``roll_1h`` / ``roll_1d``: count, sum, min, max, last, last_ts per
  series per bucket, keyed ``(fid, bucket, sid)`` so a wall-screen query over all sites
  of one field is a single range scan already ordered by bucket.
- ``latest``: newest sample of every series (numeric or string), kept on write.
- ``meta``: watermarks (everything before ``wm_<tier>`` is rolled into that tier) and
  floors (the tier holds nothing before ``floor_<tier>``).
"""

from __future__ import annotations

import sqlite3

from tsdb.planner import NS_PER_DAY, NS_PER_HOUR, NS_PER_MINUTE

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS fields (
    id INTEGER PRIMARY KEY, measurement TEXT NOT NULL, field TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('num', 'str')), UNIQUE (measurement, field));
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY, fid INTEGER NOT NULL REFERENCES fields(id), tags TEXT NOT NULL,
    UNIQUE (fid, tags));
CREATE TABLE IF NOT EXISTS series_tag (
    fid INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, sid INTEGER NOT NULL,
    PRIMARY KEY (fid, key, value, sid)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS raw (
    fid INTEGER NOT NULL, ts INTEGER NOT NULL, sid INTEGER NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (fid, ts, sid)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS raw_str (
    fid INTEGER NOT NULL, ts INTEGER NOT NULL, sid INTEGER NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (fid, ts, sid)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS latest (sid INTEGER PRIMARY KEY, ts INTEGER NOT NULL, value NOT NULL);
"""

TIER_DDL = """
CREATE TABLE IF NOT EXISTS {t} (
    fid INTEGER NOT NULL, bucket INTEGER NOT NULL, sid INTEGER NOT NULL,
    cnt INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
    last REAL NOT NULL, last_ts INTEGER NOT NULL,
    PRIMARY KEY (fid, bucket, sid)) WITHOUT ROWID;
"""

# tier name -> (table, bucket width ns, source table, source width ns or None for raw)
TIERS: dict[str, tuple[str, int, str, int | None]] = {
    "1m": ("roll_1m", NS_PER_MINUTE, "raw", None),
    "1h": ("roll_1h", NS_PER_HOUR, "roll_1m", NS_PER_MINUTE),
    "1d": ("roll_1d", NS_PER_DAY, "roll_1h", NS_PER_HOUR),
}
TIER_ORDER = ("1m", "1h", "1d")


def floor_sql(expr: str, width: int) -> str:
    """SQL for the largest multiple of ``width`` <= expr (SQLite's % truncates toward zero)."""
    return f"({expr} - ((({expr}) % {width}) + {width}) % {width})"


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA + "".join(TIER_DDL.format(t=TIERS[n][0]) for n in TIER_ORDER))


def roll(conn: sqlite3.Connection, tier: str, fid: int, a: int, b: int) -> int:
    """Recompute ``tier`` buckets of field ``fid`` in ``[a, b)`` from the finer source.

    ``a`` and ``b`` must be multiples of the tier width. Idempotent; returns rows written.
    """
    table, width, src, src_width = TIERS[tier]
    conn.execute(f"DELETE FROM {table} WHERE fid = ? AND bucket >= ? AND bucket < ?", (fid, a, b))
    if src_width is None:
        # the last value is looked up by its timestamp: with min() and max() in one
        # query SQLite's bare-column rule would not say which row it comes from
        sql = f"""
        INSERT INTO {table} (fid, bucket, sid, cnt, sum, min, max, last, last_ts)
        SELECT g.fid, g.b, g.sid, g.c, g.s, g.mn, g.mx,
               (SELECT r.value FROM raw r WHERE r.fid = g.fid AND r.ts = g.lts AND r.sid = g.sid), g.lts
        FROM (SELECT fid, {floor_sql('ts', width)} AS b, sid, count(*) AS c, sum(value) AS s,
                     min(value) AS mn, max(value) AS mx, max(ts) AS lts
              FROM raw WHERE fid = ? AND ts >= ? AND ts < ? GROUP BY b, sid) g"""
    else:
        sql = f"""
        INSERT INTO {table} (fid, bucket, sid, cnt, sum, min, max, last, last_ts)
        SELECT g.fid, g.b, g.sid, g.c, g.s, g.mn, g.mx,
               (SELECT r.last FROM {src} r WHERE r.fid = g.fid
                  AND r.bucket = {floor_sql('g.lts', src_width)} AND r.sid = g.sid), g.lts
        FROM (SELECT fid, {floor_sql('bucket', width)} AS b, sid, sum(cnt) AS c, sum(sum) AS s,
                     min(min) AS mn, max(max) AS mx, max(last_ts) AS lts
              FROM {src} WHERE fid = ? AND bucket >= ? AND bucket < ? GROUP BY b, sid) g"""
    return conn.execute(sql, (fid, a, b)).rowcount


MERGE_SQL = """
INSERT INTO {t} (fid, bucket, sid, cnt, sum, min, max, last, last_ts) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)
ON CONFLICT (fid, bucket, sid) DO UPDATE SET
    cnt = cnt + 1, sum = sum + excluded.sum, min = min(min, excluded.min), max = max(max, excluded.max),
    last = iif(excluded.last_ts >= last_ts, excluded.last, last), last_ts = max(last_ts, excluded.last_ts)
"""


def merge_point(conn: sqlite3.Connection, tier: str, fid: int, sid: int, ts: int, value: float) -> None:
    """Add one sample to a tier bucket directly (used when its raw window is already gone)."""
    table, width, _, _ = TIERS[tier]
    bucket = ts - ts % width
    conn.execute(MERGE_SQL.format(t=table), (fid, bucket, sid, value, value, value, value, ts))


def get_meta(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT key, value FROM meta").fetchall())


def set_meta(conn: sqlite3.Connection, key: str, value: int) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                  (key, value))
