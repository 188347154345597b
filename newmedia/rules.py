"""The national new-media veto rules (spec §5) as pure functions: (what is known, now) → verdicts.

- 两周未更新 (veto, firm): no post in the ``stale_days`` (14) before the reference time. Exactly 14 days
  since the last post is still inside the window; 14 days + 1 s is a breach.
- 无有效互动功能 (veto, firm): comments and messages both closed.
- 留言长期未回复 (veto, configurable): a message unanswered longer than ``unanswered_days``.

Each rule says ``not_judged`` rather than guess: an account never collected, a value its sources cannot
see, or data too old to prove a breach (a post or an answer may have come after the last observation).
A veto is only declared from an observation that itself proves it. ``warning``: the breach comes within
``warn_days``; ``days_left`` counts whole days up to the breach (rounded up), 0 on the breach day.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.i18n import media as M

RULES = ("no_update", "no_interaction", "unanswered")
DAY = timedelta(days=1)
OK, WARNING, VETO, NOT_JUDGED, NOT_COLLECTED = "ok", "warning", "veto", "not_judged", "not_collected"


@dataclass(frozen=True)
class MediaRules:
    """Rule values; ``unanswered_days`` and ``warn_days`` could not be confirmed in the published rules
    (provisional, the wall says so)."""

    stale_days: int = 14
    warn_days: int = 7
    unanswered_days: int = 90


@dataclass(frozen=True)
class Observed:
    """What is known of one account (``db.models_media.NewMediaState``, detached)."""

    collected_at: datetime  # when the posts were last seen in full
    last_post_at: datetime | None = None
    interaction_open: bool | None = None
    interaction_at: datetime | None = None
    unanswered: int | None = None
    oldest_unanswered_at: datetime | None = None
    messages_at: datetime | None = None  # when the backlog was seen


@dataclass(frozen=True)
class Verdict:
    """One rule's verdict on one account; ``deadline`` is when it breaches (None: no breach ahead known)."""

    rule: str
    status: str  # ok, warning, veto, not_judged, not_collected
    detail: str
    evidence: dict[str, Any] = field(default_factory=dict)
    deadline: datetime | None = None
    days_left: int | None = None


def _days_left(deadline: datetime, now: datetime) -> int:
    return max(0, math.ceil((deadline - now) / DAY))


def _stamp(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def _clock(rule: str, start: datetime, limit_days: int, seen: datetime, now: datetime, rules: MediaRules,
           veto_text: Callable[[int], str], warn_text: Callable[[int], str], evidence: dict[str, Any]) -> Verdict:
    """A rule that breaches ``limit_days`` after ``start`` unless something happens in between."""
    deadline = start + timedelta(days=limit_days)
    evidence = {**evidence, "limit_days": limit_days, "observed_at": _stamp(seen)}
    if seen > deadline:  # the observation itself saw the gap pass the limit
        days = int((seen - start) / DAY)
        return Verdict(rule, VETO, veto_text(days), evidence, deadline, 0)
    if now > deadline:  # past the limit now, but nothing observed since the limit passed
        return Verdict(rule, NOT_JUDGED, M.NOT_JUDGED.format(what=M.NOT_JUDGED_WHAT[rule]),
                       {**evidence, "stale": True}, deadline, 0)
    left = _days_left(deadline, now)
    status = WARNING if deadline - now <= timedelta(days=rules.warn_days) else OK
    return Verdict(rule, status, warn_text(left) if status == WARNING else "", evidence, deadline, left)


def no_update(obs: Observed, now: datetime, rules: MediaRules) -> Verdict:
    if obs.last_post_at is None:
        return Verdict("no_update", NOT_JUDGED, M.NOT_JUDGED.format(what=M.NOT_JUDGED_WHAT["no_update"]))
    last = _stamp(obs.last_post_at)
    return _clock("no_update", obs.last_post_at, rules.stale_days, obs.collected_at, now, rules,
                  lambda days: M.NO_UPDATE_VETO.format(last=last, days=days, limit=rules.stale_days),
                  lambda left: M.NO_UPDATE_WARN.format(last=last, left=left), {"last_post_at": last})


def no_interaction(obs: Observed) -> Verdict:
    if obs.interaction_open is None:
        return Verdict("no_interaction", NOT_JUDGED,
                       M.NOT_JUDGED.format(what=M.NOT_JUDGED_WHAT["no_interaction"]))
    evidence = {"interaction_open": obs.interaction_open,
                "observed_at": _stamp(obs.interaction_at or obs.collected_at)}
    if obs.interaction_open:
        return Verdict("no_interaction", OK, "", evidence)
    return Verdict("no_interaction", VETO, M.NO_INTERACTION, evidence)


def unanswered(obs: Observed, now: datetime, rules: MediaRules) -> Verdict:
    seen = obs.messages_at
    if seen is None or obs.unanswered is None or (obs.unanswered > 0 and obs.oldest_unanswered_at is None):
        return Verdict("unanswered", NOT_JUDGED, M.NOT_JUDGED.format(what=M.NOT_JUDGED_WHAT["unanswered"]))
    if obs.unanswered == 0 or obs.oldest_unanswered_at is None:
        return Verdict("unanswered", OK, "", {"unanswered": 0, "observed_at": _stamp(seen)})
    oldest = _stamp(obs.oldest_unanswered_at)
    limit, count = rules.unanswered_days, obs.unanswered
    return _clock("unanswered", obs.oldest_unanswered_at, limit, seen, now, rules,
                  lambda _days: M.UNANSWERED_VETO.format(count=count, oldest=oldest, limit=limit),
                  lambda left: M.UNANSWERED_WARN.format(count=count, oldest=oldest, limit=limit, left=left),
                  {"unanswered": obs.unanswered, "oldest_unanswered_at": oldest})


def evaluate(obs: Observed | None, now: datetime, rules: MediaRules | None = None) -> tuple[Verdict, ...]:
    """The verdict of every rule (:data:`RULES` order); ``obs`` None (never collected): all 未采集."""
    rules = rules or MediaRules()
    if obs is None:
        return tuple(Verdict(r, NOT_COLLECTED, M.VERDICT["not_collected"]) for r in RULES)
    return (no_update(obs, now, rules), no_interaction(obs), unanswered(obs, now, rules))


def overall(verdicts: Sequence[Verdict]) -> str:
    """The account's verdict: veto (不合格) if any rule vetoes; not_collected; not_judged while a rule
    lacks data; else ok (合格; warnings do not change it, they say when it would)."""
    statuses = {v.status for v in verdicts}
    for status in (VETO, NOT_COLLECTED, NOT_JUDGED):
        if status in statuses:
            return status
    return OK


def soonest(verdicts: Sequence[Verdict]) -> Verdict | None:
    """The warning with the fewest days left, if any."""
    warnings = [v for v in verdicts if v.status == WARNING and v.days_left is not None]
    return min(warnings, key=lambda v: v.days_left or 0) if warnings else None
