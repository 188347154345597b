"""站点无法访问: the homepage-availability veto item judged from the probe history in the metric store.

The site probe (collectors/site_probe.py) records ``site_probe.up`` (1 = the homepage loaded within
15 s with a status < 400). Over the ``window_days`` before the reference time this check counts
probes and failures: a failure ratio at or above ``unreachable_ratio`` is a veto (``probe_failures``,
critical), at or above ``unreachable_warning_ratio`` an early warning (high). A day of the window
(a rolling 24 h slice ending at the reference time) with fewer than ``probes_per_day`` probes means
the data cannot prove availability (``probe_coverage``, low). No probe at all: :class:`CheckError`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from inspection.base import CHECKS, CheckBase, CheckError, CheckResult, FindingDraft, Severity, SiteTarget
from inspection.rules import shared
from tsdb.store import Query

MEASUREMENT = "site_probe"
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Settings:
    """Shared with ``[veto]`` by name (see inspection/rules.py)."""

    window_days: int = shared("window_days", 7)
    probes_per_day: int = shared("probes_per_day", 20)
    unreachable_ratio: float = shared("unreachable_ratio", 0.05)
    unreachable_warning_ratio: float = shared("unreachable_warning_ratio", 0.04, provisional=True)

    def __post_init__(self) -> None:
        if self.window_days <= 0 or self.probes_per_day <= 0:
            raise ValueError("window_days and probes_per_day must be > 0")
        if not 0 < self.unreachable_warning_ratio <= self.unreachable_ratio < 1:
            raise ValueError("expected 0 < unreachable_warning_ratio <= unreachable_ratio < 1")


@dataclass(frozen=True)
class ProbeTally:
    """Probe counts over the window: totals and one (probes, failures) pair per rolling day, oldest first."""

    total: int
    failed: int
    days: tuple[tuple[int, int], ...]

    @property
    def ratio(self) -> float:
        return self.failed / self.total if self.total else 0.0


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
    """The findings one tally yields under ``s`` (pure)."""
    out: list[FindingDraft] = []
    window = {"window_start": start.isoformat(), "window_end": as_of.isoformat(), "window_days": s.window_days}
    pct = f"{t.ratio * 100:.2f}%"
    evidence = {**window, "failed": t.failed, "total": t.total, "ratio": round(t.ratio, 6)}
    if t.total and t.ratio >= s.unreachable_ratio:
        out.append(FindingDraft(
            check="availability", kind="probe_failures", location=target.url, severity=Severity.CRITICAL,
            detail=f"近 {s.window_days} 天首页探测 {t.total} 次，失败 {t.failed} 次，失败率 {pct}，"
                   f"达到单项否决标准（≥{s.unreachable_ratio * 100:g}%）",
            evidence={**evidence, "threshold": s.unreachable_ratio}, veto=True))
    elif t.total and t.ratio >= s.unreachable_warning_ratio:
        out.append(FindingDraft(
            check="availability", kind="probe_failures", location=target.url, severity=Severity.HIGH,
            detail=f"近 {s.window_days} 天首页探测 {t.total} 次，失败 {t.failed} 次，失败率 {pct}，"
                   f"接近单项否决标准（≥{s.unreachable_ratio * 100:g}%）",
            evidence={**evidence, "threshold": s.unreachable_ratio, "warning": s.unreachable_warning_ratio}))
    short = [(i, n) for i, (n, _) in enumerate(t.days) if n < s.probes_per_day]
    if short:
        listing = [{"day_start": (start + i * DAY).isoformat(), "probes": n} for i, n in short]
        out.append(FindingDraft(
            check="availability", kind="probe_coverage", location=target.url, severity=Severity.LOW,
            detail=f"近 {s.window_days} 天中有 {len(short)} 天首页探测少于 {s.probes_per_day} 次，"
                   f"监测数据不足以证明网站可用",
            evidence={**window, "short_days": listing, "probes_per_day": s.probes_per_day}))
    return out


@CHECKS.register("availability")
class AvailabilityCheck(CheckBase):
    """Homepage availability over the probe history (no network I/O of its own)."""

    name: ClassVar[str] = "availability"
    label_zh: ClassVar[str] = "首页可用性"
    interval: ClassVar[float] = 3600.0
    Settings: ClassVar[type] = Settings

    def _series(self, code: str, start: datetime, stop: datetime, agg: Any) -> list[tuple[datetime, float]]:
        frame = self.ctx.store.query(Query(measurement=MEASUREMENT, field="up", start=start, stop=stop, every=HOUR,
                                           agg=agg, tags={"site": code}))
        return [(t.to_pydatetime(), float(v)) for t, v in zip(frame["time"], frame["value"], strict=True)]

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        if self.ctx.store is None:
            raise CheckError("没有可用的指标库，无法判定首页可用性")
        s = self.settings
        start = as_of - s.window_days * DAY
        async with asyncio.timeout(timeout):
            counts = await asyncio.to_thread(self._series, target.code, start, as_of, "count")
            ups = await asyncio.to_thread(self._series, target.code, start, as_of, "sum")
        t = tally(counts, ups, start, s.window_days)
        if t.total == 0:
            raise CheckError(f"近 {s.window_days} 天没有首页探测数据，无法判定首页可用性")
        findings = judge(t, s, target, start, as_of)
        return CheckResult(check=self.name, site_code=target.code, as_of=as_of, findings=tuple(findings),
                           stats={"probes": t.total, "failed": t.failed, "ratio": round(t.ratio, 6)})
