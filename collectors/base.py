"""The Collector plug-in family (the metrics a kind writes are declared in :mod:`tsdb.catalogue`).

A collector names its targets and turns one target into points. The scheduler,
never the collector, owns timing, timeouts, jitter, concurrency and retries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from core.plugins import Registry
from tsdb.catalogue import MetricSpec


@dataclass(frozen=True)
class Target:
    """One thing a collector measures: a site, a host, a service.

    ``key`` is unique within the collector; ``labels`` become point tags.
    """

    key: str
    labels: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class Collector(Protocol):
    """One kind of collection. ``blocking`` kinds run in the bounded thread pool."""

    name: ClassVar[str]
    label_zh: ClassVar[str]  # the kind's Chinese name on screens and in alert texts (采集器 …)
    blocking: ClassVar[bool]
    metrics: ClassVar[Sequence[MetricSpec]]

    @property
    def interval(self) -> float:
        """Seconds between the starts of two runs (before jitter)."""
        ...

    @property
    def timeout(self) -> float:
        """Seconds one target may take before the scheduler abandons it and counts a timeout."""
        ...

    def targets(self) -> list[Target]: ...

    # Optional: ``max_concurrency: int`` caps this kind's targets in flight (besides the global bound);
    # ``first_run_within: float`` bounds the random delay of the first run (seconds after start).

    def collect(self, target: Target) -> Any:
        """Points for one target: an ``Iterable[Point]``, or an awaitable of one for async kinds.

        Raise to report the target as failed; the scheduler logs and counts it.
        """
        ...


COLLECTORS: Registry[type] = Registry("collector")

def collector_label(name: str) -> str:
    """The Chinese name a registered collector kind declares (``label_zh``); ``name`` itself for a kind not
    registered in this process (e.g. one removed since it reported)."""
    if name in COLLECTORS:
        return str(getattr(COLLECTORS.get(name), "label_zh", "") or name)
    return name


def collector_of(measurement: str, field_name: str) -> str | None:
    """The registered collector kind that declares ``measurement.field`` (the first, in registration order);
    None when no kind does (e.g. the scheduler's own ``collector_run``)."""
    for name, kind in COLLECTORS:
        if any((m.measurement, m.field) == (measurement, field_name) for m in getattr(kind, "metrics", ())):
            return name
    return None


@dataclass(frozen=True)
class CollectorContext:
    """What every collector is built with: settings, the registry and a clock."""

    config: Any  # core.config.Config
    sessions: Any  # sqlalchemy sessionmaker bound to the registry database
    clock: Any  # core.clock.Clock
    store: Any = None  # tsdb.store.MetricStore, for kinds that judge collected history (inspection)
