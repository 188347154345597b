"""Brute-force reference answers computed from the points themselves, for comparing stores."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from tsdb.point import Point
from tsdb.store import Query

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# the sites, bucket widths, filters and groupings random store tests draw from
SITES = [
    {"site": "s0", "city": "c0", "level": "portal"},
    {"site": "s1", "city": "c0", "level": "dept"},
    {"site": "s2", "city": "c1", "level": "portal"},
    {"site": "s3", "city": "c1", "level": "dept"},
    {"site": "s4", "level": "dept"},  # no city tag: groups under ""
]
EVERY = [None, timedelta(seconds=90), timedelta(minutes=1), timedelta(minutes=5), timedelta(hours=1),
         timedelta(hours=2), timedelta(days=1), timedelta(minutes=7)]
FILTERS: list[dict] = [{}, {}, {"level": "portal"}, {"city": ["c0", "c1"]}, {"site": ("s1", "s4")}, {"city": []},
                       {"level": "dept", "city": ["c1", ""]}]
# two group keys, or one group key and a filter on another, are answered from the embedded store's pair rows
GROUPS = [(), (), ("city",), ("level", "city"), ("city", "level"), ("level",)]


def ns(dt: datetime) -> int:
    return (dt - EPOCH) // timedelta(microseconds=1) * 1000


def brute_query(points: Iterable[Point], q: Query) -> pd.DataFrame:
    """The answer to ``q`` from every point, bucket by bucket, in plain Python."""
    start, stop = ns(q.start), ns(q.stop)
    every = None if q.every is None else q.every // timedelta(microseconds=1) * 1000
    cells: dict[tuple[int, tuple[str, ...]], list[tuple[int, object]]] = {}
    for p in points:
        if p.measurement != q.measurement or q.field not in p.fields or not start <= p.time_ns < stop:
            continue
        if not all(p.tags.get(k) in ([w] if isinstance(w, str) else list(w)) for k, w in q.tags.items()):
            continue
        b = start if every is None else p.time_ns - p.time_ns % every
        g = tuple(p.tags.get(k, "") for k in q.group_by)
        v = p.fields[q.field]
        cells.setdefault((b, g), []).append((p.time_ns, v if isinstance(v, str) else float(v)))
    rows = []
    for (b, g), vals in sorted(cells.items()):
        xs = [v for _, v in vals]
        value: object
        if q.agg == "avg":
            value = sum(xs) / len(xs)
        elif q.agg == "sum":
            value = sum(xs)
        elif q.agg == "count":
            value = len(xs)
        elif q.agg == "min":
            value = min(xs)
        elif q.agg == "max":
            value = max(xs)
        else:
            value = max(vals, key=lambda tv: tv[0])[1]
        rows.append((b, *g, value))
    df = pd.DataFrame(rows, columns=["t", *q.group_by, "value"])
    df.insert(0, "time", pd.to_datetime(df.pop("t").astype("int64"), unit="ns", utc=True))
    return df


def assert_same(got: pd.DataFrame, want: pd.DataFrame, label: str = "") -> None:
    assert list(got.columns) == list(want.columns), label
    assert len(got) == len(want), f"{label}: {len(got)} rows, expected {len(want)}\n{got}\n{want}"
    if got.empty:
        return
    assert str(got["time"].dtype) == "datetime64[ns, UTC]", label
    assert got["time"].tolist() == want["time"].tolist(), f"{label}\n{got}\n{want}"
    for col in got.columns[1:-1]:
        assert list(got[col]) == list(want[col]), label
    g, w = list(got["value"]), list(want["value"])
    if w and isinstance(w[0], str):
        assert g == w, label
    else:
        assert np.allclose(np.asarray(g, dtype=float), np.asarray(w, dtype=float), rtol=1e-9, atol=1e-9), \
            f"{label}\n{got}\n{want}"
