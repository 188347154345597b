"""Schema and rollup statements of the embedded SQLite metric store.

Layout (all times are integer nanoseconds since the epoch, UTC):

- ``fields``: one row per (measurement, field); values are numbers (``kind`` is ``num``; files written
  before text facts became tags also had ``str`` fields and a ``raw_str`` table, dropped on open).
- ``series``: one row per (field, canonical tag set); ``series_tag`` is the inverted
  tag index ``(fid, key, value) -> sid`` used by filters.
- ``raw``: samples keyed ``(fid, ts, sid)``; points arrive roughly in time
  order, so inserts append at the end of each field's key range, and rollups and
  retention read or delete one contiguous time range per field.
- ``roll_1m`` / ``roll_1h`` / ``roll_1d``: count, sum, min, max, last, last_ts per
  series per bucket, keyed ``(fid, bucket, sid)`` so a wall-screen query over all sites
  of one field is a single range scan already ordered by bucket.
- ``grp_1h`` / ``grp_1d``: the same partial aggregates per *tag value* of a few group keys
  (``city``, ``node``, ``level`` by default, plus key ``""`` = all series of the field),
  keyed ``(fid, key, bucket, value)``: "all sites per city, hourly, 30 days" reads ~10k
  rows instead of 1.4M. Each pair of group keys has rows too (key ``"city\x1flevel"``, value
  ``"6:430100county_portal"``, the first value's length first): "by city × level" reads ~60k rows,
  not 1.4M.
  ``grp_cover`` says for which ``[since, until)`` each key was rolled. A series without the key
  counts under value ``""``.
- ``latest``: newest sample of every series, kept on write.
- ``meta``: watermarks (everything before ``wm_<tier>`` is rolled into that tier) and
  floors (the tier holds nothing before ``floor_<tier>``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

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
CREATE INDEX IF NOT EXISTS series_tag_by_sid ON series_tag (sid, key);
CREATE TABLE IF NOT EXISTS latest (sid INTEGER PRIMARY KEY, ts INTEGER NOT NULL, value NOT NULL);
CREATE TABLE IF NOT EXISTS grp_cover (
    tier TEXT NOT NULL, key TEXT NOT NULL, since INTEGER NOT NULL, until INTEGER NOT NULL,
    PRIMARY KEY (tier, key));
"""

GRP_DDL = """
CREATE TABLE IF NOT EXISTS {t} (
    fid INTEGER NOT NULL, key TEXT NOT NULL, bucket INTEGER NOT NULL, value TEXT NOT NULL,
    cnt INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
    last REAL NOT NULL, last_ts INTEGER NOT NULL,
    PRIMARY KEY (fid, key, bucket, value)) WITHOUT ROWID;
"""
GROUPED_TIERS = ("1h", "1d")
PAIR_SEP = "\x1f"  # joins the two key names of a pair's per-tag-value rows (a tag key never holds it)

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
    conn.executescript(SCHEMA + "".join(TIER_DDL.format(t=TIERS[n][0]) for n in TIER_ORDER)
                       + "".join(GRP_DDL.format(t=f"grp_{n}") for n in GROUPED_TIERS))


def drop_text_fields(conn: sqlite3.Connection) -> int:
    """Remove the string fields a file written before text facts became tags still holds (their series,
    newest values and the ``raw_str`` table) in one transaction; returns how many fields went.

    Their meaning now lives in tags (``site_probe.failure`` with ``error`` and ``reason``); the old raw
    strings were kept 48 hours by default and nothing reads them any more."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'raw_str'").fetchone() is None:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        fids = [r[0] for r in conn.execute("SELECT id FROM fields WHERE kind = 'str'")]
        for fid in fids:
            conn.execute("DELETE FROM latest WHERE sid IN (SELECT id FROM series WHERE fid = ?)", (fid,))
            conn.execute("DELETE FROM series_tag WHERE fid = ?", (fid,))
            conn.execute("DELETE FROM series WHERE fid = ?", (fid,))
            conn.execute("DELETE FROM fields WHERE id = ?", (fid,))
        conn.execute("DROP TABLE raw_str")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(fids)


def roll(conn: sqlite3.Connection, tier: str, fid: int, a: int, b: int, group_keys: Sequence[str] = ()) -> int:
    """Recompute ``tier`` buckets of field ``fid`` in ``[a, b)`` from the finer source,
    and for grouped tiers the per-tag-value rows of ``group_keys`` (and of all series).

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
    n = conn.execute(sql, (fid, a, b)).rowcount
    if tier in GROUPED_TIERS:
        roll_groups(conn, tier, fid, a, b, group_keys)
    return n


