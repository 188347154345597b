"""The alert rule model: :class:`Rule`, :class:`RuleSet`, the kinds, keys and comparisons, durations.

Validated instances come from the rule files (:mod:`alerts.rules`, which re-exports these names).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from alerts.inhibition import InhibitRule
from core.severity import Severity

SUPPORTED_VERSIONS = (1,)
KINDS = ("threshold", "absence", "ratio", "finding", "forecast")
OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq, "!=": operator.ne,
}
# Labels that carry the region: an instance's city (its scope) is read or derived from one of them.
REGION_LABELS = ("city", "node")
# ``account``: a new-media finding's account (platform:account_id, newmedia/findings.py); ``notice``: an
# overdue rectification notice's id (operations/notice_alerts.py)
FINDING_LABELS = ("site", "node", "city", "check", "kind", "location", "account", "notice")

COMMON_KEYS = {"name", "kind", "severity", "labels", "summary", "for", "keep_firing_for", "notify_by", "title"}
DATA_KEYS = {"min_samples", "min_samples_per"}  # window rules: no verdict before the data suffices
DETAIL_KEY = "detail_fields"  # metric rules: other fields of the series whose newest value the summary may say
MAX_SLICES = 31
# Limits that keep one rule file from taking the alerting service down (see docs/security.md).
MAX_FILE_BYTES = 1024 * 1024  # a rule file larger than this is refused unread (the shipped ones are < 10 KB)
MAX_DEPTH = 16  # YAML nesting; a rule with labels needs 7 (the composer recurses: 500 levels crashed it)
MAX_DURATION = timedelta(days=366)  # the longest window, for, keep_firing_for, absent_for or slice
MAX_SUMMARY = 1000  # characters of a summary template (an SMS carries 300)
MAX_RULES = 1000  # rules and inhibit rules of one file, YAML aliases counted each time they are used
MAX_ITEMS = 256  # items of one list (group_by, check, matchers …) or labels of one rule
MAX_ERRORS = 200  # errors reported for one file; checking stops there
KIND_KEYS: dict[str, tuple[set[str], set[str]]] = {  # kind -> (required, optional)
    "threshold": ({"measurement", "field", "window", "op", "value", "group_by"}, {"agg", DETAIL_KEY, *DATA_KEYS}),
    "absence": ({"measurement", "field", "absent_for", "group_by"},
                {"interval_field", "interval_of", "absent_intervals", DETAIL_KEY}),
    "ratio": ({"measurement", "field", "window", "op", "value", "group_by"}, {"invert", DETAIL_KEY, *DATA_KEYS}),
    "finding": ({"check"}, {"kinds", "min_severity", "deadline_within_days", "group_by", "severity_from_findings"}),
    # forecast: exactly one of limit / limit_field (checked across keys); alerts/forecast.py fits the trend
    "forecast": ({"measurement", "field", "window", "within", "group_by"},
                 {"limit", "limit_field", "direction", "min_points", "min_span", "step", "agg", DETAIL_KEY}),
}
FORECAST_MIN_POINTS = 6  # a forecast rule's default data minimum: samples (buckets of ``step``) in the window
FORECAST_BUCKETS = 120  # a forecast rule without ``step`` fits the window in this many buckets
MAX_FORECAST_BUCKETS = 600  # window / step at most (alerts/forecast.py MAX_POINTS)
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


@dataclass(frozen=True)
class Rule:
    """One validated rule. Durations are timedeltas; ``group_by`` are the labels of its instances."""

    name: str
    kind: str
    severity: Severity
    summary: str
    file: str
    line: int
    labels: Mapping[str, str] = field(default_factory=dict)
    title: str = ""  # the rule's Chinese name on screens (optional; screens fall back to the alert's summary)
    for_: timedelta = timedelta(0)
    keep_firing_for: timedelta = timedelta(0)
    notify_by: tuple[str, ...] = ("city",)  # Alert.group_key: one notification group per rule and these labels
    group_by: tuple[str, ...] = ()
    measurement: str = ""
    field: str = ""
    agg: str = "avg"
    window: timedelta = timedelta(0)
    op: str = ">"
    value: float = 0.0
    invert: bool = False  # ratio: 1 - avg(field), e.g. the failure ratio of ``up``
    absent_for: timedelta = timedelta(0)  # absence: the silence allowed (the floor when an interval is known)
    interval_field: str = ""  # absence: field of the same series holding its interval in seconds
    interval_of: str = ""  # absence: the collector whose recorded interval (collector_run.interval_s) applies
    absent_intervals: float = 0.0  # absence: silent longer than this many intervals (and than absent_for)
    min_samples: int = 0  # threshold/ratio: samples the window must hold before any verdict (0: no minimum)
    min_samples_per: timedelta | None = None  # ... in every slice of this length (counted back from now)
    # The newest value of these fields of the same series (within the window) is kept in the instance's
    # facts (``details``) and fills the summary placeholder of the same name, e.g. ``{reason}``.
    detail_fields: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    min_severity: Severity | None = None
    deadline_within_days: int | None = None
    severity_from_findings: bool = False  # finding: the alert takes its worst finding's severity if above its own
    limit: float | None = None  # forecast: the ceiling (direction up) or floor (down) the trend runs to ...
    limit_field: str = ""  # ... or the field of the same series holding it (its newest value)
    within: timedelta = timedelta(0)  # forecast: fire when the limit is reached in less than this
    direction: str = "up"  # forecast: "up" (a rising series toward a ceiling) or "down" (falling to a floor)
    min_points: int = FORECAST_MIN_POINTS  # forecast: no verdict with fewer samples (buckets) in the window ...
    min_span: timedelta | None = None  # ... or spanning less than this (default: half the window)
    step: timedelta | None = None  # forecast: the bucket fitted as one sample (default: window / 120)

    def bucket(self) -> timedelta:
        """A forecast rule's sample bucket: ``step``, else the window in :data:`FORECAST_BUCKETS`, at least a minute."""
        if self.step is not None:
            return self.step
        return max(timedelta(minutes=1), timedelta(seconds=int(self.window.total_seconds() / FORECAST_BUCKETS)))

    def compare(self, v: float) -> bool:
        return OPS[self.op](v, self.value)

    def absence_limit(self, interval_s: float | None) -> float | None:
        """Seconds of silence allowed for a series with interval ``interval_s``.

        Fixed rules: ``absent_for``. Interval rules: ``absent_intervals`` × the interval, never less than
        ``absent_for``; None when the series' interval is unknown (no verdict without it).
        """
        floor = self.absent_for.total_seconds()
        if not self.absent_intervals:
            return floor
        if interval_s is None or not interval_s > 0:
            return None
        return max(floor, self.absent_intervals * interval_s)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...] = ()
    files: tuple[str, ...] = ()
    inhibit_rules: tuple[InhibitRule, ...] = ()  # every file's ``inhibit_rules``, in file order

    def __len__(self) -> int:
        return len(self.rules)

    def by_name(self) -> dict[str, Rule]:
        return {r.name: r for r in self.rules}


class RuleFileError(ValueError):
    """Rule files with errors; ``errors`` lists ``(file, line, reason)`` in file order."""

    def __init__(self, errors: list[tuple[str, int, str]]) -> None:
        self.errors = errors
        super().__init__("\n".join(f"{f}:{n}: {r}" for f, n, r in errors))


def parse_duration(text: str) -> timedelta:
    """``"90s"``, ``"3m"``, ``"1h30m"``, ``"7d"``, or ``"0"``; raises ValueError otherwise (beyond
    ``timedelta``'s range too)."""
    s = str(text).strip()
    if s == "0":
        return timedelta(0)
    m = _DURATION.match(s)
    if not s or m is None or not any(m.groups()):
        raise ValueError(s)
    if len(s) > 40:  # no sane duration is this long; int() of thousands of digits is slow or refused
        raise ValueError(s)
    d, h, mi, se = (int(g) if g else 0 for g in m.groups())
    try:
        return timedelta(days=d, hours=h, minutes=mi, seconds=se)
    except OverflowError:
        raise ValueError(s) from None
