"""The national new-media rules' verdicts kept as findings with their history (``new_media_finding``).

:func:`drafts` and :func:`plan` are pure: from one account's verdicts (newmedia/rules.py) to the findings
that hold, and from the stored findings to what opens, stays, reopens and resolves. :func:`reconcile_account`
and :func:`reconcile_all` apply that in the caller's transaction; the ``new_media`` collector calls it after
each collection, the ``new_media_rules`` collector sweeps every account on its interval (warnings approach with
time alone), and the statistics import calls it in the import's transaction.

Truth first: a rule whose verdict is 数据不足 (``not_judged``) or 未采集 (``not_collected``) is *not covered*:
nothing is opened for it and its open findings stay as they were (never resolved on missing data), like an
inspection run that failed. A rule judged ``ok`` resolves its open findings. ``veto`` and ``warning`` each
have their own fingerprint, so a warning that becomes a veto resolves and the veto opens with its own
``first_seen`` (since when the veto holds).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session, joinedload

from core.region import city_of
from core.severity import Severity
from db.lifecycle import apply_plan
from db.models import NewMediaAccount, Site
from db.models_media import NewMediaFinding, NewMediaState
from db.timestamps import aware
from newmedia.rules import NOT_COLLECTED, NOT_JUDGED, RULES, VETO, WARNING, MediaRules, Verdict, evaluate
from newmedia.store import observed

CHECK = "new_media"  # the check name alert rules of kind ``finding`` select these findings by
SEVERITY = {VETO: Severity.CRITICAL, WARNING: Severity.HIGH}


def fingerprint(rule: str, status: str) -> str:
    """The identity of a finding within its account and rule: sha1 of ``rule|status`` (hex)."""
    return hashlib.sha1(f"{rule}|{status}".encode()).hexdigest()


def kind_of(rule: str, veto: bool) -> str:
    """The finding kind alert rules match: ``media_<rule>_veto`` or ``media_<rule>_warning``."""
    return f"media_{rule}_{'veto' if veto else 'warning'}"


@dataclass(frozen=True)
class Draft:
    """A finding that holds now: one rule's veto or warning on one account."""

    rule: str
    status: str  # veto or warning
    detail: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    deadline: date | None = None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rule, self.status)


def drafts(verdicts: Sequence[Verdict], tz: tzinfo) -> tuple[list[Draft], frozenset[str]]:
    """(the findings that hold, the rules judged). A rule judged ok holds nothing but is covered; a rule
    not judged or not collected is not covered. ``deadline`` is the breach's day in ``tz``."""
    out: list[Draft] = []
    covered: set[str] = set()
    for v in verdicts:
        if v.status in (NOT_JUDGED, NOT_COLLECTED):
            continue
        covered.add(v.rule)
        if v.status in (VETO, WARNING):
            evidence = {**v.evidence, "days_left": v.days_left,
                        "deadline_at": v.deadline.isoformat(timespec="seconds") if v.deadline else None}
            out.append(Draft(v.rule, v.status, v.detail, evidence,
                             v.deadline.astimezone(tz).date() if v.deadline else None))
    return out, frozenset(covered)


@dataclass(frozen=True)
class Plan:
    """What changes for one account: ``updated``/``reopened`` pair a stored finding with its draft."""

    created: list[Draft] = field(default_factory=list)
    updated: list[tuple[Any, Draft]] = field(default_factory=list)
    reopened: list[tuple[Any, Draft]] = field(default_factory=list)
    resolved: list[Any] = field(default_factory=list)


def plan(existing: Sequence[Any], holding: Sequence[Draft], covered: frozenset[str]) -> Plan:
    """From the stored findings of one account (``rule``, ``fingerprint``, ``resolved_at``) to ``holding``:
    an open finding not holding is resolved only when its rule is ``covered`` (judged this time)."""
    by_key = {(r.rule, r.fingerprint): r for r in existing}
    out = Plan()
    seen: set[tuple[str, str]] = set()
    for d in holding:
        key = (d.rule, d.fingerprint)
        seen.add(key)
        row = by_key.get(key)
        if row is None:
            out.created.append(d)
        elif row.resolved_at is None:
            out.updated.append((row, d))
        else:
            out.reopened.append((row, d))
    out.resolved.extend(r for r in existing if r.resolved_at is None and (r.rule, r.fingerprint) not in seen
                        and r.rule in covered)
    return out


def _apply(row: NewMediaFinding, d: Draft, now: datetime) -> None:
    row.severity = SEVERITY[d.status]
    row.detail = d.detail
    row.evidence = dict(d.evidence)
    row.deadline = d.deadline
    row.veto = d.status == VETO
    row.last_seen = now


