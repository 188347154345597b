"""站点无法访问: the homepage-availability veto item judged from the probe history in the metric store.

The site probe (collectors/kinds/site_probe.py) records ``site_probe.up`` (1 = the homepage loaded within
15 s with a status < 400). Over the ``window_days`` before the reference time this check counts
probes and failures. The rule needs the whole window: every day of it (a rolling 24 h slice ending at
the reference time) with at least ``probes_per_day`` probes. Until then the data is insufficient
(``probe_coverage``, low, saying how much there is: probes counted toward the minimum, at most
``probes_per_day`` a day, of ``window_days × probes_per_day``) and no veto is claimed: failures at
or above ``unreachable_warning_ratio`` so far are reported as early evidence (``probe_failures``,
medium, not veto-flagged, the coverage stated). With the window covered, a failure ratio at or above
``unreachable_ratio`` is a veto (``probe_failures``, critical), at or above
``unreachable_warning_ratio`` an early warning (high). No probe at all: :class:`CheckError`.

Every finding's evidence carries ``probes_counted``, ``probes_needed``, ``days_covered`` and
``sufficient`` (inspection/veto.py reads them).

Outages on any run: while the window is not covered (a fresh install, a new site) and the run is about
now, the check loads the homepage itself — ``live_tries`` times, ``live_spacing_s`` apart, each under the
probe's 15 s rule (``collectors.probe_timeout``). When every try fails it reports ``homepage_down``
(critical, not veto-flagged: one outage is no 7-day ratio) saying what failed and how many probes the
veto ratio still needs, and marks the result :attr:`~inspection.base.CheckResult.unreachable`, so the
runner does not run the checks that read pages on this site. One answering try is enough: the site is up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from core.clock import time_scale
from core.i18n.inspection import HOMEPAGE_UNREACHABLE, fetch_error_zh
from inspection.base import CHECKS, CheckBase, CheckError, CheckResult, FindingDraft, Severity, SiteTarget, VetoFeed
from inspection.rules import shared
from tsdb.store import Query
from webread.fetch import FetchError

MEASUREMENT = "site_probe"
TEXT = {
    "tally": "近 {days} 天首页探测 {total} 次，失败 {failed} 次，失败率 {pct}",
    "veto": "，达到单项否决标准（≥{line}）",
    "near": "，接近单项否决标准（≥{line}）",
    "early": "；监测数据不足（已有 {have}/{need} 次监测），尚不能判定单项否决（≥{line}）",
    "coverage": "近 {days} 天首页监测数据不足：规则要求每天至少 {per_day} 次、共 {need} 次，"
                "已有 {have}/{need} 次（共探测 {total} 次，{covered}/{days} 天满足），暂不判定站点无法访问",
    "no_store": "没有可用的指标库，无法判定首页可用性",
    "no_data": "近 {days} 天没有首页探测数据，无法判定首页可用性",
    "down_now": "首页当前无法访问：{error}（共尝试 {tries} 次，全部失败，每次限时 {limit:g} 秒）；"
                "近 {days} 天监测数据不足（已有 {have}/{need} 次监测，还需 {more} 次），尚不能判定单项否决",
}
LIVE_WINDOW = timedelta(hours=1)  # a run this close after now (or up to a day before it) may load the homepage
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Settings:
    """Shared with ``[veto]`` by name (see inspection/rules.py)."""

    window_days: int = shared("window_days", 7)
    probes_per_day: int = shared("probes_per_day", 20)
    unreachable_ratio: float = shared("unreachable_ratio", 0.05)
    unreachable_warning_ratio: float = shared("unreachable_warning_ratio", 0.04, provisional=True)
    live_tries: int = 3  # homepage loads while the window is not covered; all must fail for an outage
    live_spacing_s: float = 5.0  # pause between them (a blip is not an outage)

    def __post_init__(self) -> None:
        if self.window_days <= 0 or self.probes_per_day <= 0:
            raise ValueError("window_days 和 probes_per_day 应大于 0")
        if self.live_tries < 0 or self.live_spacing_s < 0:
            raise ValueError("live_tries 和 live_spacing_s 不能为负数")
        if not 0 < self.unreachable_warning_ratio <= self.unreachable_ratio < 1:
            raise ValueError("unreachable_warning_ratio 和 unreachable_ratio 应满足 "
                             "0 < unreachable_warning_ratio ≤ unreachable_ratio < 1")


@dataclass(frozen=True)
class ProbeTally:
    """Probe counts over the window: totals and one (probes, failures) pair per rolling day, oldest first."""

    total: int
    failed: int
    days: tuple[tuple[int, int], ...]

    @property
    def ratio(self) -> float:
        return self.failed / self.total if self.total else 0.0

    def counted(self, per_day: int) -> int:
        """Probes that count toward the rule's minimum: at most ``per_day`` of each day."""
        return sum(min(n, per_day) for n, _ in self.days)

    def days_covered(self, per_day: int) -> int:
        return sum(1 for n, _ in self.days if n >= per_day)


