"""The command center's own metrics (``govops_*``), exposed in Prometheus text format at ``/metrics``.

Every metric is declared here once; the hot paths only call the small functions below. ``app.py run``
runs several processes (collect, alert, web …), so the supervisor gives every child the same
``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode: each process writes its values to
memory-mapped files there) and the web process's :func:`exposition` merges them with
``MultiProcessCollector``. A process started without that variable (a lone ``app.py worker web``, tests)
exposes its own values. prometheus_client decides the mode when it is first imported, so the variable must
be in the environment before this module is.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

COLLECTOR_RUNS = Counter("govops_collector_runs", "Runs of a collector over all its targets.", ["kind"])
COLLECTOR_ERRORS = Counter(
    "govops_collector_errors",
    "Collector errors: a target that raised (target_failed) or timed out (target_timeout), a collector that "
    "could not list its targets (targets_failed), a batch the store refused (write_failed).",
    ["kind", "reason"])
POINTS_WRITTEN = Counter("govops_points_written", "Points written to the metric store, by where they came from "
                         "(collector: the scheduler; api: /api/v2/write).", ["source"])
RULE_EVALUATION = Histogram("govops_rule_evaluation_seconds", "Time of one evaluation of every alert rule.",
                            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
RULE_EVALUATION_ERRORS = Counter("govops_rule_evaluation_errors", "Evaluations of the rule set that raised.")
NOTIFICATIONS = Counter("govops_notifications", "Notification delivery outcomes recorded, by receiver kind and "
                        "status (sent, retrying, failed, rate_limited, unknown).", ["receiver_kind", "status"])
SCORE_SITES = Counter("govops_score_sites", "Site snapshots of the scheduled scoring (collectors/kinds/scoring.py), by "
                      "outcome: scored (an open period's replaced), frozen (a closed period's), failed (left as it "
                      "was), refused (written without a score: manual entries the table refuses).", ["outcome"])
OUTBOX_BACKLOG = Gauge("govops_outbox_backlog", "A city node's outbox events not yet taken by the province "
                       "(set by the relay after each round).", multiprocess_mode="livemostrecent")


def collector_run(kind: str, *, failed: int = 0, timed_out: int = 0, targets_failed: bool = False) -> None:
    """One run of collector ``kind`` with its failed and timed-out target counts."""
    COLLECTOR_RUNS.labels(kind).inc()
    if failed:
        COLLECTOR_ERRORS.labels(kind, "target_failed").inc(failed)
    if timed_out:
        COLLECTOR_ERRORS.labels(kind, "target_timeout").inc(timed_out)
    if targets_failed:
        COLLECTOR_ERRORS.labels(kind, "targets_failed").inc()


def score_sites(*, scored: int = 0, frozen: int = 0, failed: int = 0, refused: int = 0) -> None:
    """One scheduled scoring run's site counts."""
    for outcome, n in (("scored", scored), ("frozen", frozen), ("failed", failed), ("refused", refused)):
        SCORE_SITES.labels(outcome).inc(n)


def outbox_backlog(n: int) -> None:
    """The city's unsent outbox events after a relay round."""
    OUTBOX_BACKLOG.set(n)


def collector_write_failed(kind: str) -> None:
    COLLECTOR_ERRORS.labels(kind, "write_failed").inc()


def points_written(source: str, n: int) -> None:
    """``n`` points stored; ``source`` is ``collector`` or ``api``."""
    if n:
        POINTS_WRITTEN.labels(source).inc(n)


def rule_evaluation(seconds: float, *, failed: bool = False) -> None:
    RULE_EVALUATION.observe(seconds)
    if failed:
        RULE_EVALUATION_ERRORS.inc()


def notification(receiver_kind: str, status: str) -> None:
    NOTIFICATIONS.labels(receiver_kind, status).inc()


def multiproc_dir() -> Path | None:
    """The multiprocess directory of this run, or None when this process keeps its metrics to itself."""
    value = os.environ.get(MULTIPROC_ENV, "")
    return Path(value) if value else None


def prepare_dir(path: Path) -> Path:
    """Empty (or create) ``path`` for a new run: values of an earlier run's processes must not count."""
    path.mkdir(parents=True, exist_ok=True)
    for f in path.glob("*.db"):
        f.unlink()
    return path


def process_dead(pid: int, path: Path | None) -> None:
    """Tell the multiprocess files that ``pid`` has exited (its live gauges no longer count)."""
    if path is not None and path.is_dir():
        mark_process_dead(pid, str(path))


class _Own(Collector):
    """This process's own registry as one collector (single-process mode)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition(extra: Iterable[Collector] = (), path: Path | None = None) -> bytes:
    """The text exposition: every process's values when ``path`` (default: :func:`multiproc_dir`) is set,
    this process's otherwise, then ``extra`` collectors (values measured at scrape time)."""
    path = path or multiproc_dir()
    registry = CollectorRegistry(auto_describe=False)
    if path is not None:
        MultiProcessCollector(registry, path=str(path))
    else:
        registry.register(_Own())
    for c in extra:
        registry.register(c)
    return generate_latest(registry)
