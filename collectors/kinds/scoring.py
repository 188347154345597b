"""Scores that keep themselves current: ``score run`` on a clock, one target (this node), every
``[collectors] score_interval``.

Each run scores every enabled site of the node's scope (a city node its city and counties, the province and
one machine for everything all sites: a federated city's findings are mirrored there) for the current quarter
and half-year, replacing their open revisions, and freezes each closed period some site still has an open
revision of — the first run after a quarter ends freezes it as of its last day; a frozen snapshot is never
touched again and a period closed before any revision of it was written is not frozen retroactively
(docs/scoring.md "Scheduled scoring"). It goes through :func:`operations.score_store.keep_period`, the same
scoring and writes as ``score run``: one site that fails is logged and counted, the others are written.

Each run writes one ``score_run`` point (sites written for open periods, frozen, failed, refused) and counts
the same in ``govops_score_sites`` (core/selfmetrics.py); progress is logged every batch of sites.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from collectors.base import COLLECTORS, CollectorContext, Target
from core import selfmetrics
from core.clock import to_ns
from core.i18n import scoring as T
from core.logging import get_logger
from inspection.facts import CHINA
from inspection.indicators import DEFAULT_FILE, load_indicators
from inspection.rules import load_rules
from newmedia.settings import media_rules
from operations import score_store
from operations.access import Actor
from operations.periods import Period, PeriodKind, of_date
from tsdb.catalogue import MetricSpec, declare, declare_measurement
from tsdb.point import Point, points_for

log = get_logger(__name__)

MEASUREMENT = "score_run"
declare_measurement(MEASUREMENT, T.RUN_MEASUREMENT)
METRICS = declare(
    MetricSpec(MEASUREMENT, "scored", "个", T.RUN_FIELDS["scored"],
               "site snapshots of the open periods (current quarter and half-year) replaced by the run"),
    MetricSpec(MEASUREMENT, "frozen", "个", T.RUN_FIELDS["frozen"], "site snapshots of closed periods frozen"),
    MetricSpec(MEASUREMENT, "failed", "个", T.RUN_FIELDS["failed"],
               "(site, period) scorings that raised: the site's snapshot was left as it was"),
    MetricSpec(MEASUREMENT, "refused", "个", T.RUN_FIELDS["refused"],
               "snapshots written without a score: the site's manual entries do not fit the indicator table"),
)
ACTOR = "scoring"  # the scheduled run's name, where a person's would be


def open_periods(now: datetime) -> list[Period]:
    """The quarter and the half-year under way at ``now`` (Beijing time)."""
    today = now.astimezone(CHINA).date()
    return [of_date(today, PeriodKind.QUARTER), of_date(today, PeriodKind.HALF_YEAR)]


@COLLECTORS.register("scoring")
class ScoringCollector:
    name: ClassVar[str] = "scoring"
    label_zh: ClassVar[str] = T.COLLECTOR_LABEL
    blocking: ClassVar[bool] = True
    metrics = METRICS
    batch: ClassVar[int] = 200  # sites per transaction, and per progress line

    def __init__(self, ctx: CollectorContext) -> None:
        self.ctx = ctx
        self.settings = ctx.config.collectors
        self.max_concurrency = 1
        self.first_run_within = 120.0  # a fresh start shows current scores within minutes

    @property
    def interval(self) -> float:
        return float(self.settings.score_interval)

    @property
    def timeout(self) -> float:
        return float(self.settings.score_timeout)

    def targets(self) -> list[Target]:
        node = self.ctx.config.node.code
        return [Target(key=node, labels={"node": node}, params={})]

    def collect(self, target: Target) -> list[Point]:
        """Score and freeze as the module says; the tables are read each run (an edit counts from the next).
        A table that cannot be read raises: the run fails as a whole and nothing is written."""
        config = self.ctx.config
        now = self.ctx.clock.now()
        table = load_indicators(DEFAULT_FILE)
        rules = load_rules(config.resolve_path(config.inspection.rules_file)).veto
        media = media_rules(config)
        actor = Actor(ACTOR, config.node.code)
        with self.ctx.sessions() as s:
            closed = score_store.periods_to_freeze(s, actor, now)
        counts = {"scored": 0, "frozen": 0, "failed": 0, "refused": 0}
        for period in [*closed, *open_periods(now)]:
            summary = score_store.keep_period(self.ctx.sessions, actor, period, now, table, rules, media,
                                              batch=self.batch, progress=_progress(period.code))
            counts["frozen" if summary.closed else "scored"] += summary.written
            counts["refused"] += summary.refused
            counts["failed"] += len(summary.failed)
            for f in summary.failed:
                log.error("scoring.site_failed", period=period.code, site=f.site, error=f.error)
            log.info("scoring.period", period=period.code, closed=summary.closed, as_of=str(summary.as_of),
                     sites=summary.sites, written=summary.written, refused=summary.refused,
                     skipped=summary.skipped, failed=len(summary.failed), duration_s=round(summary.seconds, 3))
        selfmetrics.score_sites(**counts)
        log.info("scoring.run", node=target.key, scored=counts["scored"], frozen=counts["frozen"],
                 failed=counts["failed"], refused=counts["refused"])
        return points_for(MEASUREMENT, {"node": target.key}, to_ns(now),
                          [(k, float(v)) for k, v in counts.items()])


def _progress(period: str) -> Callable[[int, int, float], None]:
    """A log line after each batch but the last (the ``scoring.period`` line says the end)."""
    def progress(done: int, total: int, secs: float) -> None:
        if done < total:
            log.info("scoring.progress", period=period, done=done, total=total,
                     rate=round(done / secs, 1) if secs > 0 else None)
    return progress
