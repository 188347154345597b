"""Query execution for :class:`tsdb.sqlite_store.SQLiteMetricStore`.

Called inside a read transaction on the caller's connection, so the series lookup and
the data reads see one snapshot. The matching series go into the per-connection temp
table ``_sel (sid, g)`` where ``g`` numbers the ``group_by`` combination; each planned
segment is aggregated in SQL into partial aggregates that merge exactly across
segments (count, sum, min, max, last with its timestamp).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import timedelta

import numpy as np
import pandas as pd

from tsdb.planner import Segment, TierSpan, plan
from tsdb.sqlite_schema import PAIR_SEP, TIER_ORDER, TIERS, floor_sql, get_meta, pair_key, pair_parts, split_pair
from tsdb.store import Query, TagFilter

NEG_INF = -(2**62)
POS_INF = 2**62


def _resolve(conn: sqlite3.Connection, measurement: str, field: str,
             tags: TagFilter) -> tuple[int | None, list[tuple[int, dict[str, str]]]]:
    """(fid, [(sid, tags)]) of the series matching the filter; fid None if unknown."""
    row = conn.execute("SELECT id FROM fields WHERE measurement = ? AND field = ?", (measurement, field)).fetchone()
    if row is None:
        return None, []
    fid = int(row[0])
    sql = ["SELECT id, tags FROM series WHERE fid = ?"]
    args: list[object] = [fid]
    for key, want in tags.items():
        values: Sequence[str] = [want] if isinstance(want, str) else list(want)
        if not values:
            return fid, []
        sql.append(f"AND id IN (SELECT sid FROM series_tag WHERE fid = ? AND key = ? "
                   f"AND value IN ({','.join('?' * len(values))}))")
        args += [fid, key, *values]
    rows = conn.execute(" ".join(sql), args).fetchall()
    return fid, [(int(sid), json.loads(t)) for sid, t in rows]


def _fill_sel(conn: sqlite3.Connection, rows: list[tuple[int, int]]) -> None:
    conn.execute("DELETE FROM _sel")
    conn.executemany("INSERT INTO _sel (sid, g) VALUES (?, ?)", rows)


def _group_key(q: Query) -> str | None:
    """The key of the per-value rows that could answer the query: the one tag key (or pair of keys,
    :func:`~tsdb.sqlite_schema.pair_key`) it filters and groups on, "" for none; None for more keys.
    Whether such rows exist is the cover's to say (:func:`_spans`)."""
    keys = sorted(set(q.tags) | set(q.group_by))
    if len(keys) > 2:
        return None
    return pair_key(*keys) if len(keys) == 2 else next(iter(keys), "")


def _spans(conn: sqlite3.Connection, group_key: str | None) -> list[TierSpan]:
    meta = get_meta(conn)
    cover = {} if group_key is None else {
        tier: (since, until) for tier, since, until in conn.execute(
            "SELECT tier, since, until FROM grp_cover WHERE key = ?", (group_key,))}
    spans = []
    for tier in reversed(TIER_ORDER):
        wm = meta.get(f"wm_{tier}")
        if wm is not None:
            lo = meta.get(f"floor_{tier}", NEG_INF)
            if tier in cover:
                since, until = cover[tier]
                spans.append(TierSpan(f"g{tier}", TIERS[tier][1], max(lo, since), min(wm, until)))
            spans.append(TierSpan(tier, TIERS[tier][1], lo, wm))
    spans.append(TierSpan("raw", None, meta.get("floor_raw", NEG_INF), POS_INF))
    return spans


# per aggregation: partial columns for (tier table, raw table)
_PARTS = {
    "avg": ("sum(t.cnt), sum(t.sum)", "count(*), sum(t.value)"),
    "sum": ("sum(t.sum)", "sum(t.value)"),
    "count": ("sum(t.cnt)", "count(*)"),
    "min": ("min(t.min)", "min(t.value)"),
    "max": ("max(t.max)", "max(t.value)"),
    # a lone max() makes SQLite take the bare column from the row holding the maximum
    "last": ("max(t.last_ts), t.last", "max(t.ts), t.value"),
}