def group_sets(group_keys: Sequence[str]) -> tuple[str, ...]:
    """The keys of the per-tag-value rows kept for ``group_keys``: each key, then each pair of them
    (``"city\x1flevel"``, the two names sorted and joined by :data:`PAIR_SEP`), so a query grouping or
    filtering on two of them (all sites by city × level) reads per-value rows too."""
    keys = list(dict.fromkeys(group_keys))
    return (*keys, *(pair_key(a, b) for i, a in enumerate(keys) for b in keys[i + 1:]))


def pair_key(a: str, b: str) -> str:
    return PAIR_SEP.join(sorted((a, b)))


def pair_value_sql(v1: str, v2: str) -> str:
    """SQL for a pair key's ``value``: the first value's length, ``:``, then both values — any characters
    either value holds cannot blur where one ends (see :func:`pair_parts`, :func:`split_pair`)."""
    return f"length({v1}) || ':' || {v1} || {v2}"


def pair_parts(value_col: str) -> tuple[str, str]:
    """SQL for the two tag values held in a pair key's ``value`` column."""
    colon = f"instr({value_col}, ':')"
    n = f"CAST(substr({value_col}, 1, {colon} - 1) AS INTEGER)"
    return f"substr({value_col}, {colon} + 1, {n})", f"substr({value_col}, {colon} + 1 + {n})"


def split_pair(value: str) -> tuple[str, str]:
    n, _, rest = value.partition(":")
    return rest[:int(n)], rest[int(n):]


def roll_groups(conn: sqlite3.Connection, tier: str, fid: int, a: int, b: int, group_keys: Sequence[str]) -> None:
    """Recompute the per-tag-value rows of ``tier`` for field ``fid`` in ``[a, b)``: all series (key ``""``),
    each group key and each pair of them (:func:`group_sets`)."""
    table, grp = TIERS[tier][0], f"grp_{tier}"
    conn.execute(f"DELETE FROM {grp} WHERE fid = ? AND bucket >= ? AND bucket < ?", (fid, a, b))
    for key in ("", *group_sets(group_keys)):
        k1, _, k2 = key.partition(PAIR_SEP)
        if k2:
            value = pair_value_sql("coalesce(st.value, '')", "coalesce(st2.value, '')")
            join = ("LEFT JOIN series_tag st ON st.sid = t.sid AND st.key = :k1 "
                    "LEFT JOIN series_tag st2 ON st2.sid = t.sid AND st2.key = :k2")
        elif key:
            value = "coalesce(st.value, '')"
            join = "LEFT JOIN series_tag st ON st.sid = t.sid AND st.key = :k1"
        else:
            value, join = "''", ""
        where = f"FROM {table} t {join} WHERE t.fid = :fid AND t.bucket >= :a AND t.bucket < :b GROUP BY v, t.bucket"
        args = {"key": key, "k1": k1, "k2": k2, "fid": fid, "a": a, "b": b}
        conn.execute(f"INSERT INTO {grp} (fid, key, bucket, value, cnt, sum, min, max, last, last_ts) "
                     f"SELECT :fid, :key, t.bucket, {value} AS v, sum(t.cnt), sum(t.sum), min(t.min), max(t.max), "
                     f"0.0, max(t.last_ts) {where}", args)
        # the newest value per group in a second pass: a lone max() fixes SQLite's bare column
        conn.execute(f"INSERT INTO {grp} (fid, key, bucket, value, cnt, sum, min, max, last, last_ts) "
                     f"SELECT :fid, :key, t.bucket, {value} AS v, 0, 0.0, 0.0, 0.0, t.last, max(t.last_ts) "
                     f"{where} ON CONFLICT (fid, key, bucket, value) DO UPDATE SET last = excluded.last", args)


