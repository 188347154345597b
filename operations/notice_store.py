"""Rectification (整改) notices, persisted: create, issue, answer per problem, follow up after inspection
runs, escalate when overdue, list.

The guards and the follow-up verdicts are operations/notices.py's (pure); this module loads, checks the
actor's region scope, applies, records a RectificationEvent and an audit entry per change and commits.
A notice row is version-locked (``version``), so two concurrent changes cannot both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from core.i18n.verification import NOTICE_STATE, PROBLEM_STATE, TV
from core.region import PROVINCE_CODE
from db.models import Finding, Node, Site
from db.models_operations import RectificationEvent, RectificationNotice, RectificationProblem
from db.timestamps import aware
from operations import notices
from operations.access import Actor, guard_site, load_site, region_clause, visible
from operations.errors import VerifyError, VerifyTransitionError
from operations.notices import NoticeState, ProblemState
from security import audit
from security.auth import Action

LIVE = [s.value for s in NoticeState if s is not NoticeState.CLOSED]
SYSTEM_ACTOR = Actor(audit.SYSTEM, PROVINCE_CODE)


def _event(session: Session, notice: RectificationNotice, at: datetime, kind: str, actor: str,
           detail: dict[str, Any] | None = None) -> None:
    session.add(RectificationEvent(notice_id=notice.id, at=at, kind=kind, actor=actor, detail=detail or {}))


def _audit(session: Session, actor: Actor, action: str, notice: RectificationNotice, now: datetime, summary: str,
           detail: dict[str, Any] | None = None) -> None:
    audit.record(session, actor.username, f"notice.{action}", "rectification_notice", notice.id, at=now,
                 scope_code=notice.site.node.city_code, remote_addr=actor.remote_addr, summary=summary,
                 detail=detail)


def _load(session: Session, notice_id: int, actor: Actor, action: str, now: datetime,
          permission: Action = Action.VERIFY) -> RectificationNotice:
    notice = session.scalar(select(RectificationNotice).where(RectificationNotice.id == notice_id)
                            .options(joinedload(RectificationNotice.site).joinedload(Site.node),
                                     selectinload(RectificationNotice.problems))
                            .execution_options(populate_existing=True))
    if notice is None:
        raise VerifyError(TV.NO_NOTICE.format(id=notice_id))
    guard_site(session, actor, notice.site, action, "rectification_notice", notice_id, now,
               f"整改通知 #{notice_id}", permission)
    return notice


def _commit(session: Session, notice_id: int) -> None:
    """Commit; a concurrent change of the same notice (its version moved under us) is refused in Chinese."""
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise VerifyTransitionError(TV.CONCURRENT_CHANGE.format(id=notice_id)) from None


def _check_version(notice: RectificationNotice, version: int | None) -> None:
    if version is not None and version != notice.version:
        raise VerifyTransitionError(TV.VERSION_CONFLICT.format(id=notice.id, read=version, now=notice.version))


def create_notice(session: Session, actor: Actor, now: datetime, site_code: str, finding_ids: Sequence[int],
                  deadline: date, note: str = "", tz: tzinfo = UTC) -> RectificationNotice:
    """A draft notice for a site listing open findings of that site, addressed to its registered organiser.

    Raises VerifyError for no findings, a past deadline, a finding of another site, a resolved one, one
    already on a live notice, or a site without an organiser."""
    ids = notices.validate_new(finding_ids, deadline, now.astimezone(tz).date())
    site = load_site(session, site_code)
    guard_site(session, actor, site, "notice.create", "rectification_notice", site.code, now, "起草整改通知")
    if not (site.organizer or "").strip():
        raise VerifyError(TV.NO_ORGANIZER.format(site=site.code))
    found = {f.id: f for f in session.scalars(select(Finding).where(Finding.id.in_(ids)))}
    for fid in ids:
        f = found.get(fid)
        if f is None:
            raise VerifyError(TV.NO_FINDING.format(id=fid))
        if f.site_id != site.id:
            raise VerifyError(TV.FINDING_NOT_OF_SITE.format(id=fid, site=site.code))
        if f.resolved_at is not None:
            raise VerifyError(TV.FINDING_CLOSED.format(id=fid))
    busy = session.execute(select(RectificationProblem.finding_id, RectificationNotice.id)
                           .join(RectificationNotice, RectificationNotice.id == RectificationProblem.notice_id)
                           .where(RectificationProblem.finding_id.in_(ids), RectificationNotice.state.in_(LIVE))
                           ).first()
    if busy is not None:
        raise VerifyError(TV.FINDING_ON_NOTICE.format(id=busy[0], notice=busy[1]))
    addressee = (site.organizer or "").strip()
    notice = RectificationNotice(site_id=site.id, state=NoticeState.DRAFT.value, addressee=addressee,
                                 deadline=deadline, note=(note or "").strip(), created_by=actor.username,
                                 created_at=now, escalations=0,
                                 problems=[RectificationProblem(finding_id=fid, state=ProblemState.OPEN.value)
                                           for fid in ids])
    notice.site = site
    session.add(notice)
    session.flush()
    _event(session, notice, now, "created", actor.username, {"findings": list(ids), "deadline": deadline.isoformat()})
    _audit(session, actor, "create", notice, now,
           TV.AUDIT_NOTICE_CREATE.format(site=site.code, id=notice.id, n=len(ids), deadline=deadline.isoformat(),
                                         addressee=notice.addressee),
           {"findings": list(ids), "deadline": deadline.isoformat()})
    session.commit()
    return notice


def issue_notice(session: Session, actor: Actor, now: datetime, notice_id: int,
                 version: int | None = None) -> RectificationNotice:
    """Draft → issued: the owner now sees it and the deadline counts."""
    notice = _load(session, notice_id, actor, "notice.issue", now)
    _check_version(notice, version)
    notices.guard("issue", NoticeState(notice.state))
    notice.state, notice.issued_at, notice.issued_by = NoticeState.ISSUED.value, now, actor.username
    _event(session, notice, now, "issued", actor.username)
    _audit(session, actor, "issue", notice, now, TV.AUDIT_NOTICE_ISSUE.format(id=notice.id,
                                                                                  site=notice.site.code))
    _commit(session, notice_id)
    return notice


def answer_problem(session: Session, actor: Actor, now: datetime, notice_id: int, finding_id: int, text: str,
                   evidence: str = "", version: int | None = None) -> RectificationNotice:
    """The owner answers one problem (text + evidence); the notice becomes partially answered or answered."""
    t, ev = notices.validate_answer(text, evidence)
    notice = _load(session, notice_id, actor, "notice.answer", now, Action.ANSWER_RECTIFICATION)
    _check_version(notice, version)
    notices.guard("answer", NoticeState(notice.state))
    problem = next((p for p in notice.problems if p.finding_id == finding_id), None)
    if problem is None:
        raise VerifyError(TV.PROBLEM_NOT_ON_NOTICE.format(finding=finding_id, id=notice_id))
    notices.guard_answer(ProblemState(problem.state))
    problem.state, problem.answer, problem.answer_evidence = ProblemState.ANSWERED.value, t, ev
    problem.answered_by, problem.answered_at = actor.username, now
    notice.state = notices.state_from_problems([ProblemState(p.state) for p in notice.problems]).value
    _event(session, notice, now, "answered", actor.username, {"finding": finding_id})
    _audit(session, actor, "answer", notice, now,
           TV.AUDIT_NOTICE_ANSWER.format(id=notice.id, finding=finding_id, text=t[:200]), {"finding": finding_id})
    _commit(session, notice_id)
    return notice


@dataclass(frozen=True)
class Judged:
    notice_id: int
    finding_id: int
    state: ProblemState


def follow_up(session: Session, now: datetime, actor: Actor, site_id: int | None = None) -> list[Judged]:
    """After an inspection run: judge every problem of every live issued notice (of ``site_id`` only, when
    given) from its finding (resolved → 已整改; seen again after the answer → 整改未通过) and move each notice
    to the state its problems give. Idempotent. ``actor``: the system or the province."""
    q = (select(RectificationNotice).where(RectificationNotice.state.in_(list(notices.ALLOWED["follow_up"])))
         .options(joinedload(RectificationNotice.site).joinedload(Site.node),
                  selectinload(RectificationNotice.problems).joinedload(RectificationProblem.finding)))
    if site_id is not None:
        q = q.where(RectificationNotice.site_id == site_id)
    out: list[Judged] = []
    for notice in session.scalars(q).unique():
        changed = False
        for p in notice.problems:
            f = p.finding
            new = notices.judge_problem(ProblemState(p.state), aware(p.answered_at) if p.answered_at else None,
                                        aware(f.resolved_at) if f.resolved_at else None, aware(f.last_seen))
            if new is None:
                continue
            p.state, p.judged_at, changed = new.value, now, True
            out.append(Judged(notice.id, p.finding_id, new))
            _event(session, notice, now, f"problem_{new.value}", actor.username, {"finding": p.finding_id})
            _audit(session, actor, f"problem.{new.value}", notice, now,
                   TV.AUDIT_PROBLEM_JUDGED.format(id=notice.id, finding=p.finding_id, state=PROBLEM_STATE[new.value]),
                   {"finding": p.finding_id})
        if changed:
            state = notices.state_from_problems([ProblemState(p.state) for p in notice.problems])
            notice.state = state.value
            if state is NoticeState.CLOSED:
                notice.closed_at = now
                _event(session, notice, now, "closed", actor.username)
    session.commit()
    return out


def escalate_overdue(session: Session, now: datetime, actor: Actor, every: timedelta = timedelta(days=7),
                     tz: tzinfo = UTC, site_id: int | None = None) -> list[int]:
    """Escalate notices (of ``site_id`` only, when given) past their deadline with work still owed (again every
    ``every``): an escalation record (event + audit entry) and the notice's ``escalated_at``/``escalations``.
    Returns their ids."""
    q = (select(RectificationNotice).where(RectificationNotice.state.in_([s.value for s in notices.WAITING_FOR_OWNER]))
         .options(joinedload(RectificationNotice.site).joinedload(Site.node)))
    if site_id is not None:
        q = q.where(RectificationNotice.site_id == site_id)
    out: list[int] = []
    for n in session.scalars(q):
        esc = aware(n.escalated_at) if n.escalated_at else None
        if not notices.needs_escalation(NoticeState(n.state), n.deadline, now, esc, every, tz):
            continue
        n.escalated_at, n.escalations = now, (n.escalations or 0) + 1
        days = notices.days_overdue(n.deadline, now, tz)
        _event(session, n, now, "escalated", actor.username, {"days_overdue": days, "level": n.escalations})
        _audit(session, actor, "escalate", n, now,
               TV.AUDIT_NOTICE_ESCALATE.format(id=n.id, site=n.site.code, days=days, n=n.escalations),
               {"days_overdue": days, "level": n.escalations})
        out.append(n.id)
    session.commit()
    return out


def after_site_run(sessions: sessionmaker[Session], site_code: str, now: datetime,
                   tz: tzinfo = UTC) -> tuple[list[Judged], list[int]]:
    """What the scheduler calls after a site's inspection run: :func:`follow_up` and :func:`escalate_overdue`
    for that site, as the system. A site with no live notice costs two small queries."""
    with sessions() as s:
        site_id = s.scalar(select(Site.id).where(Site.code == site_code))
        if site_id is None:
            return [], []
        judged = follow_up(s, now, SYSTEM_ACTOR, site_id)
        return judged, escalate_overdue(s, now, SYSTEM_ACTOR, tz=tz, site_id=site_id)


@dataclass(frozen=True)
class NoticeView:
    id: int
    site_code: str
    site_name: str
    city_code: str
    addressee: str
    state: NoticeState
    state_label: str  # Chinese, with 已逾期 when overdue
    overdue: bool
    deadline: date
    problems: int
    fixed: int
    escalations: int
    version: int


def list_notices(session: Session, actor: Actor, now: datetime, *, region: str | None = None,
                 site_code: str | None = None, state: str | None = None, overdue_only: bool = False,
                 tz: tzinfo = UTC) -> list[NoticeView]:
    """Notices of the actor's sites (a city its own, the province all), newest first; overdue derived at ``now``."""
    q = (select(RectificationNotice).join(Site, Site.id == RectificationNotice.site_id)
         .join(Node, Node.code == Site.node_code).where(region_clause(actor, region))
         .options(joinedload(RectificationNotice.site).joinedload(Site.node),
                  selectinload(RectificationNotice.problems))
         .order_by(RectificationNotice.created_at.desc(), RectificationNotice.id.desc()))
    if site_code:
        q = q.where(Site.code == site_code.strip())
    if state:
        q = q.where(RectificationNotice.state == NoticeState(state).value)
    out: list[NoticeView] = []
    for n in session.scalars(q).unique():
        if not visible(actor, n.site):
            continue
        st = NoticeState(n.state)
        overdue = notices.is_overdue(st, n.deadline, now, tz)
        if overdue_only and not overdue:
            continue
        label = NOTICE_STATE[st.value] + (f"（{notices.OVERDUE_LABEL}）" if overdue else "")
        out.append(NoticeView(n.id, n.site.code, n.site.name, n.site.node.city_code, n.addressee, st, label,
                              overdue, n.deadline, len(n.problems),
                              sum(p.state == ProblemState.FIXED.value for p in n.problems), n.escalations or 0,
                              n.version))
    return out
