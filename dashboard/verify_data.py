"""Read-only queries behind the /verify page's pickers: the viewer's sites, a site's open findings, the notices
the viewer may answer and their problems. Scoped like operations/: a city sees its own sites and its
counties', a county its own, the province all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from alerts.states import OPEN_STATES, AlertState
from core.i18n.alerts import ALERT_STATE
from core.i18n.common import SEVERITY
from core.i18n.inspection import FINDING_KIND
from core.i18n.verification import PROBLEM_STATE
from core.severity import Severity
from db.models import Finding, Node, Site
from db.models_alerts import Alert
from db.models_operations import RectificationNotice
from operations.access import Actor, region_clause, visible
from operations.notices import NoticeState, ProblemState

ANSWERABLE = (NoticeState.ISSUED, NoticeState.PARTIALLY_ANSWERED, NoticeState.ANSWERED, NoticeState.REOPENED)
OPEN_PROBLEMS = (ProblemState.OPEN, ProblemState.FAILED)


def sites(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """``(code, name)`` of the actor's sites, by code."""
    q = (select(Site).join(Node, Node.code == Site.node_code).options(joinedload(Site.node))
         .where(region_clause(actor)).order_by(Site.code))
    return [(s.code, s.name) for s in session.scalars(q) if visible(actor, s)]


def open_findings(session: Session, actor: Actor, site_code: str) -> list[tuple[int, str]]:
    """``(id, label)`` of a visible site's open findings, by id; empty for a site the actor does not cover."""
    site = session.scalar(select(Site).options(joinedload(Site.node)).where(Site.code == site_code))
    if site is None or not visible(actor, site):
        return []
    q = select(Finding).where(Finding.site_id == site.id, Finding.resolved_at.is_(None)).order_by(Finding.id)
    return [(f.id, f"#{f.id} {FINDING_KIND.get(f.kind, '问题')}：{f.detail}（{f.location}）")
            for f in session.scalars(q)]


@dataclass(frozen=True)
class Answerable:
    notice_id: int
    version: int
    label: str
    problems: list[tuple[int, str]]  # (finding id, label) still owed an answer


def answerable(session: Session, actor: Actor) -> list[Answerable]:
    """Issued notices of the actor's sites with problems still owed an answer (待答复 or 整改未通过), newest first."""
    q = (select(RectificationNotice).join(Site, Site.id == RectificationNotice.site_id)
         .join(Node, Node.code == Site.node_code).where(region_clause(actor))
         .where(RectificationNotice.state.in_([s.value for s in ANSWERABLE]))
         .options(joinedload(RectificationNotice.site).joinedload(Site.node),
                  selectinload(RectificationNotice.problems))
         .order_by(RectificationNotice.id.desc()))
    out: list[Answerable] = []
    for n in session.scalars(q).unique():
        if not visible(actor, n.site):
            continue
        owed = [(p.finding_id, f"问题 #{p.finding_id}（{PROBLEM_STATE[p.state]}）") for p in n.problems
                if ProblemState(p.state) in OPEN_PROBLEMS]
        if owed:
            out.append(Answerable(n.id, n.version, f"#{n.id} {n.site.name}（{n.site.code}），期限 {n.deadline}", owed))
    return out


NOTICE_ALERT_RULE = "notice_overdue"  # data/alerts/rules/rectification.yaml


def notice_alerts(session: Session, notice_ids: Sequence[int]) -> dict[int, str]:
    """The open alert of each overdue notice among ``notice_ids`` (this node's own alerts: a city's alerts
    mirrored here name that city's notices) as the list shows it: ``告警中·紧急``."""
    if not notice_ids:
        return {}
    wanted = {str(i) for i in notice_ids}
    q = select(Alert.labels, Alert.state, Alert.severity).where(
        Alert.rule == NOTICE_ALERT_RULE, Alert.state.in_(OPEN_STATES), Alert.origin_node.is_(None))
    out: dict[int, str] = {}
    for labels, state, severity in session.execute(q):
        nid = str((labels or {}).get("notice", ""))
        if nid in wanted:
            st, sev = AlertState(state).value, Severity(severity).value
            out[int(nid)] = f"{ALERT_STATE.get(st, st)}·{SEVERITY.get(sev, sev)}"
    return out
