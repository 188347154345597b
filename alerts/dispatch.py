"""Sending pending notifications: claim under a lease, rate-limit, send, record at once, retry with back-off.

``Dispatcher.send_due(now)`` takes the due rows (pending or retrying, back-off over, no live lease) and
handles each on its own, at most ``concurrency`` at a time:

1. *prepare*: the receiver, the on-duty person's address, the rate limits, the message (texts for now);
2. *claim*: one conditional UPDATE — ``WHERE id, status and attempts are as read AND the lease is free``
   — counts the attempt and sets ``claimed_by`` and ``lease_until``; of two dispatchers (two processes,
   or one restarted) exactly one wins, on SQLite and PostgreSQL alike;
3. *send*, while a heartbeat renews the lease of every row in flight every third of the lease;
4. *record* the outcome the moment it is known, in its own short transaction with an audit entry,
   guarded by the claim — never at the end of a batch, so one slow receiver delays no other row's record.

A row whose lease lapsed while it was claimed lost its sender mid-send; ``alerts.delivery`` decides what
follows: the same idempotency key again for a receiver that deduplicates on it, else ``unknown`` and
not sent again (at most once). A retryable failure is tried again after ``base_backoff_s * 2**(k-1)``
seconds (plus up to ``jitter`` of it, capped at ``max_backoff_s``) until ``max_attempts``.

Rate limits are sliding windows counted from the rows already sent (so they survive a restart):
``max_per_minute`` per receiver and ``max_per_hour`` per recipient of a receiver. A row over a
limit becomes rate_limited; the next message that goes out to the same receiver and recipient
carries a summary of the rows held back, which are then marked as merged into it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import socket
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from alerts.delivery import (
    DUE,
    Claim,
    DeliveryStatus,
    Outcome,
    RetryPolicy,
    backoff_seconds,
    lapsed,
    resend_after_lapse,
    settle,
)
from alerts.notifiers.base import Delivery, Message, Notifier
from alerts.pipeline import render_payload
from alerts.receivers import Receiver, Receivers
from core import selfmetrics
from core.clock import Clock, time_scale
from core.i18n import notifiers as T
from core.logging import get_logger
from db.models_alerts import Notification
from db.models_security import User
from security import audit

__all__ = ["DUE", "DispatchReport", "Dispatcher", "backoff_seconds"]

log = get_logger(__name__)
# which address of the on-duty user each kind needs; webhooks carry no personal address
ADDRESS_OF_KIND = {"sms": "phone", "dingtalk": "phone", "wecom": "phone", "email": "email"}
SUMMARY_LINES = 5


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    rate_limited: int = 0
    unknown: int = 0  # the last attempt may have arrived; not sent again
    lost_claim: int = 0  # another dispatcher claimed (or recorded) the row first
    deferred: int = 0  # not started: the dispatcher was asked to stop (drain); still due
    errors: int = 0  # the database failed us mid-row: the row keeps its claim until the lease lapses
    ids: dict[str, list[int]] = field(default_factory=dict)

    def add(self, status: str, nid: int) -> None:
        setattr(self, status, getattr(self, status) + 1)
        self.ids.setdefault(status, []).append(nid)


def _utc(dt: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored here is UTC
    return dt.replace(tzinfo=UTC) if dt is not None and dt.tzinfo is None else dt


def default_name() -> str:
    """This dispatcher's name in ``claimed_by``: host, process and a random part (two in one process differ)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass
class _Job:
    nid: int
    claim: Claim
    receiver: Receiver | None
    message: Message | None
    receiver_name: str = ""  # as the row names it, known to the receivers file or not
    recipient: str | None = None
    unknown: int = 0  # attempts of the row already without a known outcome
    scope: str | None = None  # the audit entry's region
    outcome: Delivery | None = None  # decided before sending (config problem, rate limit)
    status: DeliveryStatus | None = None
    merged: list[int] = field(default_factory=list)
    planned: tuple[tuple[str, ...], ...] = ()  # rate-limit counters this row holds while in flight


