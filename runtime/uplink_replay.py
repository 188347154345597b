"""The city's replay: after vmagent (re)starts from anything but a clean stop, and on every start of the city
node, the points of the city's own store it may have lost are handed to it again (docs/federation.md).

A SIGKILL (or an OOM kill, or the loss of the whole node) takes what vmagent held in memory: its in-memory
queue, the block it was sending and the last flush interval of accepted points. Every one of those points is
in the city's store. :class:`UplinkReplayer` keeps, in a small state file beside vmagent's buffer, the last
moment vmagent was seen with everything delivered (:func:`runtime.uplink.parse_backlog` on its ``/metrics``,
after each passing health check), and on each (re)start hands over the window
:func:`runtime.uplink.replay_window` makes of it, in bounded batches, logging its progress. The province's
deduplication (one sample per series and millisecond) counts a point it already has once. No spool: the
city's store is the only copy kept.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import requests

from core.config import Config
from core.logging import get_logger
from runtime.uplink import LABEL, metrics_url, parse_backlog, replay_window
from tsdb.forwarding import ForwardingStore
from tsdb.store import MetricStore

log = get_logger(__name__)

STATE_FILE = "govops-uplink-state.json"  # in [uplink] buffer_dir, beside vmagent's persistent-queue folder
PROBE_TIMEOUT_S = 2.0


class UplinkReplayer:
    """The replay hooks of the supervised vmagent (:class:`runtime.supervisor.ChildSpec` ``on_ready`` and
    ``on_healthy``). ``open_store`` gives the city's forwarding store, opened on first use; ``say`` takes the
    operator's Chinese lines; ``now`` is the clock."""

    def __init__(self, config: Config, open_store: Callable[[], MetricStore], say: Callable[[str], None],
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.config = config
        self.state_path = Path(config.resolve_path(config.uplink.buffer_dir)) / STATE_FILE
        self._open_store = open_store
        self._say = say
        self._now = now
        self._store: ForwardingStore | None = None
        self._lock = threading.Lock()  # one replay at a time
        self._owed = threading.Event()  # a replay is due or running: the delivered mark must not move
        self._threads: list[threading.Thread] = []

    # -- the state file ------------------------------------------------------------------------------------

    def delivered_at(self) -> datetime | None:
        """The last moment vmagent was seen with everything delivered, as saved; None when never (or unreadable)."""
        try:
            raw = json.loads(self.state_path.read_text(encoding="utf-8"))
            at = datetime.fromisoformat(raw["delivered_at"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return at if at.tzinfo is not None else None

    def _save(self, at: datetime) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"delivered_at": at.isoformat()}), encoding="utf-8")
        os.replace(tmp, self.state_path)

    # -- hooks ---------------------------------------------------------------------------------------------

    def observe(self) -> bool:
        """After a passing health check: read vmagent's backlog and, when everything was delivered and no
        replay is owed, save now as the delivered mark. Returns whether it was saved."""
        if self._owed.is_set():
            return False
        at = self._now()
        try:
            resp = requests.get(metrics_url(self.config), timeout=PROBE_TIMEOUT_S)
        except requests.RequestException:
            return False
        backlog = parse_backlog(resp.text) if resp.status_code == 200 else None
        if backlog is None or not backlog.delivered or self._owed.is_set():
            return False
        self._save(at)
        return True

    def started(self) -> threading.Thread:
        """After vmagent answers following a start or restart: replay the window in a thread of its own (the
        supervisor keeps watching meanwhile); returns the thread."""
        self._owed.set()
        at = self._now()
        t = threading.Thread(target=self._replay_logged, args=(at,), name="uplink-replay", daemon=True)
        t.start()
        self._threads.append(t)
        return t

    # -- the replay ----------------------------------------------------------------------------------------

    def replay(self, at: datetime) -> int:
        """Hand over the window of a vmagent (re)started at ``at``; returns the points sent. Raises OSError
        (:class:`tsdb.forwarding.ForwardError` among them) when the store or vmagent fails."""
        with self._lock:
            start, stop = replay_window(at, self.delivered_at(), self.config.uplink.replay_seconds)
            store = self._forwarding()
            log.info("uplink.replay_started", start=start.isoformat(), stop=stop.isoformat())

            def progress(sent: int, total: int) -> None:
                log.info("uplink.replay_progress", sent=sent, total=total,
                         text=f"补发进度：{sent}/{total} 个数据点")

            sent = store.replay(start, stop, progress)
            log.info("uplink.replay_done", sent=sent, start=start.isoformat(), stop=stop.isoformat())
            return sent

    def _replay_logged(self, at: datetime) -> None:
        start, stop = replay_window(at, self.delivered_at(), self.config.uplink.replay_seconds)
        span = f"{start.astimezone(UTC):%H:%M:%S}–{stop.astimezone(UTC):%H:%M:%S} UTC"
        try:
            sent = self.replay(at)
        except (OSError, RuntimeError) as exc:  # kept owed: the delivered mark stays where the window starts
            self._say(f"指标补发失败（{span}）：{exc}；下次{LABEL}启动时重试")
            log.error("uplink.replay_failed", error=str(exc))
            return
        self._owed.clear()
        self._say(f"已向{LABEL}补发本市 {span} 的 {sent} 个数据点（省级去重，不会重复计数）")

    def _forwarding(self) -> ForwardingStore:
        if self._store is None:
            store = self._open_store()
            if not isinstance(store, ForwardingStore):
                store.close()
                raise RuntimeError("the replay needs the forwarding store of a city with [node] upstream_url")
            self._store = store
        return self._store

    def close(self, timeout: float = 5.0) -> None:
        """Wait a bounded time for a running replay, then close the store."""
        for t in self._threads:
            t.join(timeout)
        if self._store is not None:
            self._store.close()
            self._store = None

