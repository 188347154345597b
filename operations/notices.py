"""Rectification (整改) notices: states, guarded transitions and the follow-up judgement. Pure.

A notice lists open findings of one site (its problems) with a deadline and is addressed to the site's
organiser. Its state is a closed enum; after issue it follows from its problems' states
(:func:`state_from_problems`), so it can never disagree with them. Overdue is derived from the deadline and
``now`` (:func:`is_overdue`), never stored. The next inspection run judges each problem
(:func:`judge_problem`): a resolved finding is fixed (已整改); one still seen after the owner answered fails
(整改未通过) and reopens the notice.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum

from core.i18n.verification import NOTICE_ACTION, NOTICE_STATE, OVERDUE, PROBLEM_STATE
from operations.errors import VerifyError, VerifyTransitionError

ANSWER_MAX = 4000
OVERDUE_LABEL = OVERDUE
MAX_PROBLEMS = 200


class NoticeState(StrEnum):
    DRAFT = "draft"  # 草稿
    ISSUED = "issued"  # 已下发
    PARTIALLY_ANSWERED = "partially_answered"  # 部分答复
    ANSWERED = "answered"  # 已答复
    CLOSED = "closed"  # 已核验关闭
    REOPENED = "reopened"  # 整改未通过，重新打开


class ProblemState(StrEnum):
    OPEN = "open"  # 待答复
    ANSWERED = "answered"  # 已答复，待复查
    FIXED = "fixed"  # 已整改
    FAILED = "failed"  # 整改未通过



# Which notice states allow which action (the guard of every transition).
ALLOWED: dict[str, frozenset[NoticeState]] = {
    "issue": frozenset({NoticeState.DRAFT}),
    "answer": frozenset({NoticeState.ISSUED, NoticeState.PARTIALLY_ANSWERED, NoticeState.ANSWERED,
                         NoticeState.REOPENED}),
    "follow_up": frozenset({NoticeState.ISSUED, NoticeState.PARTIALLY_ANSWERED, NoticeState.ANSWERED,
                            NoticeState.REOPENED}),
}
ANSWERABLE = frozenset({ProblemState.OPEN, ProblemState.ANSWERED, ProblemState.FAILED})
# States in which the owner still owes work: the deadline counts.
WAITING_FOR_OWNER = frozenset({NoticeState.ISSUED, NoticeState.PARTIALLY_ANSWERED, NoticeState.REOPENED})


def guard(action: str, state: NoticeState) -> None:
    """Raise :class:`VerifyTransitionError` (Chinese) unless ``action`` is allowed in ``state``."""
    if state not in ALLOWED[action]:
        raise VerifyTransitionError(f"整改通知当前为“{NOTICE_STATE[state.value]}”，不能{NOTICE_ACTION[action]}")


def guard_answer(problem: ProblemState) -> None:
    if problem not in ANSWERABLE:
        raise VerifyTransitionError(f"该问题已为“{PROBLEM_STATE[problem.value]}”，无需再答复")


def validate_new(finding_ids: Sequence[int], deadline: date, today: date) -> tuple[int, ...]:
    """A new notice's problems (distinct, at least one) and deadline (not before ``today``)."""
    ids = tuple(dict.fromkeys(finding_ids))
    if not ids:
        raise VerifyError("整改通知至少要列出一个问题（--finding）")
    if len(ids) > MAX_PROBLEMS:
        raise VerifyError(f"一份整改通知最多列 {MAX_PROBLEMS} 个问题，现为 {len(ids)} 个")
    if deadline < today:
        raise VerifyError(f"整改期限 {deadline.isoformat()} 早于今天 {today.isoformat()}")
    return ids


def validate_answer(text: str | None, evidence: str | None) -> tuple[str, str]:
    t, ev = (text or "").strip(), (evidence or "").strip()
    if not t:
        raise VerifyError("答复内容（--text）必填：写明如何整改")
    if len(t) > ANSWER_MAX or len(ev) > ANSWER_MAX:
        raise VerifyError(f"答复或佐证过长：各最多 {ANSWER_MAX} 字")
    return t, ev


def state_from_problems(problems: Collection[ProblemState]) -> NoticeState:
    """An issued notice's state from its problems: all fixed → closed; any failed → reopened; all answered
    or fixed → answered; some → partially answered; none yet → issued."""
    if problems and all(p is ProblemState.FIXED for p in problems):
        return NoticeState.CLOSED
    if any(p is ProblemState.FAILED for p in problems):
        return NoticeState.REOPENED
    if problems and all(p in (ProblemState.ANSWERED, ProblemState.FIXED) for p in problems):
        return NoticeState.ANSWERED
    if any(p in (ProblemState.ANSWERED, ProblemState.FIXED) for p in problems):
        return NoticeState.PARTIALLY_ANSWERED
    return NoticeState.ISSUED


def judge_problem(state: ProblemState, answered_at: datetime | None, finding_resolved_at: datetime | None,
                  finding_last_seen: datetime) -> ProblemState | None:
    """The problem's new state after an inspection run, or None when nothing changes.

    A resolved finding confirms the fix (answered or not). A finding the run saw again after the owner's
    answer fails the rectification. A failed problem whose finding is still seen stays failed."""
    if state is ProblemState.FIXED:
        return None
    if finding_resolved_at is not None:
        return ProblemState.FIXED
    if state is ProblemState.ANSWERED and answered_at is not None and finding_last_seen > answered_at:
        return ProblemState.FAILED
    return None


def is_overdue(state: NoticeState, deadline: date, now: datetime, tz: tzinfo = UTC) -> bool:
    """Past its deadline (the deadline day itself is still in time) while the owner still owes work."""
    return state in WAITING_FOR_OWNER and now.astimezone(tz).date() > deadline


def needs_escalation(state: NoticeState, deadline: date, now: datetime, escalated_at: datetime | None,
                     every: timedelta = timedelta(days=7), tz: tzinfo = UTC) -> bool:
    """Overdue and not escalated within ``every`` (first escalation the day after the deadline)."""
    if not is_overdue(state, deadline, now, tz):
        return False
    return escalated_at is None or now - escalated_at >= every


def days_overdue(deadline: date, now: datetime, tz: tzinfo = UTC) -> int:
    return max(0, (now.astimezone(tz).date() - deadline).days)
