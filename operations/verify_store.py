"""Manual verification, persisted: decisions on findings, the inspectors' queue, manual entries and sign-offs.

Every function checks the actor's region scope (operations/access.py), validates with the pure modules
before writing, writes one audit entry with the change and commits the session it is given; a refusal
or bad input raises (VerifyScopeError, VerifyError) with nothing saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core.i18n.verification import DECISION_KIND, DISMISS_REASON, ENTRY_KIND, TV
from core.severity import Severity
from db.models import Finding, Node, Site
from db.models_operations import FindingDecision, ManualEntry, ScoreSignoff
from db.timestamps import aware
from operations import decisions, entries, sheets
from operations.access import Actor, guard_site, load_site, region_clause, visible
from operations.decisions import DecisionKind, DecisionRecord, DecisionStatus
from operations.errors import VerifyError
from operations.periods import Period, parse
from security import audit


def digest_of(f: Finding) -> str:
    return decisions.evidence_digest(f.check, f.kind, f.location, f.evidence or {})


def _record(d: FindingDecision) -> DecisionRecord:
    return DecisionRecord(d.kind, d.evidence_digest, aware(d.decided_at))


def _started(p: Period, now: datetime) -> None:
    """Refuse work on a period that has not begun yet (a typo like 2062Q4 would otherwise file silently)."""
    if p.start > (now.astimezone(UTC) + timedelta(days=1)).date():  # a day's slack: any zone east of UTC
        raise VerifyError(TV.PERIOD_NOT_STARTED.format(period=p.code, start=p.start.isoformat()))


def latest_decisions(session: Session, finding_ids: Sequence[int]) -> dict[int, FindingDecision]:
    """The newest decision of each finding that has one."""
    out: dict[int, FindingDecision] = {}
    ids = list(finding_ids)
    for i in range(0, len(ids), 500):
        q = (select(FindingDecision).where(FindingDecision.finding_id.in_(ids[i:i + 500]))
             .order_by(FindingDecision.decided_at, FindingDecision.id))
        for d in session.scalars(q):
            out[d.finding_id] = d  # later rows overwrite earlier ones
    return out


def decision_statuses(session: Session, findings: Sequence[Finding]) -> dict[int, DecisionStatus]:
    """Each finding's verification status now (its newest decision against its evidence now): what scoring
    reads to leave out findings an inspector dismissed (已排除) while their evidence is unchanged. No scope
    check: the scoring run reads every site."""
    latest = latest_decisions(session, [f.id for f in findings])
    return {f.id: decisions.status(_record(latest[f.id]) if f.id in latest else None, digest_of(f))
            for f in findings}


def decide(session: Session, finding_id: int, actor: Actor, now: datetime, kind: str, reason: str | None = None,
           note: str = "") -> FindingDecision:
    """Confirm or dismiss a finding as its evidence is now; returns the stored decision."""
    draft = decisions.validate(kind, reason, note)
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise VerifyError(TV.NO_FINDING.format(id=finding_id))
    site = session.scalar(select(Site).options(joinedload(Site.node)).where(Site.id == finding.site_id))
    assert site is not None
    confirmed = draft.kind is DecisionKind.CONFIRMED
    guard_site(session, actor, site, "verify.confirm" if confirmed else "verify.dismiss", "inspection_finding",
               finding_id, now, f"核验问题 #{finding_id}")
    row = FindingDecision(finding_id=finding_id, kind=draft.kind.value,
                          reason=draft.reason.value if draft.reason else None, note=draft.note,
                          evidence_digest=digest_of(finding), decided_by=actor.username, decided_at=now)
    session.add(row)
    reason_zh = f"（{DISMISS_REASON[draft.reason.value]}）" if draft.reason else ""
    audit.record(session, actor.username, "verify.confirm" if confirmed else "verify.dismiss", "inspection_finding",
                 finding_id, at=now, scope_code=site.node.city_code, remote_addr=actor.remote_addr,
                 summary=TV.AUDIT_DECIDE.format(id=finding_id, site=site.code, kind=DECISION_KIND[draft.kind.value],
                                                reason=reason_zh, note=f"：{draft.note}" if draft.note else ""),
                 detail={"kind": draft.kind.value, "reason": row.reason, "digest": row.evidence_digest})
    session.commit()
    return row


@dataclass(frozen=True)
class QueueItem:
    """An open finding with its verification status, for the queue and the score sheet."""

    finding_id: int
    site_code: str
    site_name: str
    city_code: str
    check: str
    kind: str
    location: str
    severity: Severity
    detail: str
    status: DecisionStatus
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    note: str


def queue(session: Session, actor: Actor, region: str | None = None, *, include_decided: bool = False,
          limit: int = 1000) -> list[QueueItem]:
    """Open findings of the actor's sites (narrowed to ``region`` when given) that need verification:
    never decided, or decided on evidence that has changed since. ``include_decided`` lists all open ones.
    Worst first, then by site; at most ``limit``."""
    q = (select(Finding).join(Site, Site.id == Finding.site_id).join(Node, Node.code == Site.node_code)
         .options(joinedload(Finding.site).joinedload(Site.node))
         .where(Finding.resolved_at.is_(None), region_clause(actor, region)))
    rows = [f for f in session.scalars(q) if visible(actor, f.site)]
    latest = latest_decisions(session, [f.id for f in rows])
    out: list[QueueItem] = []
    for f in rows:
        d = latest.get(f.id)
        st = decisions.status(_record(d) if d else None, digest_of(f))
        if not include_decided and not decisions.needs_review(st):
            continue
        out.append(QueueItem(f.id, f.site.code, f.site.name, f.site.node.city_code, f.check, f.kind, f.location,
                             Severity(f.severity), f.detail, st, d.decided_by if d else None,
                             aware(d.decided_at) if d else None, d.reason if d else None, d.note if d else ""))
    out.sort(key=lambda i: (i.severity.rank, i.site_code, i.check, i.kind, i.location))
    return out[:limit]


def add_entry(session: Session, actor: Actor, now: datetime, site_code: str, period: str, kind: str, code: str,
              points: str | float, note: str, evidence: str = "") -> ManualEntry:
    """Add a manual deduction or bonus item to a site's sheet for a period."""
    draft = entries.validate(period, kind, code, points, note, evidence)
    _started(draft.period, now)
    site = load_site(session, site_code)
    guard_site(session, actor, site, "verify.entry.add", "score_sheet", f"{site.code}/{draft.period}", now,
               f"添加 {draft.period} 人工条目")
    row = ManualEntry(site_id=site.id, period=draft.period.code, kind=draft.kind.value, code=draft.code,
                      points=draft.points, note=draft.note, evidence=draft.evidence, created_by=actor.username,
                      created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor.username, "verify.entry.add", "manual_entry", row.id, at=now,
                 scope_code=site.node.city_code, remote_addr=actor.remote_addr,
                 summary=TV.AUDIT_ENTRY_ADD.format(site=site.code, period=row.period, kind=ENTRY_KIND[row.kind],
                                                   code=row.code, points=row.points, note=row.note),
                 detail={"site": site.code, "period": row.period, "kind": row.kind, "code": row.code,
                         "points": row.points})
    session.commit()
    return row


