"""A point in the InfluxDB data model: measurement, tags, fields, timestamp (ns, UTC)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

FieldValue = float | int | bool | str


@dataclass(frozen=True, slots=True)
class Point:
    measurement: str
    fields: Mapping[str, FieldValue]
    time_ns: int
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.measurement:
            raise ValueError("point has an empty measurement name")
        if not self.fields:
            raise ValueError(f"point {self.measurement!r} has no fields")


def points_for(measurement: str, tags: Mapping[str, str], time_ns: int,
               values: Iterable[tuple[str, FieldValue | None]]) -> list[Point]:
    """One point with the non-None values; empty list if every value is None."""
    fields = {k: v for k, v in values if v is not None}
    return [Point(measurement, fields, time_ns, dict(tags))] if fields else []


def check_point(i: int, p: Point) -> None:
    """Raise ValueError describing what is wrong with point ``i`` of a batch, if anything: every metric store
    keeps finite numbers (bools as 1/0) under non-empty string names, nothing else (text facts are tags)."""
    where = f"point {i} ({p.measurement})"
    if not isinstance(p.time_ns, int) or isinstance(p.time_ns, bool):
        raise ValueError(f"{where}: time_ns must be an integer, got {p.time_ns!r}")
    for k, tv in p.tags.items():
        if not isinstance(k, str) or not isinstance(tv, str) or not k:
            raise ValueError(f"{where}: tag {k!r}={tv!r} must be a non-empty string key with a string value")
    for k, v in p.fields.items():
        if not isinstance(k, str) or not k:
            raise ValueError(f"{where}: field name {k!r} must be a non-empty string")
        if isinstance(v, str):
            raise ValueError(f"{where}: field {k!r} holds text {v[:40]!r}; a metric store keeps numbers only "
                             "(text facts are tags: tsdb.catalogue.TextSpec)")
        if not isinstance(v, (int, float)):
            raise ValueError(f"{where}: field {k!r} has unsupported type {type(v).__name__}")
        if not math.isfinite(v):
            raise ValueError(f"{where}: field {k!r} is {v}; only finite numbers can be stored")
