"""The national new-media veto rules at their boundaries (pure: time is an argument)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newmedia.rules import (
    NOT_COLLECTED,
    NOT_JUDGED,
    OK,
    VETO,
    WARNING,
    MediaRules,
    Observed,
    evaluate,
    no_interaction,
    no_update,
    overall,
    soonest,
    unanswered,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
RULES = MediaRules(stale_days=14, warn_days=7, unanswered_days=90)
D, S = timedelta(days=1), timedelta(seconds=1)


@pytest.mark.parametrize(("since_post", "status", "days_left"), [
    (timedelta(0), OK, 14),
    (6 * D + 23 * timedelta(hours=1), OK, 8),  # 7 d 1 h left: ceil → 8, beyond the warning window
    (7 * D - S, OK, 8),
    (7 * D, WARNING, 7),  # exactly warn_days before the breach
    (13 * D, WARNING, 1),
    (14 * D - S, WARNING, 1),
    (14 * D, WARNING, 0),  # exactly 14 days: still inside the two weeks
    (14 * D + S, VETO, 0),  # 14 days + 1 s: breach
    (30 * D, VETO, 0),
])
def test_no_update_boundaries(since_post: timedelta, status: str, days_left: int) -> None:
    v = no_update(Observed(collected_at=NOW, last_post_at=NOW - since_post), NOW, RULES)
    assert (v.status, v.days_left) == (status, days_left)
    assert v.deadline == NOW - since_post + 14 * D
    assert v.evidence["last_post_at"] == (NOW - since_post).isoformat(timespec="seconds")
    if status == VETO:
        assert "单项否决" in v.detail and v.evidence["limit_days"] == 14
    if status == WARNING:
        assert f"再过 {days_left} 天" in v.detail


def test_no_update_is_not_declared_from_data_that_cannot_prove_it() -> None:
    """Last seen 10 days after the last post, now 20 days after it: a post may have come since."""
    last = NOW - 20 * D
    v = no_update(Observed(collected_at=last + 10 * D, last_post_at=last), NOW, RULES)
    assert v.status == NOT_JUDGED and v.evidence["stale"] is True
    # the observation 14 days + 1 s after the post proves it, whatever now is
    v = no_update(Observed(collected_at=last + 14 * D + S, last_post_at=last), NOW, RULES)
    assert v.status == VETO


def test_no_post_known_is_not_judged() -> None:
    assert no_update(Observed(collected_at=NOW), NOW, RULES).status == NOT_JUDGED


@pytest.mark.parametrize(("open_", "status"), [(True, OK), (False, VETO), (None, NOT_JUDGED)])
def test_no_interaction(open_: bool | None, status: str) -> None:
    assert no_interaction(Observed(collected_at=NOW, interaction_open=open_, interaction_at=NOW)).status == status


@pytest.mark.parametrize(("waiting", "status", "days_left"), [
    (timedelta(0), OK, 90),
    (83 * D - S, OK, 8),
    (83 * D, WARNING, 7),
    (90 * D, WARNING, 0),  # exactly the limit: not yet beyond it
    (90 * D + S, VETO, 0),
])
def test_unanswered_boundaries(waiting: timedelta, status: str, days_left: int) -> None:
    obs = Observed(collected_at=NOW, unanswered=3, oldest_unanswered_at=NOW - waiting, messages_at=NOW)
    v = unanswered(obs, NOW, RULES)
    assert (v.status, v.days_left) == (status, days_left)
    assert v.evidence["unanswered"] == 3


def test_unanswered_needs_a_seen_backlog() -> None:
    assert unanswered(Observed(collected_at=NOW), NOW, RULES).status == NOT_JUDGED
    assert unanswered(Observed(collected_at=NOW, unanswered=0, messages_at=NOW), NOW, RULES).status == OK
    # a count without the oldest message's time cannot say how long it waits
    assert unanswered(Observed(collected_at=NOW, unanswered=2, messages_at=NOW), NOW, RULES).status == NOT_JUDGED
    # backlog seen 30 days ago, oldest then 80 days old: 110 days now, but it may have been answered since
    old = Observed(collected_at=NOW, unanswered=1, oldest_unanswered_at=NOW - 110 * D, messages_at=NOW - 30 * D)
    assert unanswered(old, NOW, RULES).status == NOT_JUDGED


def test_thresholds_are_configurable() -> None:
    obs = Observed(collected_at=NOW, last_post_at=NOW - 8 * D)
    assert no_update(obs, NOW, MediaRules(stale_days=7)).status == VETO
    assert no_update(obs, NOW, MediaRules(stale_days=14, warn_days=5)).status == OK


def test_overall_verdict() -> None:
    never = evaluate(None, NOW, RULES)
    assert [v.status for v in never] == [NOT_COLLECTED] * 3 and overall(never) == NOT_COLLECTED
    good = Observed(collected_at=NOW, last_post_at=NOW - D, interaction_open=True, interaction_at=NOW,
                    unanswered=0, messages_at=NOW)
    assert overall(evaluate(good, NOW, RULES)) == OK
    partial = Observed(collected_at=NOW, last_post_at=NOW - D)
    assert overall(evaluate(partial, NOW, RULES)) == NOT_JUDGED  # no verdict before the data suffices
    bad = Observed(collected_at=NOW, last_post_at=NOW - 20 * D, interaction_open=True, interaction_at=NOW,
                   unanswered=0, messages_at=NOW)
    assert overall(evaluate(bad, NOW, RULES)) == VETO
    soon = Observed(collected_at=NOW, last_post_at=NOW - 12 * D, interaction_open=True, interaction_at=NOW,
                    unanswered=1, oldest_unanswered_at=NOW - 85 * D, messages_at=NOW)
    verdicts = evaluate(soon, NOW, RULES)
    assert overall(verdicts) == OK
    first = soonest(verdicts)
    assert first is not None and (first.rule, first.days_left) == ("no_update", 2)
