"""The owed problems of overdue notices, as the alert rule reads them (operations/notice_alerts.py). Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.severity import Severity
from operations.notice_alerts import CHECK, KIND, owed_problems, severity_of
from operations.notices import NoticeState, ProblemState

DEADLINE = date(2026, 11, 20)
BJ = ZoneInfo("Asia/Shanghai")
PROBLEMS = [(11, ProblemState.OPEN), (12, ProblemState.ANSWERED), (13, ProblemState.FAILED), (14, ProblemState.FIXED)]


def _owed(state: NoticeState, now: datetime, escalations: int = 0, tz: ZoneInfo | None = None) -> list[int]:
    views = owed_problems(7, state, DEADLINE, escalations, "4301000001", "430100", "430100", PROBLEMS, now,
                          tz or ZoneInfo("UTC"))
    return [v.finding_id for v in views]


@pytest.mark.parametrize(("now", "tz", "overdue"), [
    (datetime(2026, 11, 20, 23, 59, tzinfo=UTC), None, False),  # the deadline day itself is in time
    (datetime(2026, 11, 21, 0, 0, tzinfo=UTC), None, True),  # the day after is overdue
    (datetime(2026, 11, 20, 15, 59, tzinfo=UTC), BJ, False),  # 23:59 in Beijing on the deadline day
    (datetime(2026, 11, 20, 16, 0, tzinfo=UTC), BJ, True),  # 00:00 in Beijing the day after
])
def test_overdue_from_the_day_after_the_deadline(now: datetime, tz: ZoneInfo | None, overdue: bool) -> None:
    assert bool(_owed(NoticeState.ISSUED, now, tz=tz)) is overdue


def test_only_problems_the_owner_owes_count() -> None:
    late = datetime(2026, 11, 25, tzinfo=UTC)
    assert _owed(NoticeState.PARTIALLY_ANSWERED, late) == [11, 13]  # answered waits for the check, fixed is done
    assert _owed(NoticeState.REOPENED, late) == [11, 13]


@pytest.mark.parametrize("state", [NoticeState.DRAFT, NoticeState.ANSWERED, NoticeState.CLOSED])
def test_nothing_owed_in_states_where_the_owner_owes_nothing(state: NoticeState) -> None:
    assert _owed(state, datetime(2026, 12, 30, tzinfo=UTC)) == []


def test_views_read_like_findings_and_escalate_to_critical() -> None:
    [v, *_] = owed_problems(7, NoticeState.ISSUED, DEADLINE, 1, "4301020001", "430102", "430100", PROBLEMS,
                            datetime(2026, 11, 28, tzinfo=UTC))
    assert (v.check, v.kind, v.notice, v.location, v.city_code, v.deadline) == (
        CHECK, KIND, "7", "notice:7", "430100", DEADLINE)
    assert v.severity is Severity.HIGH
    assert [severity_of(n) for n in (0, 1, 2, 5)] == [Severity.HIGH, Severity.HIGH, Severity.CRITICAL,
                                                      Severity.CRITICAL]
