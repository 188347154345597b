"""Scheduled inspection runs through the collector runtime: one collector kind per check group.

Each kind (``inspection_availability``, ``inspection_homepage`` ...) targets every enabled site and,
per site, runs its group's checks through :class:`inspection.runner.InspectionRunner`'s single-site
path: findings are persisted (new / still / resolved) and the collected points are the ``inspection``
open-finding counts, one point per (site, check). The interval is the shortest of the group's check
intervals (the check's default, or ``interval`` in its rules table); the hard timeout is the longest
check timeout plus a margin, so a check always reports its own timeout first.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from collectors.base import COLLECTORS, CollectorContext, MetricSpec, Target
from db.models import Site
from inspection.rules import Rules, load_checks, load_rules
from inspection.runner import GRACE_S, METRICS, InspectionRunner
from tsdb.point import Point

# group → checks; availability hourly, defacement hourly (security), the rest daily by default.
GROUPS: dict[str, tuple[str, ...]] = {
    "availability": ("availability",),
    "homepage": ("homepage_update",),
    "columns": ("column_freshness",),
    "interaction": ("interaction",),
    "identity": ("identity",),
    "dead_links": ("dead_links",),
    "content": ("content_errors",),
    "defacement": ("defacement",),
}


class InspectionCollector:
    """Base of the per-group kinds; ``checks`` is set on each registered subclass."""

    name: ClassVar[str] = ""
    checks: ClassVar[tuple[str, ...]] = ()
    blocking: ClassVar[bool] = False
    metrics: ClassVar[tuple[MetricSpec, ...]] = METRICS

    def __init__(self, ctx: CollectorContext) -> None:
        self.ctx = ctx
        config = ctx.config
        self.rules: Rules = load_rules(config.resolve_path(config.inspection.rules_file))
        self._runner: InspectionRunner | None = None
        # Half the inspection budget per group: eight groups never hold every global slot.
        self.max_concurrency = max(1, config.inspection.concurrency // 2)
        # A fresh start (a new wall, a restarted node) shows inspection results within minutes, not after
        # a day's jitter; the first probe rounds land meanwhile for the availability check.
        self.first_run_within = 300.0

    @property
    def interval(self) -> float:
        return min(self.rules.interval_for(c) for c in self.checks)

    @property
    def timeout(self) -> float:
        default = self.ctx.config.inspection.check_timeout
        return max(self.rules.timeout_for(c, default) for c in self.checks) + 2 * GRACE_S

    def runner(self) -> InspectionRunner:
        if self._runner is None:
            self._runner = InspectionRunner(self.ctx.config, self.ctx.sessions, getattr(self.ctx, "store", None),
                                            checks=self.checks, rules=self.rules, clock=self.ctx.clock)
        return self._runner

    def targets(self) -> list[Target]:
        with self.ctx.sessions() as s:
            sites = s.scalars(select(Site).options(joinedload(Site.node))
                              .where(Site.enabled.is_(True)).order_by(Site.code)).all()
            return [Target(key=site.code, labels={"site": site.code, "node": site.node_code,
                                                  "city": site.node.city_code, "level": site.level.value})
                    for site in sites]

    async def collect(self, target: Target) -> list[Point]:
        runner = self.runner()
        (site,) = await asyncio.to_thread(runner.targets, [target.key])
        as_of = self.ctx.clock.now()
        await runner.run_site(site, as_of)
        return await asyncio.to_thread(runner.points, [site], as_of)

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.aclose()
            self._runner = None


def _register() -> list[str]:
    known = set(load_checks())
    names = []
    for group, checks in GROUPS.items():
        present = tuple(c for c in checks if c in known)
        if not present:
            continue
        name = f"inspection_{group}"
        kind: Any = type(f"Inspection{group.title().replace('_', '')}Collector", (InspectionCollector,),
                         {"name": name, "checks": present, "__doc__": f"Scheduled {', '.join(present)} runs."})
        COLLECTORS.register(name)(kind)
        names.append(name)
    return names


KINDS = _register()