def withdraw_entry(session: Session, actor: Actor, now: datetime, entry_id: int, note: str) -> ManualEntry:
    """Withdraw a manual entry (kept, marked withdrawn); a note is required."""
    if not (note or "").strip():
        raise VerifyError("撤回人工条目需要说明（--note）")
    row = session.get(ManualEntry, entry_id)
    if row is None:
        raise VerifyError(TV.NO_ENTRY.format(id=entry_id))
    if row.withdrawn_at is not None:
        raise VerifyError(TV.ENTRY_WITHDRAWN.format(id=entry_id))
    site = session.scalar(select(Site).options(joinedload(Site.node)).where(Site.id == row.site_id))
    assert site is not None
    guard_site(session, actor, site, "verify.entry.withdraw", "manual_entry", entry_id, now,
               f"撤回人工条目 #{entry_id}")
    row.withdrawn_at, row.withdrawn_by = now, actor.username
    audit.record(session, actor.username, "verify.entry.withdraw", "manual_entry", entry_id, at=now,
                 scope_code=site.node.city_code, remote_addr=actor.remote_addr,
                 summary=TV.AUDIT_ENTRY_WITHDRAW.format(site=site.code, period=row.period, kind=ENTRY_KIND[row.kind],
                                                        id=entry_id, note=note.strip()))
    session.commit()
    return row


def list_entries(session: Session, actor: Actor, site_code: str, period: str, *,
                 include_withdrawn: bool = True) -> list[ManualEntry]:
    """A site's manual entries for a period, oldest first (scope-checked; reading is not audited)."""
    p = parse(period)
    site = load_site(session, site_code)
    if not visible(actor, site):
        guard_site(session, actor, site, "verify.entry.list", "score_sheet", f"{site.code}/{p.code}",
                   datetime.now(UTC), "查看人工条目", permission=None)
    q = select(ManualEntry).where(ManualEntry.site_id == site.id, ManualEntry.period == p.code)
    if not include_withdrawn:
        q = q.where(ManualEntry.withdrawn_at.is_(None))
    return list(session.scalars(q.order_by(ManualEntry.created_at, ManualEntry.id)))


