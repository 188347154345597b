"""A point in the InfluxDB data model: measurement, tags, fields, timestamp (ns, UTC)."""

from __future__ import annotations

from collections.abc import Mapping
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
