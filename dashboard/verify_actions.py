"""The verification page's state changes (/verify): decide on findings, add and withdraw manual entries, sign off a
score sheet, draft, issue and answer rectification notices; one ``perform_*`` function per action between a Dash
callback and operations/verify_store.py / operations/notice_store.py.

Each validates the form values (dashboard.inputs; indicator codes from the indicator table), then
:func:`_perform` checks the principal's permission and region (security.auth.require, on the site the object
belongs to) and runs the domain function in its own session (which audits and commits); each returns an
:class:`~dashboard.alert_actions.Outcome` with a Chinese message. Expected refusals never raise and write
nothing: no login, a kiosk wall, another city, bad input, a stale row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from core.i18n.verification import DISMISS_REASON, ENTRY_KIND, NOTICE_STATE, TVA
from dashboard import inputs
from dashboard.alert_actions import Outcome
from db.models import Finding, Site
from db.models_operations import ManualEntry, RectificationNotice
from inspection.indicators import IndicatorTable, load_indicators
from operations import notice_store, verify_store
from operations.access import Actor
from operations.errors import VerifyError, VerifyScopeError, VerifyTransitionError
from security.auth import Action, PermissionDenied, Principal, require

__all__ = ["Outcome", "code_choices", "indicator_table", "perform_add_entry", "perform_answer", "perform_confirm",
           "perform_create_notice", "perform_dismiss", "perform_issue_notice", "perform_sign_off",
           "perform_withdraw_entry"]

DomainError = (VerifyError, VerifyScopeError, VerifyTransitionError)


@lru_cache(maxsize=1)
def indicator_table() -> IndicatorTable:
    """The indicator table in force (data/inspection/indicators.toml), read once per process."""
    return load_indicators()


def code_choices(kind: str, table: IndicatorTable | None = None) -> list[tuple[str, str, str]]:
    """``(code, Chinese name, points)`` a manual entry of ``kind`` may name: the deduction indicators for
    ``deduction``, the bonus items for ``bonus``; empty for anything else. Pure given the table."""
    t = table or indicator_table()
    if kind == "deduction":
        return [(i.code, i.name, f"{float(i.points):g}") for i in t.indicators]
    if kind == "bonus":
        return [(b.code, b.name, f"{float(b.points):g}") for b in t.bonus]
    return []


def _actor(p: Principal, remote_addr: str | None) -> Actor:
    return Actor(p.actor, p.scope_code, remote_addr, p.role.value if p.role is not None else None)


def _allowed(principal: Principal | None, action: Action, site: Site) -> Principal | Outcome:
    try:
        return require(principal, action, site.node.city_code, site.node_code)
    except PermissionDenied as exc:
        return Outcome(False, str(exc) if principal is not None else TVA.ERR_LOGIN)


def _site(session: Session, code: str) -> Site | None:
    return session.scalar(select(Site).options(joinedload(Site.node)).where(Site.code == code))


def _perform(sessions: sessionmaker[Session], principal: Principal | None, action: Action,
             locate: Callable[[Session], Site | Outcome], remote_addr: str | None,
             call: Callable[[Session, Actor], Outcome]) -> Outcome:
    """The shape every ``perform_*`` shares: in one session, find the site the object belongs to (``locate``
    returns it, or the refusal when the object is gone), check ``action`` there, then run the domain ``call``
    as the principal; the call's refusals (bad input, state, version) become a message with nothing saved."""
    with sessions() as s:
        site = locate(s)
        if isinstance(site, Outcome):
            return site
        p = _allowed(principal, action, site)
        if isinstance(p, Outcome):
            return p
        try:
            return call(s, _actor(p, remote_addr))
        except DomainError as exc:
            s.rollback()
            return Outcome(False, str(exc))


def _by_code(code: str) -> Callable[[Session], Site | Outcome]:
    def locate(session: Session) -> Site | Outcome:
        site = _site(session, code)
        return site if site is not None else Outcome(False, f"站点 {code} 不存在")
    return locate


def _decide(sessions: sessionmaker[Session], principal: Principal | None, finding_id: object, kind: str,
            reason: str | None, note: object, now: datetime, remote_addr: str | None) -> Outcome:
    ident = inputs.integer(finding_id)
    if ident is None:
        return Outcome(False, TVA.ERR_FINDING_GONE.format(id=inputs.text(finding_id, 20)))
    text = inputs.text(note, 2000).strip()

    def locate(session: Session) -> Site | Outcome:
        f = session.get(Finding, ident)
        site = _site_by_id(session, f.site_id) if f is not None else None
        if f is None or site is None or f.resolved_at is not None:  # the queue lists open findings only
            return Outcome(False, TVA.ERR_FINDING_GONE.format(id=ident))
        return site

    def call(session: Session, actor: Actor) -> Outcome:
        verify_store.decide(session, ident, actor, now, kind, reason, text)
        if reason is None:
            return Outcome(True, TVA.OK_CONFIRM.format(id=ident))
        return Outcome(True, TVA.OK_DISMISS.format(id=ident, reason=DISMISS_REASON[reason]))
    return _perform(sessions, principal, Action.VERIFY, locate, remote_addr, call)


