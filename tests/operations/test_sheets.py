"""Score sheets: signed, unsigned, changed after sign-off; which findings bear on a period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from operations.periods import parse
from operations.sheets import Change, SheetState, changes_after, finding_in_period, sheet_status

T0 = datetime(2026, 12, 20, 10, tzinfo=UTC)


def _c(minutes: int, i: int = 1) -> Change:
    return Change(T0 + timedelta(minutes=minutes), "insp", "x", "manual_entry", i)


def test_sheet_states() -> None:
    assert sheet_status(None, None, [_c(5)]).state is SheetState.UNSIGNED
    assert sheet_status("a", T0, [_c(-5), _c(0)]).state is SheetState.SIGNED  # at the same instant: not after
    s = sheet_status("a", T0, [_c(9, 2), _c(-5), _c(1, 3)])
    assert s.state is SheetState.CHANGED and [c.object_id for c in s.changes] == [3, 2]
    assert changes_after(T0, []) == []


@pytest.mark.parametrize(("first", "resolved", "expected"), [
    (datetime(2026, 9, 1, tzinfo=UTC), None, True),  # open since before the period
    (datetime(2026, 12, 31, 23, tzinfo=UTC), None, True),  # appeared on the last day
    (datetime(2027, 1, 1, tzinfo=UTC), None, False),  # after the period
    (datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 9, 30, 23, tzinfo=UTC), False),  # gone before it
    (datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC), True),  # gone on its first day
])
def test_finding_in_period(first: datetime, resolved: datetime | None, expected: bool) -> None:
    assert finding_in_period(first, resolved, parse("2026Q4")) is expected
