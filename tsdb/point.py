"""A point in the InfluxDB data model: measurement, tags, fields, timestamp (ns, UTC)."""

from __future__ import annotations

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
