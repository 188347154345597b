"""The city's relay (docs/federation.md): outbox events up to the province, commands down from it.

One :meth:`Relay.round` sends the unsent outbox events in id order, ``batch`` at a time, to
``POST /api/v1/federation/events`` and marks sent only the ones the province says it applied (its answer's
``applied_through``); then pulls ``GET /api/v1/federation/commands?after=<last applied>`` and applies each
command once (federation/commands.py). :class:`RelayService` runs rounds every ``relay_interval`` and waits
:func:`backoff` after a round the province did not answer. The waiting is the service's; a round never
sleeps.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from core.logging import get_logger
from db.models_federation import OutboxEvent
from federation.client import ProvinceRefused, ProvinceUnreachable
from federation.commands import apply_command, last_applied
from federation.outbox import backlog, prune, snapshot

log = get_logger(__name__)

EVENTS_PATH = "/api/v1/federation/events"
COMMANDS_PATH = "/api/v1/federation/commands"
SENT_KEPT = timedelta(days=7)  # sent events stay this long in the city's outbox (for audit), then are pruned
MAX_BATCHES_PER_ROUND = 200  # a round ends (and pulls commands) after this many batches even with a backlog


class Client(Protocol):
    def get(self, path: str, params: dict[str, Any] | None = None) -> Any: ...

    def post(self, path: str, body: Any) -> Any: ...


def backoff(failures: int, base: float, ceiling: float) -> float:
    """Seconds to wait after ``failures`` consecutive failed rounds: ``base`` doubled per failure beyond the
    first, never above ``ceiling``; ``base`` when nothing failed."""
    if failures <= 1:
        return min(base, ceiling)
    return min(ceiling, base * 2.0 ** min(failures - 1, 60))


def wire(ev: OutboxEvent) -> dict[str, Any]:
    """One event as sent to the province."""
    return {"seq": ev.id, "event_id": ev.event_id, "entity": ev.entity, "key": ev.entity_key, "op": ev.op,
            "payload": ev.payload, "created_at": ev.created_at.isoformat()}


@dataclass
class RoundReport:
    sent: int = 0
    backlog: int = 0
    commands: int = 0


class Relay:
    """Sends and pulls for one city through ``client``; ``clock`` gives the time applied commands carry."""

    def __init__(self, sessions: sessionmaker[Session], client: Client, *, batch: int,
                 now: Callable[[], datetime],
                 on_backlog: Callable[[int], None] | None = None) -> None:
        self.sessions, self.client, self.batch, self.now = sessions, client, batch, now
        self.on_backlog = on_backlog
        self._started = False

    def start(self) -> int:
        """Once per relay: a city just linked sends its present state first (:func:`snapshot`); how many
        events that wrote."""
        if self._started:
            return 0
        with self.sessions() as s:
            n = snapshot(s, self.now())
            s.commit()
        self._started = True
        if n:
            log.info("federation.snapshot", events=n)
        return n

    def send(self) -> tuple[int, int]:
        """Send the backlog (bounded per round): (events the province acknowledged, events still unsent).
        Raises ProvinceUnreachable (retry later) or ProvinceRefused."""
        self.start()
        sent = 0
        for _ in range(MAX_BATCHES_PER_ROUND):
            with self.sessions() as s:
                rows = list(s.scalars(select(OutboxEvent).where(OutboxEvent.sent_at.is_(None))
                                      .order_by(OutboxEvent.id).limit(self.batch)))
                body = {"events": [wire(r) for r in rows]}
            if not rows:
                break
            try:
                answer = self.client.post(EVENTS_PATH, body)
            except ProvinceRefused as exc:
                if exc.status != 413 or len(rows) == 1:
                    raise
                self.batch = max(1, len(rows) // 2)  # too large for the province: smaller batches from now on
                log.warning("federation.batch_too_large", events=len(rows), batch=self.batch)
                continue
            through = int(answer.get("applied_through", 0)) if isinstance(answer, dict) else 0
            if isinstance(answer, dict) and answer.get("unknown_sites"):
                log.warning("federation.sites_unknown_at_province", sites=answer["unknown_sites"])
            done = [r.id for r in rows if r.id <= through]
            if done:
                with self.sessions() as s:
                    s.execute(update(OutboxEvent).where(OutboxEvent.id.in_(done), OutboxEvent.sent_at.is_(None))
                              .values(sent_at=self.now()))
                    s.commit()
                sent += len(done)
            if len(done) < len(rows):  # the province took less than all: try the rest next round
                break
        with self.sessions() as s:
            left = backlog(s)
            if prune(s, self.now() - SENT_KEPT):
                s.commit()
        if self.on_backlog is not None:
            self.on_backlog(left)
        return sent, left

    def pull(self) -> int:
        """Fetch and apply the commands after the last applied one; how many were applied now."""
        with self.sessions() as s:
            after = last_applied(s)
        answer = self.client.get(COMMANDS_PATH, params={"after": after})
        commands = answer.get("items", []) if isinstance(answer, dict) else []
        done = 0
        for cmd in sorted(commands, key=lambda c: int(c["id"])):
            with self.sessions() as s:
                result = apply_command(s, cmd, self.now())
            if result is not None:
                done += 1
                log.info("federation.command_applied", command=cmd["id"], kind=cmd.get("kind"), result=result)
        return done

    def round(self) -> RoundReport:
        """Send, then pull. A refused batch does not hold the commands back: they are pulled before the
        refusal is raised."""
        try:
            sent, left = self.send()
        except ProvinceRefused:
            self.pull()
            raise
        applied = self.pull()
        if sent or applied:
            log.info("federation.relayed", events_sent=sent, backlog=left, commands_applied=applied)
        return RoundReport(sent, left, applied)


class RelayService:
    """Runs :meth:`Relay.round` in a thread every ``interval`` seconds, backing off while the province is
    unreachable; ``stop`` returns promptly."""

    def __init__(self, relay: Relay, *, interval: float, retry_max: float) -> None:
        self.relay, self.interval, self.retry_max = relay, interval, retry_max
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="relay", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def step(self) -> float:
        """One round; the seconds to wait before the next."""
        try:
            self.relay.round()
            self.failures = 0
        except ProvinceUnreachable as exc:
            self.failures += 1
            log.warning("federation.province_unreachable", reason=str(exc), failures=self.failures)
        except ProvinceRefused as exc:
            self.failures += 1
            log.error("federation.province_refused", reason=str(exc), status=exc.status)
        except Exception:  # a database hiccup must not end the relay
            self.failures += 1
            log.exception("federation.relay_failed")
        return self.interval if self.failures == 0 else backoff(self.failures, self.interval, self.retry_max)

    def _main(self) -> None:
        while not self._stop.is_set():
            if self._stop.wait(self.step()):
                break

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