def tally(hourly_counts: Sequence[tuple[datetime, float]], hourly_ups: Sequence[tuple[datetime, float]],
          start: datetime, window_days: int) -> ProbeTally:
    """Fold hourly (bucket start, count) and (bucket start, sum of up) into rolling days from ``start``.

    A bucket starting before ``start`` (the partial first hour) counts for day 0.
    """
    days = [[0, 0] for _ in range(window_days)]
    ups = [0.0] * window_days

    def day_of(t: datetime) -> int:
        return min(window_days - 1, max(0, int((max(t, start) - start) / DAY)))

    for t, n in hourly_counts:
        days[day_of(t)][0] += round(n)
    for t, s in hourly_ups:
        ups[day_of(t)] += s
    for i in range(window_days):
        days[i][1] = days[i][0] - round(ups[i])
    total = sum(d[0] for d in days)
    failed = sum(d[1] for d in days)
    return ProbeTally(total=total, failed=failed, days=tuple((d[0], d[1]) for d in days))


def judge(t: ProbeTally, s: Settings, target: SiteTarget, start: datetime, as_of: datetime) -> list[FindingDraft]:
    """The findings one tally yields under ``s`` (pure): no veto before the window is covered."""
    out: list[FindingDraft] = []
    need, counted = s.window_days * s.probes_per_day, t.counted(s.probes_per_day)
    covered, sufficient = t.days_covered(s.probes_per_day), counted >= need
    window = {"window_start": start.isoformat(), "window_end": as_of.isoformat(), "window_days": s.window_days,
              "probes_counted": counted, "probes_needed": need, "days_covered": covered, "sufficient": sufficient}
    pct, line = f"{t.ratio * 100:.2f}%", f"{s.unreachable_ratio * 100:g}%"
    evidence = {**window, "failed": t.failed, "total": t.total, "ratio": round(t.ratio, 6),
                "threshold": s.unreachable_ratio}
    so_far = TEXT["tally"].format(days=s.window_days, total=t.total, failed=t.failed, pct=pct)
    if t.total and sufficient and t.ratio >= s.unreachable_ratio:
        out.append(FindingDraft(
            check="availability", kind="probe_failures", location=target.url, severity=Severity.CRITICAL,
            detail=so_far + TEXT["veto"].format(line=line), evidence=evidence, veto=True))
    elif t.total and t.ratio >= s.unreachable_warning_ratio:
        near = TEXT["near"].format(line=line) if sufficient else TEXT["early"].format(
            have=counted, need=need, line=line)
        out.append(FindingDraft(
            check="availability", kind="probe_failures", location=target.url,
            severity=Severity.HIGH if sufficient else Severity.MEDIUM, detail=so_far + near,
            evidence={**evidence, "warning": s.unreachable_warning_ratio}))
    if not sufficient:
        short = [(i, n) for i, (n, _) in enumerate(t.days) if n < s.probes_per_day]
        listing = [{"day_start": (start + i * DAY).isoformat(), "probes": n} for i, n in short]
        out.append(FindingDraft(
            check="availability", kind="probe_coverage", location=target.url, severity=Severity.LOW,
            detail=TEXT["coverage"].format(days=s.window_days, per_day=s.probes_per_day, need=need, have=counted,
                                           total=t.total, covered=covered),
            evidence={**window, "total": t.total, "short_days": listing, "probes_per_day": s.probes_per_day}))
    return out


