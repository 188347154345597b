"""Scheduler: per-target timeouts, isolation of crashes, batching, self-health, loop and stop."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest

from collectors.base import Target
from collectors.scheduler import HEALTH, RunReport, Scheduler, next_delay
from core.clock import FixedClock, to_ns
from tests.collectors.support import RecordingStore
from tsdb.catalogue import MetricSpec, metric
from tsdb.point import Point

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
TIMEOUT = 0.3


class AsyncKind:
    """Async targets that behave as their key says: fast, hang (awaits forever), slow (sleeps 5 s), crash."""

    name: ClassVar[str] = "async_test"
    blocking: ClassVar[bool] = False
    metrics: ClassVar[tuple[MetricSpec, ...]] = ()

    def __init__(self, keys: list[str], interval: float = 60.0) -> None:
        self.keys = keys
        self._interval = interval
        self.done_at: dict[str, float] = {}
        self.runs = 0

    @property
    def interval(self) -> float:
        return self._interval

    @property
    def timeout(self) -> float:
        return TIMEOUT

    def targets(self) -> list[Target]:
        self.runs += 1
        return [Target(k) for k in self.keys]

    async def collect(self, target: Target) -> list[Point]:
        if target.key.startswith("hang"):
            await asyncio.Event().wait()
        if target.key.startswith("slow"):
            await asyncio.sleep(5.0)
        if target.key.startswith("crash"):
            raise RuntimeError("boom")
        self.done_at[target.key] = time.monotonic()
        return [Point("t", {"v": 1}, to_ns(T0), {"target": target.key})]


class BlockingKind(AsyncKind):
    name: ClassVar[str] = "blocking_test"
    blocking: ClassVar[bool] = True

    def collect(self, target: Target) -> list[Point]:  # type: ignore[override]
        if target.key.startswith("slow"):
            time.sleep(1.0)  # a stuck blocking call: the thread keeps it, the run must not wait
        if target.key.startswith("crash"):
            raise OSError("disk gone")
        self.done_at[target.key] = time.monotonic()
        return [Point("t", {"v": 1}, to_ns(T0), {"target": target.key})]


class BrokenKind(AsyncKind):
    name: ClassVar[str] = "broken_test"

    def targets(self) -> list[Target]:
        raise ConnectionError("registry unreachable")


def scheduler(collectors: list[Any], store: Any, **kw: Any) -> Scheduler:
    opts: dict[str, Any] = dict(concurrency=16, blocking_threads=2, jitter_fraction=0.0, node_code="430000",
                                clock=FixedClock(T0), rng=random.Random(7))
    opts.update(kw)
    return Scheduler(collectors, store, **opts)


def test_hanging_slow_and_crashing_targets_cost_at_most_their_timeout() -> None:
    kind = AsyncKind(["fast1", "hang", "slow", "crash", "fast2"])
    store = RecordingStore()

    async def main() -> tuple[RunReport, float]:
        start = time.monotonic()
        return await scheduler([kind], store).run_once(kind), start
    report, start = asyncio.run(main())
    assert (report.ok, report.failed, report.timed_out, report.points) == (2, 1, 2, 2)
    assert report.error is None
    assert TIMEOUT <= report.duration_s < TIMEOUT + 1.0
    assert all(kind.done_at[k] - start < 0.25 for k in ("fast1", "fast2"))  # not held up by the others
    assert report.started == T0 and report.collector == "async_test"


def test_blocking_targets_run_in_the_pool_and_a_stuck_thread_only_costs_its_timeout() -> None:
    kind = BlockingKind(["slow", "fast1", "fast2", "crash"])
    store = RecordingStore()
    sched = scheduler([kind], store, blocking_threads=2)

    async def main() -> RunReport:
        return await sched.run_once(kind)
    try:
        report = asyncio.run(main())
    finally:
        sched.close()
    assert (report.ok, report.failed, report.timed_out) == (2, 1, 1)
    assert report.duration_s < 0.9  # the stuck thread sleeps 1.0 s


def test_points_and_self_health_are_written_in_one_batch() -> None:
    kind = AsyncKind(["a", "b", "crash"])
    store = RecordingStore()
    asyncio.run(scheduler([kind], store, node_code="430100").run_once(kind))
    assert len(store.batches) == 1
    batch = store.batches[0]
    assert sorted(p.tags["target"] for p in batch if p.measurement == "t") == ["a", "b"]
    (health,) = store.health("async_test")
    assert health.tags == {"collector": "async_test", "node": "430100"}
    assert health.fields["targets_ok"] == 2 and health.fields["targets_failed"] == 1
    assert health.fields["targets_timeout"] == 0 and health.fields["points"] == 2
    assert health.fields["last_run"] == T0.timestamp() and health.fields["crashed"] == 0
    assert health.time_ns == to_ns(T0)
    assert health.fields["interval_s"] == kind.interval  # absence rules judge silence against it
    assert metric(HEALTH, "targets_ok").label_zh == "采集成功目标数"
    stored = store.latest(HEALTH, "targets_ok", tags={"collector": "async_test"})
    assert stored["value"].tolist() == [2.0]  # the batch really landed in the store


def test_a_collector_that_cannot_list_targets_is_reported_not_fatal() -> None:
    broken, good = BrokenKind(["x"]), AsyncKind(["a"])
    store = RecordingStore()

    async def main() -> list[RunReport]:
        s = scheduler([broken, good], store)
        return [await s.run_once(broken), await s.run_once(good)]
    bad_report, good_report = asyncio.run(main())
    assert bad_report.error is not None and "registry unreachable" in bad_report.error
    assert bad_report.ok == bad_report.failed == bad_report.points == 0
    assert good_report.ok == 1
    assert store.health("broken_test")[0].fields["crashed"] == 1


def test_a_failing_store_write_is_logged_not_raised() -> None:
    class FullDisk(RecordingStore):
        def write(self, points: Iterable[Point]) -> int:
            raise OSError("No space left on device")

    kind = AsyncKind(["a"])
    report = asyncio.run(scheduler([kind], FullDisk()).run_once(kind))
    assert report.ok == 1


def test_run_loops_each_collector_until_stop_and_a_crashing_one_does_not_stop_the_others() -> None:
    good, broken = AsyncKind(["a"], interval=0.05), BrokenKind(["x"], interval=0.05)
    store = RecordingStore()

    async def main() -> None:
        stop = asyncio.Event()
        sched = scheduler([good, broken], store, jitter_fraction=0.1)
        task = asyncio.ensure_future(sched.run(stop))
        for _ in range(200):  # bounded: at most 2 s
            if len(store.health("async_test")) >= 3:
                break
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, 1.0)
    asyncio.run(main())
    assert len(store.health("async_test")) >= 3
    assert len(store.health("broken_test")) >= 2


def test_stop_cancels_an_in_flight_run_promptly() -> None:
    class LongHang(AsyncKind):
        @property
        def timeout(self) -> float:
            return 30.0

    kind = LongHang(["hang"])

    async def main() -> float:
        stop = asyncio.Event()
        task = asyncio.ensure_future(scheduler([kind], RecordingStore()).run(stop))
        for _ in range(100):
            if kind.runs:
                break
            await asyncio.sleep(0.01)
        t = time.monotonic()
        stop.set()
        await asyncio.wait_for(task, 2.0)
        return time.monotonic() - t
    assert asyncio.run(main()) < 0.5


def test_next_delay_subtracts_time_spent_and_stays_within_jitter() -> None:
    rng = random.Random(1)
    delays = [next_delay(60.0, 10.0, 0.1, rng) for _ in range(200)]
    assert all(44.0 <= d <= 56.0 for d in delays)
    assert max(delays) - min(delays) > 5.0  # jitter actually spreads
    assert next_delay(60.0, 90.0, 0.1, rng) == 0.0
    assert next_delay(30.0, 5.0, 0.0, rng) == 25.0


def test_constructor_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        scheduler([], RecordingStore(), concurrency=0)
    with pytest.raises(ValueError, match="listed twice"):
        scheduler([AsyncKind(["a"]), AsyncKind(["b"])], RecordingStore())


class CappedKind(AsyncKind):
    """Records how many of its targets are in flight at once."""

    name: ClassVar[str] = "capped_test"
    max_concurrency = 2

    def __init__(self, keys: list[str]) -> None:
        super().__init__(keys)
        self.in_flight = self.peak = 0

    async def collect(self, target: Target) -> list[Point]:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(0.02)
            return await super().collect(target)
        finally:
            self.in_flight -= 1


def test_a_kind_cap_bounds_its_targets_without_holding_global_slots() -> None:
    capped, other = CappedKind([f"c{i}" for i in range(8)]), AsyncKind(["a", "b"])
    sched = scheduler([capped, other], RecordingStore(), concurrency=3)

    async def both() -> list[RunReport]:
        return list(await asyncio.gather(sched.run_once(capped), sched.run_once(other)))

    reports = asyncio.run(both())
    assert capped.peak == 2
    assert [r.ok for r in reports] == [8, 2]
    # the other kind did not wait behind all eight capped targets: it finished before the last of them
    assert max(other.done_at.values()) < max(capped.done_at.values())


def test_first_run_within_bounds_the_start_delay_of_a_long_interval_kind() -> None:
    class Daily(AsyncKind):
        name: ClassVar[str] = "daily_test"
        first_run_within = 0.05

        @property
        def interval(self) -> float:
            return 86_400.0

    kind = Daily(["a"])
    sched = scheduler([kind], RecordingStore(), jitter_fraction=0.5)

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.ensure_future(sched.run(stop))
        for _ in range(100):  # up to 2 s; without the bound the first run would wait hours
            if kind.runs:
                break
            await asyncio.sleep(0.02)
        stop.set()
        await task

    asyncio.run(main())
    assert kind.runs == 1


def test_intervals_follow_a_compressed_clock() -> None:
    """On the demo's compressed clock a 30-second collector runs every 30/600 s of real time, and its
    self-health carries the clock's time."""
    from core.clock import ScaledClock

    store = RecordingStore()
    clock = ScaledClock(600)
    c = AsyncKind(["fast"], interval=30.0)
    sched = Scheduler([c], store, concurrency=2, blocking_threads=1, jitter_fraction=0.0, node_code="430000",
                      clock=clock)

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.ensure_future(sched.run(stop))
        await asyncio.sleep(0.6)  # 6 minutes of clock time: about 12 runs
        stop.set()
        await task

    t0 = clock.now()
    asyncio.run(main())
    sched.close()
    assert 4 <= c.runs <= 14
    health = store.health(c.name)
    assert len(health) == c.runs
    assert max(p.time_ns for p in health) >= to_ns(t0) + 2 * 60 * 10**9  # minutes of clock time, not seconds
    store.close()