def _site_by_id(session: Session, site_id: int) -> Site | None:
    return session.scalar(select(Site).options(joinedload(Site.node)).where(Site.id == site_id))


def perform_confirm(sessions: sessionmaker[Session], principal: Principal | None, finding_id: object, note: object,
                    now: datetime, remote_addr: str | None = None) -> Outcome:
    """Confirm an open finding as its evidence is now (needs 人工核验 on the finding's site)."""
    return _decide(sessions, principal, finding_id, "confirmed", None, note, now, remote_addr)


def perform_dismiss(sessions: sessionmaker[Session], principal: Principal | None, finding_id: object, reason: object,
                    note: object, now: datetime, remote_addr: str | None = None) -> Outcome:
    """Dismiss an open finding with a reason of the closed set (其他 needs a note)."""
    why = inputs.text(reason, 32)
    if why not in DISMISS_REASON:
        return Outcome(False, TVA.ERR_NEED_REASON)
    return _decide(sessions, principal, finding_id, "dismissed", why, note, now, remote_addr)


def perform_add_entry(sessions: sessionmaker[Session], principal: Principal | None, *, site_code: object,
                      period: object, kind: object, code: object, points: object, note: object, evidence: object,
                      now: datetime, remote_addr: str | None = None, table: IndicatorTable | None = None) -> Outcome:
    """Add a manual deduction (an indicator of the table) or bonus item (a bonus item of the table) to a site's
    sheet for a period."""
    site_code, period_text = inputs.text(site_code, 32).strip(), inputs.text(period, 16).strip()
    kind_text, code_text = inputs.text(kind, 16), inputs.text(code, 64).strip()
    if not site_code:
        return Outcome(False, TVA.ERR_NEED_SITE)
    if not period_text:
        return Outcome(False, TVA.ERR_NEED_PERIOD)
    if kind_text not in ENTRY_KIND:
        return Outcome(False, TVA.ERR_KIND)
    t = table or indicator_table()
    if code_text not in {c for c, _, _ in code_choices(kind_text, t)}:
        return Outcome(False, TVA.ERR_CODE.format(code=code_text, version=t.version, kind=ENTRY_KIND[kind_text]))
    value = inputs.number(points)
    pts: str | float = value if value is not None else inputs.text(points, 64)

    def call(session: Session, actor: Actor) -> Outcome:
        row = verify_store.add_entry(session, actor, now, site_code, period_text, kind_text, code_text, pts,
                                     inputs.text(note, 2000), inputs.text(evidence, 2000))
        return Outcome(True, TVA.OK_ENTRY.format(kind=ENTRY_KIND[row.kind], id=row.id, site=site_code,
                                                 period=row.period, code=row.code, points=row.points))
    return _perform(sessions, principal, Action.VERIFY, _by_code(site_code), remote_addr, call)


def perform_withdraw_entry(sessions: sessionmaker[Session], principal: Principal | None, entry_id: object,
                           note: object, now: datetime, remote_addr: str | None = None) -> Outcome:
    """Withdraw a live manual entry (kept, marked withdrawn); a note is required."""
    ident = inputs.integer(entry_id)
    if ident is None:
        return Outcome(False, TVA.ERR_ENTRY_GONE.format(id=inputs.text(entry_id, 20)))
    text = inputs.text(note, 2000).strip()
    if not text:
        return Outcome(False, TVA.ERR_NEED_WITHDRAW_NOTE)

    def locate(session: Session) -> Site | Outcome:
        row = session.get(ManualEntry, ident)
        site = _site_by_id(session, row.site_id) if row is not None else None
        return site if site is not None else Outcome(False, TVA.ERR_ENTRY_GONE.format(id=ident))

    def call(session: Session, actor: Actor) -> Outcome:
        verify_store.withdraw_entry(session, actor, now, ident, text)
        return Outcome(True, TVA.OK_WITHDRAW.format(id=ident))
    return _perform(sessions, principal, Action.VERIFY, locate, remote_addr, call)