@CHECKS.register("availability")
class AvailabilityCheck(CheckBase):
    """Homepage availability over the probe history (no network I/O of its own)."""

    name: ClassVar[str] = "availability"
    label_zh: ClassVar[str] = "首页可用性"
    group: ClassVar[str] = "availability"  # schedule group: collector kind inspection_availability
    order: ClassVar[int] = 1
    veto: ClassVar[tuple[VetoFeed, ...]] = (
        VetoFeed("unreachable", holds=("probe_failures",), coverage=("probe_coverage",)),)
    interval: ClassVar[float] = 3600.0
    Settings: ClassVar[type] = Settings
    kinds: ClassVar[tuple[str, ...]] = ("probe_failures", "probe_coverage", "homepage_down")
    evidence_keys: ClassVar[tuple[str, ...]] = (
        "window_start", "window_end", "window_days", "probes_counted", "probes_needed", "days_covered",
        "sufficient", "failed", "total", "ratio", "threshold", "warning", "short_days", "probes_per_day",
        "tries", "errors", "limit_s")
    reads_pages: ClassVar[bool] = False  # judged from the probe history (and the homepage alone)

    def _series(self, code: str, start: datetime, stop: datetime, agg: Any) -> list[tuple[datetime, float]]:
        tags: dict[str, str] = {"site": code}
        node = getattr(self.ctx.config, "node", None)
        if node is not None and node.federated_cities:
            # Cities probe the provincial portal too (docs/federation.md, "Vantages"): a city's line problem is
            # no failure of the site, so a province federating cities judges from its own probes.
            tags["vantage"] = node.code
        frame = self.ctx.store.query(Query(measurement=MEASUREMENT, field="up", start=start, stop=stop, every=HOUR,
                                           agg=agg, tags=tags))
        return [(t.to_pydatetime(), float(v)) for t, v in zip(frame["time"], frame["value"], strict=True)]

    async def _load_now(self, url: str, limit: float) -> str:
        """One homepage load under the 15 s rule: "" when it loaded (status < 400), else why not."""
        try:
            page = await self.ctx.fetcher.get(url, timeout=limit)
        except FetchError as exc:
            return fetch_error_zh(exc.kind)
        return fetch_error_zh(str(page.status)) if page.status >= 400 else ""

    async def live(self, url: str, budget: float) -> list[str]:
        """Load the homepage up to ``live_tries`` times, spaced, within ``budget`` seconds; the failures
        (empty once one loads). Fewer tries when the budget is short: a try is never cut below its limit.

        On the demo's compressed clock the 15 s rule and the spacing are clock seconds, like the probe's."""
        s, scale = self.settings, time_scale(self.ctx.clock) if self.ctx.clock is not None else 1.0
        limit, spacing = float(self.ctx.config.collectors.probe_timeout) / scale, s.live_spacing_s / scale
        end = time.monotonic() + budget
        errors: list[str] = []
        for i in range(s.live_tries):
            if i:
                if time.monotonic() + spacing + limit > end:
                    break
                await asyncio.sleep(spacing)
            error = await self._load_now(url, min(limit, max(end - time.monotonic(), 0.01)))
            if not error:
                return []
            errors.append(error)
        return errors

    def _about_now(self, as_of: datetime) -> bool:
        """Whether ``as_of`` is now (within the hour) or the end of today (``inspect --as-of TODAY``): what
        the homepage does now says something about it; about a past day it says nothing."""
        clock = self.ctx.clock
        return clock is not None and as_of - DAY <= clock.now() <= as_of + LIVE_WINDOW

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        if self.ctx.store is None:
            raise CheckError(TEXT["no_store"])
        s = self.settings
        start = as_of - s.window_days * DAY
        async with asyncio.timeout(timeout):
            counts = await asyncio.to_thread(self._series, target.code, start, as_of, "count")
            ups = await asyncio.to_thread(self._series, target.code, start, as_of, "sum")
            t = tally(counts, ups, start, s.window_days)
            need, counted = s.window_days * s.probes_per_day, t.counted(s.probes_per_day)
            live = counted < need and s.live_tries > 0 and self._about_now(as_of)
            errors = await self.live(target.url, budget=timeout * 0.9) if live else []
        if t.total == 0 and not live:
            raise CheckError(TEXT["no_data"].format(days=s.window_days))
        findings = judge(t, s, target, start, as_of)
        unreachable = ""
        if errors:
            limit = float(self.ctx.config.collectors.probe_timeout)
            findings.insert(0, FindingDraft(
                check="availability", kind="homepage_down", location=target.url, severity=Severity.CRITICAL,
                detail=TEXT["down_now"].format(error=errors[-1], tries=len(errors), limit=limit, days=s.window_days,
                                               have=counted, need=need, more=need - counted),
                evidence={"tries": len(errors), "errors": errors, "limit_s": limit, "probes_counted": counted,
                          "probes_needed": need, "days_covered": t.days_covered(s.probes_per_day),
                          "sufficient": False}))
            unreachable = HOMEPAGE_UNREACHABLE.format(error=errors[-1])
        return CheckResult(check=self.name, site_code=target.code, as_of=as_of, findings=tuple(findings),
                           stats={"probes": t.total, "failed": t.failed, "ratio": round(t.ratio, 6),
                                  "probes_counted": counted, "probes_needed": need,
                                  "days_covered": t.days_covered(s.probes_per_day),
                                  **({"live_failures": len(errors)} if live else {})},
                           unreachable=unreachable)
