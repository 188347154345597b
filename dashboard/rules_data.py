"""Read-only view of the alert rules behind the rules page (告警规则, /rules).

The page shows the same truth the alerting engine acts on. :class:`RulesReader` applies the policy of
``alerts.service.AlertService.reload_rules`` to the same ``[alerts] rules_dir``: the directory is read
again when a file was added, removed or changed; a new set is taken only when *every* file loads
(:func:`alerts.rules.load_rule_files` rejects the whole set when one file is broken); otherwise the
rules in force stay in force and the errors are reported with ``FILE:LINE: reason``.

Each file carries its version without git: modification time and the first 12 hex digits of the
SHA-256 of its content. :func:`rule_frame` and :func:`filter_rules` are pure; :func:`open_counts`
takes the session and the viewer's scope.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

# The collectors declare the metrics (Chinese name, unit) the page spells the conditions with.
import collectors.host
import collectors.scheduler
import collectors.site_probe  # noqa: F401
from alerts.rules import Rule, RuleFileError, RuleSet, expand_paths, load_rule_files
from alerts.service import rules_signature
from core.config import Config
from db.models_alerts import OPEN_STATES, Alert
from security.scope import PROVINCE_CODE, scope_filter

# What the page says about the set as a whole.
STATE_OK = "ok"  # every file loaded; these rules are in force
STATE_KEPT = "kept"  # a file is broken: the whole new set is rejected, the rules loaded before stay in force
STATE_REJECTED = "rejected"  # a file is broken and no set was ever loaded: no rule is in force
STATE_EMPTY_KEPT = "empty_kept"  # the directory lost its files: the rules loaded before stay in force
STATE_EMPTY = "empty"  # no rule files and none ever loaded

RULE_COLUMNS = ["file", "line", "name", "kind", "severity", "summary", "measurement", "field", "agg", "window_s",
                "op", "value", "invert", "absent_for_s", "for_s", "keep_firing_s", "labels", "group_by", "checks",
                "kinds", "min_severity", "deadline_days", "open"]


@dataclass(frozen=True)
class FileVersion:
    """A rule file's version: path, modification time (UTC) and a short SHA-256 of its bytes."""

    path: str
    mtime: datetime | None
    sha: str  # first 12 hex digits; "" when the file could not be read

    @property
    def name(self) -> str:
        return Path(self.path).name


def file_version(path: Path) -> FileVersion:
    """The version of ``path`` now; mtime None and sha "" when it cannot be read."""
    try:
        st = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:
        return FileVersion(str(path), None, "")
    return FileVersion(str(path), datetime.fromtimestamp(st.st_mtime, UTC), digest)


@dataclass(frozen=True)
class RuleFileView:
    """One rule file as the page shows it.

    ``disk`` is the file as it is now (None once removed from the directory); ``loaded`` the version
    the rules in force were read from (None when none of its rules are in force); ``errors`` the
    ``(line, reason)`` that kept the current content out; ``rules`` the rules in force from this file.
    """

    path: str
    disk: FileVersion | None
    loaded: FileVersion | None
    errors: tuple[tuple[int, str], ...] = ()
    rules: tuple[Rule, ...] = ()

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def changed(self) -> bool:
        """The content on disk is not the content in force (edited since, or never taken)."""
        return self.loaded is not None and (self.disk is None or self.disk.sha != self.loaded.sha)


@dataclass(frozen=True)
class RulesSnapshot:
    """The rule files and the rules in force, as of the last look at the directory."""

    directory: str
    state: str
    in_force: RuleSet
    files: tuple[RuleFileView, ...] = ()
    errors: tuple[tuple[str, int, str], ...] = ()  # every (file, line, reason) of the rejected set
    checked_at: datetime | None = None

    @property
    def broken(self) -> bool:
        return bool(self.errors)


def build_snapshot(directory: str, disk: Iterable[FileVersion], in_force: RuleSet,
                   loaded: Mapping[str, FileVersion], errors: Iterable[tuple[str, int, str]],
                   checked_at: datetime | None = None) -> RulesSnapshot:
    """Group the rules in force and the errors by file (directory order, then files only in force). Pure."""
    disk_list = list(disk)
    errs = tuple(errors)
    paths = [v.path for v in disk_list] + sorted({r.file for r in in_force.rules} - {v.path for v in disk_list})
    by_disk = {v.path: v for v in disk_list}
    files = []
    for p in paths:
        files.append(RuleFileView(
            path=p, disk=by_disk.get(p), loaded=loaded.get(p) if any(r.file == p for r in in_force.rules) else None,
            errors=tuple((line, reason) for f, line, reason in errs if f == p),
            rules=tuple(r for r in in_force.rules if r.file == p)))
    if not disk_list:
        state = STATE_EMPTY_KEPT if in_force.rules else STATE_EMPTY
    elif errs:
        state = STATE_KEPT if in_force.rules else STATE_REJECTED
    else:
        state = STATE_OK
    return RulesSnapshot(directory, state, in_force, tuple(files), errs, checked_at)


