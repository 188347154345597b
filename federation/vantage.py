"""One site seen from several vantages: the province's verdict on where a failure lies. Pure.

Every probe point carries ``vantage`` = the node that probed (the province 430000, or a city node). A site
that fails from every vantage with fresh data is down; one that fails from some vantages only is reachable
in general and has a path problem from those (a city's line, its DNS, its firewall). No verdict is given
until at least :data:`MIN_VANTAGES` vantages have fresh data (docs/federation.md, "Vantages").
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_VANTAGES = 2


class Verdict(enum.StrEnum):
    ALL_UP = "all_up"  # every fresh vantage loads the homepage
    ALL_DOWN = "all_down"  # no fresh vantage loads it: the site is down from everywhere
    PATH = "path"  # some fresh vantages fail, others load it: a path problem of those
    TOO_FEW = "too_few"  # fewer than MIN_VANTAGES vantages with fresh data: no verdict


@dataclass(frozen=True)
class VantageProbe:
    """The newest probe of one site from one vantage."""

    vantage: str
    name: str  # the vantage node's name for people
    up: bool | None  # None: no probe result known
    latency_ms: float | None
    last_probe: datetime | None

    def fresh(self, now: datetime, stale_after: timedelta) -> bool:
        """Whether this probe is recent enough to judge from (and has a result)."""
        return self.up is not None and self.last_probe is not None and now - self.last_probe <= stale_after


@dataclass(frozen=True)
class VantageVerdict:
    verdict: Verdict
    fresh: int  # how many vantages have fresh data
    failing: tuple[str, ...] = ()  # names of the fresh vantages that fail (a path problem's)


def judge(probes: Sequence[VantageProbe], now: datetime, stale_after: timedelta) -> VantageVerdict:
    """The verdict over the fresh probes in ``probes`` at ``now``; stale ones are ignored (shown greyed)."""
    fresh = [p for p in probes if p.fresh(now, stale_after)]
    if len(fresh) < MIN_VANTAGES:
        return VantageVerdict(Verdict.TOO_FEW, len(fresh))
    failing = tuple(p.name for p in fresh if not p.up)
    if not failing:
        return VantageVerdict(Verdict.ALL_UP, len(fresh))
    if len(failing) == len(fresh):
        return VantageVerdict(Verdict.ALL_DOWN, len(fresh), failing)
    return VantageVerdict(Verdict.PATH, len(fresh), failing)
