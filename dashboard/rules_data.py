"""Read-only view of the alert rules behind the rules page (告警规则, /rules).

The page shows the same truth the alerting engine acts on: both read the rule directory through
:class:`alerts.rule_dir.RuleDirectory` (one object when ``app.py run`` hosts both), which takes a new
set only when every file loads and otherwise keeps the rules in force, reporting ``FILE:LINE: reason``.
Each file carries its version without git: modification time and the first 12 hex digits of the
SHA-256 of its content. :func:`build_snapshot`, :func:`rule_frame` and :func:`filter_rules` are pure;
:func:`open_counts` takes the session and the viewer's scope.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.coverage import SliceCounter
from alerts.rule_dir import FileVersion, RuleDirectory
from alerts.rules import Rule, RuleSet
from alerts.states import OPEN_STATES
from core.config import Config
from core.region import is_county
from db.models_alerts import Alert
from layouts.frames import CoverageStats, RuleFileView, RulesSnapshot
from security.scope import PROVINCE_CODE, can_see, city_prefilter, node_of
from tsdb.store import MetricStore

# What the page says about the set as a whole.
STATE_OK = "ok"  # every file loaded; these rules are in force
STATE_KEPT = "kept"  # a file is broken: the whole new set is rejected, the rules loaded before stay in force
STATE_REJECTED = "rejected"  # a file is broken and no set was ever loaded: no rule is in force
STATE_EMPTY_KEPT = "empty_kept"  # the directory lost its files: the rules loaded before stay in force
STATE_EMPTY = "empty"  # no rule files and none ever loaded

RULE_COLUMNS = ["file", "line", "name", "title", "kind", "severity", "summary", "measurement", "field", "agg",
                "window_s", "op", "value", "invert", "absent_for_s", "interval_field", "interval_of",
                "absent_intervals", "for_s", "keep_firing_s", "labels", "group_by", "checks", "kinds", "min_severity",
                "deadline_days", "open", "min_samples", "min_samples_per_s", "coverage", "limit", "limit_field",
                "within_s", "direction", "min_points", "min_span_s"]
COVERAGE_TTL_S = 60  # the rules page counts each window rule's data at most once a minute


def coverage_stats(store: MetricStore, rules: Iterable[Rule], now: datetime) -> dict[str, CoverageStats]:
    """Per rule with a data minimum, the series with enough data and those without (the engine's counts:
    one count query per slice and series, shared by the rules over the same series, as in a cycle)."""
    counter = SliceCounter(store, now)
    out: dict[str, CoverageStats] = {}
    for r in rules:
        if not r.min_samples:
            continue
        covs = list(counter.coverage(r).values())
        short = [c for c in covs if not c.sufficient]
        best = max(short, key=lambda c: (c.counted, c.samples), default=None)
        out[r.name] = CoverageStats(len(covs) - len(short), len(short), best)
    return out


def build_snapshot(directory: str, disk: Iterable[FileVersion], in_force: RuleSet,
                   loaded: Mapping[str, FileVersion], errors: Iterable[tuple[str, int, str]],
                   checked_at: datetime | None = None) -> RulesSnapshot:
    """Group the rules in force and the errors by file (directory order, then files only in force). Pure."""
    disk_list = list(disk)
    errs = tuple(errors)
    in_force_files = {r.file for r in in_force.rules} | {ir.file for ir in in_force.inhibit_rules}
    paths = [v.path for v in disk_list] + sorted(in_force_files - {v.path for v in disk_list})
    by_disk = {v.path: v for v in disk_list}
    files = []
    for p in paths:
        files.append(RuleFileView(
            path=p, disk=by_disk.get(p), loaded=loaded.get(p) if p in in_force_files else None,
            errors=tuple((line, reason) for f, line, reason in errs if f == p),
            rules=tuple(r for r in in_force.rules if r.file == p),
            inhibits=tuple(ir for ir in in_force.inhibit_rules if ir.file == p)))
    if not disk_list:
        state = STATE_EMPTY_KEPT if in_force.rules else STATE_EMPTY
    elif errs:
        state = STATE_KEPT if in_force.rules else STATE_REJECTED
    else:
        state = STATE_OK
    return RulesSnapshot(directory, state, in_force, tuple(files), errs, checked_at)


class RulesReader:
    """The rules page's view of one :class:`alerts.rule_dir.RuleDirectory`; thread-safe.

    Given the directory the alerting service follows (``app.py run`` shares one), the page shows exactly
    the set the engine evaluates; on its own it applies the same policy to the same files.
    """

    def __init__(self, config: Config, directory: RuleDirectory | None = None) -> None:
        self.rules = directory or RuleDirectory(config.resolve_path(config.alerts.rules_dir))
        self.directory = self.rules.directory
        self._lock = threading.Lock()
        self._generation = -1
        self._snapshot = build_snapshot(str(self.directory), [], RuleSet(), {}, [])
        self._coverage: tuple[int, datetime, dict[str, CoverageStats]] | None = None

    def coverage(self, store: MetricStore, now: datetime) -> dict[str, CoverageStats]:
        """:func:`coverage_stats` of the rules in force, recounted at most every :data:`COVERAGE_TTL_S`."""
        snap = self.snapshot(now)
        with self._lock:
            cached = self._coverage
            if cached is not None and cached[0] == self._generation and \
                    0 <= (now - cached[1]).total_seconds() < COVERAGE_TTL_S:
                return cached[2]
        stats = coverage_stats(store, snap.in_force.rules, now)
        with self._lock:
            self._coverage = (self._generation, now, stats)
        return stats

    def snapshot(self, now: datetime | None = None) -> RulesSnapshot:
        """The current :class:`RulesSnapshot` (rebuilt only when the directory changed)."""
        st = self.rules.refresh()
        with self._lock:
            if st.generation != self._generation:
                self._generation = st.generation
                self._snapshot = build_snapshot(str(self.directory), st.files, st.in_force,
                                                {v.path: v for v in st.loaded}, st.errors, now)
            return self._snapshot


READER_KEY = "govops_rules_reader"
RULE_DIRECTORY_KEY = "govops_rule_directory"  # set by init_app(rules=...) to share the engine's directory


def rules_reader() -> RulesReader:
    """The current app's :class:`RulesReader`, made on first use from the app's configuration."""
    ext = current_app.extensions
    reader = ext.get(READER_KEY)
    if reader is None:
        from dashboard.data import wall_data

        reader = ext[READER_KEY] = RulesReader(wall_data().config, ext.get(RULE_DIRECTORY_KEY))
    return reader


def open_counts(session: Session, *, scope_code: str = PROVINCE_CODE) -> dict[str, int]:
    """Open alerts (pending, firing, acknowledged) per rule name inside the viewer's scope."""
    if is_county(scope_code):  # a county's alerts are told apart by their node label: counted here
        counts: dict[str, int] = {}
        by_node = select(Alert.rule, Alert.city_code, Alert.labels).where(
            Alert.state.in_(list(OPEN_STATES)), Alert.city_code == city_prefilter(scope_code))
        for rule, city_code, labels in session.execute(by_node):
            if can_see(scope_code, city_code, node_of(labels)):
                counts[rule] = counts.get(rule, 0) + 1
        return counts
    q = select(Alert.rule, func.count(Alert.id)).where(Alert.state.in_(list(OPEN_STATES))).group_by(Alert.rule)
    city = city_prefilter(scope_code)
    if city is not None:
        q = q.where(Alert.city_code == city)
    return {rule: int(n) for rule, n in session.execute(q)}


