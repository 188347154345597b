"""Condition-driven alert transitions, pure: stored state + condition + now -> new state and events.

pending -> firing once the condition has held for the rule's ``for``; firing and acknowledged stay
while it holds; they resolve only after it has been false for ``keep_firing_for`` (flapping
protection). A pending alert whose condition clears is dropped: resolved without ever firing, so
nothing is notified. A condition that cannot be decided (``known=False``: the window holds too little
data for the rule's minimum) changes nothing: no alert is opened, none fires or resolves, and the time it
was last true stays. Acknowledgement, assignment and manual closing belong to the on-call service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from alerts.states import AlertState


class Action(StrEnum):
    NONE = "none"  # nothing to store
    CREATE = "create"  # open a new alert row (a new episode)
    KEEP = "keep"  # same state; refresh value / last_true_at / last_eval_at
    TRANSITION = "transition"  # state changes


@dataclass(frozen=True)
class Current:
    """What the lifecycle needs of a stored open alert."""

    state: AlertState
    started_at: datetime
    last_true_at: datetime | None


@dataclass(frozen=True)
class StateEvent:
    from_state: AlertState | None
    to_state: AlertState
    note: str = ""  # machine reason: "for_elapsed", "condition_cleared", "dropped_before_firing"


@dataclass(frozen=True)
class Decision:
    action: Action
    state: AlertState | None = None
    fired_now: bool = False
    last_true_at: datetime | None = None
    events: tuple[StateEvent, ...] = field(default_factory=tuple)


def step(current: Current | None, active: bool, now: datetime, for_: timedelta,
         keep_firing_for: timedelta, known: bool = True) -> Decision:
    """The transition of one fingerprint for one evaluation at ``now``.

    ``current`` is its open alert (None when there is none); ``active`` whether the condition holds
    (a series with no data counts as false); ``known`` False when the condition could not be decided
    (not enough data): then nothing changes — no new alert, and an open one is kept as it is
    (``Action.KEEP``, its ``last_true_at`` unchanged, so ``keep_firing_for`` does not run out meanwhile
    from this evaluation alone).
    """
    if not known:
        if current is None:
            return Decision(Action.NONE)
        return Decision(Action.KEEP, current.state, False, current.last_true_at)
    if current is None:
        if not active:
            return Decision(Action.NONE)
        if for_ <= timedelta(0):
            return Decision(Action.CREATE, AlertState.FIRING, True, now,
                            (StateEvent(None, AlertState.FIRING, "for_elapsed"),))
        return Decision(Action.CREATE, AlertState.PENDING, False, now, (StateEvent(None, AlertState.PENDING),))
    state = current.state
    if state is AlertState.PENDING:
        if not active:
            return Decision(Action.TRANSITION, AlertState.RESOLVED, False, current.last_true_at,
                            (StateEvent(state, AlertState.RESOLVED, "dropped_before_firing"),))
        if now - current.started_at >= for_:
            return Decision(Action.TRANSITION, AlertState.FIRING, True, now,
                            (StateEvent(state, AlertState.FIRING, "for_elapsed"),))
        return Decision(Action.KEEP, state, False, now)
    if state in (AlertState.FIRING, AlertState.ACKNOWLEDGED):
        if active:
            return Decision(Action.KEEP, state, False, now)
        last_true = current.last_true_at or current.started_at
        if now - last_true >= keep_firing_for:
            return Decision(Action.TRANSITION, AlertState.RESOLVED, False, last_true,
                            (StateEvent(state, AlertState.RESOLVED, "condition_cleared"),))
        return Decision(Action.KEEP, state, False, last_true)
    raise ValueError(f"alert in state {state!r} is not open; the lifecycle only steps open alerts")
