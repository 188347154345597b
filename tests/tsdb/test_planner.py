"""Tier choice: coarse tiers for aligned interiors, finer tiers and raw for edges and tails."""

from __future__ import annotations

import itertools

from tsdb.planner import NS_PER_DAY, NS_PER_HOUR, NS_PER_MINUTE, Segment, TierSpan, ceil_to, floor_to, plan

M, H, D = NS_PER_MINUTE, NS_PER_HOUR, NS_PER_DAY
NEG = -(2**62)


def spans(wm_1m: int, wm_1h: int, wm_1d: int, floor_raw: int = NEG) -> list[TierSpan]:
    return [TierSpan("1d", D, NEG, wm_1d), TierSpan("1h", H, NEG, wm_1h), TierSpan("1m", M, NEG, wm_1m),
            TierSpan("raw", None, floor_raw, 2**62)]


def test_floor_and_ceil_handle_negative_values() -> None:
    assert floor_to(-1, 60) == -60 and ceil_to(-1, 60) == 0 and floor_to(120, 60) == 120 and ceil_to(121, 60) == 180


def test_hourly_query_uses_hour_tier_then_minutes_then_raw() -> None:
    tiers = spans(wm_1m=30 * D + 5 * H + 17 * M, wm_1h=30 * D + 5 * H, wm_1d=30 * D)
    segs = plan(0 * D + 90 * M + 5, 30 * D + 5 * H + 20 * M, H, tiers)
    assert segs[0] == Segment("raw", 90 * M + 5, 91 * M)
    assert segs[1] == Segment("1m", 91 * M, 2 * H)
    assert segs[2] == Segment("1h", 2 * H, 30 * D + 5 * H)
    assert segs[3] == Segment("1m", 30 * D + 5 * H, 30 * D + 5 * H + 17 * M)
    assert segs[4] == Segment("raw", 30 * D + 5 * H + 17 * M, 30 * D + 5 * H + 20 * M)
    assert len(segs) == 5


def test_daily_query_prefers_day_tier_and_every_none_uses_any_tier() -> None:
    tiers = spans(wm_1m=10 * D + 3 * M, wm_1h=10 * D, wm_1d=9 * D)
    assert [s.tier for s in plan(0, 10 * D, D, tiers)] == ["1d", "1h"]
    assert plan(0, 10 * D, None, tiers) == [Segment("1d", 0, 9 * D), Segment("1h", 9 * D, 10 * D)]
    # 90 s buckets: no tier resolution divides them, so raw answers everything
    assert plan(0, 10 * D, 90 * 10**9, tiers) == [Segment("raw", 0, 10 * D)]
    # 2 h buckets can use hours and minutes but not days
    assert {s.tier for s in plan(0, 10 * D, 2 * H, tiers)} == {"1h"}


def test_segments_cover_the_range_exactly() -> None:
    tiers = spans(wm_1m=5 * D + 7 * M, wm_1h=5 * D, wm_1d=4 * D)
    for start, stop, every in [(13, 5 * D + 9 * M + 1, None), (H + 1, 3 * D, H), (0, 5 * M, M)]:
        segs = plan(start, stop, every, tiers)
        assert segs[0].start == start and segs[-1].stop == stop
        assert all(a.stop == b.start for a, b in itertools.pairwise(segs))
