"""Self-monitoring (core/selfmetrics.py): counters move when a collector runs, and values written by several
processes into one multiprocess directory come out summed in one exposition, as the web process serves them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from collectors.base import Target
from collectors.scheduler import Scheduler
from core import selfmetrics
from core.clock import FixedClock, to_ns
from tests.collectors.support import RecordingStore
from tsdb.catalogue import MetricSpec
from tsdb.point import Point

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


class Kind:
    """Targets that answer one point, or raise when their key says ``crash``."""

    name: ClassVar[str] = "selfmetrics_test"
    blocking: ClassVar[bool] = False
    metrics: ClassVar[tuple[MetricSpec, ...]] = ()
    interval: ClassVar[float] = 60.0
    timeout: ClassVar[float] = 5.0

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def targets(self) -> list[Target]:
        return [Target(k) for k in self.keys]

    async def collect(self, target: Target) -> list[Point]:
        if target.key.startswith("crash"):
            raise RuntimeError("boom")
        return [Point("t", {"v": 1}, to_ns(T0), {"target": target.key})]


class BrokenKind(Kind):
    name: ClassVar[str] = "selfmetrics_broken"

    def targets(self) -> list[Target]:
        raise ConnectionError("registry unreachable")


def samples(text: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """``(sample name, sorted labels) -> value`` of an exposition (parsed by prometheus_client's own parser)."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text.decode()) for s in fam.samples}


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_collector_run_moves_its_counters_and_the_points_written() -> None:
    kind, broken = Kind(["fast-1", "fast-2", "crash-1"]), BrokenKind(["x"])
    store = RecordingStore()
    sched = Scheduler([kind, broken], store, concurrency=4, blocking_threads=2, jitter_fraction=0.0,
                      node_code="430000", clock=FixedClock(T0))
    before = {k: value("govops_collector_runs_total", kind=k) for k in (kind.name, broken.name)}
    failed0 = value("govops_collector_errors_total", kind=kind.name, reason="target_failed")
    crashed0 = value("govops_collector_errors_total", kind=broken.name, reason="targets_failed")
    points0 = value("govops_points_written_total", source="collector")

    async def main() -> None:
        await sched.run_once(kind)
        await sched.run_once(broken)
        await sched.aclose()

    asyncio.run(main())
    assert value("govops_collector_runs_total", kind=kind.name) == before[kind.name] + 1
    assert value("govops_collector_runs_total", kind=broken.name) == before[broken.name] + 1
    assert value("govops_collector_errors_total", kind=kind.name, reason="target_failed") == failed0 + 1
    assert value("govops_collector_errors_total", kind=broken.name, reason="targets_failed") == crashed0 + 1
    written = sum(len(b) for b in store.batches)  # the two points and each run's self-health
    assert value("govops_points_written_total", source="collector") == points0 + written
    text = selfmetrics.exposition(path=None)
    assert f'govops_collector_runs_total{{kind="{kind.name}"}}'.encode() in text


WORKER = """
from core import selfmetrics
selfmetrics.collector_run("site_probe", failed=2, timed_out=1)
selfmetrics.points_written("collector", 10)
selfmetrics.rule_evaluation(0.2)
selfmetrics.notification("webhook", "sent")
"""


def test_values_of_several_processes_are_summed_from_the_multiprocess_dir(tmp_path: Path) -> None:
    multiproc = selfmetrics.prepare_dir(tmp_path / "multiproc")
    env = {**os.environ, selfmetrics.MULTIPROC_ENV: str(multiproc)}
    for _ in range(2):  # two worker processes, as the collect and alert roles of one run
        subprocess.run([sys.executable, "-c", WORKER], env=env, cwd=ROOT, check=True, timeout=60)
    got = samples(selfmetrics.exposition(path=multiproc))
    assert got[("govops_collector_runs_total", (("kind", "site_probe"),))] == 2
    assert got[("govops_collector_errors_total", (("kind", "site_probe"), ("reason", "target_failed")))] == 4
    assert got[("govops_collector_errors_total", (("kind", "site_probe"), ("reason", "target_timeout")))] == 2
    assert got[("govops_points_written_total", (("source", "collector"),))] == 20
    assert got[("govops_rule_evaluation_seconds_count", ())] == 2
    assert got[("govops_rule_evaluation_seconds_bucket", (("le", "0.25"),))] == 2
    assert got[("govops_notifications_total", (("receiver_kind", "webhook"), ("status", "sent")))] == 2
    # a dead worker's counters still count (counters are totals); a new run starts from an empty directory
    selfmetrics.process_dead(999_999, multiproc)
    assert samples(selfmetrics.exposition(path=multiproc))[("govops_collector_runs_total",
                                                             (("kind", "site_probe"),))] == 2
    selfmetrics.prepare_dir(multiproc)
    assert ("govops_collector_runs_total", (("kind", "site_probe"),)) not in samples(
        selfmetrics.exposition(path=multiproc))
