"""Capacity forecasting, pure: a robust linear trend over a window of samples and the time it leaves until a limit.

The trend is a Theil–Sen fit: the slope is the median of the slopes between every pair of samples, the
intercept the median of ``value - slope × t``. Up to 29 % of the samples may be wild (a spike, a
collector's glitch) without moving it much, unlike a least-squares line. Time is measured in days from
``now``, so the intercept is the trend's level *now* and the time to a limit is ``(limit - level) / slope``.

No verdict before the data suffices: with fewer than ``min_points`` samples, or samples covering less than
``min_span`` of the window, the result is :data:`INSUFFICIENT` and says how much there is. A flat or
receding trend, or one that would take longer than :data:`HORIZON_DAYS`, is :data:`NOT_REACHING`: no
negative or infinite number of days is ever produced. A level already at or past the limit is
:data:`REACHED` (0 days). Imports no I/O; time comes in as an argument.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np

Direction = Literal["up", "down"]
DIRECTIONS: tuple[str, ...] = ("up", "down")
INSUFFICIENT, NOT_REACHING, REACHING, REACHED = "insufficient", "not_reaching", "reaching", "reached"
HORIZON_DAYS = 3650.0  # beyond ten years a trend says nothing: reported as not reaching the limit
MAX_POINTS = 600  # samples fitted at most (pairs grow as n²): more are thinned evenly, keeping the newest
DAY_S = 86400.0


@dataclass(frozen=True)
class Forecast:
    """What one fit found. ``days_to_limit`` is set only when ``status`` is REACHING or REACHED (0.0)."""

    status: str
    points: int
    span_s: float  # time between the oldest and the newest sample
    window_s: float
    min_points: int
    min_span_s: float
    limit: float | None = None
    direction: str = "up"
    slope_per_day: float | None = None  # the trend, in the series' unit per day
    level: float | None = None  # the trend's value at ``now`` (robust: a last spike does not move it)
    last: float | None = None  # the newest sample as measured
    days_to_limit: float | None = None

    @property
    def sufficient(self) -> bool:
        return self.status != INSUFFICIENT

    def facts(self) -> dict[str, Any]:
        """The fit as alert evidence (JSON-serialisable, rounded for reading)."""
        def r(x: float | None, n: int = 4) -> float | None:
            return None if x is None else round(x, n)
        return {"forecast": self.status, "samples": self.points, "span_s": round(self.span_s),
                "window_s": round(self.window_s), "min_points": self.min_points, "min_span_s": round(self.min_span_s),
                "forecast_limit": self.limit, "direction": self.direction, "slope_per_day": r(self.slope_per_day),
                "level": r(self.level), "last": r(self.last), "days_to_limit": r(self.days_to_limit, 2),
                "sufficient": self.sufficient}


def theil_sen(t: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """(slope, intercept) of the Theil–Sen line through ``(t, y)``; pairs with equal ``t`` are ignored.

    Raises ValueError with fewer than two distinct times.
    """
    tt, yy = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    i, j = np.triu_indices(len(tt), k=1)
    dt = tt[j] - tt[i]
    keep = dt != 0
    if not keep.any():
        raise ValueError("theil_sen needs at least two distinct times")
    slope = float(np.median((yy[j] - yy[i])[keep] / dt[keep]))
    intercept = float(np.median(yy - slope * tt))
    return slope, intercept


def _thin(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(t) <= MAX_POINTS:
        return t, y
    idx = np.unique(np.linspace(len(t) - 1, 0, MAX_POINTS).round().astype(int))
    return t[idx], y[idx]


def forecast(times: Sequence[datetime], values: Sequence[float], now: datetime, limit: float | None,
             window: timedelta, min_points: int = 6, min_span: timedelta | None = None,
             direction: str = "up") -> Forecast:
    """The forecast for one series at ``now``: samples ``(times, values)`` inside ``(now - window, now]`` are fitted.

    ``limit`` is a ceiling the series rises to (``direction="up"``, e.g. disk used % → 100) or a floor it falls
    to (``"down"``); None (a limit field with no value) gives INSUFFICIENT. ``min_span`` defaults to half the
    window. Non-finite values and samples outside the window are ignored.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    span_needed = window / 2 if min_span is None else min_span
    start = now - window
    pairs = sorted((t, float(v)) for t, v in zip(times, values, strict=True)
                   if start < t <= now and v is not None and math.isfinite(float(v)))
    n = len(pairs)
    span_s = (pairs[-1][0] - pairs[0][0]).total_seconds() if n else 0.0
    base = Forecast(INSUFFICIENT, n, span_s, window.total_seconds(), min_points, span_needed.total_seconds(), limit,
                    direction, last=pairs[-1][1] if n else None)
    if n < max(2, min_points) or span_s < span_needed.total_seconds() or span_s <= 0 or limit is None \
            or not math.isfinite(limit):
        return base
    t = np.array([(p[0] - now).total_seconds() / DAY_S for p in pairs])
    y = np.array([p[1] for p in pairs])
    slope, level = theil_sen(*_thin(t, y))
    sign = 1.0 if direction == "up" else -1.0
    gap = sign * (limit - level)  # how far the trend still is from the limit, in the direction of travel
    rate = sign * slope  # > 0: moving toward the limit
    fit = replace(base, slope_per_day=slope, level=level)
    if gap <= 0:
        return replace(fit, status=REACHED, days_to_limit=0.0)
    if rate <= 0 or gap / rate > HORIZON_DAYS:
        return replace(fit, status=NOT_REACHING)
    return replace(fit, status=REACHING, days_to_limit=gap / rate)


def evidence_text(facts: Mapping[str, Any]) -> str:
    """One Chinese line saying what a forecast stood on (from :meth:`Forecast.facts`): the trend, level, limit
    and data, or how much data there is while it is insufficient. ``""`` when ``facts`` hold no forecast."""
    from alerts.summary import span  # the one Chinese span wording
    from core.i18n import alerts as T

    status = facts.get("forecast")
    if status is None:
        return ""
    cover = {"points": facts.get("samples", 0), "span": span(float(facts.get("span_s") or 0)),
             "window": span(float(facts.get("window_s") or 0))}
    if status == INSUFFICIENT:
        return T.FORECAST_INSUFFICIENT.format(need=facts.get("min_points", 0), **cover)
    slope, level, limit = facts.get("slope_per_day"), facts.get("level"), facts.get("forecast_limit")
    return T.FORECAST_TREND.format(slope=_num(slope, signed=True), level=_num(level), limit=_num(limit), **cover)


def _num(x: Any, signed: bool = False) -> str:
    if x is None or not math.isfinite(float(x)):
        return "—"
    v = float(x)
    text = f"{v:.3g}" if abs(v) < 100 else f"{v:,.0f}"
    return ("+" + text) if signed and v > 0 else text
