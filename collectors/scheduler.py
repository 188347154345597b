"""The asyncio scheduler: owns timing, timeouts, jitter, concurrency and self-health.

Collectors only name targets and turn one target into points. The scheduler runs
every target of a collector under a hard per-target timeout, with bounded
concurrency across all collectors; blocking kinds run in a bounded thread pool.
A slow, hanging or crashing target costs at most its timeout and never stops
the others; every failure is logged on one line and counted, never fatal.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import random
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from collectors.base import Collector, Target
from core import selfmetrics
from core.clock import Clock, SystemClock, time_scale, to_ns
from core.logging import get_logger
from tsdb.catalogue import MetricSpec, declare, declare_measurement
from tsdb.point import Point, points_for
from tsdb.store import MetricStore

log = get_logger(__name__)

HEALTH = "collector_run"
declare_measurement(HEALTH, "采集器运行")
METRICS = declare(
    MetricSpec(HEALTH, "duration_s", "s", "采集耗时", "one run of a collector over all its targets"),
    MetricSpec(HEALTH, "targets_ok", "个", "采集成功目标数"),
    MetricSpec(HEALTH, "targets_failed", "个", "采集失败目标数", "targets whose collection raised"),
    MetricSpec(HEALTH, "targets_timeout", "个", "采集超时目标数", "targets abandoned at the collector timeout"),
    MetricSpec(HEALTH, "points", "个", "写入数据点数"),
    MetricSpec(HEALTH, "last_run", "s", "最近采集时间", "unix seconds at the end of the run"),
    MetricSpec(HEALTH, "crashed", "", "采集器异常", "1 when the collector could not even list its targets"),
    MetricSpec(HEALTH, "interval_s", "s", "采集间隔",
               "the collector's interval (before jitter): absence rules judge its silence against it"),
)

Outcome = Literal["ok", "failed", "timeout"]


@dataclass(frozen=True)
class RunReport:
    """What one run of one collector did. ``error`` is set when listing targets crashed."""

    collector: str
    started: Any  # datetime, tz-aware UTC, from the scheduler's clock
    duration_s: float
    ok: int
    failed: int
    timed_out: int
    points: int
    error: str | None = None
    interval_s: float | None = None  # the collector's interval when it ran


def next_delay(interval: float, spent: float, jitter_fraction: float, rng: random.Random) -> float:
    """Seconds to wait before the next run: the jittered interval minus the time the run took, >= 0."""
    jittered = interval * (1.0 + rng.uniform(-jitter_fraction, jitter_fraction))
    return max(0.0, jittered - spent)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    return f"{type(exc).__name__}: {text}"[:500] if text else type(exc).__name__


class Scheduler:
    """Runs collectors into a :class:`MetricStore`. Build once, then ``await run(stop)``.

    ``concurrency`` bounds in-flight targets across all collectors; ``blocking_threads``
    bounds the thread pool for ``blocking`` kinds. A thread stuck in a hung blocking call
    keeps its slot until it returns (threads cannot be killed); waiting for a free slot
    counts toward the target's timeout, so even then a run ends within bounded time.
    """

    def __init__(self, collectors: Sequence[Collector], store: MetricStore, *, concurrency: int,
                 blocking_threads: int, jitter_fraction: float, node_code: str,
                 clock: Clock | None = None, rng: random.Random | None = None) -> None:
        if concurrency <= 0 or blocking_threads <= 0:
            raise ValueError(f"scheduler: concurrency ({concurrency}) and blocking_threads "
                             f"({blocking_threads}) must be > 0")
        if not 0 <= jitter_fraction < 1:
            raise ValueError(f"scheduler: jitter_fraction must be in [0, 1), got {jitter_fraction}")
        names = [c.name for c in collectors]
        if len(set(names)) != len(names):
            raise ValueError(f"scheduler: a collector kind is listed twice: {names}")
        self.collectors = list(collectors)
        self.store = store
        self.concurrency = concurrency
        self.blocking_threads = blocking_threads
        self.jitter_fraction = jitter_fraction
        self.node_code = node_code
        self.clock: Clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self._pool = ThreadPoolExecutor(max_workers=blocking_threads, thread_name_prefix="collector")
        # asyncio primitives belong to one loop; they are made on first use in the running loop.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._threads: asyncio.Semaphore | None = None
        self._write_lock: asyncio.Lock | None = None
        self._own_slots: dict[str, asyncio.Semaphore] = {}

    def _bind_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._slots = asyncio.Semaphore(self.concurrency)
            self._threads = asyncio.Semaphore(self.blocking_threads)
            self._write_lock = asyncio.Lock()
            self._own_slots = {c.name: asyncio.Semaphore(limit) for c in self.collectors
                               if (limit := getattr(c, "max_concurrency", None))}

    async def _collect_blocking(self, collector: Collector, target: Target) -> list[Any]:
        assert self._threads is not None and self._loop is not None
        loop, threads = self._loop, self._threads
        await threads.acquire()
        try:
            cf = self._pool.submit(lambda: list(collector.collect(target)))
        except BaseException:
            threads.release()
            raise

        def _free(_f: object) -> None:
            # The slot frees when the thread really finishes, not when we stop waiting for it.
            # RuntimeError: the loop is gone, so nobody waits for the slot any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(threads.release)

        cf.add_done_callback(_free)
        return await asyncio.wrap_future(cf)

    @staticmethod
    async def _collect_async(collector: Collector, target: Target) -> list[Any]:
        result = collector.collect(target)
        if inspect.isawaitable(result):
            result = await result
        return list(result)

    async def _one(self, collector: Collector, target: Target) -> tuple[Outcome, list[Point]]:
        assert self._slots is not None
        # A kind's own cap is taken first, so its queued targets hold no global slot: a daily crawl of
        # every site cannot starve the minute-by-minute homepage probes.
        own = self._own_slots.get(collector.name) or contextlib.nullcontext()
        async with own, self._slots:
            started = time.monotonic()
            try:
                work = (self._collect_blocking if collector.blocking else self._collect_async)(collector, target)
                items = await asyncio.wait_for(work, collector.timeout)
                bad = [x for x in items if not isinstance(x, Point)]
                if bad:
                    raise TypeError(f"collect() returned {type(bad[0]).__name__}, expected Point")
                return "ok", items
            except TimeoutError:
                log.warning("collector.target_timeout", collector=collector.name, target=target.key,
                            timeout_s=collector.timeout)
                return "timeout", []
            except Exception as exc:
                log.warning("collector.target_failed", collector=collector.name, target=target.key,
                            error=_describe(exc), elapsed_s=round(time.monotonic() - started, 3))
                return "failed", []

    async def run_once(self, collector: Collector) -> RunReport:
        """Collect every target of ``collector`` once, write the points and the self-health in one batch.

        Never raises for a collector or target error (they are logged and counted);
        cancellation propagates.
        """
        self._bind_loop()
        started_at = self.clock.now()
        t0 = time.monotonic()
        error: str | None = None
        outcomes: list[tuple[Outcome, list[Point]]] = []
        try:
            targets = await asyncio.to_thread(collector.targets)
        except Exception as exc:
            error = _describe(exc)
            log.error("collector.targets_failed", collector=collector.name, error=error)
            targets = []
        if targets:
            outcomes = await asyncio.gather(*(self._one(collector, t) for t in targets))
        points = [p for _, pts in outcomes for p in pts]
        report = RunReport(
            collector=collector.name, started=started_at, duration_s=time.monotonic() - t0,
            ok=sum(o == "ok" for o, _ in outcomes), failed=sum(o == "failed" for o, _ in outcomes),
            timed_out=sum(o == "timeout" for o, _ in outcomes), points=len(points), error=error,
            interval_s=float(collector.interval))
        selfmetrics.collector_run(collector.name, failed=report.failed, timed_out=report.timed_out,
                                  targets_failed=error is not None)
        await self._write(collector, points + self._health(report))
        log.info("collector.run", collector=collector.name, targets=len(targets), ok=report.ok,
                 failed=report.failed, timeout=report.timed_out, points=report.points,
                 duration_s=round(report.duration_s, 3))
        return report

    def _health(self, r: RunReport) -> list[Point]:
        now = self.clock.now()
        return points_for(HEALTH, {"collector": r.collector, "node": self.node_code}, to_ns(now), [
            ("duration_s", round(r.duration_s, 6)), ("targets_ok", r.ok), ("targets_failed", r.failed),
            ("targets_timeout", r.timed_out), ("points", r.points), ("last_run", now.timestamp()),
            ("crashed", 1 if r.error else 0), ("interval_s", r.interval_s),
        ])

    async def _write(self, collector: Collector, points: list[Point]) -> None:
        assert self._write_lock is not None
        # One writer at a time: embedded stores serialize writes anyway, and this keeps batches whole.
        async with self._write_lock:
            try:
                await asyncio.to_thread(self.store.write, points)
            except Exception as exc:
                selfmetrics.collector_write_failed(collector.name)
                log.error("collector.write_failed", collector=collector.name, points=len(points),
                          error=_describe(exc))
            else:
                selfmetrics.points_written("collector", len(points))

    async def _loop_one(self, collector: Collector, stop: asyncio.Event) -> None:
        # Intervals are clock seconds; on a compressed clock (the demo's time_scale) fewer real ones pass.
        # The scheduler's hard timeouts stay real (a crawl's work does not shrink with the clock); a
        # collector that waits on the demo fleet compresses its own waits (the probe: webread/probe.py).
        scale = time_scale(self.clock)
        interval = collector.interval / scale
        # Spread the first runs so collectors started together do not fire together.
        spread = self.jitter_fraction * interval
        first = getattr(collector, "first_run_within", None)  # a daily kind may want its first run soon
        delay = self.rng.uniform(0.0, spread if first is None else min(spread, first / scale))
        while not await _wait_stop(stop, delay):
            t0 = time.monotonic()
            run = asyncio.ensure_future(self.run_once(collector))
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({run, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if not run.done():
                run.cancel()
                await asyncio.gather(run, return_exceptions=True)
                stopper.cancel()
                return
            stopper.cancel()
            crash = run.exception()
            if crash is not None:  # run_once does not raise; this is a scheduler bug
                log.error("collector.run_crashed", collector=collector.name, error=_describe(crash))
            delay = next_delay(interval, time.monotonic() - t0, self.jitter_fraction, self.rng)

    async def run(self, stop: asyncio.Event) -> None:
        """Run every collector on its own interval until ``stop`` is set; in-flight runs are cancelled.

        On the way out the collectors' async resources (e.g. HTTP sessions) are closed.
        """
        self._bind_loop()
        try:
            await asyncio.gather(*(self._loop_one(c, stop) for c in self.collectors))
        finally:
            await self._close_collectors()

    async def _close_collectors(self) -> None:
        for c in self.collectors:
            aclose = getattr(c, "aclose", None)
            if aclose is not None:
                try:
                    await aclose()
                except Exception as exc:
                    log.warning("collector.close_failed", collector=c.name, error=_describe(exc))

    async def aclose(self) -> None:
        """After ``run_once`` calls: close the collectors' async resources, then the thread pool."""
        await self._close_collectors()
        self.close()

    def close(self) -> None:
        """Release the thread pool without waiting for threads stuck in hung calls."""
        self._pool.shutdown(wait=False, cancel_futures=True)


async def _wait_stop(stop: asyncio.Event, delay: float) -> bool:
    """True when ``stop`` is set within ``delay`` seconds."""
    if stop.is_set():
        return True
    try:
        await asyncio.wait_for(stop.wait(), delay)
    except TimeoutError:
        return False
    return True
