"""Inspection periods: quarters (``2026Q4``, the province's checks) and half-years (``2026H2``, the State
Council's spot checks). Pure.

:func:`parse` raises :class:`VerifyError` (Chinese) for anything else; a :class:`Period` knows its first and
last day, whether it contains a date and whether it is closed at a moment (its last day is over in the
zone the caller gives; UTC by default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum

from operations.errors import VerifyError

_PATTERN = re.compile(r"^(\d{4})(Q[1-4]|H[12])$")
MIN_YEAR, MAX_YEAR = 2000, 2100


class PeriodKind(StrEnum):
    QUARTER = "quarter"
    HALF_YEAR = "half_year"


@dataclass(frozen=True, order=True)
class Period:
    """One period; ``index`` is 1–4 for a quarter, 1–2 for a half-year."""

    year: int
    kind: PeriodKind
    index: int

    @property
    def code(self) -> str:
        return f"{self.year}{'Q' if self.kind is PeriodKind.QUARTER else 'H'}{self.index}"

    @property
    def label(self) -> str:
        """Chinese name: ``2026年第四季度`` / ``2026年下半年``."""
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year}年第{'一二三四'[self.index - 1]}季度"
        return f"{self.year}年{'上下'[self.index - 1]}半年"

    @property
    def start(self) -> date:
        months = 3 if self.kind is PeriodKind.QUARTER else 6
        return date(self.year, 1 + (self.index - 1) * months, 1)

    @property
    def end(self) -> date:
        """The last day (inclusive)."""
        months = 3 if self.kind is PeriodKind.QUARTER else 6
        first_month_after = 1 + self.index * months
        if first_month_after > 12:
            return date(self.year, 12, 31)
        return date(self.year, first_month_after, 1) - timedelta(days=1)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def closed_at(self, now: datetime, tz: tzinfo = UTC) -> bool:
        """Whether the period's last day is over at ``now`` (an aware datetime) in zone ``tz``."""
        if now.tzinfo is None:
            raise ValueError("closed_at needs an aware datetime")
        return now.astimezone(tz).date() > self.end

    def __str__(self) -> str:
        return self.code


def parse(text: str) -> Period:
    """``2026Q4`` or ``2026H2`` (case and surrounding spaces ignored) as a :class:`Period`."""
    raw = (text or "").strip().upper()
    m = _PATTERN.match(raw)
    if not m:
        raise VerifyError(f"周期“{text}”格式不对：应为季度如 2026Q4，或半年如 2026H2")
    year = int(m.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise VerifyError(f"周期“{text}”的年份 {year} 超出范围（{MIN_YEAR}–{MAX_YEAR}）")
    kind = PeriodKind.QUARTER if m.group(2)[0] == "Q" else PeriodKind.HALF_YEAR
    return Period(year, kind, int(m.group(2)[1]))


def of_date(day: date, kind: PeriodKind) -> Period:
    """The quarter or half-year containing ``day``."""
    if kind is PeriodKind.QUARTER:
        return Period(day.year, kind, (day.month - 1) // 3 + 1)
    return Period(day.year, kind, 1 if day.month <= 6 else 2)
