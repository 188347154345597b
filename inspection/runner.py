"""Runs inspection checks over registered sites: bounded, isolated, persisted, counted.

Every (site, check) pair runs under the check's timeout with bounded concurrency. A check raising
:class:`CheckError` (or a fetch error it let through) ends its run as ``error``; a hang ends as
``timeout``; any other exception is logged as a bug and counted as ``error`` — none stops the others.
Only an ``ok`` run reconciles findings (new / still / reopened / resolved); every run gets a
:class:`db.models.CheckRun` row. Open-finding counts go to the metric store (measurement
``inspection``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, joinedload, selectinload, sessionmaker

from core.clock import Clock, SystemClock, to_ns
from core.i18n.inspection import HOMEPAGE_UNREACHABLE, NOT_JUDGED, fetch_error_zh
from core.logging import get_logger
from db.models import Finding, RunStatus, Site
from db.scope import sites_served
from db.session import transaction
from inspection.base import (
    CHECKS,
    CheckContext,
    CheckError,
    CheckResult,
    CheckTarget,
    ColumnTarget,
    Severity,
    SiteTarget,
    undeclared,
)
from inspection.catalog import load_checks
from inspection.findings import record_run, save_result
from inspection.frontier import load_frontier, save_frontier
from inspection.rules import Rules, load_rules
from inspection.sitecrawl import TIME_SHARE, crawl_site, is_crawl_fed, merged_settings, scan_signature
from tsdb.catalogue import MetricSpec, declare, declare_measurement
from tsdb.point import Point, points_for
from webread.addresses import AddressPolicy
from webread.crawler import CrawlReport
from webread.fetch import Fetcher, FetchError
from webread.frontier import PageState, run_budget

log = get_logger(__name__)

MEASUREMENT = "inspection"
GRACE_S = 5.0  # the runner's hard stop comes this long after the check's own timeout
declare_measurement(MEASUREMENT, "巡检")
METRICS = declare(
    MetricSpec(MEASUREMENT, "open_findings", "个", "未解决问题数", "open findings of one check on one site"),
    MetricSpec(MEASUREMENT, "critical", "个", "紧急问题数"),
    MetricSpec(MEASUREMENT, "high", "个", "严重问题数"),
    MetricSpec(MEASUREMENT, "medium", "个", "一般问题数"),
    MetricSpec(MEASUREMENT, "low", "个", "提示问题数"),
    MetricSpec(MEASUREMENT, "veto", "个", "涉及单项否决的问题数"),
)


class InspectionError(ValueError):
    """An unknown site code or check name was asked for; the message is Chinese, for operators."""


@dataclass(frozen=True)
class RunOutcome:
    """How one check run on one site ended and what it changed."""

    site_code: str
    check: str
    status: str  # db.models.RunStatus value
    findings: int = 0
    created: int = 0
    reopened: int = 0
    resolved: int = 0
    error: str | None = None
    duration_s: float = 0.0
    unreachable: str = ""  # the check found the homepage not answering now (CheckResult.unreachable)


Progress = Callable[[int, int, RunOutcome], None]


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:1000]


def default_ca_file(config: Any) -> str:
    """The CA the fetcher trusts besides the system's: the configured one, else the demo fleet's in demo mode."""
    if config.collectors.probe_ca_file:
        return str(config.collectors.probe_ca_file)
    if config.demo.enabled:
        from demo.fleet import DEFAULT_CA_FILE

        path = config.resolve_path(DEFAULT_CA_FILE)
        if path.is_file():
            return str(path)
    return ""


def site_target(site: Site) -> SiteTarget:
    """A detached :class:`SiteTarget` (site with node and columns loaded)."""
    return SiteTarget(code=site.code, name=site.name, url=site.url, level=site.level.value,
                      node_code=site.node_code, city_code=site.node.city_code,
                      columns=tuple(ColumnTarget(name=c.name, kind=c.kind.value, url=c.url, first_level=c.first_level,
                                                 item_selector=c.item_selector, date_selector=c.date_selector)
                                    for c in site.columns))


class InspectionRunner:
    """Build once per process (or per command); ``await run(...)``; ``await aclose()`` at the end.

    ``checks``: names to run (default every registered check); an unknown name raises
    :class:`InspectionError`. ``rules`` default to ``config.inspection.rules_file``.
    """

    def __init__(self, config: Any, sessions: sessionmaker[Session], store: Any, *,
                 checks: Sequence[str] | None = None, rules: Rules | None = None, clock: Clock | None = None,
                 fetcher: Fetcher | None = None, grace_s: float = GRACE_S) -> None:
        known = load_checks()
        names = list(known if checks is None else checks)
        unknown = [n for n in names if n not in known]
        if unknown:
            from core.i18n.inspection import CLI

            raise InspectionError(CLI["unknown_check"].format(names=", ".join(unknown), known=", ".join(known)))
        self.config, self.sessions, self.store = config, sessions, store
        self.check_names = list(dict.fromkeys(names))
        self.rules = rules or load_rules(config.resolve_path(config.inspection.rules_file))
        self.clock: Clock = clock or SystemClock()
        self.grace_s = grace_s
        self.fetcher = fetcher or Fetcher(
            timeout=config.collectors.probe_timeout, max_bytes=config.collectors.probe_max_bytes,
            ca_file=default_ca_file(config), resolve_path=config.resolve_path,
            verify_tls=config.collectors.probe_verify_tls, user_agent=config.inspection.user_agent,
            total=max(16, config.inspection.concurrency * 4), policy=AddressPolicy.from_config(config.fetch))
        self._checks: dict[str, Any] = {}
        self._site_ids: dict[str, int] = {}
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- targets -------------------------------------------------------------------------------
    def targets(self, site_codes: Sequence[str] | None = None) -> list[SiteTarget]:
        """Enabled sites (all, or exactly those named, enabled or not), by code.

        Raises :class:`InspectionError` naming codes that are not registered.
        """
        with self.sessions() as s:
            q = select(Site).options(joinedload(Site.node), selectinload(Site.columns)).order_by(Site.code)
            # every enabled site this node serves, or exactly the ones an operator names
            q = q.where(and_(Site.enabled.is_(True), sites_served(self.config.node)) if site_codes is None
                        else Site.code.in_(list(site_codes)))
            sites = s.scalars(q).all()
            # the SSRF policy's registered sites: every enabled site, and the ones asked for by name
            policy = getattr(self.fetcher, "policy", None)
            if policy is not None:
                enabled = s.scalars(select(Site.url).where(Site.enabled.is_(True))).all()
                policy.register([*enabled, *(site.url for site in sites)])
            missing = sorted(set(site_codes or ()) - {site.code for site in sites})
            if missing:
                from core.i18n.inspection import CLI

                raise InspectionError(CLI["unknown_site"].format(codes=", ".join(missing)))
            self._site_ids.update({site.code: site.id for site in sites})
            return [site_target(site) for site in sites]

    def check(self, name: str) -> Any:
        """The shared instance of check ``name``, built on first use."""
        if name not in self._checks:
            kind = CHECKS.get(name)
            ctx = CheckContext(config=self.config, settings=self.rules.settings_for(name), fetcher=self.fetcher,
                               store=self.store, sessions=self.sessions, clock=self.clock)
            self._checks[name] = kind(ctx)
        return self._checks[name]

    @staticmethod
    def reads(name: str, target: CheckTarget) -> bool:
        """Whether check ``name`` reads targets of ``target``'s kind (its ``targets`` declaration)."""
        return target.kind in CHECKS.get(name).targets  # type: ignore[attr-defined]

    # --- running -------------------------------------------------------------------------------
    def _bind_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._slots is None:
            self._loop, self._slots = loop, asyncio.Semaphore(self.config.inspection.concurrency)
        return self._slots

    async def run(self, site_codes: Sequence[str] | None, as_of: datetime, progress: Progress | None = None,
                  *, write_metrics: bool = True) -> list[RunOutcome]:
        """Run the selected checks on the sites (all enabled when None) as of ``as_of``; persist; count.

        Returns one outcome per (site, check), sites by code, checks in the runner's order.
        """
        if as_of.tzinfo is None:
            raise ValueError(f"as_of {as_of!r}: pass an aware datetime")
        targets = await asyncio.to_thread(self.targets, site_codes)
        total = sum(1 for t in targets for c in self.check_names if self.reads(c, t))
        done = 0

        def counted(outcome: RunOutcome) -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done, total, outcome)

        per_site = await asyncio.gather(*(self._site(t, self.check_names, as_of, counted) for t in targets))
        order = {c: i for i, c in enumerate(self.check_names)}
        outcomes = [o for site in per_site for o in sorted(site, key=lambda o: order[o.check])]
        if write_metrics and self.store is not None and targets:
            points = self.points(targets, as_of)
            await asyncio.to_thread(self.store.write, points)
        return outcomes

    async def run_site(self, target: SiteTarget, as_of: datetime,
                       checks: Sequence[str] | None = None) -> list[RunOutcome]:
        """The single-site path (scheduled collectors): run ``checks`` (default all selected) on one site."""
        if target.code not in self._site_ids:
            await asyncio.to_thread(self.targets, [target.code])
        names = self.check_names if checks is None else list(checks)
        outcomes = await self._site(target, names, as_of, lambda _o: None)
        order = {c: i for i, c in enumerate(names)}
        return sorted(outcomes, key=lambda o: order[o.check])

    async def _site(self, target: SiteTarget, names: Sequence[str], as_of: datetime,
                    done: Callable[[RunOutcome], None]) -> list[RunOutcome]:
        """The checks ``names`` on one site: those that do not read pages first; when one of them finds the
        homepage not answering now, the page-reading checks are recorded as not judged for that one reason
        instead of each failing on its own (one fault, one finding)."""
        names = [c for c in names if self.reads(c, target)]
        gates = [c for c in names if not getattr(CHECKS.get(c), "reads_pages", True)]
        pages = [c for c in names if c not in gates]

        async def one(c: str) -> RunOutcome:
            outcome = await self.run_check(target, c, as_of)
            done(outcome)
            return outcome

        first = list(await asyncio.gather(*(one(c) for c in gates)))
        reason = next((o.unreachable for o in first if o.unreachable), "")
        if reason and pages:
            skipped = await asyncio.to_thread(self._skip, target, pages, as_of, NOT_JUDGED.format(reason=reason))
            for outcome in skipped:
                done(outcome)
            return first + skipped
        # crawl-fed checks, one or several, share the site's one crawl and its frontier
        fed = [c for c in pages if is_crawl_fed(self.check(c))]
        rest = [c for c in pages if c not in fed]
        crawled = self._crawl_fed(target, fed, as_of, done) if fed else _nothing()
        from_crawl, others = await asyncio.gather(crawled, asyncio.gather(*(one(c) for c in rest)))
        return first + from_crawl + list(others)

    async def _crawl_fed(self, target: SiteTarget, names: Sequence[str], as_of: datetime,
                         done: Callable[[RunOutcome], None]) -> list[RunOutcome]:
        """One crawl of ``target`` feeding every check of ``names``, under the longest of their timeouts;
        then each check's result, persisted as if it had run alone. The crawl continues from the site's
        frontier (inspection/frontier.py) with a page budget that meets the cycle, and saves it back."""
        timeout = max(self.rules.timeout_for(c, self.config.inspection.check_timeout) for c in names)
        scans = {c: self.check(c).scan(target, as_of) for c in names}
        # a rider (page_tampering) reads whatever pages the others read and asks nothing of the crawl itself
        leads = [c for c in names if not getattr(self.check(c), "crawl_rider", False)] or list(names)
        settings = merged_settings([self.check(c).crawl_settings() for c in leads])
        site_id = self._site_ids[target.code]
        frontier = await asyncio.to_thread(self._load_frontier, site_id)
        cycle_s = settings.cycle_days * 86_400.0
        interval = min(self.rules.interval_for(c) for c in names)
        settings = dataclasses.replace(settings, page_budget=run_budget(
            settings.page_budget, len(frontier), interval, cycle_s, settings.max_pages_per_run))
        slots = self._bind_loop()
        async with slots:  # one crawl holds one slot, as one check did
            deadline = time.monotonic() + timeout
            now = self.clock.now()
            try:
                report, failed = await asyncio.wait_for(
                    crawl_site(self.fetcher, target, scans, settings, timeout * TIME_SHARE, frontier=frontier,
                               now=now, signature=scan_signature({c: self.check(c) for c in names})),
                    timeout + self.grace_s)
            except TimeoutError:
                report, failed = None, {}
        if report is not None:
            await asyncio.to_thread(self._save_frontier, target, site_id, report, now, cycle_s)
        if report is not None and report.homepage_error is not None and len(names) > 1:
            # the homepage did not answer the crawl: one reason for all its checks, not one error each
            reason = HOMEPAGE_UNREACHABLE.format(error=fetch_error_zh(report.homepage_error.error or "other"))
            skipped = await asyncio.to_thread(self._skip, target, names, as_of, NOT_JUDGED.format(reason=reason))
            for outcome in skipped:
                done(outcome)
            return skipped
        outcomes = []
        for c in names:
            if report is None:
                work: Any = _raise(TimeoutError())
            elif c in failed:
                work = _raise(failed[c])
            else:
                work = scans[c].result(report, deadline)
            outcome = await self.run_check(target, c, as_of, work=work, slot=False)
            done(outcome)
            outcomes.append(outcome)
        return outcomes

    def _load_frontier(self, site_id: int) -> dict[str, PageState]:
        with self.sessions() as s:
            return load_frontier(s, site_id)

    def _save_frontier(self, target: SiteTarget, site_id: int, report: CrawlReport, now: datetime,
                       cycle_s: float) -> None:
        """Save the crawl's frontier; a failure is logged and writes nothing (the next run starts from the last)."""
        try:
            with transaction(self.sessions) as s:
                written, dropped = save_frontier(s, site_id, report, now, cycle_s)
            log.info("inspection.frontier_saved", site=target.code, written=written, dropped=dropped)
        except Exception as exc:  # e.g. a concurrent run of the same site: this crawl's outcome is lost
            log.error("inspection.frontier_failed", site=target.code, error=_describe(exc))

    def _skip(self, target: SiteTarget, names: Sequence[str], as_of: datetime, error: str) -> list[RunOutcome]:
        """Record ``names`` as not judged on ``target`` (their previous findings stay open, as for any error)."""
        now = self.clock.now()
        with transaction(self.sessions) as s:
            for name in names:
                record_run(s, self._site_ids[target.code], name, as_of=as_of, started_at=now, finished_at=now,
                           status=RunStatus.ERROR, error=error)
        log.info("inspection.not_judged", site=target.code, checks=list(names), error=error)
        return [RunOutcome(target.code, name, RunStatus.ERROR.value, error=error) for name in names]

    async def run_check(self, target: SiteTarget, name: str, as_of: datetime, *, work: Any = None,
                        slot: bool = True) -> RunOutcome:
        """One check on one site, isolated: never raises except on cancellation. ``work`` (a coroutine
        giving the check's result, e.g. from the site's shared crawl) replaces ``check.run``; ``slot``:
        take one of the run's concurrency slots (the shared crawl already holds one)."""
        async with (self._bind_loop() if slot else contextlib.nullcontext()):
            started, t0 = self.clock.now(), time.monotonic()
            timeout = self.rules.timeout_for(name, self.config.inspection.check_timeout)
            result: CheckResult | None = None
            status, error = RunStatus.OK, None
            try:
                coro = work if work is not None else self.check(name).run(target, as_of, timeout)
                result = await asyncio.wait_for(coro, timeout + self.grace_s)
                if not isinstance(result, CheckResult):
                    raise TypeError(f"run() returned {type(result).__name__}, expected CheckResult")
                lapses = undeclared(self.check(name), result)
                if lapses:  # screens could not label them: a bug of the check, reported as one
                    raise TypeError(f"check {name} produced undeclared {', '.join(lapses)}")
            except (CheckError, FetchError) as exc:
                status, error = RunStatus.ERROR, str(exc)[:1000]
                log.info("inspection.not_judged", site=target.code, check=name, error=error)
            except TimeoutError:
                status, error = RunStatus.TIMEOUT, f"超过 {timeout:g} 秒未完成"
                log.warning("inspection.timeout", site=target.code, check=name, timeout_s=timeout)
            except Exception as exc:
                status, error = RunStatus.ERROR, _describe(exc)
                log.error("inspection.check_crashed", site=target.code, check=name, error=error)
            duration = time.monotonic() - t0
            return await asyncio.to_thread(self._persist, target, name, as_of, started, duration, status, error,
                                           result)

    def _persist(self, target: SiteTarget, name: str, as_of: datetime, started: datetime, duration: float,
                 status: RunStatus, error: str | None, result: CheckResult | None) -> RunOutcome:
        site_id = self._site_ids[target.code]
        finished = self.clock.now()
        if status is RunStatus.OK and result is not None:
            try:
                with transaction(self.sessions) as s:
                    plan = save_result(s, site_id, result, finished)
                    record_run(s, site_id, name, as_of=as_of, started_at=started, finished_at=finished,
                               status=status, stats=result.stats, findings=len(result.findings),
                               facts=result.facts)
                return RunOutcome(target.code, name, status.value, findings=len(result.findings),
                                  created=len(plan.created), reopened=len(plan.reopened),
                                  resolved=len(plan.resolved), duration_s=duration,
                                  unreachable=result.unreachable)
            except ValueError as exc:  # malformed drafts: nothing was written, the run counts as failed
                status, error = RunStatus.ERROR, _describe(exc)
                log.error("inspection.bad_result", site=target.code, check=name, error=error)
        with transaction(self.sessions) as s:
            record_run(s, site_id, name, as_of=as_of, started_at=started, finished_at=finished, status=status,
                       error=error)
        return RunOutcome(target.code, name, status.value, error=error, duration_s=duration)

    # --- metrics -------------------------------------------------------------------------------
    def points(self, targets: Sequence[SiteTarget], as_of: datetime,
               checks: Sequence[str] | None = None) -> list[Point]:
        """``inspection`` points: open-finding counts per (site, check), one point per pair, at ``as_of``."""
        names = list(self.check_names if checks is None else checks)
        codes = {t.code for t in targets}
        with self.sessions() as s:
            rows = s.execute(select(Site.code, Finding.check, Finding.severity, Finding.veto)
                             .join(Site, Site.id == Finding.site_id)
                             .where(Finding.resolved_at.is_(None), Site.code.in_(sorted(codes)),
                                    Finding.check.in_(names))).all()
        counts: Counter[tuple[str, str, str]] = Counter()
        for code, check, severity, veto in rows:
            counts[(code, check, "open_findings")] += 1
            counts[(code, check, Severity(severity).value)] += 1
            if veto:
                counts[(code, check, "veto")] += 1
        ns = to_ns(as_of)
        out: list[Point] = []
        for t in targets:
            for c in (c for c in names if self.reads(c, t)):
                tags = {"site": t.code, "node": t.node_code, "city": t.city_code, "level": t.level, "check": c}
                out += points_for(MEASUREMENT, tags, ns, [(m.field, counts[(t.code, c, m.field)]) for m in METRICS])
        return out

    async def aclose(self) -> None:
        await self.fetcher.aclose()


async def _nothing() -> list[RunOutcome]:
    return []


async def _raise(exc: BaseException) -> CheckResult:
    """The result of a crawl-fed check whose crawl failed it: the exception, raised where run_check sorts it."""
    raise exc