def reconcile_account(session: Session, account_id: int, state: NewMediaState | None, now: datetime,
                      rules: MediaRules, tz: tzinfo, existing: Sequence[NewMediaFinding] | None = None) -> Plan:
    """Judge one account's ``state`` as of ``now`` and store the result; flushed, the caller commits.
    ``existing``: the account's stored findings when the caller has read them already (a sweep)."""
    holding, covered = drafts(evaluate(observed(state), now, rules), tz)
    if existing is None:
        existing = session.scalars(select(NewMediaFinding).where(NewMediaFinding.account_id == account_id)).all()
    p = plan(existing, holding, covered)
    apply_plan(session, p, now,
               lambda d: NewMediaFinding(account_id=account_id, rule=d.rule, fingerprint=d.fingerprint,
                                         first_seen=now, reopen_count=0),
               lambda row, d: _apply(row, d, now))
    return p


def reconcile_all(session: Session, now: datetime, rules: MediaRules, tz: tzinfo,
                  where: ColumnElement[bool] | None = None) -> dict[str, int]:
    """Reconcile every enabled account (``where`` narrows them, e.g. ``db.scope.accounts_served``); returns the
    counts of findings created, reopened and resolved. Disabled accounts are neither judged nor changed."""
    q = select(NewMediaAccount.id, NewMediaState).outerjoin(
        NewMediaState, NewMediaState.account_id == NewMediaAccount.id).where(
        NewMediaAccount.enabled.is_(True), where if where is not None else true())
    counts = {"created": 0, "reopened": 0, "resolved": 0}
    stored: dict[int, list[NewMediaFinding]] = {}
    for row in session.scalars(select(NewMediaFinding)):  # one read for the whole sweep
        stored.setdefault(row.account_id, []).append(row)
    for account_id, state in session.execute(q.order_by(NewMediaAccount.id)).all():
        p = reconcile_account(session, account_id, state, now, rules, tz, stored.get(account_id, []))
        counts["created"] += len(p.created)
        counts["reopened"] += len(p.reopened)
        counts["resolved"] += len(p.resolved)
    return counts


@dataclass(frozen=True)
class MediaFindingView:
    """A stored finding detached from the session, with its account's identity. It reads like an inspection
    finding to the alert rules of kind ``finding`` (``check`` = ``new_media``, ``kind`` = :func:`kind_of`,
    ``location`` and ``account`` = the account's key ``platform:account_id``)."""

    id: int
    account: str
    account_name: str
    platform: str
    node_code: str
    city_code: str
    site_code: str
    rule: str
    severity: Severity
    detail: str
    evidence: Mapping[str, Any]
    deadline: date | None
    veto: bool
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None
    reopen_count: int
    check: str = CHECK

    @property
    def kind(self) -> str:
        return kind_of(self.rule, self.veto)

    @property
    def location(self) -> str:
        return self.account

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


def _view(row: NewMediaFinding, site_code: str | None) -> MediaFindingView:
    a = row.account
    return MediaFindingView(
        id=row.id, account=f"{a.platform.value}:{a.account_id}", account_name=a.name, platform=a.platform.value,
        node_code=a.node_code, city_code=city_of(a.node_code), site_code=site_code or "",
        rule=row.rule, severity=Severity(row.severity), detail=row.detail, evidence=row.evidence or {},
        deadline=row.deadline, veto=bool(row.veto), first_seen=aware(row.first_seen),
        last_seen=aware(row.last_seen), resolved_at=aware(row.resolved_at),
        reopen_count=row.reopen_count or 0)


def _query() -> Any:
    return (select(NewMediaFinding, Site.code)
            .join(NewMediaAccount, NewMediaAccount.id == NewMediaFinding.account_id)
            .outerjoin(Site, Site.id == NewMediaAccount.site_id)
            .options(joinedload(NewMediaFinding.account)))


def open_media_findings(session: Session, account_ids: Iterable[int] | None = None) -> list[MediaFindingView]:
    """Unresolved findings of enabled accounts (of ``account_ids`` when given), vetoes first, then by account
    and rule (:data:`newmedia.rules.RULES` order)."""
    q = (_query().where(NewMediaFinding.resolved_at.is_(None), NewMediaAccount.enabled.is_(True)))
    if account_ids is not None:
        q = q.where(NewMediaFinding.account_id.in_(list(account_ids)))
    views = [_view(r, code) for r, code in session.execute(q).all()]
    order = {r: i for i, r in enumerate(RULES)}
    views.sort(key=lambda v: (not v.veto, v.account, order.get(v.rule, len(order))))
    return views


def media_finding_history(session: Session, account_id: int) -> list[MediaFindingView]:
    """Every finding of one account, open and resolved, newest first-seen first."""
    q = _query().where(NewMediaFinding.account_id == account_id)
    return sorted((_view(r, code) for r, code in session.execute(q).all()), key=lambda v: (v.first_seen, v.id),
                  reverse=True)
