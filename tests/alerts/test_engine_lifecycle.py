"""Every condition-driven transition of the alert lifecycle, table-driven with an injected now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.lifecycle import Action, Current, step
from alerts.states import AlertState as S

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
M = timedelta(minutes=1)

CASES = [
    # (id, current, active, now offset, for, keep, action, state, fired_now, event (from, to, note))
    ("new_inactive_nothing", None, False, 0, 3, 0, Action.NONE, None, False, None),
    ("new_active_for0_fires", None, True, 0, 0, 0, Action.CREATE, S.FIRING, True, (None, S.FIRING, "for_elapsed")),
    ("new_active_pending", None, True, 0, 3, 0, Action.CREATE, S.PENDING, False, (None, S.PENDING, "")),
    ("pending_before_for", (S.PENDING, 0, 0), True, 2, 3, 0, Action.KEEP, S.PENDING, False, None),
    ("pending_at_for_fires", (S.PENDING, 0, 2), True, 3, 3, 0, Action.TRANSITION, S.FIRING, True,
     (S.PENDING, S.FIRING, "for_elapsed")),
    ("pending_clears_dropped", (S.PENDING, 0, 1), False, 2, 3, 5, Action.TRANSITION, S.RESOLVED, False,
     (S.PENDING, S.RESOLVED, "dropped_before_firing")),
    ("firing_stays_true", (S.FIRING, 0, 4), True, 5, 3, 0, Action.KEEP, S.FIRING, False, None),
    ("acked_stays_true", (S.ACKNOWLEDGED, 0, 4), True, 5, 3, 0, Action.KEEP, S.ACKNOWLEDGED, False, None),
    ("firing_false_within_keep", (S.FIRING, 0, 4), False, 6, 0, 5, Action.KEEP, S.FIRING, False, None),
    ("firing_false_past_keep", (S.FIRING, 0, 4), False, 9, 0, 5, Action.TRANSITION, S.RESOLVED, False,
     (S.FIRING, S.RESOLVED, "condition_cleared")),
    ("acked_false_past_keep", (S.ACKNOWLEDGED, 0, 4), False, 9, 0, 5, Action.TRANSITION, S.RESOLVED, False,
     (S.ACKNOWLEDGED, S.RESOLVED, "condition_cleared")),
    ("firing_false_keep0_resolves", (S.FIRING, 0, 4), False, 5, 0, 0, Action.TRANSITION, S.RESOLVED, False,
     (S.FIRING, S.RESOLVED, "condition_cleared")),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_transition(case: tuple) -> None:
    _, cur, active, at, for_m, keep_m, action, state, fired, event = case
    current = None if cur is None else Current(cur[0], T0 + cur[1] * M, T0 + cur[2] * M)
    d = step(current, active, T0 + at * M, for_m * M, keep_m * M)
    assert d.action is action
    assert d.state == state
    assert d.fired_now is fired
    if event is None:
        assert d.events == ()
    else:
        assert [(e.from_state, e.to_state, e.note) for e in d.events] == [event]


def test_keep_firing_counts_from_last_true_not_from_start() -> None:
    cur = Current(S.FIRING, T0, T0 + 10 * M)
    assert step(cur, False, T0 + 14 * M, M, 5 * M).action is Action.KEEP
    assert step(cur, False, T0 + 15 * M, M, 5 * M).state is S.RESOLVED


def test_keep_refreshes_last_true_only_while_true() -> None:
    cur = Current(S.FIRING, T0, T0 + 2 * M)
    assert step(cur, True, T0 + 3 * M, M, 5 * M).last_true_at == T0 + 3 * M
    assert step(cur, False, T0 + 3 * M, M, 5 * M).last_true_at == T0 + 2 * M


@pytest.mark.parametrize("state", [S.PENDING, S.FIRING, S.ACKNOWLEDGED])
def test_an_undecidable_condition_changes_nothing(state: S) -> None:
    """Too little data to judge is "unknown", not "false": the open alert keeps its state and its last-true
    time, however long past keep_firing_for (or for) it is; no new alert is opened either."""
    cur = Current(state, T0, T0 + 2 * M)
    for active in (False, True):
        d = step(cur, active, T0 + 60 * M, M, 5 * M, known=False)
        assert (d.action, d.state, d.fired_now, d.last_true_at, d.events) == (Action.KEEP, state, False,
                                                                            T0 + 2 * M, ())
        assert step(None, active, T0, 0 * M, 0 * M, known=False).action is Action.NONE


def test_resolved_is_not_stepped() -> None:
    with pytest.raises(ValueError, match="not open"):
        step(Current(S.RESOLVED, T0, T0), True, T0, M, M)
