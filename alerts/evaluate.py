"""Rule evaluation, pure: fetched data in, alert instances out.

The engine fetches, per rule and cycle, one DataFrame from the metric store (``query`` for
threshold/ratio, ``latest`` for absence) or the open inspection findings; the functions here turn
that into :class:`Instance` values. An instance's ``fingerprint`` is ``sha1(rule + sorted labels)``;
``city`` (the scope of the alert) comes from the ``city`` label, else is derived from ``node``.
A series with no data in the window yields no instance: the engine treats that as condition false.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import pandas as pd

from alerts.rules import Rule, render_summary
from inspection.base import Severity

PROVINCE_CODE = "430000"


class FindingLike(Protocol):
    """What a finding rule reads (inspection.findings.FindingView satisfies it)."""

    site_code: str
    node_code: str
    city_code: str
    check: str
    kind: str
    location: str
    severity: Severity
    deadline: date | None


@dataclass(frozen=True)
class Instance:
    rule: Rule
    fingerprint: str
    labels: Mapping[str, str]  # series labels only; the alert adds the rule's static labels
    value: float | None
    active: bool  # the condition holds now
    city_code: str

    @property
    def all_labels(self) -> dict[str, str]:
        return {**self.rule.labels, **self.labels, "alertname": self.rule.name}

    @property
    def group_key(self) -> str:
        labels = self.all_labels
        labels.setdefault("city", self.city_code)
        return self.rule.name + "|" + ",".join(f"{k}={labels.get(k, '')}" for k in self.rule.notify_by)

    @property
    def summary(self) -> str:
        return render_summary(self.rule.summary, self.all_labels, self.value)


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
    if len(node) == 6 and node.isdigit():
        return node if node.endswith("00") else node[:4] + "00"
    return PROVINCE_CODE


def _instance(rule: Rule, labels: dict[str, str], value: float | None, active: bool) -> Instance:
    return Instance(rule, fingerprint(rule.name, labels), labels, value, active, derive_city(labels))


def _rows(frame: pd.DataFrame, keys: Sequence[str]) -> Iterable[tuple[dict[str, str], Any]]:
    # A series without the tag has no label (the embedded store answers "", others may answer None).
    cols = [frame[k].fillna("").astype(str).tolist() if k in frame.columns else [""] * len(frame) for k in keys]
    values = frame["value"].tolist()
    for i, v in enumerate(values):
        yield {k: c[i] for k, c in zip(keys, cols, strict=True) if c[i] != ""}, v


def evaluate_series(rule: Rule, frame: pd.DataFrame) -> list[Instance]:
    """Threshold and ratio rules: ``frame`` has one row per ``rule.group_by`` group (columns ``value``
    and the group tags), as ``MetricStore.query`` answers with ``every=None``."""
    out: list[Instance] = []
    for labels, raw in _rows(frame, rule.group_by):
        if raw is None or (isinstance(raw, float) and math.isnan(raw)):
            continue
        v = float(raw)
        if rule.kind == "ratio" and rule.invert:
            v = 1.0 - v
        out.append(_instance(rule, labels, v, rule.compare(v)))
    return out


def evaluate_absence(rule: Rule, latest: pd.DataFrame, now: datetime) -> list[Instance]:
    """Absence rules: ``latest`` as ``MetricStore.latest`` answers (``time`` per series). A group is
    absent when its newest point is older than ``absent_for``; ``value`` is its silence in seconds."""
    newest: dict[tuple[tuple[str, str], ...], datetime] = {}
    times = latest["time"].tolist() if len(latest) else []
    for (labels, _), t in zip(_rows(latest, rule.group_by), times, strict=True):
        key = tuple(sorted(labels.items()))
        ts = pd.Timestamp(t).to_pydatetime()
        if key not in newest or ts > newest[key]:
            newest[key] = ts
    out = []
    for key, t in newest.items():
        silent = (now - t).total_seconds()
        out.append(_instance(rule, dict(key), silent, silent >= rule.absent_for.total_seconds()))
    return out


def _finding_matches(rule: Rule, f: FindingLike, today: date) -> bool:
    if f.check not in rule.checks or (rule.kinds and f.kind not in rule.kinds):
        return False
    if rule.min_severity is not None and Severity(f.severity).rank > rule.min_severity.rank:
        return False
    if rule.deadline_within_days is not None:
        return f.deadline is not None and (f.deadline - today).days <= rule.deadline_within_days
    return True


def evaluate_findings(rule: Rule, findings: Sequence[FindingLike], now: datetime) -> list[Instance]:
    """Finding rules over *open* findings: one active instance per ``group_by`` group with ``value`` =
    how many findings match. Groups without a matching finding yield no instance (condition false)."""
    today = now.date()
    group_by = rule.group_by or ("site", "node", "city", "check", "kind")
    counts: dict[tuple[tuple[str, str], ...], int] = {}
    for f in findings:
        if not _finding_matches(rule, f, today):
            continue
        src = {"site": f.site_code, "node": f.node_code, "city": f.city_code, "check": f.check,
               "kind": f.kind, "location": f.location}
        key = tuple((k, src[k]) for k in group_by if src[k])
        counts[key] = counts.get(key, 0) + 1
    return [_instance(rule, dict(k), float(n), True) for k, n in counts.items()]
