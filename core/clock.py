"""Time as an argument: pure logic takes a Clock so tests never sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
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
        self.current = self.current + timedelta(seconds=seconds)


class ScaledClock:
    """Time that runs ``factor`` times faster than the wall clock, from ``origin`` (default: now).

    The demo runs on it to show hours of operation in minutes (``demo.time_scale``): every timestamp,
    window and verdict follows it, while whoever sleeps divides real intervals by :attr:`factor`.
    Monotonic underneath, so a system clock step does not make it jump.
    """

    def __init__(self, factor: float, origin: datetime | None = None,
                 monotonic: Callable[[], float] = time.monotonic, t0: float | None = None) -> None:
        """``t0``: the monotonic reading at ``origin`` (default: now). Processes of one run pass the same
        origin and t0 and read the same time (Linux's monotonic clock is system-wide)."""
        if not factor >= 1.0:
            raise ValueError(f"ScaledClock: factor must be >= 1, got {factor!r}")
        self.factor = float(factor)
        self._origin = origin or datetime.now(UTC)
        self._monotonic = monotonic
        self._t0 = monotonic() if t0 is None else t0

    @property
    def anchor(self) -> tuple[datetime, float]:
        """(origin, t0): what another process needs to run on this clock."""
        return self._origin, self._t0

    def now(self) -> datetime:
        return self._origin + timedelta(seconds=(self._monotonic() - self._t0) * self.factor)


def time_scale(clock: Clock) -> float:
    """How many clock seconds pass per real second (1 for every clock but :class:`ScaledClock`)."""
    inner = getattr(clock, "inner", None)
    if inner is not None:
        return time_scale(inner)
    return float(getattr(clock, "factor", 1.0))


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