class RulesReader:
    """The web process's copy of the rules in force for one app; thread-safe.

    :meth:`snapshot` looks at the directory (path, mtime and size of each file) and loads it again only
    when that changed, keeping the last set that loaded completely, as the alerting service does.
    """

    def __init__(self, config: Config) -> None:
        self.directory = config.resolve_path(config.alerts.rules_dir)
        self._lock = threading.Lock()
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._in_force = RuleSet()
        self._loaded: dict[str, FileVersion] = {}
        self._snapshot = build_snapshot(str(self.directory), [], RuleSet(), {}, [])

    def snapshot(self, now: datetime | None = None) -> RulesSnapshot:
        """The current :class:`RulesSnapshot` (re-read only when a file was added, removed or changed)."""
        with self._lock:
            files = expand_paths([self.directory]) if self.directory.is_dir() else []
            try:
                signature = rules_signature(files)
            except OSError:  # a file vanished between listing and stat: look again next time
                signature = None
            if signature is not None and signature == self._signature:
                return self._snapshot
            self._signature = signature
            disk = [file_version(f) for f in files]
            errors: list[tuple[str, int, str]] = []
            if files:
                try:
                    self._in_force = load_rule_files(files)
                    self._loaded = {v.path: v for v in disk}
                except RuleFileError as exc:
                    errors = exc.errors
            self._snapshot = build_snapshot(str(self.directory), disk, self._in_force, self._loaded, errors, now)
            return self._snapshot


READER_KEY = "govops_rules_reader"


def rules_reader() -> RulesReader:
    """The current app's :class:`RulesReader`, made on first use from the app's configuration."""
    ext = current_app.extensions
    reader = ext.get(READER_KEY)
    if reader is None:
        from dashboard.data import wall_data

        reader = ext[READER_KEY] = RulesReader(wall_data().config)
    return reader


def open_counts(session: Session, *, scope_code: str = PROVINCE_CODE) -> dict[str, int]:
    """Open alerts (pending, firing, acknowledged) per rule name inside the viewer's scope."""
    q = select(Alert.rule, func.count(Alert.id)).where(Alert.state.in_(list(OPEN_STATES))).group_by(Alert.rule)
    city = scope_filter(scope_code)
    if city is not None:
        q = q.where(Alert.city_code == city)
    return {rule: int(n) for rule, n in session.execute(q)}


def _seconds(td: Any) -> float:
    return float(td.total_seconds())


def rule_frame(rules: Iterable[Rule], counts: Mapping[str, int] | None = None) -> pd.DataFrame:
    """One row per rule (columns :data:`RULE_COLUMNS`), in file order; ``open`` from ``counts``. Pure."""
    counts = counts or {}
    rows = [{"file": r.file, "line": r.line, "name": r.name, "kind": r.kind, "severity": r.severity.value,
             "summary": r.summary, "measurement": r.measurement, "field": r.field, "agg": r.agg,
             "window_s": _seconds(r.window), "op": r.op, "value": r.value, "invert": r.invert,
             "absent_for_s": _seconds(r.absent_for), "for_s": _seconds(r.for_),
             "keep_firing_s": _seconds(r.keep_firing_for), "labels": dict(r.labels), "group_by": tuple(r.group_by),
             "checks": tuple(r.checks), "kinds": tuple(r.kinds),
             "min_severity": r.min_severity.value if r.min_severity is not None else "",
             "deadline_days": r.deadline_within_days, "open": int(counts.get(r.name, 0))} for r in rules]
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
            parts = [r["name"], r["summary"], r["measurement"], r["field"], Path(r["file"]).name,
                     *r["checks"], *r["kinds"], *r["group_by"], *(f"{k}={v}" for k, v in r["labels"].items())]
            return " ".join(str(p) for p in parts).lower()

        out = out[out.apply(lambda r: needle in hay(r), axis=1)]
    return out.reset_index(drop=True)