class Dispatcher:
    def __init__(self, sessions: sessionmaker[Session], receivers: Receivers, clock: Clock, *,
                 max_attempts: int = 5, base_backoff_s: float = 30.0, max_backoff_s: float = 3600.0,
                 jitter: float = 0.2, rng: random.Random | None = None, lease_s: float = 60.0,
                 batch: int = 200, concurrency: int = 8,
                 notifier_factory: Callable[[Receiver], Notifier] | None = None, name: str | None = None) -> None:
        if not lease_s > 0:
            raise ValueError(f"lease_s must be positive, got {lease_s}")
        self.sessions, self.receivers, self.clock = sessions, receivers, clock
        self.policy = RetryPolicy(max_attempts, base_backoff_s, max_backoff_s, jitter)
        self.rng = rng or random.Random()
        self.lease = timedelta(seconds=lease_s)
        self.batch, self.concurrency = batch, concurrency
        self.name = (name or default_name())[:64]
        self._factory = notifier_factory or (lambda r: r.build())
        self._notifiers: dict[str, Notifier] = {}
        self._draining = threading.Event()

    def drain(self) -> None:
        """Start no new attempt (callable from any thread): the rows in flight finish and are recorded, the
        others stay due for the next round. For a graceful stop, so that it leaves no attempt unknown."""
        self._draining.set()

    def _notifier(self, r: Receiver) -> Notifier:
        if r.name not in self._notifiers:
            self._notifiers[r.name] = self._factory(r)
        return self._notifiers[r.name]

    async def send_due(self, now: datetime | None = None) -> DispatchReport:
        """Send every due row (at most ``batch``); returns what happened to each.

        ``now`` is the moment the round starts; each row's claim and record use it plus the time the
        dispatcher's clock has moved since.
        """
        start = now or self.clock.now()
        clock0 = self.clock.now()

        def at() -> datetime:
            return start + (self.clock.now() - clock0)

        with self.sessions() as s:
            due = s.execute(select(Notification.id, Notification.status, Notification.attempts,
                                   Notification.claimed_by, Notification.lease_until)
                            .where(Notification.status.in_(DUE),
                                   or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= start),
                                   or_(Notification.lease_until.is_(None), Notification.lease_until <= start))
                            .order_by(Notification.id).limit(self.batch)).all()
        report = DispatchReport()
        planned: Counter[tuple[str, ...]] = Counter()
        inflight: dict[int, int] = {}  # row id -> the attempt being sent
        sem = asyncio.Semaphore(self.concurrency)

        async def one(nid: int, claim: Claim) -> None:
            async with sem:
                try:
                    status = await self._one(nid, claim, at, planned, inflight)
                except Exception:  # one row's database trouble must not stop the others
                    log.exception("notify.row_failed", id=nid, dispatcher=self.name)
                    status = "errors"
            report.add(status, nid)

        beat = asyncio.create_task(self._heartbeat(inflight, at))
        try:
            await asyncio.gather(*(one(nid, Claim(DeliveryStatus(st), attempts, by, _utc(until)))
                                   for nid, st, attempts, by, until in due))
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        return report

    async def _one(self, nid: int, claim: Claim, at: Callable[[], datetime], planned: Counter[tuple[str, ...]],
                   inflight: dict[int, int]) -> str:
        if self._draining.is_set():
            return "deferred"
        now = at()
        was_lost = lapsed(claim, now)
        job = self._prepare(nid, claim, now, planned)
        try:
            if job.outcome is not None:
                return self._decided(job, now, was_lost)
            assert job.receiver is not None and job.message is not None
            notifier = self._notifier(job.receiver)
            idempotent = bool(getattr(notifier, "idempotent", False))  # unknown: assume it is not
            if was_lost and not resend_after_lapse(claim.attempts, idempotent=idempotent, policy=self.policy):
                return self._give_up(job, now, idempotent)
            if not self._claim(nid, claim, now, was_lost):
                return "lost_claim"
            attempt = claim.attempts + 1
            inflight[nid] = attempt
            try:
                d = await notifier.notify(job.message)
            except Exception as exc:  # a plug-in bug must not stop the other deliveries
                d = Delivery(False, True, f"notifier raised {type(exc).__name__}: {exc}")
            finally:
                inflight.pop(nid, None)
            return self._record(job, attempt, was_lost, d, idempotent, at())
        finally:
            for key in job.planned:
                planned[key] -= 1

    # --- the row's transitions, each one conditional UPDATE + audit entry in one short transaction ---

    @staticmethod
    def _free(nid: int, c: Claim, now: datetime) -> tuple[Any, ...]:
        """The claim guard: the row is as we read it and nobody holds a live lease on it."""
        return (Notification.id == nid, Notification.status == c.status, Notification.attempts == c.attempts,
                or_(Notification.lease_until.is_(None), Notification.lease_until <= now))

    def _claim(self, nid: int, c: Claim, now: datetime, was_lost: bool) -> bool:
        """Take row ``nid`` as read in ``c`` for one attempt; False when someone else was first."""
        values: dict[str, Any] = {"attempts": Notification.attempts + 1, "last_attempt_at": now,
                                  "claimed_by": self.name, "lease_until": now + self.lease}
        if was_lost:  # the previous attempt ended without an outcome; say so before trying again
            values["unknown_attempts"] = Notification.unknown_attempts + 1
        with self.sessions.begin() as s:
            res = s.execute(update(Notification).where(*self._free(nid, c, now)).values(**values)
                            .execution_options(synchronize_session=False))
            return res.rowcount == 1  # type: ignore[attr-defined]  # DML yields a CursorResult; typed as Result

    def _decided(self, job: _Job, now: datetime, was_lost: bool) -> str:
        """A row settled without sending: a rate limit, or a problem of configuration (counted as an attempt)."""
        d = job.outcome
        assert d is not None
        lost = 1 if was_lost else 0
        values: dict[str, Any] = {"claimed_by": None, "lease_until": None, "next_attempt_at": None,
                                  "unknown_attempts": Notification.unknown_attempts + lost}
        if job.status == DeliveryStatus.RATE_LIMITED:
            status = DeliveryStatus.RATE_LIMITED
            values.update(status=status, detail=d.detail)
            attempts = job.claim.attempts
        else:
            status, attempts = DeliveryStatus.FAILED, job.claim.attempts + 1
            values.update(status=status, attempts=attempts, last_attempt_at=now,
                          detail=T.FAILED.format(n=attempts, detail=d.detail) + _earlier(job.unknown + lost, False))
        done = self._commit(job, self._free(job.nid, job.claim, now), values, status, now, attempts, job.unknown + lost)
        return status.value if done else "lost_claim"

    def _give_up(self, job: _Job, now: datetime, idempotent: bool) -> str:
        """A lapsed attempt towards a receiver that cannot take the message twice as one: ``unknown``."""
        n = job.claim.attempts
        why = T.UNKNOWN_NO_KEY if not idempotent else T.UNKNOWN_NO_ATTEMPTS_LEFT
        values = {"status": DeliveryStatus.UNKNOWN, "lease_until": None, "next_attempt_at": None,
                  "unknown_attempts": Notification.unknown_attempts + 1,
                  "detail": T.UNKNOWN_SENDER_LOST.format(n=n, why=why)}
        # claimed_by stays: should the lost sender still be alive after all, its record wins (see _record)
        log.warning("notify.unknown_outcome", id=job.nid, attempt=n, lost_sender=job.claim.claimed_by)
        done = self._commit(job, self._free(job.nid, job.claim, now), values, DeliveryStatus.UNKNOWN, now, n,
                            job.unknown + 1)
        return DeliveryStatus.UNKNOWN.value if done else "lost_claim"

    def _record(self, job: _Job, attempt: int, was_lost: bool, d: Delivery, idempotent: bool,
                now: datetime) -> str:
        st = settle(Outcome(d.ok, d.retryable, d.maybe_delivered), attempt, idempotent=idempotent,
                    policy=self.policy, now=now, draw=self.rng.random)
        this_unknown = 1 if (not d.ok and d.maybe_delivered) else 0
        unknown = job.unknown + (1 if was_lost else 0) + this_unknown
        if st.status == DeliveryStatus.SENT:
            detail = T.SENT.format(n=attempt, detail=d.detail) + _earlier(unknown)
        elif st.status == DeliveryStatus.RETRYING:
            assert st.next_attempt_at is not None
            detail = T.RETRY.format(n=attempt, at=st.next_attempt_at.isoformat(timespec="seconds"),
                                    detail=d.detail) + _earlier(unknown)
        elif st.status == DeliveryStatus.UNKNOWN:
            why = T.UNKNOWN_NO_KEY if not idempotent else T.UNKNOWN_NO_ATTEMPTS_LEFT
            detail = T.UNKNOWN_ANSWER_LOST.format(n=attempt, detail=d.detail, why=why)
        else:
            detail = T.FAILED.format(n=attempt, detail=d.detail) + _earlier(unknown)
        # a row another dispatcher gave up on as unknown while we were still waiting: our answer is the truth
        was_given_up = case((Notification.status == DeliveryStatus.UNKNOWN.value, 1), else_=0)
        values = {"status": st.status, "next_attempt_at": st.next_attempt_at, "sent_at": st.sent_at,
                  "detail": detail, "claimed_by": None, "lease_until": None,
                  "unknown_attempts": Notification.unknown_attempts + this_unknown - was_given_up}
        mine = (Notification.id == job.nid, Notification.claimed_by == self.name, Notification.attempts == attempt,
                Notification.status.in_((*DUE, DeliveryStatus.UNKNOWN)))
        if self._commit(job, mine, values, st.status, now, attempt, unknown):
            return st.status.value
        # our lease lapsed and another dispatcher took the row over; it records what its attempt learns
        log.warning("notify.record_superseded", id=job.nid, attempt=attempt, ok=d.ok, detail=d.detail[:200])
        return "lost_claim"

    def _commit(self, job: _Job, where: tuple[Any, ...], values: dict[str, Any], status: DeliveryStatus,
                now: datetime, attempts: int, unknown: int) -> bool:
        with self.sessions.begin() as s:
            res = s.execute(update(Notification).where(*where).values(**values)
                            .execution_options(synchronize_session=False))
            if res.rowcount != 1:  # type: ignore[attr-defined]  # DML yields a CursorResult; typed as Result
                return False
            if status == DeliveryStatus.SENT and job.merged:
                s.execute(update(Notification).where(Notification.id.in_(job.merged))
                          .values(detail=T.SUMMARISED.format(id=job.nid))
                          .execution_options(synchronize_session=False))
            audit.record(s, audit.SYSTEM, f"notification.{status}", "notification", job.nid,
                         summary=f"{T.AUDIT[status.value]}：{job.receiver_name}", at=now, scope_code=job.scope,
                         detail={"receiver": job.receiver_name, "recipient": job.recipient, "attempts": attempts,
                                 "unknown_attempts": unknown, "detail": str(values.get("detail", ""))[:500]})
        # counted once committed; a row without a known receiver (config problem) has no kind
        selfmetrics.notification(job.receiver.kind if job.receiver is not None else "none", status.value)
        return True

    # --- the heartbeat ---

    async def _heartbeat(self, inflight: dict[int, int], at: Callable[[], datetime]) -> None:
        """Renew the leases of the rows in flight every third of the lease (in real seconds)."""
        every = max(0.05, self.lease.total_seconds() / 3 / time_scale(self.clock))
        while True:
            await asyncio.sleep(every)
            if not inflight:
                continue
            try:
                await asyncio.to_thread(self._renew, sorted(inflight), at())
            except Exception:  # the database is away: the leases may lapse, which is what they are for
                log.warning("notify.lease_renewal_failed", dispatcher=self.name, rows=len(inflight), exc_info=True)

    def _renew(self, ids: list[int], now: datetime) -> int:
        with self.sessions.begin() as s:
            res = s.execute(update(Notification)
                            .where(Notification.id.in_(ids), Notification.claimed_by == self.name,
                                   Notification.status.in_(DUE))
                            .values(lease_until=now + self.lease)
                            .execution_options(synchronize_session=False))
            return res.rowcount  # type: ignore[attr-defined]  # DML yields a CursorResult; typed as Result

    # --- preparing a message ---

    def _prepare(self, nid: int, claim: Claim, now: datetime, planned: Counter[tuple[str, ...]]) -> _Job:
        with self.sessions() as s:
            n = s.get_one(Notification, nid)
            payload = n.payload if isinstance(n.payload, dict) else {}
            city = payload.get("city_code") or payload.get("city")  # the planner puts the code in city_code
            job = _Job(nid, claim, None, None, n.receiver, n.recipient, unknown=n.unknown_attempts or 0,
                       scope=city if isinstance(city, str) and len(city) == 6 else None)
            try:
                r = self.receivers.get(n.receiver)
            except KeyError:
                job.outcome = Delivery(False, False, T.RECEIVER_UNKNOWN.format(name=n.receiver))
                return job
            job.receiver = r
            if not r.enabled:
                job.outcome = Delivery(False, False, T.RECEIVER_DISABLED.format(name=r.name))
                return job
            to: tuple[str, ...] = ()
            if r.on_duty:
                if not n.recipient:
                    job.outcome = Delivery(False, False, T.NO_ONDUTY)
                    return job
                what = ADDRESS_OF_KIND.get(r.kind)
                if what:
                    user = s.scalar(select(User).where(User.username == n.recipient))
                    addr = getattr(user, what, None) if user is not None else None
                    if not addr:
                        job.outcome = Delivery(False, False, T.ONDUTY_NO_ADDRESS.format(
                            user=n.recipient, what=T.ADDRESS_WHAT[what]))
                        return job
                    to = (addr,)
            limited = self._over_limit(s, r, n.recipient, now, planned)
            if limited:
                job.outcome, job.status = Delivery(False, False, limited), DeliveryStatus.RATE_LIMITED
                return job
            job.planned = ((r.name,), (r.name, n.recipient or ""))
            for key in job.planned:
                planned[key] += 1
            held = s.execute(select(Notification.id, Notification.payload)
                             .where(Notification.receiver == r.name, _same_recipient(n.recipient),
                                    Notification.status == DeliveryStatus.RATE_LIMITED,
                                    Notification.detail.like(T.RATE_LIMITED.split("：")[0] + "%"))
                             .order_by(Notification.id)).all()
            job.message = _message(n, to, [p for _, p in held], now)
            job.merged = [i for i, _ in held]
            return job

    def _over_limit(self, s: Session, r: Receiver, recipient: str | None, now: datetime,
                    planned: Counter[tuple[str, ...]]) -> str | None:
        checks: list[tuple[int, int, tuple[str, ...], list[Any], str]] = []  # limit, window (s), key, filters, scope
        if r.max_per_minute:
            checks.append((r.max_per_minute, 60, (r.name,), [], T.RATE_SCOPE_RECEIVER.format(name=r.name)))
        if r.max_per_hour:
            checks.append((r.max_per_hour, 3600, (r.name, recipient or ""), [_same_recipient(recipient)],
                           T.RATE_SCOPE_RECIPIENT.format(who=recipient or r.name)))
        for limit, window, key, extra, scope in checks:
            sent = s.scalar(select(func.count(Notification.id))
                            .where(Notification.receiver == r.name, Notification.status == DeliveryStatus.SENT,
                                   Notification.sent_at > now - timedelta(seconds=window), *extra)) or 0
            if sent + planned[key] >= limit:  # planned: passed the check and not recorded yet
                return T.RATE_LIMITED.format(scope=scope, limit=limit, window=T.WINDOW[window])
        return None