def update_cover(conn: sqlite3.Connection, tier: str, group_keys: Sequence[str], a: int, b: int) -> None:
    """Record that ``tier`` group rows now exist for ``[a, b)``; a gap restarts coverage."""
    for key in ("", *group_sets(group_keys)):
        row = conn.execute("SELECT since, until FROM grp_cover WHERE tier = ? AND key = ?", (tier, key)).fetchone()
        since = a if row is None or row[1] < a or row[0] > a else row[0]
        conn.execute("INSERT OR REPLACE INTO grp_cover (tier, key, since, until) VALUES (?, ?, ?, ?)",
                     (tier, key, since, b))


RAW_INSERT = "INSERT OR REPLACE INTO raw (fid, ts, sid, value) VALUES {rows}"
# a sample newer than (or as new as) the series' newest replaces it; a row's (fid, ts, sid, value) bind as
# column1..column4 of the VALUES, so both statements take the same parameters
LATEST_UPSERT = ("INSERT INTO latest (sid, ts, value) SELECT column3, column2, column4 FROM (VALUES {rows}) "
                 "WHERE true ON CONFLICT (sid) DO UPDATE SET ts = excluded.ts, value = excluded.value "
                 "WHERE excluded.ts >= latest.ts")
SAMPLE_ROWS = 500  # rows per multi-row statement (2,000 parameters; fewer where SQLite allows fewer)


def write_samples(conn: sqlite3.Connection, flat: Sequence[int | float]) -> None:
    """Insert samples given flat as ``fid, ts, sid, value, fid, ...`` into ``raw`` and bring ``latest`` up
    to date with them. A sample with the ``(fid, ts, sid)`` of an earlier one (stored, or earlier in
    ``flat``) replaces it, in ``raw`` and, if it is the series' newest, in ``latest``.

    ``flat`` must hold a multiple of 4 items, values as floats. Rows go in order, a few hundred per
    statement: one statement step per chunk instead of one per row (``executemany``) takes about half
    the time for raw (docs/benchmarks.md, the embedded store's multi-row write)."""
    per = max(1, min(SAMPLE_ROWS, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // 4))
    step = per * 4
    full = len(flat) - len(flat) % step
    if full:
        rows = ", ".join(["(?, ?, ?, ?)"] * per)
        raw, latest = RAW_INSERT.format(rows=rows), LATEST_UPSERT.format(rows=rows)
        for i in range(0, full, step):
            chunk = flat[i:i + step]
            conn.execute(raw, chunk)
            conn.execute(latest, chunk)
    if full < len(flat):
        rest = flat[full:]
        tuples = list(zip(rest[0::4], rest[1::4], rest[2::4], rest[3::4], strict=True))
        conn.executemany(RAW_INSERT.format(rows="(?, ?, ?, ?)"), tuples)
        conn.executemany(LATEST_UPSERT.format(rows="(?, ?, ?, ?)"), tuples)


MERGE_SQL = """
INSERT INTO {t} (fid, bucket, sid, cnt, sum, min, max, last, last_ts) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)
ON CONFLICT (fid, bucket, sid) DO UPDATE SET
    cnt = cnt + 1, sum = sum + excluded.sum, min = min(min, excluded.min), max = max(max, excluded.max),
    last = iif(excluded.last_ts >= last_ts, excluded.last, last), last_ts = max(last_ts, excluded.last_ts)
"""


def merge_point(conn: sqlite3.Connection, tier: str, fid: int, sid: int, ts: int, value: float) -> int:
    """Add one sample to a tier bucket directly (used when its raw window is already gone).

    Returns the bucket; the caller refreshes that bucket's per-tag-value rows afterwards.
    """
    table, width, _, _ = TIERS[tier]
    bucket = ts - ts % width
    conn.execute(MERGE_SQL.format(t=table), (fid, bucket, sid, value, value, value, value, ts))
    return bucket


def get_meta(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT key, value FROM meta").fetchall())


def set_meta(conn: sqlite3.Connection, key: str, value: int) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                  (key, value))