def _seconds(td: Any) -> float:
    return float(td.total_seconds())


def rule_frame(rules: Iterable[Rule], counts: Mapping[str, int] | None = None,
               coverage: Mapping[str, CoverageStats] | None = None) -> pd.DataFrame:
    """One row per rule (columns :data:`RULE_COLUMNS`), in file order; ``open`` from ``counts``, ``coverage``
    (a :class:`CoverageStats` or None) from :func:`coverage_stats`. Pure."""
    counts, coverage = counts or {}, coverage or {}
    rows = [{"file": r.file, "line": r.line, "name": r.name, "title": r.title, "kind": r.kind,
             "severity": r.severity.value, "summary": r.summary, "measurement": r.measurement, "field": r.field,
             "agg": r.agg,             "window_s": _seconds(r.window), "op": r.op, "value": r.value, "invert": r.invert,
             "absent_for_s": _seconds(r.absent_for), "interval_field": r.interval_field,
             "interval_of": r.interval_of, "absent_intervals": r.absent_intervals, "for_s": _seconds(r.for_),
             "keep_firing_s": _seconds(r.keep_firing_for), "labels": dict(r.labels), "group_by": tuple(r.group_by),
             "checks": tuple(r.checks), "kinds": tuple(r.kinds),
             "min_severity": r.min_severity.value if r.min_severity is not None else "",
             "deadline_days": r.deadline_within_days, "open": int(counts.get(r.name, 0)),
             "min_samples": r.min_samples,
             "min_samples_per_s": _seconds(r.min_samples_per) if r.min_samples_per else 0.0,
             "coverage": coverage.get(r.name), "limit": r.limit, "limit_field": r.limit_field,
             "within_s": _seconds(r.within), "direction": r.direction, "min_points": r.min_points,
             "min_span_s": _seconds(r.min_span) if r.min_span is not None else _seconds(r.window) / 2}
            for r in rules]
    return pd.DataFrame(rows, columns=RULE_COLUMNS)


@dataclass(frozen=True)
class RuleFilter:
    """The page's filters; empty means "any". ``text`` matches name, summary, metric, checks, labels, file."""

    severity: str = ""
    kind: str = ""
    text: str = ""


def filter_rules(df: pd.DataFrame, flt: RuleFilter) -> pd.DataFrame:
    """The rows of a :func:`rule_frame` matching ``flt`` (case-insensitive text). Pure."""
    out = df
    if flt.severity:
        out = out[out["severity"] == flt.severity]
    if flt.kind:
        out = out[out["kind"] == flt.kind]
    needle = flt.text.strip().lower()
    if needle and not out.empty:
        def hay(r: pd.Series) -> str:
            parts = [r["name"], r["title"], r["summary"], r["measurement"], r["field"], r["interval_field"],
                     r["interval_of"], Path(r["file"]).name,
                     *r["checks"], *r["kinds"], *r["group_by"], *(f"{k}={v}" for k, v in r["labels"].items())]
            return " ".join(str(p) for p in parts).lower()

        out = out[out.apply(lambda r: needle in hay(r), axis=1)]
    return out.reset_index(drop=True)
