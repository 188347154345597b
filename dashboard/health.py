"""Pure health rules for the wall: staleness, site and city status, p95. No I/O; time passed in.

STALENESS RULE: a site whose newest probe is older than 2 × probe interval is ``stale`` and
never counted as healthy (hosts likewise with the host interval).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import pandas as pd

STALE_FACTOR = 2.0
SLOW_MS = 3000.0  # a homepage slower than this is up but "slow" (amber)
CITY_RED_BELOW = 90.0  # city availability (%) below which the city is red
HOST_LIMIT_PERCENT = 90.0  # cpu / memory / disk above this makes a host unhealthy


def stale_after(interval_s: float) -> timedelta:
    """How old the newest datum may be before it counts as stale."""
    if interval_s <= 0:
        raise ValueError(f"collection interval must be > 0 seconds, got {interval_s}")
    return timedelta(seconds=STALE_FACTOR * interval_s)


def is_stale(last: datetime | None, now: datetime, interval_s: float) -> bool:
    """True when there is no datum or the newest one is older than 2 × interval."""
    return last is None or now - last > stale_after(interval_s)


def site_status(up: float | None, last: datetime | None, latency_ms: float | None,
                now: datetime, interval_s: float) -> str:
    """``stale`` (old or no data), ``down``, ``slow`` or ``up``."""
    if up is None or is_stale(last, now, interval_s):
        return "stale"
    if up < 0.5:
        return "down"
    if latency_ms is not None and not math.isnan(latency_ms) and latency_ms >= SLOW_MS:
        return "slow"
    return "up"


def availability(up: int, down: int) -> float | None:
    """Percent of sites with fresh data that are up; None when none has fresh data."""
    fresh = up + down
    return None if fresh == 0 else 100.0 * up / fresh


def city_status(total: int, up: int, down: int, stale: int) -> str:
    """A city's colour class: unknown (no sites), stale (no fresh data), down (< 90 % available),
    degraded (any site down or stale), up (every site fresh and up)."""
    if total == 0:
        return "unknown"
    avail = availability(up, down)
    if avail is None:
        return "stale"
    if avail < CITY_RED_BELOW:
        return "down"
    if down or stale:
        return "degraded"
    return "up"


def host_healthy(cpu: float | None, mem: float | None, disk: float | None) -> bool:
    """A host with fresh data is healthy when no known gauge exceeds the limit."""
    return all(v is None or math.isnan(v) or v <= HOST_LIMIT_PERCENT for v in (cpu, mem, disk))


def p95(values: Iterable[float]) -> float | None:
    """The 95th percentile (linear interpolation between closest ranks); None for no values."""
    xs = sorted(v for v in values if v is not None and not math.isnan(v))
    if not xs:
        return None
    pos = 0.95 * (len(xs) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def floor_time(now: datetime, seconds: int) -> datetime:
    """``now`` rounded down to a multiple of ``seconds`` since the epoch, so screens share a cache key."""
    if seconds <= 0:
        return now
    ts = now.timestamp()
    return datetime.fromtimestamp(ts - (ts % seconds), now.tzinfo)


CUT_COLUMNS = ["cut", "cut_since"]  # what apply_cut adds


def apply_cut(df: pd.DataFrame, cut: Mapping[str, datetime | None]) -> pd.DataFrame:
    """``df`` (rows with ``city_code`` and ``status``) with the rows of the cities in ``cut`` (city → since
    when its node is unreachable, None: never connected) made ``unknown``: whatever their last data said,
    nothing tells their state now, and they are not failed. Adds ``cut`` (bool) and ``cut_since``."""
    is_cut = df["city_code"].isin(list(cut))
    out = df.assign(cut=is_cut, cut_since=[cut.get(c) if c in cut else None for c in df["city_code"]])
    out.loc[is_cut, "status"] = "unknown"
    return out
