"""A city's metric store: its own store, plus a copy of every point handed to the local ``vmagent``.

The city keeps working on its own store whatever happens upstream (walls, alerts, reports read it); the copy
goes as line protocol to vmagent's ``/write`` (``[uplink] listen``), and vmagent owns the rest: batching,
the on-disk buffer while the province is unreachable, the remote write when it is back (docs/federation.md).
This module holds no queue of its own: a batch is either taken by vmagent or the write fails.

Order and failure, as decided: the point is stored locally first (a failing local store fails the write
before anything leaves the city), then handed over, retried for ``retry_s`` while vmagent does not take it
(it is local and supervised: a restart takes seconds). A hand-over still refused after that raises
:class:`ForwardError`, which the caller's existing error path reports (the collector scheduler logs
``collector.write_failed``); those points stay in the city's store and are not at the province. Every
forwarded point carries the label ``node`` (the city's code) unless it has one already.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

import pandas as pd

from tsdb.point import Point
from tsdb.store import EXPORT_BATCH, MetricStore, Query, TagFilter
from tsdb.victoriametrics import VictoriaMetricsError, VictoriaMetricsStore

NODE_LABEL = "node"
RETRY_PAUSE_S = (0.1, 0.2, 0.5, 1.0)  # pauses between hand-over attempts, the last one repeated


class ForwardError(OSError):
    """The local vmagent did not take a batch within the retry bound; the points are in the local store only."""


class ForwardingStore:
    """:class:`tsdb.store.MetricStore` writing to ``local`` and forwarding to the vmagent at ``intake_url``
    (``http://127.0.0.1:8429``); every read is answered by ``local``."""

    def __init__(self, local: MetricStore, intake_url: str, node_code: str, *, timeout: float = 5.0,
                 retry_s: float = 15.0, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not node_code:
            raise ValueError("a forwarding store needs the node code to label its points")
        self.local = local
        self.node_code = node_code
        self.retry_s = retry_s
        self._intake = VictoriaMetricsStore(intake_url, timeout=timeout)  # vmagent speaks the same /write
        self._monotonic = monotonic
        self._sleep = sleep

    @property
    def intake_url(self) -> str:
        return self._intake.url

    def write(self, points: Iterable[Point]) -> int:
        """Store the points locally (all or none), then hand them to vmagent; returns how many were stored.

        Raises ValueError for a bad point before anything is stored; :class:`ForwardError` when vmagent did not
        take the batch within ``retry_s`` (the points are then stored locally only)."""
        pts = list(points)
        written = self.local.write(pts)
        if pts:
            self._hand_over(labelled(pts, self.node_code))
        return written

    def _hand_over(self, pts: list[Point]) -> None:
        deadline = self._monotonic() + self.retry_s
        for attempt in range(10_000):  # bounded by the deadline long before the count
            try:
                self._intake.write(pts)
                return
            except VictoriaMetricsError as exc:
                pause = RETRY_PAUSE_S[min(attempt, len(RETRY_PAUSE_S) - 1)]
                if self._monotonic() + pause > deadline:
                    raise ForwardError(f"uplink vmagent {self.intake_url} did not take {len(pts)} points "
                                       f"in {self.retry_s:g} s ({attempt + 1} attempts); they are stored "
                                       f"locally only: {exc}") from exc
                self._sleep(pause)
        raise ForwardError(f"uplink vmagent {self.intake_url}: too many attempts")

    def query(self, q: Query) -> pd.DataFrame:
        return self.local.query(q)

    def latest(self, measurement: str, field: str, tags: TagFilter | None = None,
               since: datetime | None = None) -> pd.DataFrame:
        return self.local.latest(measurement, field, tags, since)

    def export(self, start: datetime, stop: datetime, batch: int = EXPORT_BATCH) -> Iterator[list[Point]]:
        return self.local.export(start, stop, batch)

    def replay(self, start: datetime, stop: datetime, progress: Callable[[int, int], None] | None = None,
               batch: int = EXPORT_BATCH) -> int:
        """Hand every raw point the local store holds in [start, stop) to vmagent again; returns how many.

        For after vmagent died uncleanly (docs/federation.md, "What survives what"): what it held in memory is
        lost, and the province's deduplication (one sample per series and millisecond) makes a point it has
        already count once. Counts the window first, then sends it in hand-overs of ``batch`` points, calling
        ``progress(sent, total)`` after each. Raises :class:`ForwardError` when vmagent does not take a batch
        within the retry bound (what was sent before stays sent)."""
        total = sum(len(b) for b in self.local.export(start, stop, batch))
        sent = 0
        if progress is not None:
            progress(0, total)
        for pts in self.local.export(start, stop, batch):
            self._hand_over(labelled(pts, self.node_code))
            sent += len(pts)
            if progress is not None:
                progress(sent, total)
        return sent

    def maintain(self, now: datetime) -> dict[str, int]:
        return self.local.maintain(now)

    def close(self) -> None:
        try:
            self._intake.close()
        finally:
            self.local.close()


def labelled(points: list[Point], node_code: str) -> list[Point]:
    """The points with the tag ``node`` set to ``node_code`` where they have none (pure)."""
    return [p if p.tags.get(NODE_LABEL) else Point(p.measurement, p.fields, p.time_ns,
                                                    {**p.tags, NODE_LABEL: node_code})
            for p in points]