def _earlier(unknown: int, resent: bool = True) -> str:
    """The note on a row some of whose attempts have no known outcome (``resent``: with the same key)."""
    if not unknown:
        return ""
    return (T.UNKNOWN_EARLIER if resent else T.UNKNOWN_EARLIER_PLAIN).format(k=unknown)


def _same_recipient(recipient: str | None) -> Any:
    return Notification.recipient.is_(None) if recipient is None else Notification.recipient == recipient


def _message(n: Notification, to: tuple[str, ...], held: list[Any], now: datetime | None = None) -> Message:
    """The row's payload as a Message, its texts computed for ``now`` (the moment it is sent), with a
    summary of rate-limited messages appended."""
    p: dict[str, Any] = n.payload if isinstance(n.payload, dict) else {}
    if now is not None and p.get("kind") == "notify":
        p = render_payload(p, now)
    text = str(p.get("text", ""))
    if held:
        lines = [T.RATE_LIMITED_SUMMARY.format(count=len(held))]
        lines += [f"- {h.get('title', '') if isinstance(h, dict) else ''}" for h in held[:SUMMARY_LINES]]
        if len(held) > SUMMARY_LINES:
            lines.append(T.RATE_LIMITED_MORE.format(count=len(held)))
        text = f"{text}\n\n" + "\n".join(lines)
    return Message(title=str(p.get("title", "")), text=text, severity=str(p.get("severity", "")),
                   city=str(p.get("city", "")), group_key=str(p.get("group_key", n.group_key)),
                   alerts=_entries(p.get("alerts"), "firing"), idem_key=n.idem_key, to=to,
                   resolved=_entries(p.get("resolved"), "resolved"))


def _entries(items: Any, status: str) -> tuple[dict[str, Any], ...]:
    """The payload's alert entries, each marked with its Alertmanager-style ``status``."""
    if not isinstance(items, list):
        return ()
    return tuple({**a, "status": status} for a in items if isinstance(a, dict))
