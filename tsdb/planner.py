"""Query planning for the tiered store: which tier answers which slice of a time range.

Pure logic over integers (nanoseconds since the epoch): no I/O, no clock.

A tier holds complete buckets of ``resolution`` ns for ``[lo, hi)``; raw data (resolution
``None``) holds every point from ``lo`` on. A slice may be answered by a tier only if its
edges fall on the tier's bucket edges and, for a bucketed query, the tier's resolution
divides ``every``, so each tier bucket lies wholly inside one query bucket and inside the
range. What a coarse tier cannot answer exactly is handed to the next finer tier.
"""

from __future__ import annotations

from dataclasses import dataclass

NS_PER_MINUTE = 60 * 1_000_000_000
NS_PER_HOUR = 60 * NS_PER_MINUTE
NS_PER_DAY = 24 * NS_PER_HOUR


def floor_to(x: int, step: int) -> int:
    """Largest multiple of ``step`` <= x (also for negative x)."""
    return x - x % step


def ceil_to(x: int, step: int) -> int:
    return -floor_to(-x, step)


@dataclass(frozen=True)
class TierSpan:
    """What a tier can answer: complete data for ``[lo, hi)``; ``resolution`` None = raw."""

    name: str
    resolution: int | None
    lo: int
    hi: int


@dataclass(frozen=True)
class Segment:
    tier: str
    start: int
    stop: int


def plan(start: int, stop: int, every: int | None, tiers: list[TierSpan]) -> list[Segment]:
    """Disjoint segments covering ``[start, stop)``, coarsest usable tier first in preference.

    ``tiers`` is ordered coarse to fine and must end with the raw tier. Segments come back
    in time order; slices no tier holds (older than every tier's ``lo``) are assigned to
    the finest tier, which simply has no data there.
    """
    if not tiers or tiers[-1].resolution is not None:
        raise ValueError("tier list must end with the raw tier")
    usable = [t for t in tiers if t.resolution is None or every is None or every % t.resolution == 0]
    out: list[Segment] = []
    _plan(start, stop, usable, out)
    return out


def _plan(a: int, b: int, tiers: list[TierSpan], out: list[Segment]) -> None:
    if a >= b:
        return
    tier = tiers[0]
    if tier.resolution is None:
        out.append(Segment(tier.name, a, b))
        return
    res = tier.resolution
    lo = max(ceil_to(a, res), ceil_to(tier.lo, res))
    hi = min(floor_to(b, res), floor_to(tier.hi, res))
    if lo >= hi:
        _plan(a, b, tiers[1:], out)
        return
    _plan(a, lo, tiers[1:], out)
    out.append(Segment(tier.name, lo, hi))
    _plan(hi, b, tiers[1:], out)
