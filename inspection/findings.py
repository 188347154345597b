"""Findings across runs: reconcile a check's drafts with what is stored, then persist and query.

:func:`reconcile` is pure: it decides which findings are new, still present, back after resolution,
or gone. :func:`save_result` applies that plan for one (site, check) after a *successful* run; a run
that failed (CheckError, timeout, crash) must not call it, so its findings stay open. Nothing is ever
deleted: a finding that disappears is resolved, one that comes back is reopened.

What a check found comes from sites nobody here controls, so everything is made storable before it is
written (:func:`clean_text`, :func:`json_safe`): NUL characters are dropped (PostgreSQL text and JSON refuse
them), lone surrogates from undecodable bytes become U+FFFD (no driver and no UTF-8 output can encode
them), and non-finite numbers in evidence and stats become null (PostgreSQL's JSON refuses NaN).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from db.lifecycle import apply_plan
from db.models import CheckRun, Finding, Node, RunStatus, Site
from db.timestamps import aware
from inspection.base import CheckResult, FindingDraft, Severity

LOCATION_MAX = 2048
KIND_MAX = 48  # db.models.Finding.kind: a check's own vocabulary, never page content


def fingerprint(check: str, kind: str, location: str) -> str:
    """The identity of a finding within its site: sha1 of ``check|kind|location`` (hex)."""
    return hashlib.sha1(f"{check}|{kind}|{location}".encode()).hexdigest()


def draft_fingerprint(d: FindingDraft) -> str:
    return fingerprint(d.check, d.kind, d.location)


class FindingRecord(Protocol):
    """What reconcile needs of a stored finding (db.models.Finding satisfies it)."""

    fingerprint: str
    resolved_at: datetime | None


@dataclass(frozen=True)
class ReconcilePlan:
    """``updated``/``reopened`` pair each stored record with the draft that matches it."""

    at: datetime
    created: list[FindingDraft] = field(default_factory=list)
    updated: list[tuple[Any, FindingDraft]] = field(default_factory=list)
    reopened: list[tuple[Any, FindingDraft]] = field(default_factory=list)
    resolved: list[Any] = field(default_factory=list)


def dedupe(drafts: Sequence[FindingDraft]) -> list[FindingDraft]:
    """One draft per fingerprint, the most severe one (the first among equals), in first-seen order."""
    best: dict[str, FindingDraft] = {}
    for d in drafts:
        fp = draft_fingerprint(d)
        if fp not in best or Severity(d.severity).rank < Severity(best[fp].severity).rank:
            best[fp] = d
    return list(best.values())


def reconcile(existing: Sequence[FindingRecord], drafts: Sequence[FindingDraft], now: datetime,
              covered: frozenset[str] | None = None) -> ReconcilePlan:
    """Plan the transition from the stored findings of one (site, check) to a successful run's drafts.

    ``covered``: the locations the run looked at (None: all of the site); an open finding not seen again is
    resolved only when its location was looked at, otherwise it stays open as it was."""
    by_fp = {r.fingerprint: r for r in existing}
    plan = ReconcilePlan(at=now)
    seen: set[str] = set()
    for d in dedupe(drafts):
        fp = draft_fingerprint(d)
        seen.add(fp)
        record = by_fp.get(fp)
        if record is None:
            plan.created.append(d)
        elif record.resolved_at is None:
            plan.updated.append((record, d))
        else:
            plan.reopened.append((record, d))
    plan.resolved.extend(r for r in existing if r.resolved_at is None and r.fingerprint not in seen
                         and (covered is None or getattr(r, "location", None) in covered))
    return plan


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` without NUL characters and with every lone surrogate replaced by U+FFFD."""
    if not _UNSTORABLE.search(text):
        return text
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(k): _clean(v) for k, v in value.items()}
    return value


