"""Overdue rectification notices as the alert engine reads them: one finding-like view per problem the owner
still owes on an overdue notice.

The shipped rule ``notice_overdue`` (data/alerts/rules/rectification.yaml, kind ``finding``, check
:data:`CHECK`) groups these views by notice, so an overdue notice is one alert whose value counts its owed
problems; the alert resolves once the notice is no longer overdue (answered, closed, or its problems fixed)
and fires again when a failed follow-up reopens it. Overdue is derived from the deadline and ``now``
(operations/notices.py :func:`~operations.notices.is_overdue`), never stored. A view's severity is high, and
critical from the :data:`CRITICAL_AFTER`-th escalation on (the rule takes the worst severity of its findings).

:func:`owed_problems` is pure; :func:`overdue_notice_problems` reads the live notices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from core.severity import Severity
from db.models import Site
from db.models_operations import RectificationNotice
from operations import notices
from operations.notices import NoticeState, ProblemState

CHECK = "rectification"  # the check name the alert rule selects these views by
KIND = "notice_overdue"
CRITICAL_AFTER = 2  # escalations (one every 7 days, notice_store.escalate_overdue) after which the alert is critical
# What the owner still owes: an answer (open) or a new fix (failed). Answered problems wait for the next check.
OWED = frozenset({ProblemState.OPEN, ProblemState.FAILED})


@dataclass(frozen=True)
class OverdueProblem:
    """One owed problem of an overdue notice; reads like a finding to alert rules of kind ``finding``
    (``check`` = :data:`CHECK`, ``kind`` = :data:`KIND`, ``notice`` = the notice's id as text)."""

    notice_id: int
    finding_id: int
    site_code: str
    node_code: str
    city_code: str
    deadline: date
    escalations: int
    severity: Severity
    check: str = CHECK
    kind: str = KIND

    @property
    def notice(self) -> str:
        return str(self.notice_id)

    @property
    def location(self) -> str:
        return f"notice:{self.notice_id}"


def severity_of(escalations: int) -> Severity:
    """High; critical once the notice was escalated :data:`CRITICAL_AFTER` times."""
    return Severity.CRITICAL if escalations >= CRITICAL_AFTER else Severity.HIGH


def owed_problems(notice_id: int, state: NoticeState, deadline: date, escalations: int, site_code: str,
                  node_code: str, city_code: str, problems: Sequence[tuple[int, ProblemState]], now: datetime,
                  tz: tzinfo = UTC) -> list[OverdueProblem]:
    """The views of one notice at ``now``: none unless it is overdue (the deadline day itself is in time),
    else one per problem (``(finding id, state)``) the owner still owes."""
    if not notices.is_overdue(state, deadline, now, tz):
        return []
    sev = severity_of(escalations)
    return [OverdueProblem(notice_id, fid, site_code, node_code, city_code, deadline, escalations, sev)
            for fid, st in problems if st in OWED]


def overdue_notice_problems(session: Session, now: datetime, tz: tzinfo = UTC) -> list[OverdueProblem]:
    """Every owed problem of every overdue notice this node holds, by notice id then finding id."""
    q = (select(RectificationNotice)
         .where(RectificationNotice.state.in_([s.value for s in notices.WAITING_FOR_OWNER]))
         .options(joinedload(RectificationNotice.site).joinedload(Site.node),
                  selectinload(RectificationNotice.problems))
         .order_by(RectificationNotice.id))
    out: list[OverdueProblem] = []
    for n in session.scalars(q).unique():
        problems = sorted((p.finding_id, ProblemState(p.state)) for p in n.problems)
        out += owed_problems(n.id, NoticeState(n.state), n.deadline, n.escalations or 0, n.site.code,
                             n.site.node_code, n.site.node.city_code, problems, now, tz)
    return out
