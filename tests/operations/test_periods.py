"""Periods: parse, bounds, containment and closing, boundaries included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from operations.errors import VerifyError
from operations.periods import PeriodKind, of_date, parse

BEIJING = timezone(timedelta(hours=8))


@pytest.mark.parametrize(("text", "start", "end", "label"), [
    ("2026Q1", date(2026, 1, 1), date(2026, 3, 31), "2026年第一季度"),
    ("2026Q2", date(2026, 4, 1), date(2026, 6, 30), "2026年第二季度"),
    ("2026Q3", date(2026, 7, 1), date(2026, 9, 30), "2026年第三季度"),
    (" 2026q4 ", date(2026, 10, 1), date(2026, 12, 31), "2026年第四季度"),
    ("2026H1", date(2026, 1, 1), date(2026, 6, 30), "2026年上半年"),
    ("2026H2", date(2026, 7, 1), date(2026, 12, 31), "2026年下半年"),
    ("2028Q1", date(2028, 1, 1), date(2028, 3, 31), "2028年第一季度"),
])
def test_bounds(text: str, start: date, end: date, label: str) -> None:
    p = parse(text)
    assert (p.start, p.end, p.label, p.code) == (start, end, label, text.strip().upper())
    assert p.contains(start) and p.contains(end)
    assert not p.contains(start - timedelta(days=1)) and not p.contains(end + timedelta(days=1))


@pytest.mark.parametrize("text", ["", "2026", "2026Q5", "2026Q0", "2026H3", "26Q1", "2026-Q1", "1999Q1", "2026Y1"])
def test_bad_periods_are_refused_in_chinese(text: str) -> None:
    with pytest.raises(VerifyError, match="周期"):
        parse(text)


def test_closed_at_turns_after_the_last_day_in_the_given_zone() -> None:
    p = parse("2026Q4")
    last_evening_utc = datetime(2026, 12, 31, 15, 59, tzinfo=UTC)  # 23:59 Beijing
    assert not p.closed_at(last_evening_utc, BEIJING)
    assert p.closed_at(last_evening_utc + timedelta(minutes=1), BEIJING)  # 00:00 Beijing, 1 January
    assert not p.closed_at(last_evening_utc + timedelta(minutes=1))  # still 31 December in UTC
    with pytest.raises(ValueError):
        p.closed_at(datetime(2027, 1, 5))


def test_of_date_and_order() -> None:
    assert of_date(date(2026, 11, 3), PeriodKind.QUARTER).code == "2026Q4"
    assert of_date(date(2026, 6, 30), PeriodKind.HALF_YEAR).code == "2026H1"
    assert of_date(date(2026, 7, 1), PeriodKind.HALF_YEAR).code == "2026H2"
    assert parse("2026Q3") < parse("2026Q4") < parse("2027Q1")
