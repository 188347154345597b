"""alerts.delivery: what an attempt's outcome and a lapsed lease do to a row — pure, time passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.delivery import (
    Claim,
    DeliveryStatus,
    Outcome,
    RetryPolicy,
    backoff_seconds,
    held,
    lapsed,
    resend_after_lapse,
    settle,
)

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=3, base_backoff_s=30, max_backoff_s=3600, jitter=0.2)


def _settle(o: Outcome, attempts: int, idempotent: bool) -> tuple[DeliveryStatus, datetime | None]:
    st = settle(o, attempts, idempotent=idempotent, policy=POLICY, now=T0, draw=lambda: 0.5)
    return st.status, st.next_attempt_at


def test_a_claim_is_held_until_its_lease_ends_and_lapsed_only_while_still_claimed() -> None:
    live = Claim(DeliveryStatus.PENDING, 1, "host:1:a", T0 + timedelta(seconds=1))
    assert held(live, T0) and not lapsed(live, T0)
    assert not held(live, T0 + timedelta(seconds=1)) and lapsed(live, T0 + timedelta(seconds=1))
    never = Claim(DeliveryStatus.PENDING, 0, None, None)
    assert not held(never, T0) and not lapsed(never, T0)
    recorded = Claim(DeliveryStatus.SENT, 1, None, None)
    assert not lapsed(recorded, T0)
    given_up = Claim(DeliveryStatus.UNKNOWN, 1, "host:1:a", None)  # keeps the lost sender's name
    assert not lapsed(given_up, T0)


def test_sent_retried_with_backoff_then_failed() -> None:
    assert settle(Outcome(True), 1, idempotent=False, policy=POLICY, now=T0, draw=lambda: 0.0).sent_at == T0
    assert _settle(Outcome(False, retryable=True), 1, False) == (
        DeliveryStatus.RETRYING, T0 + timedelta(seconds=30 + 30 * 0.2 * 0.5))
    assert _settle(Outcome(False, retryable=True), 2, False)[1] == T0 + timedelta(seconds=60 + 60 * 0.2 * 0.5)
    assert _settle(Outcome(False, retryable=True), 3, False) == (DeliveryStatus.FAILED, None)  # out of attempts
    assert _settle(Outcome(False, retryable=False), 1, True) == (DeliveryStatus.FAILED, None)


@pytest.mark.parametrize("idempotent, expected", [(True, DeliveryStatus.RETRYING), (False, DeliveryStatus.UNKNOWN)])
def test_a_lost_answer_is_retried_only_towards_a_receiver_that_deduplicates(
        idempotent: bool, expected: DeliveryStatus) -> None:
    lost = Outcome(False, retryable=True, maybe_delivered=True)
    assert _settle(lost, 1, idempotent)[0] == expected
    # out of attempts it stays unknown, never "failed": it may have arrived
    assert _settle(lost, 3, idempotent) == (DeliveryStatus.UNKNOWN, None)


def test_a_lapsed_attempt_is_sent_again_only_with_a_key_and_attempts_left() -> None:
    assert resend_after_lapse(1, idempotent=True, policy=POLICY)
    assert not resend_after_lapse(1, idempotent=False, policy=POLICY)
    assert not resend_after_lapse(3, idempotent=True, policy=POLICY)


def test_backoff_is_capped_and_the_policy_refuses_no_attempts() -> None:
    assert backoff_seconds(20, 30, 3600, 0.2, 0.0) == 3600
    assert backoff_seconds(1, 30, 3600, 0.2, 0.999) == pytest.approx(30 * 1.1998)
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
