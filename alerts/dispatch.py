"""Sending pending notifications: claim, rate-limit, send, record, retry with back-off.

``Dispatcher.send_due(now)`` takes the Notification rows that are pending or retrying and due, and
for each: claims it with a guarded UPDATE (so two dispatchers never send one row twice), checks the
rate limits, sends it through the receiver's notifier and records the attempt on the row (attempts,
last_attempt_at, detail, status) with an audit entry in the same transaction. A retryable failure
is tried again after ``base_backoff_s * 2**(attempt-1)`` seconds (plus up to ``jitter`` of it from
the injected rng, capped at ``max_backoff_s``) until ``max_attempts``; then the row is failed.

Rate limits are sliding windows counted from the rows already sent (so they survive a restart):
``max_per_minute`` per receiver and ``max_per_hour`` per recipient of a receiver. A row over a
limit becomes rate_limited; the next message that goes out to the same receiver and recipient
carries a summary of the rows held back, which are then marked as merged into it.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from alerts.notifiers import text as T
from alerts.notifiers.base import Delivery, Message, Notifier
from alerts.receivers import Receiver, Receivers
from core.clock import Clock
from db.models_alerts import DeliveryStatus, Notification
from db.models_security import User
from security import audit

DUE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
# which address of the on-duty user each kind needs; webhooks carry no personal address
ADDRESS_OF_KIND = {"sms": "phone", "dingtalk": "phone", "wecom": "phone", "email": "email"}
SUMMARY_LINES = 5


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    rate_limited: int = 0
    lost_claim: int = 0  # claimed by another dispatcher first
    ids: dict[str, list[int]] = field(default_factory=dict)

    def add(self, status: str, nid: int) -> None:
        setattr(self, status, getattr(self, status) + 1)
        self.ids.setdefault(status, []).append(nid)


def _utc(dt: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored here is UTC
    return dt.replace(tzinfo=UTC) if dt is not None and dt.tzinfo is None else dt


def backoff_seconds(attempt: int, base: float, cap: float, jitter: float, rng: random.Random) -> float:
    """Delay before the next try after failed attempt number ``attempt`` (1-based)."""
    delay = min(cap, base * 2 ** (attempt - 1))
    return delay + delay * jitter * rng.random()


@dataclass
class _Job:
    nid: int
    receiver: Receiver | None
    message: Message | None
    outcome: Delivery | None = None  # decided before sending (config problem, rate limit)
    status: str | None = None
    merged: list[int] = field(default_factory=list)


class Dispatcher:
    def __init__(self, sessions: sessionmaker[Session], receivers: Receivers, clock: Clock, *,
                 max_attempts: int = 5, base_backoff_s: float = 30.0, max_backoff_s: float = 3600.0,
                 jitter: float = 0.2, rng: random.Random | None = None, lease_s: float = 300.0,
                 batch: int = 200, concurrency: int = 8,
                 notifier_factory: Callable[[Receiver], Notifier] | None = None) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
        self.sessions, self.receivers, self.clock = sessions, receivers, clock
        self.max_attempts, self.base, self.cap, self.jitter = max_attempts, base_backoff_s, max_backoff_s, jitter
        self.rng = rng or random.Random()
        self.lease = timedelta(seconds=lease_s)
        self.batch, self.concurrency = batch, concurrency
        self._factory = notifier_factory or (lambda r: r.build())
        self._notifiers: dict[str, Notifier] = {}

    def _notifier(self, r: Receiver) -> Notifier:
        if r.name not in self._notifiers:
            self._notifiers[r.name] = self._factory(r)
        return self._notifiers[r.name]

    async def send_due(self, now: datetime | None = None) -> DispatchReport:
        """Send every due row (at most ``batch``); returns what happened to each."""
        now = now or self.clock.now()
        report = DispatchReport()
        with self.sessions() as s:
            due = s.execute(select(Notification.id, Notification.attempts, Notification.status)
                            .where(Notification.status.in_(DUE),
                                   or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now))
                            .order_by(Notification.id).limit(self.batch)).all()
        planned: Counter[tuple[str, ...]] = Counter()
        jobs: list[_Job] = []
        for nid, attempts, status in due:
            if not self._claim(nid, attempts, status, now):
                report.lost_claim += 1
                continue
            jobs.append(self._prepare(nid, now, planned))
        sem = asyncio.Semaphore(self.concurrency)

        async def run(job: _Job) -> None:
            if job.outcome is None and job.receiver is not None and job.message is not None:
                async with sem:
                    try:
                        job.outcome = await self._notifier(job.receiver).notify(job.message)
                    except Exception as exc:  # a plug-in bug must not stop the other deliveries
                        job.outcome = Delivery(False, True, f"notifier raised {type(exc).__name__}: {exc}")

        await asyncio.gather(*(run(j) for j in jobs))
        for job in jobs:
            report.add(self._record(job, now), job.nid)
        return report

    def _claim(self, nid: int, attempts: int, status: str, now: datetime) -> bool:
        # the guard re-checks what we read; the lease pushes the row out of everyone else's "due"
        with self.sessions.begin() as s:
            res = s.execute(update(Notification)
                            .where(Notification.id == nid, Notification.status == status,
                                   Notification.attempts == attempts,
                                   or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now))
                            .values(next_attempt_at=now + self.lease, last_attempt_at=now)
                            .execution_options(synchronize_session=False))
            return res.rowcount == 1

    def _prepare(self, nid: int, now: datetime, planned: Counter[tuple[str, ...]]) -> _Job:
        with self.sessions() as s:
            n = s.get_one(Notification, nid)
            try:
                r = self.receivers.get(n.receiver)
            except KeyError:
                return _Job(nid, None, None, Delivery(False, False, T.RECEIVER_UNKNOWN.format(name=n.receiver)))
            if not r.enabled:
                return _Job(nid, r, None, Delivery(False, False, T.RECEIVER_DISABLED.format(name=r.name)))
            to: tuple[str, ...] = ()
            if r.on_duty:
                if not n.recipient:
                    return _Job(nid, r, None, Delivery(False, False, T.NO_ONDUTY))
                what = ADDRESS_OF_KIND.get(r.kind)
                if what:
                    user = s.scalar(select(User).where(User.username == n.recipient))
                    addr = getattr(user, what, None) if user is not None else None
                    if not addr:
                        return _Job(nid, r, None, Delivery(False, False, T.ONDUTY_NO_ADDRESS.format(
                            user=n.recipient, what=T.ADDRESS_WHAT[what])))
                    to = (addr,)
            limited = self._over_limit(s, r, n.recipient, now, planned)
            if limited:
                return _Job(nid, r, None, Delivery(False, False, limited), status=DeliveryStatus.RATE_LIMITED)
            planned[(r.name,)] += 1
            planned[(r.name, n.recipient or "")] += 1
            held = s.execute(select(Notification.id, Notification.payload)
                             .where(Notification.receiver == r.name, _same_recipient(n.recipient),
                                    Notification.status == DeliveryStatus.RATE_LIMITED,
                                    Notification.detail.like(T.RATE_LIMITED.split("：")[0] + "%"))
                             .order_by(Notification.id)).all()
            return _Job(nid, r, _message(n, to, [p for _, p in held]), merged=[i for i, _ in held])

    def _over_limit(self, s: Session, r: Receiver, recipient: str | None, now: datetime,
                    planned: Counter[tuple[str, ...]]) -> str | None:
        checks = []
        if r.max_per_minute:
            checks.append((r.max_per_minute, 60, (r.name,), [], T.RATE_SCOPE_RECEIVER.format(name=r.name)))
        if r.max_per_hour:
            checks.append((r.max_per_hour, 3600, (r.name, recipient or ""), [_same_recipient(recipient)],
                           T.RATE_SCOPE_RECIPIENT.format(who=recipient or r.name)))
        for limit, window, key, extra, scope in checks:
            sent = s.scalar(select(func.count(Notification.id))
                            .where(Notification.receiver == r.name, Notification.status == DeliveryStatus.SENT,
                                   Notification.sent_at > now - timedelta(seconds=window), *extra)) or 0
            if sent + planned[key] >= limit:
                return T.RATE_LIMITED.format(scope=scope, limit=limit, window=T.WINDOW[window])
        return None

    def _record(self, job: _Job, now: datetime) -> str:
        d = job.outcome or Delivery(False, True, "no outcome")
        with self.sessions.begin() as s:
            n = s.get_one(Notification, job.nid)
            if job.status == DeliveryStatus.RATE_LIMITED:
                n.status, n.detail, n.next_attempt_at = DeliveryStatus.RATE_LIMITED, d.detail, None
            else:
                n.attempts += 1
                n.last_attempt_at = now
                if d.ok:
                    n.status, n.sent_at, n.next_attempt_at = DeliveryStatus.SENT, now, None
                    n.detail = T.SENT.format(n=n.attempts, detail=d.detail)
                    if job.merged:
                        s.execute(update(Notification).where(Notification.id.in_(job.merged))
                                  .values(detail=T.SUMMARISED.format(id=n.id))
                                  .execution_options(synchronize_session=False))
                elif d.retryable and n.attempts < self.max_attempts:
                    at = now + timedelta(seconds=backoff_seconds(n.attempts, self.base, self.cap, self.jitter,
                                                                 self.rng))
                    n.status, n.next_attempt_at = DeliveryStatus.RETRYING, at
                    n.detail = T.RETRY.format(n=n.attempts, at=at.isoformat(timespec="seconds"), detail=d.detail)
                else:
                    n.status, n.next_attempt_at = DeliveryStatus.FAILED, None
                    n.detail = T.FAILED.format(n=n.attempts, detail=d.detail)
            status = DeliveryStatus(n.status).value
            payload = n.payload if isinstance(n.payload, dict) else {}
            city = payload.get("city_code") or payload.get("city")  # the planner puts the code in city_code
            audit.record(s, audit.SYSTEM, f"notification.{status}", "notification", n.id,
                         summary=f"{T.AUDIT[status]}：{n.receiver}", at=now,
                         scope_code=city if isinstance(city, str) and len(city) == 6 else None,
                         detail={"receiver": n.receiver, "recipient": n.recipient, "attempts": n.attempts,
                                 "detail": n.detail[:500]})
        return status


def _same_recipient(recipient: str | None) -> Any:
    return Notification.recipient.is_(None) if recipient is None else Notification.recipient == recipient


def _message(n: Notification, to: tuple[str, ...], held: list[Any]) -> Message:
    """The row's payload as a Message, with a summary of rate-limited messages appended."""
    p: dict[str, Any] = n.payload if isinstance(n.payload, dict) else {}
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
