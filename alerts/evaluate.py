"""Rule evaluation, pure: fetched data in, alert instances out.

The engine fetches, per rule and cycle, one DataFrame from the metric store (``query`` for
threshold/ratio, ``latest`` for absence) or the open inspection findings; the functions here turn
that into :class:`Instance` values. An instance's ``fingerprint`` is ``sha1(rule + sorted labels)``;
``city`` (the scope of the alert) comes from the ``city`` label, else is derived from ``node``.
A series with no data in the window yields no instance: the engine treats that as condition false. A
series the rule cannot judge yet (a window short of the rule's data minimum, an absence limit whose
interval is unknown) yields an instance with ``known=False``: the lifecycle decides nothing for it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import pandas as pd

from alerts import summary as S
from alerts.coverage import Coverage, GroupKey, lookup
from alerts.rules import Rule
from core.region import PROVINCE_CODE, city_of, is_division_code
from core.severity import Severity

# Where the scheduler records each collector's interval (collectors/scheduler.py self-health).
COLLECTOR_HEALTH, COLLECTOR_INTERVAL = "collector_run", "interval_s"


class FindingLike(Protocol):
    """What a finding rule reads (inspection.findings.FindingView satisfies it). Read-only members, so a
    frozen dataclass fits."""

    @property
    def site_code(self) -> str: ...
    @property
    def node_code(self) -> str: ...
    @property
    def city_code(self) -> str: ...
    @property
    def check(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def deadline(self) -> date | None: ...


@dataclass(frozen=True)
class Instance:
    rule: Rule
    fingerprint: str
    labels: Mapping[str, str]  # series labels only; the alert adds the rule's static labels
    value: float | None
    active: bool  # the condition holds now
    city_code: str
    facts: Mapping[str, Any] = field(default_factory=dict)  # what the evaluation knew: limit_s, interval_s, samples
    known: bool = True  # False: the condition could not be decided (too little data): keep the alert's state

    @property
    def all_labels(self) -> dict[str, str]:
        return {**self.rule.labels, **self.labels, "alertname": self.rule.name}

    @property
    def group_key(self) -> str:
        labels = self.all_labels
        labels.setdefault("city", self.city_code)
        return self.rule.name + "|" + ",".join(f"{k}={labels.get(k, '')}" for k in self.rule.notify_by)

    @property
    def partial_summary(self) -> str:
        """The summary with the evaluation facts rendered and the display placeholders kept (alerts.summary)."""
        return S.at_evaluation(self.rule.summary, self.all_labels, self.value, {**self.facts, **rule_facts(self.rule)})

    def summary_at(self, timing: S.Timing, now: datetime) -> str:
        """The summary as it reads at ``now`` for an alert with ``timing``."""
        return S.at_display(self.partial_summary, timing, now)


def rule_facts(rule: Rule) -> dict[str, Any]:
    """What a summary reads of the rule itself: ``threshold`` (its ``value``; a ratio's reads as a percentage)."""
    if rule.kind not in ("threshold", "ratio"):
        return {}
    return {"threshold": rule.value, "threshold_percent": rule.kind == "ratio"}


def fingerprint(rule_name: str, labels: Mapping[str, str]) -> str:
    """sha1 hex of the rule name and the labels, sorted, so the same series always maps to one alert."""
    body = rule_name + "\x00" + "\x00".join(f"{k}={labels[k]}" for k in sorted(labels))
    return hashlib.sha1(body.encode()).hexdigest()


def derive_city(labels: Mapping[str, str]) -> str:
    """The owning city: ``city`` when present, else XXYY00 of a 6-digit ``node``, else the province."""
    city = labels.get("city") or ""
    if len(city) == 6 and city.isdigit():
        return city
    node = labels.get("node") or ""
    return city_of(node) if is_division_code(node) else PROVINCE_CODE


def _instance(rule: Rule, labels: dict[str, str], value: float | None, active: bool,
              facts: Mapping[str, Any] | None = None, known: bool = True) -> Instance:
    return Instance(rule, fingerprint(rule.name, labels), labels, value, active and known, derive_city(labels),
                    dict(facts or {}), known)


def rows_of(frame: pd.DataFrame, keys: Sequence[str]) -> Iterable[tuple[dict[str, str], Any]]:
    """(labels of ``keys``, value) per row of a store frame; a tag the series lacks is no label."""
    # A series without the tag has no label (the embedded store answers "", others may answer None).
    cols = [frame[k].fillna("").astype(str).tolist() if k in frame.columns else [""] * len(frame) for k in keys]
    values = frame["value"].tolist()
    for i, v in enumerate(values):
        yield {k: c[i] for k, c in zip(keys, cols, strict=True) if c[i] != ""}, v


Details = Callable[[Mapping[str, str]], dict[str, Any]]


def details_of(rule: Rule, latest: Mapping[str, pd.DataFrame] | None) -> Details:
    """Each group's ``details`` (detail field → its newest value, None when the group has none) from one
    ``MetricStore.latest`` frame per ``rule.detail_fields`` entry. Pure."""
    newest = {f: _newest(frame, rule.group_by) for f, frame in (latest or {}).items() if len(frame)}

    def lookup(labels: Mapping[str, str]) -> dict[str, Any]:
        key = tuple(sorted(labels.items()))
        return {f: (newest[f][key][1] if f in newest and key in newest[f] else None) for f in rule.detail_fields}
    return lookup


def _with_details(facts: Mapping[str, Any], rule: Rule, details: Details | None,
                  labels: Mapping[str, str]) -> dict[str, Any]:
    if not rule.detail_fields:
        return dict(facts)
    return {**facts, "details": details(labels) if details is not None else dict.fromkeys(rule.detail_fields)}


def evaluate_series(rule: Rule, frame: pd.DataFrame,
                    coverage: Mapping[GroupKey, Coverage] | None = None,
                    details: Details | None = None) -> list[Instance]:
    """Threshold and ratio rules: ``frame`` has one row per ``rule.group_by`` group (columns ``value``
    and the group tags), as ``MetricStore.query`` answers with ``every=None``.

    A rule with ``min_samples`` decides nothing for a group whose window holds too little data
    (``coverage``, :func:`alerts.coverage.fetch_coverage`): the instance is inactive and not ``known``, and
    its facts say how much there is (``samples``, ``slices_ok``/``slices``, ``sufficient``). A rule with
    ``detail_fields`` gets ``details`` in its facts (:func:`details_of`).
    """
    out: list[Instance] = []
    for labels, raw in rows_of(frame, rule.group_by):
        if raw is None or (isinstance(raw, float) and math.isnan(raw)):
            continue
        v = float(raw)
        if rule.kind == "ratio" and rule.invert:
            v = 1.0 - v
        cov = lookup(rule, coverage, labels)
        facts = _with_details(cov.facts() if cov is not None else {}, rule, details, labels)
        out.append(_instance(rule, labels, v, rule.compare(v), facts, known=cov is None or cov.sufficient))
    return out


def _newest(frame: pd.DataFrame, keys: Sequence[str]) -> dict[tuple[tuple[str, str], ...], tuple[datetime, Any]]:
    """(time, value) of the newest point per group of ``keys`` in a ``MetricStore.latest`` frame."""
    out: dict[tuple[tuple[str, str], ...], tuple[datetime, Any]] = {}
    times = frame["time"].tolist() if len(frame) else []
    for (labels, v), t in zip(rows_of(frame, keys), times, strict=True):
        key = tuple(sorted(labels.items()))
        ts = pd.Timestamp(t).to_pydatetime()
        if key not in out or ts > out[key][0]:
            out[key] = (ts, v)
    return out


def interval_lookup(rule: Rule, intervals: pd.DataFrame | None) -> Callable[[Mapping[str, str]], float | None]:
    """Each group's interval in seconds, from the frame the engine fetched for an interval rule.

    ``interval_field``: the newest value of that field of the same series (the longest when a group
    spans several). ``interval_of``: the collector's interval recorded on the group's ``node`` (the
    ``collector_run`` frame), else the longest recorded on any node. None when nothing is known.
    """
    if intervals is None or intervals.empty or not rule.absent_intervals:
        return lambda labels: None
    if rule.interval_field:
        by_group: dict[tuple[tuple[str, str], ...], float] = {}
        for labels, v in rows_of(intervals, rule.group_by):
            if v is not None and not pd.isna(v):
                key = tuple(sorted(labels.items()))
                by_group[key] = max(by_group.get(key, 0.0), float(v))
        return lambda labels: by_group.get(tuple(sorted(labels.items())))
    by_node: dict[str, float] = {}
    for labels, v in rows_of(intervals, ("node",)):
        if v is not None and not pd.isna(v):
            node = labels.get("node", "")
            by_node[node] = max(by_node.get(node, 0.0), float(v))
    longest = max(by_node.values(), default=None)
    return lambda labels: by_node.get(labels.get("node", ""), longest)


def evaluate_absence(rule: Rule, latest: pd.DataFrame, now: datetime,
                     intervals: pd.DataFrame | None = None, details: Details | None = None) -> list[Instance]:
    """Absence rules: ``latest`` as ``MetricStore.latest`` answers (``time`` per series).

    A group is absent when its newest point is older than its limit (:meth:`Rule.absence_limit`: a
    fixed ``absent_for``, or ``absent_intervals`` × the group's own interval from ``intervals``, never
    less than ``absent_for``). ``value`` is the silence in seconds; ``facts`` carry ``limit_s`` and
    ``interval_s``. A group whose interval is unknown gets no verdict (inactive, not ``known``).
    """
    interval_of = interval_lookup(rule, intervals)
    out = []
    for key, (t, _) in _newest(latest, rule.group_by).items():
        labels = dict(key)
        silent = (now - t).total_seconds()
        interval = interval_of(labels)
        limit = rule.absence_limit(interval)
        facts = _with_details({"limit_s": limit, "interval_s": interval}, rule, details, labels)
        out.append(_instance(rule, labels, silent, limit is not None and silent >= limit, facts,
                             known=limit is not None))
    return out


FINDING_GROUP = ("site", "node", "city", "check", "kind")  # a finding rule's groups when it names none


def group_of(rule: Rule) -> tuple[str, ...]:
    """The labels a rule's instances carry from their series (``group_by``; a finding rule's default)."""
    return tuple(rule.group_by) or (FINDING_GROUP if rule.kind == "finding" else ())


def finding_matches(rule: Rule, f: FindingLike, today: date) -> bool:
    """Whether a finding counts for a finding rule (check, kinds, minimum severity, deadline window)."""
    if f.check not in rule.checks or (rule.kinds and f.kind not in rule.kinds):
        return False
    if rule.min_severity is not None and Severity(f.severity).rank > rule.min_severity.rank:
        return False
    if rule.deadline_within_days is not None:
        return f.deadline is not None and (f.deadline - today).days <= rule.deadline_within_days
    return True


def evaluate_findings(rule: Rule, findings: Sequence[FindingLike], now: datetime) -> list[Instance]:
    """Finding rules over *open* findings: one active instance per ``group_by`` group with ``value`` =
    how many findings match and ``facts["kinds"]`` = the finding kinds among them (``{kinds}`` in a summary
    names them in Chinese). Groups without a matching finding yield no instance (condition false)."""
    today = now.date()
    group_by = group_of(rule)
    counts: dict[tuple[tuple[str, str], ...], int] = {}
    kinds: dict[tuple[tuple[str, str], ...], set[str]] = {}
    deadlines: dict[tuple[tuple[str, str], ...], date] = {}
    worst: dict[tuple[tuple[str, str], ...], Severity] = {}
    for f in findings:
        if not finding_matches(rule, f, today):
            continue
        src = {"site": f.site_code, "node": f.node_code, "city": f.city_code, "check": f.check,
               "kind": f.kind, "location": f.location,
               # a new-media finding's account (newmedia.findings.MediaFindingView); inspection findings have none
               "account": str(getattr(f, "account", "") or ""),
               # an overdue rectification notice's id (operations.notice_alerts.OverdueProblem)
               "notice": str(getattr(f, "notice", "") or "")}
        key = tuple((k, src[k]) for k in group_by if src[k])
        counts[key] = counts.get(key, 0) + 1
        kinds.setdefault(key, set()).add(f.kind)
        if f.deadline is not None and (key not in deadlines or f.deadline < deadlines[key]):
            deadlines[key] = f.deadline
        sev = Severity(f.severity)
        if key not in worst or sev.rank < worst[key].rank:
            worst[key] = sev
    return [_instance(rule, dict(k), float(n), True, _finding_facts(rule, S.kind_order(kinds[k]), deadlines.get(k),
                                                                    worst[k]))
            for k, n in counts.items()]


def _finding_facts(rule: Rule, kinds: list[str], deadline: date | None, worst: Severity) -> dict[str, Any]:
    """A finding group's facts: its kinds, its earliest deadline (``{overdue}`` reads it) and, for a rule whose
    severity follows its findings, the severity the alert takes (the worst finding's, never below the rule's)."""
    facts: dict[str, Any] = {"kinds": kinds}
    if deadline is not None:
        facts["deadline"] = deadline.isoformat()
    if rule.severity_from_findings:
        facts["severity"] = (worst if worst.rank < rule.severity.rank else rule.severity).value
    return facts