def json_safe(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` as the JSON column stores and returns it: dates and other values as strings, tuples as lists,
    then cleaned (:func:`clean_text` on keys and strings, non-finite numbers as null)."""
    return _clean(json.loads(json.dumps(dict(data), ensure_ascii=False, default=str)))


def _storable(d: FindingDraft) -> FindingDraft:
    return replace(d, check=clean_text(d.check), kind=clean_text(d.kind), location=clean_text(d.location),
                   detail=clean_text(d.detail))


def _apply(row: Finding, d: FindingDraft, now: datetime) -> None:
    row.severity = Severity(d.severity)
    row.detail = d.detail
    row.evidence = json_safe(d.evidence)
    row.deadline = d.deadline
    row.veto = bool(d.veto)
    row.last_seen = now


def save_result(session: Session, site_id: int, result: CheckResult, now: datetime) -> ReconcilePlan:
    """Persist a successful run's findings for (site, ``result.check``); returns what changed.

    Raises ValueError (before writing anything) when a draft belongs to another check or has an
    empty location or kind. Text and evidence are stored cleaned (see the module docstring).
    """
    drafts = [_storable(d) for d in result.findings]
    for d in drafts:
        if d.check != result.check:
            raise ValueError(f"finding {d.kind!r} at {d.location!r} says check {d.check!r}, "
                             f"but the result is of check {result.check!r}")
        if not d.kind or not d.location:
            raise ValueError(f"check {result.check}: a finding needs a kind and a location, got {d!r}")
        if len(d.kind) > KIND_MAX:
            raise ValueError(f"check {result.check}: a finding's kind is at most {KIND_MAX} characters, "
                             f"got {d.kind[:60]!r}…")
        Severity(d.severity)
    existing = session.scalars(select(Finding).where(Finding.site_id == site_id,
                                                     Finding.check == result.check)).all()
    covered = None if result.covered is None else frozenset(u[:LOCATION_MAX] for u in result.covered)
    plan = reconcile(existing, drafts, now, covered)
    apply_plan(session, plan, now,
               lambda d: Finding(site_id=site_id, check=d.check, kind=d.kind, location=d.location[:LOCATION_MAX],
                                 fingerprint=draft_fingerprint(d), first_seen=now, reopen_count=0),
               lambda row, d: _apply(row, d, now))
    return plan


def record_run(session: Session, site_id: int, check: str, *, as_of: datetime, started_at: datetime,
               finished_at: datetime, status: RunStatus | str, error: str | None = None,
               stats: Mapping[str, Any] | None = None, findings: int = 0,
               facts: Mapping[str, Any] | None = None) -> CheckRun:
    """Add one :class:`CheckRun` row (the caller's transaction commits it). ``facts``: the values the check
    read from the site (CheckResult.facts), kept with the run so reports read the latest (None when none)."""
    run = CheckRun(site_id=site_id, check=check, as_of=as_of, started_at=started_at, finished_at=finished_at,
                   status=RunStatus(status), error=clean_text(error)[:4000] if error else None,
                   stats=json_safe(stats or {}), findings=findings, facts=json_safe(facts) if facts else None)
    session.add(run)
    session.flush()
    return run


@dataclass(frozen=True)
class FindingView:
    """A stored finding detached from the session, with its site's identity, for screens and the CLI."""

    id: int
    site_code: str
    site_name: str
    node_code: str
    city_code: str
    check: str
    kind: str
    location: str
    severity: Severity
    detail: str
    evidence: Mapping[str, Any]
    deadline: date | None
    veto: bool
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None
    reopen_count: int

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: dates in ISO form, severity as its value."""
        return {"site_code": self.site_code, "site_name": self.site_name, "city_code": self.city_code,
                "check": self.check, "kind": self.kind, "location": self.location,
                "severity": self.severity.value, "detail": self.detail, "evidence": dict(self.evidence),
                "deadline": self.deadline.isoformat() if self.deadline else None, "veto": self.veto,
                "first_seen": self.first_seen.isoformat(), "last_seen": self.last_seen.isoformat(),
                "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
                "reopen_count": self.reopen_count}


def _view(row: Finding) -> FindingView:
    site = row.site
    node: Node = site.node
    return FindingView(id=row.id, site_code=site.code, site_name=site.name, node_code=site.node_code,
                       city_code=node.city_code, check=row.check, kind=row.kind, location=row.location,
                       severity=Severity(row.severity), detail=row.detail, evidence=row.evidence or {},
                       deadline=row.deadline, veto=row.veto, first_seen=aware(row.first_seen),
                       last_seen=aware(row.last_seen), resolved_at=aware(row.resolved_at),
                       reopen_count=row.reopen_count or 0)


def _query(site_codes: Sequence[str] | None, checks: Sequence[str] | None) -> Any:
    q = select(Finding).join(Site).options(joinedload(Finding.site).joinedload(Site.node))
    if site_codes is not None:
        q = q.where(Site.code.in_(list(site_codes)))
    if checks is not None:
        q = q.where(Finding.check.in_(list(checks)))
    return q


def open_findings(session: Session, site_codes: Sequence[str] | None = None,
                  checks: Sequence[str] | None = None, *, own_only: bool = False) -> list[FindingView]:
    """Unresolved findings, worst first, then by site, check, kind and location; ``own_only`` leaves out the
    ones mirrored from a city node (``origin_node``), which that city alerts on itself."""
    q = _query(site_codes, checks).where(Finding.resolved_at.is_(None))
    if own_only:
        q = q.where(Finding.origin_node.is_(None))
    rows = session.scalars(q).all()
    views = [_view(r) for r in rows]
    views.sort(key=lambda v: (v.severity.rank, v.site_code, v.check, v.kind, v.location))
    return views


def finding_history(session: Session, site_codes: Sequence[str] | None = None,
                    checks: Sequence[str] | None = None, since: datetime | None = None) -> list[FindingView]:
    """Open and resolved findings (last seen at or after ``since`` when given), newest last-seen first."""
    q = _query(site_codes, checks)
    if since is not None:
        q = q.where(Finding.last_seen >= since)
    views = [_view(r) for r in session.scalars(q).all()]
    views.sort(key=lambda v: (v.last_seen, v.id), reverse=True)
    return views


@dataclass(frozen=True)
class RunView:
    site_code: str
    check: str
    as_of: datetime
    started_at: datetime
    finished_at: datetime
    status: RunStatus
    error: str | None
    findings: int


def latest_runs(session: Session, site_codes: Sequence[str] | None = None) -> list[RunView]:
    """The newest run of each (site, check): screens tell "not judged" from "no problem" with it."""
    newest_ids = select(func.max(CheckRun.id)).group_by(CheckRun.site_id, CheckRun.check)
    q = select(CheckRun, Site.code).join(Site, Site.id == CheckRun.site_id).where(CheckRun.id.in_(newest_ids))
    if site_codes is not None:
        q = q.where(Site.code.in_(list(site_codes)))
    out = [
        RunView(
            site_code=code, check=run.check, as_of=aware(run.as_of), started_at=aware(run.started_at),
            finished_at=aware(run.finished_at), status=RunStatus(run.status), error=run.error,
            findings=run.findings)
        for run, code in session.execute(q).all()]
    return sorted(out, key=lambda r: (r.site_code, r.check))