def _segment_rows(conn: sqlite3.Connection, seg: Segment, fid: int, agg: str, every: int | None,
                  start: int, grouped: bool) -> list[tuple]:
    if seg.tier == "raw":
        table, col, parts = "raw", "ts", _PARTS[agg][1]
    else:
        table, col, parts = TIERS[seg.tier][0], "bucket", _PARTS[agg][0]
    group_cols = []
    if every is None:
        qb = str(start)
    elif seg.tier != "raw" and every == TIERS[seg.tier][1]:
        qb = f"t.{col}"  # a tier bucket is a query bucket: grouping on the key column needs no sort
        group_cols.append("qb")
    else:
        qb = floor_sql(f"t.{col}", every)
        group_cols.append("qb")
    if grouped:
        group_cols.append("s.g")
    sql = (f"SELECT {qb} AS qb, {'s.g' if grouped else '0'}, {parts} FROM {table} t JOIN _sel s ON s.sid = t.sid "
           f"WHERE t.fid = ? AND t.{col} >= ? AND t.{col} < ?"
           + (f" GROUP BY {', '.join(group_cols)}" if group_cols else ""))
    rows = conn.execute(sql, (fid, seg.start, seg.stop)).fetchall()
    # without GROUP BY an aggregate over zero rows still yields one row (NULL, or a count of 0)
    return [r for r in rows if r[2] is not None and not (agg in ("avg", "count") and r[2] == 0)]


def _group_segment_rows(conn: sqlite3.Connection, seg: Segment, fid: int, q: Query, every: int | None,
                        start: int, key: str, groups: dict[tuple[str, ...], int]) -> list[tuple]:
    """Partial rows of a segment read from the per-tag-value table of ``key``."""
    tier = seg.tier[1:]
    parts = _PARTS[q.agg][0]
    if every is None:
        qb, group_cols = str(start), []
    elif every == TIERS[tier][1]:
        qb, group_cols = "t.bucket", ["qb"]
    else:
        qb, group_cols = floor_sql("t.bucket", every), ["qb"]
    names = key.split(PAIR_SEP) if key else []
    # the SQL of each key's value: the column itself, or its part of a pair's value
    cols = dict(zip(names, pair_parts("t.value"), strict=True)) if len(names) == 2 else {n: "t.value" for n in names}
    grouped = bool(q.group_by)
    by_pair = len(q.group_by) == 2  # both values in the column: split in Python
    group_sql = "t.value" if by_pair else cols[q.group_by[0]] if grouped else ""
    if grouped:
        group_cols.append("gv")
    args: list[object] = [fid, key]
    where = ""
    for name in names:
        if name in q.tags:
            want = q.tags[name]
            values = [want] if isinstance(want, str) else [v for v in want if v]
            where += f" AND {cols[name]} IN ({','.join('?' * len(values))})"
            args += values
    sql = (f"SELECT {qb} AS qb, {group_sql or chr(39) * 2} AS gv, {parts} FROM grp_{tier} t "
           f"WHERE t.fid = ? AND t.key = ?{where} AND t.bucket >= ? AND t.bucket < ?"
           + (f" GROUP BY {', '.join(group_cols)}" if group_cols else ""))
    rows = conn.execute(sql, (*args, seg.start, seg.stop)).fetchall()
    order = [names.index(k) for k in q.group_by] if by_pair else []
    out = []
    for r in rows:
        if r[2] is None or (q.agg in ("avg", "count") and r[2] == 0):
            continue
        if by_pair:
            pair = split_pair(r[1])
            g = groups.setdefault(tuple(pair[i] for i in order), len(groups))
        else:
            g = groups.setdefault((r[1],), len(groups)) if grouped else 0
        out.append((r[0], g, *r[2:]))
    return out


