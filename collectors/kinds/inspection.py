"""Scheduled inspection runs through the collector runtime: one collector kind per check group.

The groups are what the checks declare (``group`` on each check, read through
:func:`inspection.catalog.check_groups`): a new check is scheduled by being registered, and a check
without a group stops start-up loudly (``core.plugins.PluginError``).

Each kind (``inspection_availability``, ``inspection_homepage`` ...) targets every enabled site and,
per site, runs its group's checks through :class:`inspection.runner.InspectionRunner`'s single-site
path: findings are persisted (new / still / resolved) and the collected points are the ``inspection``
open-finding counts, one point per (site, check). The interval is the shortest of the group's check
intervals (the check's default, or ``interval`` in its rules table); the hard timeout is the longest
check timeout plus a margin, so a check always reports its own timeout first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from collectors.base import COLLECTORS, CollectorContext, Target
from core.logging import get_logger
from db.models import Site
from db.scope import sites_served
from inspection.catalog import check_groups, check_label
from inspection.rules import Rules, load_rules
from inspection.runner import GRACE_S, METRICS, InspectionRunner
from operations.notice_store import after_site_run
from tsdb.catalogue import MetricSpec
from tsdb.point import Point

log = get_logger(__name__)

COLLECTOR_LABEL = "{checks}巡检"  # a group's Chinese name, from its checks' labels


class InspectionCollector:
    """Base of the per-group kinds; ``checks`` is set on each registered subclass."""

    name: ClassVar[str] = ""
    label_zh: ClassVar[str] = ""  # from the group's checks' labels: 首页可用性巡检, 网页篡改与暗链巡检 …
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
                              .where(Site.enabled.is_(True), sites_served(self.ctx.config.node))
                              .order_by(Site.code)).all()
            return [Target(key=site.code, labels={"site": site.code, "node": site.node_code,
                                                  "city": site.node.city_code, "level": site.level.value})
                    for site in sites]

    async def collect(self, target: Target) -> list[Point]:
        runner = self.runner()
        (site,) = await asyncio.to_thread(runner.targets, [target.key])
        as_of = self.ctx.clock.now()
        await runner.run_site(site, as_of)
        await asyncio.to_thread(self._follow_up, target.key)
        return await asyncio.to_thread(runner.points, [site], as_of)

    def _follow_up(self, site_code: str) -> None:
        """Judge the site's rectification notices from the findings just saved, escalate overdue ones
        (docs/verification.md). A failure here is logged, never lost silently, and does not undo the run."""
        try:
            after_site_run(self.ctx.sessions, site_code, self.ctx.clock.now(), self.ctx.config.web.tz)
        except Exception as exc:
            log.error("inspection.rectification_follow_up_failed", site=site_code, error=repr(exc)[:500])

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.aclose()
            self._runner = None


def group_kinds(groups: Mapping[str, tuple[str, ...]]) -> dict[str, type]:
    """One collector kind per schedule group, named ``inspection_<group>``, labelled from its checks' labels."""
    out: dict[str, type] = {}
    for group, present in groups.items():
        name = f"inspection_{group}"
        label = COLLECTOR_LABEL.format(checks="、".join(check_label(c) for c in present))
        out[name] = type(f"Inspection{group.title().replace('_', '')}Collector", (InspectionCollector,),
                         {"name": name, "label_zh": label, "checks": present,
                          "__doc__": f"Scheduled {', '.join(present)} runs."})
    return out


def _register() -> list[str]:
    """Register the declared groups' kinds; a check without a group, or a name clash, raises PluginError."""
    kinds = group_kinds(check_groups())
    for name, kind in kinds.items():
        COLLECTORS.register(name)(kind)
    return list(kinds)


KINDS = _register()
