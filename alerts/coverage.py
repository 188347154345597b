"""How much of its window a rule has: no verdict before the data suffices.

A threshold or ratio rule may set ``min_samples`` (and ``min_samples_per``): the window must hold at
least that many samples — in *every* slice of ``min_samples_per`` that makes up the window, counted
back from now, when it is set (the national rule: at least 20 probes a day over the 7 days). Until
then the rule decides nothing for that series (its condition is unknown) and screens say
数据不足（已有 N/M 次监测）. N/M is the one measure of progress every screen uses for such a rule (the alert
console, the site page's veto item and ``inspect`` alike, through ``core.i18n.inspection.sufficiency_text``): the
samples counted toward the minimum (at most the minimum per slice) of the number needed (slices × minimum).
:func:`coverage_of` is pure; :func:`fetch_coverage` asks the store for one ``count`` per slice;
:class:`SliceCounter` shares those counts between rules over the same series and window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from alerts.rules import Rule
from core.i18n import alerts as T
from core.i18n.inspection import sufficiency_text
from tsdb.store import MetricStore, Query

GroupKey = tuple[tuple[str, str], ...]
PROGRESS_UNIT = "probes"  # core.i18n.inspection.SUFFICIENCY_UNIT: 次监测, as the site page and inspect say it


@dataclass(frozen=True)
class Coverage:
    """One series' data in the window: ``samples`` in all; ``slices_ok`` of ``slices`` hold ``needed`` each;
    ``counted`` samples count toward the minimum (at most ``needed`` a slice)."""

    samples: int
    slices_ok: int
    slices: int
    needed: int
    per: timedelta | None = None  # the slice length; None: the whole window is one slice
    counted: int = 0

    @property
    def sufficient(self) -> bool:
        return self.slices_ok >= self.slices

    @property
    def need(self) -> int:
        """Samples the window needs in all: the minimum in every slice."""
        return self.needed * self.slices

    def text(self) -> str:
        """``数据充足（共 1008 次监测）`` or ``数据不足（已有 45/140 次监测）``."""
        if self.sufficient:
            return T.COVERAGE_OK.format(samples=self.samples)
        return sufficiency_text(self.counted, self.need, PROGRESS_UNIT, verdict=True)

    def progress(self) -> str:
        """``已有 45/140 次监测``: the samples counted toward the minimum, of the number needed."""
        return sufficiency_text(self.counted, self.need, PROGRESS_UNIT)

    def facts(self) -> dict[str, int | bool | str]:
        """What an alert keeps of it (alert.facts): the counts and the Chinese text."""
        return {"samples": self.samples, "slices_ok": self.slices_ok, "slices": self.slices,
                "counted": self.counted, "need": self.need, "sufficient": self.sufficient, "coverage": self.text()}


def slices(rule: Rule, now: datetime) -> list[tuple[datetime, datetime]]:
    """The rule's window cut into its slices, newest first: ``[now - per, now)``, ``[now - 2 per, now - per)``…"""
    per = rule.min_samples_per or rule.window
    n = max(1, round(rule.window / per))
    return [(now - (i + 1) * per, now - i * per) for i in range(n)]


def empty(rule: Rule) -> Coverage:
    """A series with no sample at all in the window."""
    return Coverage(0, 0, len(slices(rule, datetime(2000, 1, 1))), rule.min_samples, rule.min_samples_per, 0)


def coverage_of(rule: Rule, counts: Sequence[pd.DataFrame]) -> dict[GroupKey, Coverage]:
    """Each group's :class:`Coverage` from one ``count`` frame per slice (grouped by ``rule.group_by``). Pure."""
    from alerts.evaluate import rows_of

    per_group: dict[GroupKey, list[int]] = {}
    for i, frame in enumerate(counts):
        for labels, v in rows_of(frame, rule.group_by):
            key = tuple(sorted(labels.items()))
            per_group.setdefault(key, [0] * len(counts))[i] += 0 if v is None or pd.isna(v) else int(v)
    return {key: Coverage(sum(n), sum(x >= rule.min_samples for x in n), len(n), rule.min_samples,
                          rule.min_samples_per, sum(min(x, rule.min_samples) for x in n))
            for key, n in per_group.items()}


def fetch_coverage(store: MetricStore, rule: Rule, now: datetime) -> dict[GroupKey, Coverage]:
    """One ``count`` query per slice of the rule's window; {} for a rule without a data minimum."""
    return SliceCounter(store, now).coverage(rule)


CountKey = tuple[str, str, timedelta, timedelta | None, tuple[str, ...]]


def count_key(rule: Rule) -> CountKey:
    """What a rule's slice counts depend on: its series (measurement, field, group_by) and its slices."""
    return rule.measurement, rule.field, rule.window, rule.min_samples_per, tuple(rule.group_by)


class SliceCounter:
    """The slice counts at one ``now``, asked of the store once per :func:`count_key`: the rules over the
    same series and window (the 4 % warning and the 5 % veto) share them, in an engine cycle as on the rules
    page. Not thread-safe; make one per cycle or per read."""

    def __init__(self, store: MetricStore, now: datetime) -> None:
        self.store, self.now = store, now
        self._frames: dict[CountKey, list[pd.DataFrame]] = {}
        self.queries = 0  # count queries issued

    def frames(self, rule: Rule) -> list[pd.DataFrame]:
        """One ``count`` frame per slice of the rule's window (grouped by ``rule.group_by``), newest first."""
        key = count_key(rule)
        if key not in self._frames:
            self._frames[key] = [self.store.query(Query(rule.measurement, rule.field, start, stop, agg="count",
                                                        group_by=rule.group_by))
                                 for start, stop in slices(rule, self.now)]
            self.queries += len(self._frames[key])
        return self._frames[key]

    def coverage(self, rule: Rule) -> dict[GroupKey, Coverage]:
        """Each group's :class:`Coverage` for ``rule``; {} for a rule without a data minimum."""
        return coverage_of(rule, self.frames(rule)) if rule.min_samples else {}


def lookup(rule: Rule, coverage: Mapping[GroupKey, Coverage] | None, labels: Mapping[str, str]) -> Coverage | None:
    """The coverage of one group (empty when the group has no sample); None when the rule has no minimum."""
    if not rule.min_samples:
        return None
    return (coverage or {}).get(tuple(sorted(labels.items()))) or empty(rule)
