"""A notification row's delivery state and what each event does to it: pure, ``now`` passed in.

States (``DeliveryStatus``, a closed enum): a row is planned ``pending`` (or ``suppressed``); each
attempt ends ``sent``, ``retrying`` (a retryable failure, back-off), ``failed`` (given up, or not
retryable) or ``unknown``; ``rate_limited`` is decided without sending.

**Leases.** A dispatcher claims a row just before an attempt: the claim counts the attempt and sets
``claimed_by`` and ``lease_until``, and the sender renews the lease while the receiver has not answered.
The outcome is recorded the moment it is known, which clears the claim. So a row that is still claimed
when its lease has lapsed ended its last attempt *without a recorded outcome*: its sender died
(``kill -9``, power loss) or lost the database mid-send, and the receiver may or may not hold the message.

**At most once, as far as the receiver allows.** Such a row is sent again only to a receiver that takes a
repeated idempotency key as the same delivery (``idempotent``): it gets the same key, so it keeps one copy.
Any other receiver is not sent it again — the row ends ``unknown`` (结果未知) with the attempt counted,
for a person to check — because a second copy cannot be told from a new message there. The same holds for
an attempt whose request may have reached the receiver before the answer was lost (a timeout after
sending): ``maybe_delivered``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"  # gave up, or not retryable
    RATE_LIMITED = "rate_limited"
    SUPPRESSED = "suppressed"  # silenced / inhibited / deduplicated
    UNKNOWN = "unknown"  # the last attempt may or may not have arrived; not sent again (no idempotency key)


DUE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_backoff_s: float = 30.0
    max_backoff_s: float = 3600.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")


def backoff_seconds(attempt: int, base: float, cap: float, jitter: float, draw: float) -> float:
    """Delay before the next try after failed attempt number ``attempt`` (1-based); ``draw`` in [0, 1)."""
    delay = min(cap, base * 2 ** (attempt - 1))
    return delay + delay * jitter * draw


@dataclass(frozen=True)
class Claim:
    """What a dispatcher read of a row before acting on it (the guard of its conditional UPDATE)."""

    status: DeliveryStatus
    attempts: int
    claimed_by: str | None
    lease_until: datetime | None


def held(c: Claim, now: datetime) -> bool:
    """Another sender holds the row: a live lease."""
    return c.lease_until is not None and c.lease_until > now


def lapsed(c: Claim, now: datetime) -> bool:
    """The row's last attempt has no recorded outcome and nobody holds it any more."""
    return c.status in DUE and c.claimed_by is not None and not held(c, now)


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to, as the dispatcher knows it."""

    ok: bool
    retryable: bool = False
    maybe_delivered: bool = False  # the request may have reached the receiver; its answer was lost


@dataclass(frozen=True)
class Settlement:
    """The row's new state after an attempt (``attempts`` already counts it)."""

    status: DeliveryStatus
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None


def settle(o: Outcome, attempts: int, *, idempotent: bool, policy: RetryPolicy, now: datetime,
           draw: Callable[[], float]) -> Settlement:
    """The state after attempt number ``attempts`` ended with ``o``; ``draw()`` gives the jitter in [0, 1).

    A lost answer is retried only towards an idempotent receiver (it gets the same key), else it is
    ``unknown``; a retryable failure waits its back-off until ``max_attempts``.
    """
    if o.ok:
        return Settlement(DeliveryStatus.SENT, sent_at=now)
    may_retry = o.retryable and (idempotent or not o.maybe_delivered)
    if may_retry and attempts < policy.max_attempts:
        delay = backoff_seconds(attempts, policy.base_backoff_s, policy.max_backoff_s, policy.jitter, draw())
        return Settlement(DeliveryStatus.RETRYING, next_attempt_at=now + timedelta(seconds=delay))
    return Settlement(DeliveryStatus.UNKNOWN if o.maybe_delivered else DeliveryStatus.FAILED)


def resend_after_lapse(attempts: int, *, idempotent: bool, policy: RetryPolicy) -> bool:
    """Whether a row whose attempt number ``attempts`` lapsed without an outcome is sent again."""
    return idempotent and attempts < policy.max_attempts
