"""``score run`` persisted: every site of a scope scored for a period, stored as :class:`ScoreSnapshot` rows.

Lifecycle (docs/scoring.md): while the period is open each run replaces the site's unfrozen current revision
(revision 1, or the newest when it is not frozen); the first run after the period closes writes the result
frozen; later runs refuse (:class:`SnapshotFrozen`) unless ``rescore``, which inserts a new frozen revision
and keeps the old ones. One transaction per run: a refusal or an error leaves nothing written.

Reading is in bulk (sites, findings, decisions, runs, service columns: one query per 500 sites), manual
entries through ``verify_store.manual_facts`` and new-media states per site; the building and scoring is
pure (operations/scorefacts.py, inspection/scoring.py).

:func:`keep_period` is the scheduled run (collectors/kinds/scoring.py) through the same scoring and writes: it
never touches a frozen snapshot, freezes a closed period only where a site has an open revision, and commits a
batch of sites at a time, retrying a failed batch site by site so one bad site never stops the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, joinedload, sessionmaker

from core.i18n import scoring as T
from db.models import CheckRun, ColumnKind, Finding, NewMediaAccount, Node, RunStatus, Site
from db.models import Column as SiteColumn
from db.models_media import NewMediaFinding, NewMediaState
from db.models_operations import ScoreSnapshot
from db.session import transaction
from inspection.facts import CHINA, FactsError
from inspection.indicators import IndicatorTable
from inspection.rules import VetoRules
from inspection.scoring import score, to_dict
from newmedia.rules import MediaRules
from operations import scorefacts
from operations.access import Actor, region_clause, visible
from operations.errors import VerifyError
from operations.periods import Period, parse
from operations.verify_store import decision_statuses, manual_facts

SERVICE_KINDS = (ColumnKind.SERVICE, ColumnKind.SERVICE_STATS)


@dataclass(frozen=True)
class FoundRow:
    """A stored finding as the builder reads it (scorefacts.PlatformFinding), detached from the session."""

    id: int
    check: str
    kind: str
    location: str
    severity: Any
    detail: str
    deadline: date | None
    veto: bool
    evidence: dict[str, Any]
    first_seen: datetime
    resolved_at: datetime | None


class SnapshotFrozen(VerifyError):
    """The period is closed and already frozen for some sites; ``--rescore`` is needed."""


@dataclass(frozen=True)
class RunSummary:
    period: str
    as_of: date
    closed: bool
    sites: int
    passed: int
    failed: int
    undetermined: int
    refused: list[str]
    seconds: float
    written: int


def reference_date(period: Period, now: datetime) -> tuple[date, bool]:
    """(reference date, closed): the period's last day once it is over (Beijing time), else today."""
    today = now.astimezone(CHINA).date()
    closed = today > period.end
    return (period.end if closed else today), closed


def _scope_sites(session: Session, actor: Actor, region: str | None, site_code: str | None) -> list[Site]:
    q = (select(Site).join(Node, Node.code == Site.node_code).options(joinedload(Site.node))
         .where(Site.enabled.is_(True), region_clause(actor, region)).order_by(Site.code))
    if site_code:
        q = q.where(Site.code == site_code.strip())
    return [s for s in session.scalars(q) if visible(actor, s)]


def _day_end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), CHINA).astimezone(UTC)


def _inputs(session: Session, sites: Sequence[Site], period: Period, as_of: date) -> dict[int, dict[str, Any]]:
    """Everything the builder reads, per site id, in one query per table."""
    ids = [s.id for s in sites]
    out: dict[int, dict[str, Any]] = {i: {"findings": [], "manual": {"deductions": [], "bonus": []},
                                          "judged": set(), "services": False, "media": []} for i in ids}
    end = _day_end(as_of)
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        findings = list(session.scalars(select(Finding).where(
            Finding.site_id.in_(chunk), Finding.first_seen < end,
            (Finding.resolved_at.is_(None)) | (Finding.resolved_at >= end))))
        statuses = decision_statuses(session, findings)
        for f in findings:  # plain copies: the builder reads each attribute many times
            out[f.site_id]["findings"].append(FoundRow(f.id, f.check, f.kind, f.location, f.severity, f.detail,
                                                       f.deadline, f.veto, f.evidence or {}, f.first_seen,
                                                       f.resolved_at))
            out[f.site_id].setdefault("statuses", {})[f.id] = statuses[f.id]
        for sid, check in session.execute(select(CheckRun.site_id, CheckRun.check).where(
                CheckRun.site_id.in_(chunk), CheckRun.status == RunStatus.OK, CheckRun.as_of < end).distinct()):
            out[sid]["judged"].add(check)
        for sid in session.scalars(select(SiteColumn.site_id).where(SiteColumn.site_id.in_(chunk),
                                                                    SiteColumn.kind.in_(SERVICE_KINDS))):
            out[sid]["services"] = True
        for acc in session.scalars(select(NewMediaAccount).where(NewMediaAccount.site_id.in_(chunk),
                                                                 NewMediaAccount.enabled.is_(True))):
            out[acc.site_id]["media"].append(_media(session, acc, end))  # type: ignore[index]
    for sid in ids:  # the live entries, as verification keeps them (one query a site)
        out[sid]["manual"] = manual_facts(session, sid, period.code)
    return out


