"""Time as an argument: pure logic takes a Clock so tests never sleep."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock tests move by hand."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self.current = self.current + timedelta(seconds=seconds)


@dataclass(frozen=True)
class ZonedClock:
    """Another clock's time in the zone people read (the screens' 北京时间); the instant is the same."""

    inner: Clock
    tz: tzinfo

    def now(self) -> datetime:
        return self.inner.now().astimezone(self.tz)


def utc_ns() -> int:
    return time.time_ns()


def to_ns(dt: datetime) -> int:
    if dt.tzinfo is None:
        raise ValueError(f"naive datetime {dt!r}: pass an aware UTC datetime")
    return int(dt.timestamp()) * 1_000_000_000 + dt.microsecond * 1000


def from_ns(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, UTC)