def manual_facts(session: Session, site_id: int, period: str) -> dict[str, list[dict[str, Any]]]:
    """A site's live manual entries for a period in the shape of the scoring facts
    (``deductions: [{indicator, points, note}]``, ``bonus: [{item, points, note}]``), plus who, when and
    the evidence: the input inspection/scoring.py reads. No scope check: the scoring run reads every site."""
    p = parse(period)
    rows = session.scalars(select(ManualEntry).where(ManualEntry.site_id == site_id, ManualEntry.period == p.code,
                                                     ManualEntry.withdrawn_at.is_(None))
                           .order_by(ManualEntry.created_at, ManualEntry.id))
    out: dict[str, list[dict[str, Any]]] = {"deductions": [], "bonus": []}
    for r in rows:
        key = "indicator" if r.kind == entries.EntryKind.DEDUCTION else "item"
        out["deductions" if key == "indicator" else "bonus"].append(
            {key: r.code, "points": r.points, "note": r.note, "evidence": r.evidence, "entry_id": r.id,
             "by": r.created_by, "at": aware(r.created_at).isoformat()})
    return out


def sign_off(session: Session, actor: Actor, now: datetime, site_code: str, period: str,
             note: str = "") -> ScoreSignoff:
    """Sign a site's score sheet for a period (a newer sign-off supersedes the older; both are kept)."""
    p = parse(period)
    _started(p, now)
    site = load_site(session, site_code)
    guard_site(session, actor, site, "verify.signoff", "score_sheet", f"{site.code}/{p.code}", now,
               f"签核 {p.code} 评分表")
    row = ScoreSignoff(site_id=site.id, period=p.code, signed_by=actor.username, signed_at=now,
                       note=(note or "").strip())
    session.add(row)
    session.flush()
    audit.record(session, actor.username, "verify.signoff", "score_sheet", f"{site.code}/{p.code}", at=now,
                 scope_code=site.node.city_code, remote_addr=actor.remote_addr,
                 summary=TV.AUDIT_SIGNOFF.format(site=site.code, period=p.code,
                                                 note=f"：{row.note}" if row.note else ""))
    session.commit()
    return row


def sheet_changes(session: Session, site_id: int, period: str) -> list[sheets.Change]:
    """Every decision and manual entry that bears on a site's sheet for a period."""
    p = parse(period)
    out: list[sheets.Change] = []
    for e in session.scalars(select(ManualEntry).where(ManualEntry.site_id == site_id, ManualEntry.period == p.code)):
        kind = ENTRY_KIND[e.kind]
        out.append(sheets.Change(aware(e.created_at), e.created_by, f"添加{kind} {e.code} {e.points:g} 分",
                                 "manual_entry", e.id))
        if e.withdrawn_at is not None:
            out.append(sheets.Change(aware(e.withdrawn_at), e.withdrawn_by or "", f"撤回{kind} #{e.id}",
                                     "manual_entry", e.id))
    q = (select(FindingDecision, Finding).join(Finding, Finding.id == FindingDecision.finding_id)
         .where(Finding.site_id == site_id))
    for d, f in session.execute(q):
        if not sheets.finding_in_period(aware(f.first_seen), aware(f.resolved_at) if f.resolved_at else None, p):
            continue
        reason = f"（{DISMISS_REASON[d.reason]}）" if d.reason else ""
        out.append(sheets.Change(aware(d.decided_at), d.decided_by,
                                 f"{DECISION_KIND[d.kind]}问题 #{f.id}{reason}", "finding_decision", d.id))
    return out


def sheet_status(session: Session, actor: Actor, site_code: str, period: str) -> sheets.SheetStatus:
    """Signed, unsigned or 签核后已变更 (with what changed after the newest sign-off)."""
    p = parse(period)
    site = load_site(session, site_code)
    if not visible(actor, site):
        guard_site(session, actor, site, "verify.sheet", "score_sheet", f"{site.code}/{p.code}",
                   datetime.now(UTC), "查看评分表", permission=None)
    last = session.scalar(select(ScoreSignoff).where(ScoreSignoff.site_id == site.id, ScoreSignoff.period == p.code)
                          .order_by(ScoreSignoff.signed_at.desc(), ScoreSignoff.id.desc()).limit(1))
    if last is None:
        return sheets.sheet_status(None, None, [])
    return sheets.sheet_status(last.signed_by, aware(last.signed_at), sheet_changes(session, site.id, p.code))
