"""Long-running background services of the command center, each in its own thread.

Each runs in the process of its role (runtime/roles.py): collectors on an asyncio loop in a thread of
their own, store maintenance (downsampling, retention) in another; the main thread waits for a signal.
Each service starts, stops promptly on request and never takes the process down.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from core.clock import Clock, SystemClock, time_scale
from core.logging import get_logger

if TYPE_CHECKING:
    from datetime import datetime

log = get_logger(__name__)


# What the services drive, structurally: core imports nothing of ours (collectors.scheduler.Scheduler,
# tsdb.store.MetricStore satisfy them).
class _Scheduler(Protocol):
    async def run(self, stop: asyncio.Event) -> None: ...


class _Maintainable(Protocol):
    def maintain(self, now: datetime) -> Mapping[str, int]: ...


class CollectorService:
    """Runs the collector scheduler on a private event loop until stopped."""

    def __init__(self, scheduler: _Scheduler, name: str = "collectors") -> None:
        self._scheduler = scheduler
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._started = threading.Event()

    def start(self) -> None:
        self._thread.start()
        self._started.wait(10)

    def _main(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._stop = asyncio.Event()
        self._started.set()
        try:
            self._loop.run_until_complete(self._scheduler.run(self._stop))
        except Exception:
            log.exception("collectors.crashed")
        finally:
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    @property
    def alive(self) -> bool:
        """The scheduler's thread still runs (the process's health check reads it)."""
        return self._thread.is_alive()

    def stop(self, timeout: float = 20.0) -> None:
        if self._loop and self._stop and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)


class MaintenanceService:
    """Calls ``store.maintain(now)`` on a fixed cadence (downsampling and retention)."""

    def __init__(self, store: _Maintainable, every_s: float = 60.0, clock: Clock | None = None) -> None:
        self._store = store
        self._clock: Clock = clock or SystemClock()
        self._every = every_s / time_scale(self._clock)  # clock seconds; fewer real ones on a compressed clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="store-maintenance", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _main(self) -> None:
        while not self._stop.wait(self._every):
            try:
                counts = self._store.maintain(self._clock.now())
                # log fields, not logging's own keywords (EventLogger.process moves them to extra)
                fields: dict[str, Any] = {k: v for k, v in counts.items() if v}
                log.info("store.maintained", **fields)
            except Exception:
                log.exception("store.maintain_failed")

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)


def stop_all(services: Sequence[object]) -> None:
    """Stop services in reverse start order; one failing stop does not skip the rest."""
    for svc in reversed(services):
        try:
            svc.stop()  # type: ignore[attr-defined]
        except Exception:
            log.exception("service.stop_failed", service=type(svc).__name__)
