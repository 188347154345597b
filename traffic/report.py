"""A site's traffic of a year, per month and in total, from the daily rows (what the yearly report reads).

UV over a month or the year is counted one of two ways (``uv_mode``):

- ``daily-sum`` (the default): each day's distinct visitors, added up over the days — how the national
  yearly report's 独立用户访问总量 is usually filled (a visitor of 3 days counts 3 times);
- ``distinct``: visitors distinct over the whole month or year (a visitor counts once), from the stored keys.

Every figure comes with how many days of the period have data: a month with 10 days of logs is the sum of
those 10 days, and says so.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models_traffic import SiteTrafficDaily, SiteTrafficVisitors
from traffic.store import KEY_DTYPE

UV_MODES: Final = ("daily-sum", "distinct")


@dataclass(frozen=True)
class Period:
    """One month (``month`` 1–12) or the whole year (``month`` 0)."""

    month: int
    days_with_data: int
    days_in_period: int
    pv: int
    uv: int
    bot_hits: int
    bad_lines: int


def year_traffic(s: Session, site_id: int, year: int, uv_mode: str = "daily-sum") -> list[Period]:
    """Twelve months then the year (month 0); ValueError for an unknown ``uv_mode``."""
    if uv_mode not in UV_MODES:
        raise ValueError(uv_mode)
    start, end = date(year, 1, 1), date(year, 12, 31)
    rows = list(s.scalars(select(SiteTrafficDaily).where(SiteTrafficDaily.site_id == site_id,
                                                         SiteTrafficDaily.day.between(start, end))))
    keys: dict[date, np.ndarray] = {}
    if uv_mode == "distinct":
        for day, blob in s.execute(select(SiteTrafficVisitors.day, SiteTrafficVisitors.keys).where(
                SiteTrafficVisitors.site_id == site_id, SiteTrafficVisitors.day.between(start, end))):
            keys[day] = np.frombuffer(blob, dtype=KEY_DTYPE)
    out = []
    for month in range(1, 13):
        out.append(_period(month, calendar.monthrange(year, month)[1],
                           [r for r in rows if r.day.month == month], keys, uv_mode))
    out.append(_period(0, 366 if calendar.isleap(year) else 365, rows, keys, uv_mode))
    return out


def _period(month: int, days_in: int, rows: list[SiteTrafficDaily], keys: dict[date, np.ndarray],
            uv_mode: str) -> Period:
    if uv_mode == "distinct":
        parts = [keys[r.day] for r in rows if r.day in keys]
        uv = len(np.unique(np.concatenate(parts))) if parts else 0
    else:
        uv = sum(r.uv for r in rows)
    return Period(month, len(rows), days_in, sum(r.pv for r in rows), uv, sum(r.bot_hits for r in rows),
                  sum(r.bad_lines for r in rows))
