"""Pure translation of store queries to MetricsQL: the windows tile the range exactly, names are quoted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsdb.metricsql import MAX_POINTS, MIN_MS, expressions, selector, spans
from tsdb.store import Query, QueryError

DAY = 86_400_000


@settings(max_examples=200, deadline=None)
@given(start=st.integers(0, 400 * DAY), length=st.integers(1, 30 * DAY),
       every=st.one_of(st.none(), st.sampled_from([1, 7, 1000, 60_000, 90_000, 3_600_000, DAY, 7 * DAY])))
def test_windows_tile_the_range_in_aligned_buckets(start: int, length: int, every: int | None) -> None:
    stop = start + length
    if every is not None and length // every > 5 * MAX_POINTS:
        return  # a fine step over a long range: valid, but too many buckets to enumerate here
    windows = []
    for s in spans(start, stop, every):
        assert 1 <= s.count <= MAX_POINTS and s.width > 0
        for k in range(s.count):
            end = s.end + k * s.step
            bucket = s.bucket_of(s.first_eval + k * s.step)
            windows.append((end - s.width, end, bucket))
    lo = max(start, MIN_MS)
    if lo >= stop:
        assert windows == []
        return
    assert windows[0][0] == lo and windows[-1][1] == stop
    assert all(a[1] == b[0] for a, b in pairwise(windows))
    for w0, _, bucket in windows:
        assert bucket == (start if every is None else w0 - w0 % every)


def test_a_time_the_server_was_not_asked_for_is_refused() -> None:
    (s,) = spans(0 + DAY, 10 * DAY, DAY)
    with pytest.raises(ValueError, match="not one this query asked for"):
        s.bucket_of(s.first_eval + 1)


def test_selectors_quote_names_and_values() -> None:
    assert selector("m", "f", {}) == '{__name__="m_f"}'
    assert selector("m", "f", {"a": 'x"y\\z', "b": ["p.q", "r", ""]}) == \
        '{__name__="m_f",a="x\\"y\\\\z",b=~"p\\\\.q|r"}'
    assert selector("m", "f", {"a": ["", ""]}) is None and selector("m", "f", {"a": []}) is None
    with pytest.raises(QueryError, match="tag filter 'a b'"):
        selector("m", "f", {"a b": "x"})
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    q = Query("m", "f", t0, t0 + timedelta(hours=1), agg="avg", group_by=("city", "level"))
    assert expressions(q, "{S}", 60_000) == {"sum": "sum by (city, level)(sum_over_time({S}[60000ms]))",
                                            "count": "sum by (city, level)(count_over_time({S}[60000ms]))"}
