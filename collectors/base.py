"""The Collector plug-in family and the metric declarations collectors own.

A collector names its targets and turns one target into points. The scheduler,
never the collector, owns timing, timeouts, jitter, concurrency and retries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from core.plugins import Registry
from tsdb.point import Point


@dataclass(frozen=True)
class Target:
    """One thing a collector measures: a site, a host, a service.

    ``key`` is unique within the collector; ``labels`` become point tags.
    """

    key: str
    labels: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricSpec:
    """A metric declared once beside its collector: axes, exports and reports read it."""

    measurement: str
    field: str
    unit: str
    label_zh: str
    description: str = ""


@runtime_checkable
class Collector(Protocol):
    """One kind of collection. ``blocking`` kinds run in the bounded thread pool."""

    name: ClassVar[str]
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

METRICS: dict[tuple[str, str], MetricSpec] = {}


def declare(*specs: MetricSpec) -> tuple[MetricSpec, ...]:
    """Register metric declarations; the same (measurement, field) declared twice is an error."""
    for s in specs:
        key = (s.measurement, s.field)
        if key in METRICS and METRICS[key] != s:
            raise ValueError(f"metric {s.measurement}.{s.field} declared twice with different meanings")
        METRICS[key] = s
    return specs


def metric(measurement: str, field_name: str) -> MetricSpec:
    try:
        return METRICS[(measurement, field_name)]
    except KeyError:
        raise KeyError(f"metric {measurement}.{field_name} is not declared") from None


def points_for(measurement: str, tags: Mapping[str, str], time_ns: int,
               values: Iterable[tuple[str, float | int | bool | str | None]]) -> list[Point]:
    """One point with the non-None values; empty list if every value is None."""
    fields = {k: v for k, v in values if v is not None}
    return [Point(measurement, fields, time_ns, dict(tags))] if fields else []


@dataclass(frozen=True)
class CollectorContext:
    """What every collector is built with: settings, the registry and a clock."""

    config: Any  # core.config.Config
    sessions: Any  # sqlalchemy sessionmaker bound to the registry database
    clock: Any  # core.clock.Clock
    store: Any = None  # tsdb.store.MetricStore, for kinds that judge collected history (inspection)
