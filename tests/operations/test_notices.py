"""Rectification notices: guarded transitions, state from problems, follow-up verdicts, overdue and escalation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from operations.errors import VerifyError, VerifyTransitionError
from operations.notices import (
    NoticeState,
    ProblemState,
    guard,
    guard_answer,
    is_overdue,
    judge_problem,
    needs_escalation,
    state_from_problems,
    validate_answer,
    validate_new,
)

N, S = NoticeState, ProblemState
T0 = datetime(2026, 12, 1, 8, tzinfo=UTC)


@pytest.mark.parametrize(("action", "state", "ok"), [
    ("issue", N.DRAFT, True), ("issue", N.ISSUED, False), ("issue", N.CLOSED, False),
    ("answer", N.DRAFT, False), ("answer", N.ISSUED, True), ("answer", N.PARTIALLY_ANSWERED, True),
    ("answer", N.ANSWERED, True), ("answer", N.REOPENED, True), ("answer", N.CLOSED, False),
    ("follow_up", N.DRAFT, False), ("follow_up", N.CLOSED, False), ("follow_up", N.REOPENED, True),
])
def test_guard(action: str, state: NoticeState, ok: bool) -> None:
    if ok:
        guard(action, state)
    else:
        with pytest.raises(VerifyTransitionError, match="整改通知当前为"):
            guard(action, state)


def test_fixed_problem_takes_no_answer() -> None:
    guard_answer(S.FAILED)
    with pytest.raises(VerifyTransitionError, match="已整改"):
        guard_answer(S.FIXED)


@pytest.mark.parametrize(("problems", "expected"), [
    ([S.OPEN, S.OPEN], N.ISSUED),
    ([S.ANSWERED, S.OPEN], N.PARTIALLY_ANSWERED),
    ([S.FIXED, S.OPEN], N.PARTIALLY_ANSWERED),
    ([S.ANSWERED, S.ANSWERED], N.ANSWERED),
    ([S.ANSWERED, S.FIXED], N.ANSWERED),
    ([S.FIXED, S.FIXED], N.CLOSED),
    ([S.FIXED, S.FAILED], N.REOPENED),
    ([S.ANSWERED, S.FAILED], N.REOPENED),
    ([], N.ISSUED),
])
def test_state_from_problems(problems: list[ProblemState], expected: NoticeState) -> None:
    assert state_from_problems(problems) is expected


@pytest.mark.parametrize(("state", "answered", "resolved", "last_seen", "expected"), [
    (S.OPEN, None, None, T0, None),  # not answered, still seen: nothing yet
    (S.OPEN, None, T0, T0, S.FIXED),  # gone without an answer: fixed all the same
    (S.ANSWERED, T0, T0 + timedelta(hours=1), T0, S.FIXED),
    (S.ANSWERED, T0, None, T0 - timedelta(hours=1), None),  # no run since the answer
    (S.ANSWERED, T0, None, T0, None),  # seen at the very moment of the answer: not after
    (S.ANSWERED, T0, None, T0 + timedelta(seconds=1), S.FAILED),
    (S.FAILED, T0, None, T0 + timedelta(days=1), None),
    (S.FAILED, T0, T0 + timedelta(days=2), T0 + timedelta(days=1), S.FIXED),
    (S.FIXED, T0, None, T0 + timedelta(days=1), None),  # a fixed problem stays fixed on this notice
])
def test_judge_problem(state: ProblemState, answered: datetime | None, resolved: datetime | None,
                       last_seen: datetime, expected: ProblemState | None) -> None:
    assert judge_problem(state, answered, resolved, last_seen) is expected


BEIJING = timezone(timedelta(hours=8))


@pytest.mark.parametrize(("state", "now", "expected"), [
    (N.ISSUED, datetime(2026, 12, 10, 15, 59, tzinfo=UTC), False),  # 23:59 Beijing on the deadline day
    (N.ISSUED, datetime(2026, 12, 10, 16, 0, tzinfo=UTC), True),  # 00:00 Beijing the day after
    (N.PARTIALLY_ANSWERED, datetime(2026, 12, 12, tzinfo=UTC), True),
    (N.REOPENED, datetime(2026, 12, 12, tzinfo=UTC), True),
    (N.ANSWERED, datetime(2026, 12, 12, tzinfo=UTC), False),  # waiting for the check, not the owner
    (N.DRAFT, datetime(2026, 12, 12, tzinfo=UTC), False),
    (N.CLOSED, datetime(2026, 12, 12, tzinfo=UTC), False),
])
def test_overdue_is_derived_from_time(state: NoticeState, now: datetime, expected: bool) -> None:
    assert is_overdue(state, date(2026, 12, 10), now, BEIJING) is expected


def test_escalation_once_then_every_week() -> None:
    deadline, now = date(2026, 12, 10), datetime(2026, 12, 11, 1, tzinfo=UTC)
    assert needs_escalation(N.ISSUED, deadline, now, None)
    assert not needs_escalation(N.ISSUED, deadline, now + timedelta(days=6), now)
    assert needs_escalation(N.ISSUED, deadline, now + timedelta(days=7), now)
    assert not needs_escalation(N.ANSWERED, deadline, now, None)


def test_new_notice_and_answer_validation() -> None:
    today = date(2026, 12, 7)
    assert validate_new([3, 1, 3], today, today) == (3, 1)
    with pytest.raises(VerifyError, match="至少要列出一个问题"):
        validate_new([], today, today)
    with pytest.raises(VerifyError, match="早于今天"):
        validate_new([1], today - timedelta(days=1), today)
    assert validate_answer(" 已更新栏目 ", None) == ("已更新栏目", "")
    with pytest.raises(VerifyError, match="答复内容"):
        validate_answer("", "http://127.0.0.1/x")
