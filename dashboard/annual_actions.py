"""The yearly report screen's state changes (/annual/site/<code>): enter a field by hand, submit, review,
return (with a reason) and publish; one ``perform_*`` function per action between a Dash callback and
annual/workflow.py.

Who may do what: filling in (hand entries, 提交审核) needs ``edit_content`` (编辑, 省级管理员); 审核通过, 退回 and
发布 need ``review_content`` (审核员, 省级管理员) — both on the report's site (security.auth.require: role and
region). The workflow refuses wrong moves (state, self-review, missing fields) with its Chinese message.
Each action runs in its own transaction (the workflow audits it); a refusal saves nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from annual.template import Template
from annual.workflow import MOVES, TransitionError, find, move, set_field
from core.i18n import annual as T
from core.i18n.annual import S
from dashboard import inputs
from dashboard.alert_actions import Outcome
from dashboard.annual_data import template
from db.models import Site
from db.models_annual import AnnualReport
from security.auth import Action, PermissionDenied, Principal, allowed_actions, require

EDIT = Action.EDIT_CONTENT
REVIEW = Action.REVIEW_CONTENT
PERMISSION = {"set": EDIT, "submit": EDIT, "review": REVIEW, "return": REVIEW, "publish": REVIEW}


def may(principal: Principal | None, action: str) -> bool:
    """Whether the principal's role allows ``action`` (set | submit | review | return | publish) at all; the
    region is judged on every submit."""
    return principal is not None and PERMISSION[action] in allowed_actions(principal)


def _site(session: Session, code: str) -> Site | None:
    return session.scalar(select(Site).options(joinedload(Site.node)).where(Site.code == code))


def _run(sessions: sessionmaker[Session], principal: Principal | None, code: object, year: object, action: str,
         call: Callable[[Session, Site, str, Template], Outcome]) -> Outcome:
    site_code = inputs.text(code, 32).strip()
    y = inputs.integer(year)
    if y is None or not 2000 <= y <= 2100:
        return Outcome(False, S.ERR_YEAR.format(text=inputs.text(year, 16)))
    if principal is None:
        return Outcome(False, S.ERR_LOGIN)
    with sessions() as s:
        site = _site(s, site_code)
        if site is None:
            return Outcome(False, S.ERR_SITE.format(code=site_code))
        try:
            p = require(principal, PERMISSION[action], site.node.city_code, site.node_code)
        except PermissionDenied as exc:
            return Outcome(False, str(exc))
        try:
            out = call(s, site, p.actor, template())
            if out.ok:
                s.commit()
            else:
                s.rollback()
            return out
        except ValueError as exc:  # TransitionError included: the workflow's Chinese message, nothing saved
            s.rollback()
            return Outcome(False, str(exc))


def _existing(s: Session, site: Site, year: object) -> AnnualReport | Outcome:
    """The site's report of ``year``, or the refusal saying it has not been generated."""
    y = int(inputs.integer(year) or 0)
    report = find(s, site.id, y)
    return report if report is not None else Outcome(False, S.ERR_NO_REPORT.format(code=site.code, year=y))


def perform_set(sessions: sessionmaker[Session], principal: Principal | None, *, code: object, year: object,
                key: object, value: object, now: datetime) -> Outcome:
    """Enter one field of the site's report by hand (validated by its type)."""
    field = inputs.text(key, 64).strip()
    text = inputs.text(value, 2000)
    if not field:
        return Outcome(False, S.ERR_FIELD)

    def call(s: Session, site: Site, actor: str, t: Template) -> Outcome:
        report = _existing(s, site, year)
        if isinstance(report, Outcome):
            return report
        stored = set_field(s, report, site, t, field, text, actor, now)
        return Outcome(True, S.OK_SET.format(label=t.field(field).label,
                                           value=T.YES if stored is True else T.NO if stored is False
                                           else "、".join(stored) if isinstance(stored, list) else stored))
    return _run(sessions, principal, code, year, "set", call)


def perform_move(sessions: sessionmaker[Session], principal: Principal | None, *, code: object, year: object,
                 action: object, reason: object, now: datetime) -> Outcome:
    """submit | review | return (``reason`` required) | publish."""
    name = inputs.text(action, 16)
    if name not in MOVES:
        return Outcome(False, S.ERR_ACTION.format(action=name))
    why = inputs.text(reason, 2000).strip()
    if name == "return" and not why:
        return Outcome(False, S.ERR_REASON)

    def call(s: Session, site: Site, actor: str, t: Template) -> Outcome:
        report = _existing(s, site, year)
        if isinstance(report, Outcome):
            return report
        old = report.state
        move(s, report, site, name, actor, now, t, why)
        return Outcome(True, S.OK_MOVE.format(old=T.STATE[old.value], new=T.STATE[report.state.value]))
    return _run(sessions, principal, code, year, name, call)


__all__ = ["PERMISSION", "Outcome", "TransitionError", "may", "perform_move", "perform_set"]
