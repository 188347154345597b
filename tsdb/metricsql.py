"""A :class:`tsdb.store.Query` translated to MetricsQL, and VictoriaMetrics' answers back to the store's frame.

Pure logic (no I/O, no clock) behind :mod:`tsdb.victoriametrics`; times are integer milliseconds since the epoch,
the resolution VictoriaMetrics keeps.

Names: VictoriaMetrics' InfluxDB endpoint stores field ``f`` of measurement ``m`` as the metric ``m_f`` and every
tag as a label (:func:`metric_name`). Buckets: VictoriaMetrics evaluates a rollup ``fn(sel[w])`` at a time ``t``
over the samples in ``(t - w, t]``; evaluated at ``end - 1 ms`` with ``w = end - start`` it covers exactly
``[start, end)``, the store's bucket. A query range becomes at most three runs of equal windows
(:func:`spans`): a partial first bucket, the whole buckets (one ``query_range`` with ``step = every``), a
partial last bucket. Aggregations across series are exact: an average is a sum of sums over a sum of counts,
never an average of averages, and ``last`` is picked per group from each series' last value and its timestamp.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from tsdb.store import Query, QueryError, TagFilter

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)
# points per series of one query_range request (the server refuses more than -search.maxPointsPerTimeseries,
# 30 000 by default)
MAX_POINTS = 10_000
# the earliest window start the server answers for: a rollup window reaching back to the first day after the
# epoch comes back empty (seen with 1.79), so windows are cut there; nothing of interest is older
MIN_MS = 86_400_000
# a label name MetricsQL reads unquoted in a filter or a ``by (...)`` clause
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# per aggregation: the parts fetched, each part's MetricsQL template ({sel}, {w}, {by}); None = per series
_PARTS: dict[str, dict[str, str]] = {
    "avg": {"sum": "sum{by}(sum_over_time({sel}[{w}ms]))", "count": "sum{by}(count_over_time({sel}[{w}ms]))"},
    "sum": {"sum": "sum{by}(sum_over_time({sel}[{w}ms]))"},
    "count": {"count": "sum{by}(count_over_time({sel}[{w}ms]))"},
    "min": {"min": "min{by}(min_over_time({sel}[{w}ms]))"},
    "max": {"max": "max{by}(max_over_time({sel}[{w}ms]))"},
    # the newest sample of a group: each series' last value and its time, chosen here (ties: the first series)
    "last": {"last": "last_over_time({sel}[{w}ms])", "tlast": "tlast_over_time({sel}[{w}ms])"},
}

# one sample of an answer: (bucket start ms, the series' labels without __name__, value)
Sample = tuple[int, Mapping[str, str], float]


def metric_name(measurement: str, field: str) -> str:
    """The metric VictoriaMetrics' ``/write`` endpoint files ``measurement.field`` under (default separator
    ``_``; the server must not run with ``-influxSkipSingleField`` or ``-influxMeasurementFieldSeparator``)."""
    return f"{measurement}_{field}"


def to_ms(dt: datetime, what: str) -> int:
    """``dt`` as milliseconds since the epoch, rounded up (a sample kept in ms is inside ``[dt, …)`` exactly
    when its time in ns was)."""
    if dt.tzinfo is None:
        raise QueryError(f"{what} {dt!r} is naive: pass an aware UTC datetime")
    return -((EPOCH - dt) // MS)


def every_ms(every: timedelta | None) -> int | None:
    """``every`` in whole milliseconds; QueryError when it is finer than the store keeps."""
    if every is None:
        return None
    if every % MS:
        raise QueryError(f"query every {every} is not a whole number of milliseconds, the resolution "
                         "VictoriaMetrics keeps")
    return every // MS


def _quote(value: str) -> str:
    # a MetricsQL string literal: Go escapes, which JSON's are a subset of
    return json.dumps(value, ensure_ascii=False)


def check_label(key: str, where: str) -> None:
    if not _LABEL.match(key):
        raise QueryError(f"{where} {key!r}: VictoriaMetrics queries take tag names of letters, digits and _ "
                         "(not starting with a digit)")


def selector(measurement: str, field: str, tags: TagFilter) -> str | None:
    """The series selector of a field and tag filter; None when the filter matches nothing (an empty list of
    values, or only empty values: a stored tag is never empty, as in the embedded store)."""
    parts = [f"__name__={_quote(metric_name(measurement, field))}"]
    for key in sorted(tags):
        check_label(key, "tag filter")
        want = tags[key]
        values = [v for v in sorted({want} if isinstance(want, str) else set(want)) if v]
        if not values:
            return None
        if len(values) == 1:
            parts.append(f"{key}={_quote(values[0])}")
        else:
            parts.append(f"{key}=~{_quote('|'.join(re.escape(v) for v in values))}")
    return "{" + ",".join(parts) + "}"


@dataclass(frozen=True)
class Span:
    """``count`` consecutive buckets of ``width`` ms: bucket ``k`` starts at ``bucket + k * step`` and covers
    ``[end + k * step - width, end + k * step)``; it is evaluated at ``end + k * step - 1``."""

    bucket: int
    end: int
    width: int
    count: int
    step: int

    @property
    def first_eval(self) -> int:
        return self.end - 1

    @property
    def last_eval(self) -> int:
        return self.end - 1 + (self.count - 1) * self.step

    def bucket_of(self, eval_ms: int) -> int:
        """The bucket start of the sample VictoriaMetrics stamped ``eval_ms``."""
        k = 0 if self.count == 1 else (eval_ms - self.first_eval) // self.step
        if not (0 <= k < self.count) or eval_ms != self.first_eval + k * self.step:
            raise ValueError(f"VictoriaMetrics answered for time {eval_ms} ms, not one this query asked for")
        return self.bucket + k * self.step


def spans(start: int, stop: int, every: int | None) -> list[Span]:
    """The runs of equal windows covering ``[start, stop)`` (ms) in buckets aligned to multiples of ``every``
    since the epoch (one bucket labelled ``start`` when ``every`` is None); runs hold at most
    :data:`MAX_POINTS` buckets. Nothing before :data:`MIN_MS` is covered."""
    if stop <= start:
        raise QueryError(f"query range [{start}, {stop}) ms is empty at millisecond resolution")
    if every is None:
        lo = max(start, MIN_MS)
        return [Span(start, stop, stop - lo, 1, 0)] if lo < stop else []
    start = max(start, MIN_MS)
    if stop <= start:
        return []
    out: list[Span] = []
    first = start - start % every
    whole_from = first if first == start else first + every
    if first != start:  # a partial first bucket
        end = min(first + every, stop)
        out.append(Span(first, end, end - start, 1, every))
    whole_to = max(whole_from, stop - stop % every)
    b = whole_from
    while b < whole_to:
        n = min(MAX_POINTS, (whole_to - b) // every)
        out.append(Span(b, b + every, every, n, every))
        b += n * every
    if whole_to < stop and whole_to >= whole_from:  # a partial last bucket (not the partial first one again)
        out.append(Span(whole_to, stop, stop - whole_to, 1, every))
    return out


def parts(agg: str) -> tuple[str, ...]:
    """The names of the parts an aggregation is computed from (the keys :func:`query_frame` reads)."""
    return tuple(_PARTS[agg])


def expressions(q: Query, sel: str, width: int) -> dict[str, str]:
    """The MetricsQL of each part ``q.agg`` needs over windows of ``width`` ms."""
    for key in q.group_by:
        check_label(key, "group_by")
    by = f" by ({', '.join(q.group_by)})" if q.group_by else ""
    return {part: tpl.format(sel=sel, w=width, by=by) for part, tpl in _PARTS[q.agg].items()}


def _frame(times: Sequence[int], cols: Mapping[str, Sequence[str]], values: Sequence[float | int]) -> pd.DataFrame:
    data: dict[str, object] = {"time": pd.to_datetime(np.asarray(times, dtype="int64") * 1_000_000, unit="ns",
                                                      utc=True)}
    data.update({k: list(v) for k, v in cols.items()})
    data["value"] = list(values)
    return pd.DataFrame(data)


def _key(labels: Mapping[str, str], group_by: Sequence[str]) -> tuple[str, ...]:
    return tuple(labels.get(k, "") for k in group_by)


def query_frame(q: Query, parts: Mapping[str, Iterable[Sample]]) -> pd.DataFrame:
    """The store's frame for ``q`` from the fetched parts (:func:`expressions`): ``time``, the group tags,
    ``value``; sorted by time (then group); counts are integers."""
    rows: dict[tuple[int, tuple[str, ...]], float | int] = {}
    if q.agg == "avg":
        sums = {(b, _key(lab, q.group_by)): v for b, lab, v in parts["sum"]}
        for b, lab, n in parts["count"]:
            k = (b, _key(lab, q.group_by))
            if n > 0 and k in sums:
                rows[k] = sums[k] / n
    elif q.agg == "last":
        stamps = {(b, _series(lab)): t for b, lab, t in parts["tlast"]}
        best: dict[tuple[int, tuple[str, ...]], tuple[float, float]] = {}
        for b, lab, v in sorted(parts["last"], key=lambda s: (s[0], _series(s[1]))):
            t = stamps.get((b, _series(lab)))
            k = (b, _key(lab, q.group_by))
            if t is not None and (k not in best or t > best[k][0]):
                best[k] = (t, v)
        rows = {k: v for k, (_, v) in best.items()}
    else:
        (part,) = parts.values()
        for b, lab, v in part:
            if q.agg == "count":
                if v > 0:
                    rows[(b, _key(lab, q.group_by))] = int(v)
            else:
                rows[(b, _key(lab, q.group_by))] = v
    keys = sorted(rows)
    cols = {g: [k[1][i] for k in keys] for i, g in enumerate(q.group_by)}
    df = _frame([k[0] for k in keys], cols, [rows[k] for k in keys])
    if q.every is None and len(df):  # the one bucket is labelled with the query's start, to the nanosecond
        df["time"] = pd.Series([pd.Timestamp(q.start)] * len(df), dtype="datetime64[ns, UTC]")
    return df


def _series(labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in labels.items() if k != "__name__"))


def latest_frame(values: Iterable[tuple[Mapping[str, str], float]],
                 stamps: Iterable[tuple[Mapping[str, str], int]]) -> pd.DataFrame:
    """``latest``'s frame from each series' last value and its time (ms): ``time``, every tag key of the
    series (missing ones ``""``), ``value``; one row per series, ordered by its tags."""
    when = {_series(lab): t for lab, t in stamps}
    rows = sorted((_series(lab), v) for lab, v in values if _series(lab) in when)
    keys = sorted({k for s, _ in rows for k, _ in s})
    cols = {k: [dict(s).get(k, "") for s, _ in rows] for k in keys}
    return _frame([when[s] for s, _ in rows], cols, [v for _, v in rows])


def parse_value(raw: Any, what: str) -> float:
    """A sample value from VictoriaMetrics' JSON (a decimal string); ValueError naming ``what`` otherwise."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"VictoriaMetrics answered {what} with {raw!r}, not a number") from None
    if math.isnan(value):
        raise ValueError(f"VictoriaMetrics answered {what} with NaN")
    return value