def perform_sign_off(sessions: sessionmaker[Session], principal: Principal | None, *, site_code: object,
                     period: object, note: object, now: datetime, remote_addr: str | None = None) -> Outcome:
    """Sign a site's score sheet for a period."""
    code, period_text = inputs.text(site_code, 32).strip(), inputs.text(period, 16).strip()
    if not code:
        return Outcome(False, TVA.ERR_NEED_SITE)
    if not period_text:
        return Outcome(False, TVA.ERR_NEED_PERIOD)

    def call(session: Session, actor: Actor) -> Outcome:
        row = verify_store.sign_off(session, actor, now, code, period_text, inputs.text(note, 2000))
        return Outcome(True, TVA.OK_SIGNOFF.format(site=code, period=row.period))
    return _perform(sessions, principal, Action.VERIFY, _by_code(code), remote_addr, call)


def _ids(values: object) -> list[int] | None:
    """Finding ids from a multi-select (a list of ids); None when any is not an id."""
    if not isinstance(values, list | tuple):
        return None
    out = [inputs.integer(v) for v in values]
    return None if any(v is None for v in out) else [v for v in out if v is not None]


def perform_create_notice(sessions: sessionmaker[Session], principal: Principal | None, *, site_code: object,
                          finding_ids: object, deadline: object, note: object, now: datetime,
                          remote_addr: str | None = None) -> Outcome:
    """Draft a rectification notice listing selected open findings of one site with a deadline (a date)."""
    code = inputs.text(site_code, 32).strip()
    if not code:
        return Outcome(False, TVA.ERR_NEED_SITE)
    ids = _ids(finding_ids)
    if not ids:
        return Outcome(False, TVA.ERR_NEED_FINDINGS)
    raw = inputs.text(deadline, 32).strip()
    try:
        due = date.fromisoformat(raw)
    except ValueError:
        return Outcome(False, TVA.ERR_DEADLINE.format(value=raw))
    tz = now.tzinfo or UTC

    def call(session: Session, actor: Actor) -> Outcome:
        n = notice_store.create_notice(session, actor, now, code, ids, due, inputs.text(note, 2000), tz=tz)
        return Outcome(True, TVA.OK_NOTICE.format(id=n.id, n=len(ids), deadline=due.isoformat(),
                                                  addressee=n.addressee))
    return _perform(sessions, principal, Action.VERIFY, _by_code(code), remote_addr, call)


def _notice_site(notice_id: int) -> Callable[[Session], Site | Outcome]:
    def locate(session: Session) -> Site | Outcome:
        n = session.get(RectificationNotice, notice_id)
        site = _site_by_id(session, n.site_id) if n is not None else None
        return site if site is not None else Outcome(False, TVA.ERR_NOTICE_GONE.format(id=notice_id))
    return locate


def perform_issue_notice(sessions: sessionmaker[Session], principal: Principal | None, notice_id: object,
                         version: object, now: datetime, remote_addr: str | None = None) -> Outcome:
    """Issue a draft notice read at ``version`` (a stale version is refused: someone changed it since)."""
    ident = inputs.integer(notice_id)
    if ident is None:
        return Outcome(False, TVA.ERR_NOTICE_GONE.format(id=inputs.text(notice_id, 20)))
    seen = inputs.integer(version)

    def call(session: Session, actor: Actor) -> Outcome:
        notice_store.issue_notice(session, actor, now, ident, seen)
        return Outcome(True, TVA.OK_ISSUE.format(id=ident))
    return _perform(sessions, principal, Action.VERIFY, _notice_site(ident), remote_addr, call)


def perform_answer(sessions: sessionmaker[Session], principal: Principal | None, *, notice_id: object,
                   finding_id: object, text: object, evidence: object, version: object, now: datetime,
                   remote_addr: str | None = None) -> Outcome:
    """The site owner's answer to one problem of a notice read at ``version`` (needs 答复整改通知)."""
    ident, finding = inputs.integer(notice_id), inputs.integer(finding_id)
    if ident is None:
        return Outcome(False, TVA.ERR_NOTICE_GONE.format(id=inputs.text(notice_id, 20)))
    if finding is None:
        return Outcome(False, TVA.ERR_NEED_PROBLEM)
    answer = inputs.text(text, 4000).strip()
    if not answer:
        return Outcome(False, TVA.ERR_NEED_ANSWER)
    seen = inputs.integer(version)

    def call(session: Session, actor: Actor) -> Outcome:
        n = notice_store.answer_problem(session, actor, now, ident, finding, answer, inputs.text(evidence, 2000),
                                        seen)
        return Outcome(True, TVA.OK_ANSWER.format(id=ident, finding=finding, state=NOTICE_STATE[n.state]))
    return _perform(sessions, principal, Action.ANSWER_RECTIFICATION, _notice_site(ident), remote_addr, call)