def _media(session: Session, acc: NewMediaAccount, end: datetime) -> scorefacts.MediaInput:
    state = session.scalar(select(NewMediaState).where(NewMediaState.account_id == acc.id,
                                                       NewMediaState.collected_at < end)
                           .order_by(NewMediaState.collected_at.desc()).limit(1))
    open_ids = tuple(session.scalars(select(NewMediaFinding.id).where(
        NewMediaFinding.account_id == acc.id, NewMediaFinding.first_seen < end,
        (NewMediaFinding.resolved_at.is_(None)) | (NewMediaFinding.resolved_at >= end))))
    key = f"{acc.platform.value}:{acc.account_id}"
    if state is None:
        return scorefacts.MediaInput(key, acc.platform.value, None, None, finding_ids=open_ids)
    last = state.last_post_at.astimezone(CHINA).date() if state.last_post_at else None
    since = state.oldest_unanswered_at.astimezone(CHINA).date() if state.oldest_unanswered_at else None
    return scorefacts.MediaInput(key, acc.platform.value, last, state.interaction_open, since,
                                 state.unanswered is not None, open_ids)


def score_site(site: Site, data: dict[str, Any], table: IndicatorTable, rules: VetoRules, media_rules: MediaRules,
               as_of: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """(result JSON, sources JSON) of one site; a site whose manual entries the table refuses gets a result
    with ``refused`` (the problems) and no score."""
    built = scorefacts.build(
        scorefacts.SiteInput(site.code, site.level.is_portal, data["services"], site.node.city_code),
        data["findings"], data.get("statuses", {}), data["manual"], data["media"], table, rules, as_of,
        judged_checks=data["judged"])
    sources: dict[str, Any] = {"map": built.sources, "counted": list(built.counted),
                               "dismissed": list(built.dismissed), "notes": list(built.notes)}
    try:
        result = score(built.facts, table, rules, as_of, media_rules, source=site.code, vetoes=built.vetoes)
    except FactsError as exc:
        return {"refused": exc.errors, "grade": T.GRADE["undetermined"], "score": None, "passed": None,
                "as_of": as_of.isoformat(), "indicator_version": table.version}, sources
    return scorefacts.trace(to_dict(result, table), built.sources), sources


@dataclass(frozen=True)
class _Run:
    """What one scoring of one period holds fixed: the period, the moment, the reference date, the tables."""

    period: Period
    now: datetime
    as_of: date
    closed: bool
    table: IndicatorTable
    rules: VetoRules
    media_rules: MediaRules

    @property
    def values(self) -> dict[str, Any]:
        return {"veto": {k: getattr(self.rules, k) for k in self.rules.__dataclass_fields__},
                "new_media": {k: getattr(self.media_rules, k) for k in self.media_rules.__dataclass_fields__}}


def _prepare(period: Period, now: datetime, table: IndicatorTable, rules: VetoRules,
             media_rules: MediaRules) -> _Run:
    as_of, closed = reference_date(period, now)
    if now.astimezone(CHINA).date() < period.start:
        raise VerifyError(T.RUN["not_started"].format(period=period.code, start=period.start))
    return _Run(period, now, as_of, closed, table, rules, media_rules)


def _score_into(session: Session, run: _Run, sites: Sequence[Site], current: dict[int, ScoreSnapshot],
                tick: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Score ``sites`` and write their snapshots (not committed); the results in the order of ``sites``.
    The one path of :func:`run_period` and :func:`keep_period`."""
    values = run.values
    data = _inputs(session, sites, run.period, run.as_of)
    results: list[dict[str, Any]] = []
    for n, site in enumerate(sites, 1):
        result, sources = score_site(site, data[site.id], run.table, run.rules, run.media_rules, run.as_of)
        _write(session, site.id, run.period.code, current.get(site.id), run.as_of, run.table.version, values,
               result, sources, run.now, run.closed)
        results.append(result)
        if tick is not None:
            tick(n)
    return results


def run_period(session: Session, actor: Actor, period: Period, now: datetime, table: IndicatorTable,
               rules: VetoRules, media_rules: MediaRules, *, region: str | None = None, site_code: str | None = None,
               rescore: bool = False, progress: Callable[[int, int, float], None] | None = None) -> RunSummary:
    """Score the actor's sites (narrowed to ``region`` / ``site_code``) for ``period`` as of its reference date
    and store the snapshots in one transaction; raises :class:`VerifyError` / :class:`SnapshotFrozen`."""
    run = _prepare(period, now, table, rules, media_rules)
    sites = _scope_sites(session, actor, region, site_code)
    if site_code and not sites:
        raise VerifyError(T.RUN["bad_site"].format(site=site_code))
    current = _current(session, [s.id for s in sites], period.code)
    if run.closed and not rescore:
        frozen = [sid for sid, snap in current.items() if snap.frozen]
        if frozen:
            raise SnapshotFrozen(T.RUN["frozen_refused"].format(period=period.code, n=len(frozen)))
    started = time.perf_counter()

    def tick(n: int) -> None:
        if progress is not None and (n % 100 == 0 or n == len(sites)):
            progress(n, len(sites), time.perf_counter() - started)

    results = _score_into(session, run, sites, current, tick)
    session.commit()
    counts = {"pass": 0, "fail": 0, "undetermined": 0}
    refused: list[str] = []
    for site, result in zip(sites, results, strict=True):
        if "refused" in result:
            refused.append(T.RUN["refused_site"].format(site=site.code, errors="；".join(result["refused"])))
        else:
            counts[{True: "pass", False: "fail", None: "undetermined"}[result["passed"]]] += 1
    return RunSummary(period.code, run.as_of, run.closed, len(sites), counts["pass"], counts["fail"],
                      counts["undetermined"], refused, time.perf_counter() - started, len(sites))


@dataclass(frozen=True)
class SiteFailure:
    """A site a scheduled run could not score: its snapshot was left as it was."""

    site: str
    error: str


@dataclass(frozen=True)
class KeepSummary:
    """One scheduled pass over a period (:func:`keep_period`). ``written`` snapshots were replaced (open period)
    or frozen (closed); ``refused`` of them carry the table's refusal instead of a score; ``skipped`` sites were
    left alone (already frozen, or the period closed without an open revision of theirs)."""

    period: str
    as_of: date
    closed: bool
    sites: int
    written: int
    refused: int
    skipped: int
    failed: tuple[SiteFailure, ...]
    seconds: float


def _untouchable(snap: ScoreSnapshot | None, closed: bool) -> bool:
    """Whether a scheduled run leaves the site alone: frozen, or a closed period the site has no open
    revision of (nothing is frozen retroactively)."""
    return (snap is not None and snap.frozen) or (closed and snap is None)


def _keep_batch(sessions: sessionmaker[Session], run: _Run, codes: Sequence[str]) -> tuple[int, int]:
    """Score the sites ``codes`` in one transaction, re-reading their current revisions inside it (a
    ``score run`` may have frozen one meanwhile); (written, refused)."""
    with transaction(sessions) as s:
        sites = list(s.scalars(select(Site).options(joinedload(Site.node))
                               .where(Site.code.in_(list(codes))).order_by(Site.code)))
        current = _current(s, [x.id for x in sites], run.period.code)
        sites = [x for x in sites if not _untouchable(current.get(x.id), run.closed)]
        results = _score_into(s, run, sites, current)
    return len(results), sum("refused" in r for r in results)


def keep_period(sessions: sessionmaker[Session], actor: Actor, period: Period, now: datetime, table: IndicatorTable,
                rules: VetoRules, media_rules: MediaRules, *, batch: int = 200,
                progress: Callable[[int, int, float], None] | None = None) -> KeepSummary:
    """The scheduled run of ``period`` over the actor's sites (collectors/kinds/scoring.py), through the same
    scoring and snapshot writes as :func:`run_period`: while the period is open each site's open revision is
    replaced; once it is closed, a site with an open revision gets it frozen as of the period's last day; a
    frozen snapshot is never touched, and a site without any revision of a closed period gets none.

    Committed ``batch`` sites at a time; a batch that raises is retried site by site, so a site that fails is
    listed in ``failed`` (its snapshot as it was) and the others are written. ``progress(done, total, seconds)``
    after each batch. Raises :class:`VerifyError` when the period has not started."""
    run = _prepare(period, now, table, rules, media_rules)
    started = time.perf_counter()
    with sessions() as s:
        sites = [(x.id, x.code) for x in _scope_sites(s, actor, None, None)]
        current = _current(s, [sid for sid, _ in sites], period.code)
    todo = [code for sid, code in sites if not _untouchable(current.get(sid), run.closed)]
    written = refused = 0
    failed: list[SiteFailure] = []
    for i in range(0, len(todo), batch):
        chunk = todo[i:i + batch]
        try:
            w, r = _keep_batch(sessions, run, chunk)
        except Exception:  # find the site that failed; the others of the batch are written one by one
            w = r = 0
            for code in chunk:
                try:
                    one = _keep_batch(sessions, run, [code])
                except Exception as exc:
                    failed.append(SiteFailure(code, f"{type(exc).__name__}: {exc}"[:500]))
                else:
                    w, r = w + one[0], r + one[1]
        written, refused = written + w, refused + r
        if progress is not None:
            progress(min(i + batch, len(todo)), len(todo), time.perf_counter() - started)
    return KeepSummary(period.code, run.as_of, run.closed, len(sites), written, refused,
                       len(sites) - len(todo), tuple(failed), time.perf_counter() - started)


def periods_to_freeze(session: Session, actor: Actor, now: datetime) -> list[Period]:
    """Closed periods (at ``now``, Beijing time) in which some of the actor's sites still have an open
    (unfrozen) revision: what a scheduled run freezes. Oldest first."""
    q = (select(ScoreSnapshot.period).join(Site, Site.id == ScoreSnapshot.site_id)
         .join(Node, Node.code == Site.node_code)
         .where(ScoreSnapshot.frozen.is_(False), Site.enabled.is_(True), region_clause(actor, None)).distinct())
    out: list[Period] = []
    for code in session.scalars(q):
        try:
            period = parse(code)
        except VerifyError:  # a stored code this version cannot read is left alone
            continue
        if reference_date(period, now)[1]:
            out.append(period)
    return sorted(out, key=lambda p: (p.end, p.kind.value))


def _current(session: Session, site_ids: Sequence[int], period: str) -> dict[int, ScoreSnapshot]:
    """The newest revision of each site's snapshot for the period."""
    out: dict[int, ScoreSnapshot] = {}
    for chunk in (list(site_ids)[i:i + 500] for i in range(0, len(site_ids), 500)):
        q = (select(ScoreSnapshot).where(ScoreSnapshot.site_id.in_(chunk), ScoreSnapshot.period == period)
             .options(defer(ScoreSnapshot.result), defer(ScoreSnapshot.sources), defer(ScoreSnapshot.rules))
             .order_by(ScoreSnapshot.revision))  # the documents are replaced, never read here
        for snap in session.scalars(q):
            out[snap.site_id] = snap
    return out


def _write(session: Session, site_id: int, period: str, current: ScoreSnapshot | None, as_of: date, version: str,
           values: dict[str, Any], result: dict[str, Any], sources: dict[str, Any], now: datetime,
           closed: bool) -> None:
    if current is not None and not current.frozen:  # open period (or first run after close): replace
        current.as_of, current.indicator_version, current.rules = as_of, version, values
        current.result, current.sources, current.computed_at = result, sources, now
        current.frozen, current.frozen_at = closed, now if closed else None
        return
    revision = 1 if current is None else current.revision + 1  # frozen: --rescore keeps history
    session.add(ScoreSnapshot(site_id=site_id, period=period, revision=revision, as_of=as_of,
                              indicator_version=version, rules=values, result=result, sources=sources,
                              computed_at=now, frozen=closed, frozen_at=now if closed else None))


@dataclass(frozen=True)
class SnapshotView:
    site_code: str
    site_name: str
    city_code: str
    level: str
    period: str
    revision: int
    as_of: date
    indicator_version: str
    result: dict[str, Any]
    sources: dict[str, Any]
    computed_at: datetime
    frozen: bool
    frozen_at: datetime | None
    current: bool  # the newest revision of its (site, period)


def snapshots(session: Session, actor: Actor, *, period: str | None = None, site_code: str | None = None,
              region: str | None = None, history: bool = False) -> list[SnapshotView]:
    """Stored snapshots of the actor's sites, by site then period then revision; only the newest revision of
    each (site, period) unless ``history``."""
    q = (select(ScoreSnapshot, Site).join(Site, Site.id == ScoreSnapshot.site_id)
         .join(Node, Node.code == Site.node_code).options(joinedload(Site.node))
         .where(region_clause(actor, region)))
    if period:
        q = q.where(ScoreSnapshot.period == period)
    if site_code:
        q = q.where(Site.code == site_code.strip())
    rows = [(snap, site) for snap, site in session.execute(q) if visible(actor, site)]
    newest: dict[tuple[int, str], int] = {}
    for snap, _ in rows:
        key = (snap.site_id, snap.period)
        newest[key] = max(newest.get(key, 0), snap.revision)
    out = [SnapshotView(site.code, site.name, site.node.city_code, site.level.value, snap.period, snap.revision,
                        snap.as_of, snap.indicator_version, snap.result, snap.sources,
                        snap.computed_at if snap.computed_at.tzinfo else snap.computed_at.replace(tzinfo=UTC),
                        snap.frozen, snap.frozen_at, newest[(snap.site_id, snap.period)] == snap.revision)
           for snap, site in rows]
    if not history:
        out = [v for v in out if v.current]
    return sorted(out, key=lambda v: (v.site_code, v.period, v.revision))