def _merge(agg: str, parts: list[list[tuple]]) -> list[tuple]:
    """Combine partial rows (qb, g, ...) of several segments keyed by (qb, g)."""
    if len(parts) == 1:
        return parts[0]
    acc: dict[tuple[int, int], list] = {}
    for rows in parts:
        for r in rows:
            key = (r[0], r[1])
            cur = acc.get(key)
            if cur is None:
                acc[key] = list(r)
            elif agg == "avg":
                cur[2] += r[2]
                cur[3] += r[3]
            elif agg in ("sum", "count"):
                cur[2] += r[2]
            elif agg == "min":
                cur[2] = min(cur[2], r[2])
            elif agg == "max":
                cur[2] = max(cur[2], r[2])
            elif r[2] > cur[2]:  # last: the newer timestamp wins
                cur[2], cur[3] = r[2], r[3]
    return [tuple(v) for v in acc.values()]


def _frame(times: list[int], cols: dict[str, list], values: list) -> pd.DataFrame:
    data: dict[str, object] = {"time": pd.to_datetime(np.asarray(times, dtype="int64"), unit="ns", utc=True)}
    data.update(cols)
    data["value"] = values
    return pd.DataFrame(data)


def run_query(conn: sqlite3.Connection, q: Query, start: int, stop: int) -> pd.DataFrame:
    fid, series = _resolve(conn, q.measurement, q.field, q.tags)
    empty = _frame([], {k: [] for k in q.group_by}, [])
    if fid is None or not series:
        return empty
    groups: dict[tuple[str, ...], int] = {}
    sel = []
    for sid, tags in series:
        gkey = tuple(tags.get(k, "") for k in q.group_by)
        sel.append((sid, groups.setdefault(gkey, len(groups))))
    _fill_sel(conn, sel)
    every = None if q.every is None else q.every // timedelta(microseconds=1) * 1000
    key = _group_key(q)
    segments = plan(start, stop, every, _spans(conn, key))
    parts = [_group_segment_rows(conn, s, fid, q, every, start, key or "", groups) if s.tier.startswith("g")
             else _segment_rows(conn, s, fid, q.agg, every, start, bool(q.group_by)) for s in segments]
    rows = _merge(q.agg, [p for p in parts if p] or [[]])
    if not rows:
        return empty
    rows.sort(key=lambda r: r[0])
    inv = list(groups)
    if q.agg == "avg":
        values = [r[3] / r[2] for r in rows]
    elif q.agg == "last":
        values = [r[3] for r in rows]
    elif q.agg == "count":
        values = [int(r[2]) for r in rows]
    else:
        values = [float(r[2]) for r in rows]
    cols = {k: [inv[r[1]][i] for r in rows] for i, k in enumerate(q.group_by)}
    df = _frame([r[0] for r in rows], cols, values)
    if q.group_by:
        df = df.sort_values(["time", *q.group_by], kind="stable", ignore_index=True)
    return df


def run_latest(conn: sqlite3.Connection, measurement: str, field: str, tags: TagFilter,
               since: int | None) -> pd.DataFrame:
    fid, series = _resolve(conn, measurement, field, tags)
    if fid is None or not series:
        return _frame([], {}, [])
    _fill_sel(conn, [(sid, 0) for sid, _ in series])
    by_sid = dict(series)
    rows = conn.execute("SELECT l.sid, l.ts, l.value FROM latest l JOIN _sel s ON s.sid = l.sid "
                        "WHERE l.ts >= ? ORDER BY l.sid", (NEG_INF if since is None else since,)).fetchall()
    keys = sorted({k for _, t in series for k in t})
    cols = {k: [by_sid[r[0]].get(k, "") for r in rows] for k in keys}
    return _frame([r[1] for r in rows], cols, [r[2] for r in rows])
