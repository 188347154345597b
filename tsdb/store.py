"""The MetricStore interface every time-series backend implements.

Nothing backend-specific leaks through it: the embedded SQLite backend and the
scale-out VictoriaMetrics/InfluxDB backend answer the same :class:`Query` with
the same DataFrame shape.

Values are numbers. A field value is a float, int or bool (bools read back as 1.0 / 0.0); text is
never a field value, since a Prometheus-model backend stores none. A textual fact (a probe's failure
class and reason) is a *tag* of a numeric marker field written beside the other fields, declared as a
:class:`tsdb.catalogue.TextSpec` and read with :func:`tsdb.facts.latest_values`. Every backend refuses
a text field value with ValueError, so nothing can come to rely on one backend keeping text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

import pandas as pd

from core.plugins import Registry
from tsdb.point import Point

Agg = Literal["avg", "min", "max", "sum", "count", "last"]
AGGS: tuple[str, ...] = ("avg", "min", "max", "sum", "count", "last")

# tag filter: key -> exact value, or a sequence of accepted values (IN)
TagFilter = Mapping[str, str | Sequence[str]]


class QueryError(ValueError):
    """A query is malformed (unknown aggregation, naive or reversed time range...)."""


EXPORT_BATCH = 5_000  # points per batch of MetricStore.export, unless asked otherwise


def check_range(start: datetime, stop: datetime, what: str) -> None:
    """Raise QueryError unless ``start`` and ``stop`` are timezone-aware and ``stop`` is after ``start``."""
    if start.tzinfo is None or stop.tzinfo is None:
        raise QueryError(f"{what} start/stop must be timezone-aware (UTC)")
    if stop <= start:
        raise QueryError(f"{what} stop {stop.isoformat()} is not after start {start.isoformat()}")


@dataclass(frozen=True)
class Query:
    """Aggregate one field of one measurement over [start, stop).

    ``every=None`` means one bucket spanning the whole range. Result columns:
    ``time`` (bucket start, tz-aware UTC), one column per ``group_by`` tag, ``value``.
    Buckets are aligned to multiples of ``every`` since the Unix epoch; empty buckets
    are absent.
    """

    measurement: str
    field: str
    start: datetime
    stop: datetime
    every: timedelta | None = None
    agg: Agg = "avg"
    # qualified: the ``field`` attribute above shadows dataclasses.field for mypy
    tags: TagFilter = dataclasses.field(default_factory=dict)
    group_by: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.agg not in AGGS:
            raise QueryError(f"unknown aggregation {self.agg!r}; expected one of {', '.join(AGGS)}")
        if self.start.tzinfo is None or self.stop.tzinfo is None:
            raise QueryError("query start/stop must be timezone-aware (UTC)")
        if self.stop <= self.start:
            raise QueryError(f"query stop {self.stop.isoformat()} is not after start {self.start.isoformat()}")
        if self.every is not None and self.every.total_seconds() <= 0:
            raise QueryError(f"query every must be positive, got {self.every}")


@runtime_checkable
class MetricStore(Protocol):
    def write(self, points: Iterable[Point]) -> int:
        """Store points atomically (all or none); returns how many were written.

        Raises ValueError naming the point for a value that is not a finite number (text included)."""
        ...

    def query(self, q: Query) -> pd.DataFrame:
        """Aggregated series per :class:`Query`; columns ``time``, group tags, ``value``."""
        ...

    def latest(self, measurement: str, field: str, tags: TagFilter | None = None,
               since: datetime | None = None) -> pd.DataFrame:
        """The newest value of every matching series.

        Columns: ``time``, every tag key of the matching series, ``value``; one row per series.
        Series whose newest point is older than ``since`` are left out.
        """
        ...

    def export(self, start: datetime, stop: datetime, batch: int = EXPORT_BATCH) -> Iterator[list[Point]]:
        """Every raw sample timed in [start, stop), of every series, in lists of at most ``batch`` points.

        Each sample is one point with one field, its own tags and time (a backend keeping milliseconds gives
        them floored to the millisecond); bools read back as 1.0 / 0.0. Writing the points to a store of the
        same kind recreates the same series and samples. Samples only in rollups (older than the raw
        retention of the embedded store) are not raw and are left out. Order: by series or field, not
        globally by time. Raises QueryError for a naive or reversed range or a ``batch`` below 1."""
        ...

    def maintain(self, now: datetime) -> dict[str, int]:
        """Roll raw data up into coarser tiers and drop data past retention; returns counts."""
        ...

    def close(self) -> None: ...


class MetricStoreKind(Protocol):
    """A registered backend: ``STORES[name]``. Its settings are the ``[metrics.<name>]`` table, a frozen
    dataclass ``config_class`` declared in :class:`core.config.MetricsConfig` (field ``<name>``), which
    validates types and ranges at load."""

    config_class: ClassVar[type]

    @classmethod
    def from_config(cls, section: Any) -> MetricStore:
        """The store opened on its settings; raises ValueError (or OSError) when it cannot be."""
        ...


STORES: Registry[Any] = Registry("metric store")
