"""Honest bucketed series: only complete buckets as history, the running one completed from finer data.

A bucket ``[t, t + every)`` is *complete* once ``t + every + settle <= now``: ``settle`` is how long
after a point's timestamp it may still arrive (a probe round writes its points together when the
round ends, so the slow failures of a round straddling a boundary land in the new bucket first).
Drawing the running bucket as it stands shows a plunge at the start of every bucket, so it is
never returned as such. Instead one *live* row aggregates the trailing window ``[end - every, end)``
— a full bucket's width of the newest data — stamped with its window start and ``partial = True``;
screens draw it apart (统计中). Works on any :class:`~tsdb.store.MetricStore`: it only issues
:class:`~tsdb.store.Query` values.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pandas as pd

from tsdb.store import MetricStore, Query

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def floor_to(t: datetime, every: timedelta) -> datetime:
    """``t`` rounded down to a multiple of ``every`` since the Unix epoch (the store's bucket grid)."""
    return t - (t - _EPOCH) % every


def ceil_to(t: datetime, every: timedelta) -> datetime:
    """``t`` rounded up to the bucket grid."""
    f = floor_to(t, every)
    return f if f == t else f + every


def complete_until(now: datetime, every: timedelta, settle: timedelta) -> datetime:
    """The end of the newest complete bucket at ``now``: every bucket ending at or before it is whole."""
    if every <= timedelta(0) or settle < timedelta(0):
        raise ValueError(f"every must be > 0 and settle >= 0, got every={every}, settle={settle}")
    return floor_to(now - settle, every)


def honest_query(store: MetricStore, q: Query, now: datetime, *, settle: timedelta,
                 live_end: datetime | None = None) -> pd.DataFrame:
    """``q`` (which must have ``every``) as complete buckets plus one live row; adds column ``partial``.

    Complete buckets start at or after ``q.start`` rounded up to the grid (a bucket cut by the range
    start would be partial too) and end by :func:`complete_until`. The live row (``partial`` True,
    ``time`` = its window start) aggregates ``[live_end - every, live_end)`` with the same aggregation,
    tags and grouping; ``live_end`` defaults to ``now``. Either part may be empty.
    """
    if q.every is None:
        raise ValueError("honest_query needs a bucketed query (every set)")
    every = q.every
    start = ceil_to(q.start, every)
    stop = min(complete_until(now, every, settle), floor_to(q.stop, every))
    parts = []
    if stop > start:
        done = store.query(replace(q, start=start, stop=stop))
        parts.append(done.assign(partial=False))
    end = live_end or now
    live = store.query(replace(q, start=end - every, stop=end, every=None))
    if not live.empty:
        parts.append(live.assign(time=pd.Timestamp(end - every).tz_convert("UTC"), partial=True))
    if not parts:
        cols = {"time": pd.Series(dtype="datetime64[ns, UTC]")}
        cols.update({k: pd.Series(dtype=object) for k in q.group_by})
        cols.update(value=pd.Series(dtype=float), partial=pd.Series(dtype=bool))
        return pd.DataFrame(cols)
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    out["partial"] = out["partial"].astype(bool)
    return out
