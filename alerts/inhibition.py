"""Inhibition: one fault is one problem, its consequences listed under it. Pure: no I/O, no clock.

An :class:`InhibitRule` (declared in the rule files, Alertmanager style: source matchers, target
matchers, equal labels) says: while a *firing or acknowledged* alert matches ``source``, the alerts
matching ``target`` that carry the same values of every ``equal`` label are its dependants. The
notification pipeline mutes dependants (``alerts.pipeline.inhibit``) and the screens show only the
top-level problems, dependants under their source (:func:`problems`): both call :func:`inhibit`, so
a wall, the console and the notifications always agree.

Rules: an alert never inhibits itself; within one rule a source never mutes another source (two
probing nodes both seeing a site down keep both visible); a pending alert mutes nothing; ``equal`` on
a label either alert lacks ties nothing. Chains are followed to their top (site down → 5 % veto →
4 % warning lists the warning under the site-down alert); a cycle between rules leaves its
lowest-numbered alert on top rather than muting them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from alerts.matchers import Matcher, matches_all
from core.i18n import alerts as T

SOURCE_STATES = ("firing", "acknowledged")  # a pending alert has not been confirmed: it explains nothing


class Inhibitable(Protocol):
    """What inhibition reads of an alert (``alerts.pipeline.AlertSnap`` satisfies it)."""

    @property
    def id(self) -> int: ...

    @property
    def rule(self) -> str: ...

    @property
    def state(self) -> str: ...

    def match_labels(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class InhibitRule:
    """While a firing alert matches ``source``, alerts matching ``target`` with equal ``equal`` labels are muted."""

    name: str
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Suppression:
    stage: str  # inhibited / silenced / maintenance
    reason: str  # Chinese, shown on the console
    by: int  # the source alert (the top of the chain) or the silence id
    rule: str = ""  # the inhibit rule, for inhibitions


def _direct(alerts: Sequence[Inhibitable], rules: Sequence[InhibitRule]) -> dict[int, tuple[int, str]]:
    """Each muted alert's first source: alert id -> (source id, inhibit rule name)."""
    out: dict[int, tuple[int, str]] = {}
    labels = {a.id: a.match_labels() for a in alerts}
    for rule in rules:
        sources = [a for a in alerts if a.state in SOURCE_STATES and matches_all(rule.source, labels[a.id])]
        if not sources:
            continue
        for a in alerts:
            mine = labels[a.id]
            if a.id in out or not matches_all(rule.target, mine) or matches_all(rule.source, mine):
                continue  # a source never mutes another source of the same rule
            if not all(mine.get(k) for k in rule.equal):
                continue  # equal on an absent label would tie unrelated alerts together
            for src in sources:
                if src.id != a.id and all(labels[src.id].get(k, "") == mine.get(k, "") for k in rule.equal):
                    out[a.id] = (src.id, rule.name)
                    break
    return out


def inhibit(alerts: Sequence[Inhibitable], rules: Sequence[InhibitRule]) -> dict[int, Suppression]:
    """The dependants among ``alerts``: id -> :class:`Suppression` naming the top-level source."""
    direct = _direct(alerts, rules)
    for start in sorted(direct):  # break cycles between rules: the lowest id of a cycle stays on top
        seen = [start]
        cur = direct[start][0]
        while cur in direct and cur not in seen:
            seen.append(cur)
            cur = direct[cur][0]
        if cur in seen and start in direct:
            direct.pop(min(seen[seen.index(cur):]), None)
    rule_of = {a.id: a.rule for a in alerts}
    out: dict[int, Suppression] = {}
    for aid, (src, name) in direct.items():
        top = src
        hops = 0
        while top in direct and hops < len(direct):
            top, hops = direct[top][0], hops + 1
        reason = T.SUPPRESS_REASON["inhibited"].format(source=top, rule=rule_of.get(top, ""))
        out[aid] = Suppression("inhibited", reason, top, name)
    return out


@dataclass(frozen=True)
class Problems:
    """Open alerts grouped into problems: the top-level ones and the dependants under each."""

    inhibited: Mapping[int, Suppression] = field(default_factory=dict)

    def source_of(self, alert_id: int) -> int | None:
        """The top-level alert ``alert_id`` depends on; None when it is a problem of its own."""
        s = self.inhibited.get(alert_id)
        return s.by if s is not None else None

    def dependants(self, alert_id: int) -> tuple[int, ...]:
        """The alerts listed under ``alert_id``, by id."""
        return tuple(sorted(a for a, s in self.inhibited.items() if s.by == alert_id))

    def is_top(self, alert_id: int) -> bool:
        return alert_id not in self.inhibited


def problems(alerts: Sequence[Inhibitable], rules: Sequence[InhibitRule]) -> Problems:
    """The read-time view of :func:`inhibit` over the open alerts (pending ones may be dependants)."""
    return Problems(inhibit(alerts, rules))
