"""The suppression pipeline as small pure stages (Alertmanager's ``MultiStage``).

inhibit → silence → maintenance → dedup → escalate → fan-out. Each stage takes plain snapshots
and ``now``; none touches the database (``alerts.planner`` does the I/O around them). Escalation is
decided before the group signature is taken, so a tier change and its notification happen in the
same cycle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from alerts import summary as S
from alerts.inhibition import InhibitRule, Suppression, inhibit
from alerts.matchers import Matcher, matches_all
from alerts.silences import ActiveSilence
from alerts.states import SilenceKind
from core.i18n import alerts as T
from core.i18n.common import SEVERITY
from db.timestamps import aware

__all__ = ["AlertSnap", "GroupChange", "InhibitRule", "Intent", "PreviousPlan", "Route", "Suppression", "dedup",
           "escalate", "fan_out", "inhibit", "maintenance", "payload_of", "render_payload", "signature", "silence"]

NOTIFIED_STATES = ("firing", "acknowledged")  # pending alerts are never announced
SignatureEntry = tuple[int, str, str, int]  # (alert id, state, severity, escalation tier)


@dataclass(frozen=True)
class AlertSnap:
    """What the stages need of one alert (``db.models_alerts.Alert``), detached from the session."""

    id: int
    rule: str
    state: str
    severity: str
    labels: Mapping[str, str]
    city_code: str
    group_key: str = ""
    summary: str = ""
    fired_at: datetime | None = None
    escalation_tier: int = 1
    escalated_at: datetime | None = None
    version: int = 1
    # For texts computed when sent (alerts.summary): the alert's own timestamps, value and kept template.
    started_at: datetime | None = None
    resolved_at: datetime | None = None
    last_eval_at: datetime | None = None
    value: float | None = None
    template: str = ""

    @classmethod
    def of(cls, a: Any) -> AlertSnap:
        template = (getattr(a, "facts", None) or {}).get("template")
        return cls(id=a.id, rule=a.rule, state=str(a.state), severity=str(a.severity), labels=dict(a.labels or {}),
                   city_code=a.city_code, group_key=a.group_key or f"city={a.city_code}", summary=a.summary or "",
                   fired_at=aware(a.fired_at), escalation_tier=a.escalation_tier or 1,
                   escalated_at=aware(a.escalated_at), version=a.version, started_at=aware(a.started_at),
                   resolved_at=aware(a.resolved_at), last_eval_at=aware(a.last_eval_at), value=a.value,
                   template=template if isinstance(template, str) else "")

    def match_labels(self) -> dict[str, str]:
        """Labels as matchers see them: the alert's own, plus ``rule``/``alertname``, ``severity``, ``city``."""
        out = {str(k): str(v) for k, v in self.labels.items()}
        out.update(rule=self.rule, alertname=self.rule, severity=self.severity)
        out.setdefault("city", self.city_code)
        return out


# ---------------------------------------------------------------- inhibit
# The stage lives in alerts/inhibition.py (the screens call it too); its rules come from the rule files.

# ---------------------------------------------------------------- silence / maintenance

def silence(alerts: Sequence[AlertSnap], silences: Sequence[ActiveSilence],
            kind: SilenceKind = SilenceKind.SILENCE) -> dict[int, Suppression]:
    """Alerts muted by an active silence of ``kind`` (the caller passes only silences active now)."""
    stage = "silenced" if kind is SilenceKind.SILENCE else "maintenance"
    out: dict[int, Suppression] = {}
    mine = [s for s in silences if s.kind is kind]
    for a in alerts:
        lab = a.match_labels()
        for s in mine:
            if matches_all(s.matchers, lab):
                out[a.id] = Suppression(stage, T.SUPPRESS_REASON[stage].format(id=s.id, author=s.created_by,
                                                                               reason=s.reason), s.id)
                break
    return out


def maintenance(alerts: Sequence[AlertSnap], silences: Sequence[ActiveSilence]) -> dict[int, Suppression]:
    """Alerts inside an active maintenance window."""
    return silence(alerts, silences, SilenceKind.MAINTENANCE)


# ---------------------------------------------------------------- dedup

@dataclass(frozen=True)
class PreviousPlan:
    """The last announced state of a group: its signature and generation (from the notification log)."""

    signature: tuple[SignatureEntry, ...]
    generation: int


@dataclass(frozen=True)
class GroupChange:
    """A group whose announced state changed: what to say and the idempotency basis."""

    group_key: str
    city_code: str
    alerts: tuple[AlertSnap, ...]  # open, not suppressed
    resolved: tuple[AlertSnap, ...]  # announced before, resolved since
    signature: tuple[SignatureEntry, ...]
    generation: int

    @property
    def tier(self) -> int:
        return max((a.escalation_tier for a in self.alerts), default=1)

    def base_key(self) -> str:
        resolved = ",".join(str(a.id) for a in self.resolved)
        return f"{self.group_key}|{self.generation}|{self.signature}|{resolved}"


def signature(alerts: Iterable[AlertSnap]) -> tuple[SignatureEntry, ...]:
    return tuple(sorted((a.id, a.state, a.severity, a.escalation_tier) for a in alerts if a.state in NOTIFIED_STATES))


def dedup(group_key: str, current: Sequence[AlertSnap], previous: PreviousPlan | None,
          lookup: Mapping[int, AlertSnap]) -> GroupChange | None:
    """The change to announce for a group, or None when there is nothing new.

    Something is new when an alert joined the group or changed state, severity or tier, or when an
    alert announced before has resolved. An alert that merely dropped out (silenced, inhibited) is
    not news: nothing is sent, and when it comes back unchanged nothing is sent either.
    ``lookup`` holds the current rows of the previously announced alert ids.
    """
    sig = signature(current)
    before = previous.signature if previous else ()
    if sig == before:
        return None
    now_ids = {e[0] for e in sig}
    resolved = tuple(lookup[e[0]] for e in before
                     if e[0] not in now_ids and e[0] in lookup and lookup[e[0]].state == "resolved")
    added = set(sig) - set(before)
    if not added and not resolved:
        return None
    shown = tuple(sorted((a for a in current if a.state in NOTIFIED_STATES), key=lambda a: a.id))
    city = shown[0].city_code if shown else (resolved[0].city_code if resolved else "")
    return GroupChange(group_key, city, shown, resolved, sig, (previous.generation if previous else 0) + 1)


# ---------------------------------------------------------------- escalate

@dataclass(frozen=True)
class EscalationPolicy:
    """Minutes unacknowledged before moving one tier up, per severity; None never escalates."""

    after_minutes: Mapping[str, float | None] = field(default_factory=lambda: {
        "critical": 10.0, "high": 30.0, "medium": None, "low": None})
    max_tier: int = 3


@dataclass(frozen=True)
class Escalation:
    alert_id: int
    version: int
    from_tier: int
    to_tier: int


def escalate(alerts: Sequence[AlertSnap], now: datetime, policy: EscalationPolicy) -> list[Escalation]:
    """Firing, unacknowledged alerts whose tier's wait has run out move one tier up (one step per call).

    The wait counts from firing for tier 1 and from the last escalation after that, so a tier gets
    its full interval before the next one is called.
    """
    out: list[Escalation] = []
    for a in alerts:
        minutes = policy.after_minutes.get(a.severity)
        if a.state != "firing" or minutes is None or a.escalation_tier >= policy.max_tier:
            continue
        since = a.escalated_at or a.fired_at
        if since is not None and now - since >= timedelta(minutes=minutes):
            out.append(Escalation(a.id, a.version, a.escalation_tier, a.escalation_tier + 1))
    return out


# ---------------------------------------------------------------- fan-out

@dataclass(frozen=True)
class Route:
    """A receiver as the pipeline sees it: which alerts it takes and whether it goes to on-duty people."""

    name: str
    notifier: str
    matchers: tuple[Matcher, ...] = ()  # empty: every alert
    on_duty: bool = False  # one message per on-duty person (SMS, email) instead of one per group
    accepts: Callable[[str, str], bool] | None = None  # (severity, city code) -> taken; from receiver routes

    def takes(self, alerts: Iterable[AlertSnap]) -> bool:
        """True when at least one alert of the group passes both the matchers and ``accepts``."""
        return any((not self.matchers or matches_all(self.matchers, a.match_labels()))
                   and (self.accepts is None or self.accepts(a.severity, a.city_code)) for a in alerts)


@dataclass(frozen=True)
class Intent:
    """One notification to write: status ``pending``, or ``suppressed`` with the reason in ``detail``."""

    idem_key: str
    group_key: str
    alert_ids: tuple[int, ...]
    receiver: str
    notifier: str
    recipient: str | None
    payload: dict[str, Any]
    suppressed: bool = False
    detail: str = ""


def idem_key(*parts: object) -> str:
    return hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()


Recipients = Callable[[str, int], Sequence[str]]  # (city code, tier) -> usernames on duty now


def fan_out(change: GroupChange, routes: Sequence[Route], recipients: Recipients,
            city_names: Mapping[str, str] | None = None, now: datetime | None = None) -> list[Intent]:
    """One intent per route taking the group; on-duty routes get one per person of tiers 1..group tier.

    When nobody would be told, one suppressed intent says so, which also records the group's new
    signature so the change is not re-planned every cycle.
    """
    payload = payload_of(change, city_names or {}, now)
    subject = change.alerts or change.resolved
    ids = tuple(a.id for a in (*change.alerts, *change.resolved))
    out: list[Intent] = []
    for r in routes:
        if not r.takes(subject):
            continue
        if not r.on_duty:
            out.append(Intent(idem_key(change.base_key(), r.name), change.group_key, ids, r.name, r.notifier, None,
                              payload))
            continue
        people: list[str] = []
        for tier in range(1, change.tier + 1):
            people += [p for p in recipients(change.city_code, tier) if p not in people]
        for p in people:
            out.append(Intent(idem_key(change.base_key(), r.name, p), change.group_key, ids, r.name, r.notifier, p,
                              payload))
    if not out:
        reason = T.SUPPRESS_REASON["no_recipient"].format(scope=change.city_code, tier=change.tier)
        out.append(Intent(idem_key(change.base_key(), "-"), change.group_key, ids, "-", "-", None, payload,
                          suppressed=True, detail=reason))
    return out


def payload_of(change: GroupChange, city_names: Mapping[str, str], now: datetime | None = None) -> dict[str, Any]:
    """The message body notifiers render: Chinese title plus one entry per alert.

    Each entry keeps what its text is computed from (timestamps, value, template), so the dispatcher
    renders the text again when it sends (:func:`render_payload`); ``text`` here is as of ``now``.
    """
    city = city_names.get(change.city_code, change.city_code)
    if change.alerts:
        worst = min(change.alerts, key=lambda a: _rank(a.severity)).severity
        title = T.NOTIFY_TITLE.format(severity=SEVERITY.get(worst, worst), city=city, count=len(change.alerts))
    else:
        worst = min(change.resolved, key=lambda a: _rank(a.severity)).severity
        title = T.NOTIFY_RESOLVED_TITLE.format(city=city, count=len(change.resolved))

    def entry(a: AlertSnap) -> dict[str, Any]:
        return {"id": a.id, "rule": a.rule, "state": a.state, "state_label": T.ALERT_STATE.get(a.state, a.state),
                "severity": a.severity, "severity_label": SEVERITY.get(a.severity, a.severity),
                "summary": a.summary, "labels": dict(a.labels), "city_code": a.city_code, "tier": a.escalation_tier,
                "fired_at": _iso(a.fired_at), "started_at": _iso(a.started_at), "resolved_at": _iso(a.resolved_at),
                "last_eval_at": _iso(a.last_eval_at), "value": a.value, "template": a.template}

    payload = {"kind": "notify", "title": title, "text": "", "severity": worst,
               "group_key": change.group_key, "city": city, "city_code": change.city_code,
               "generation": change.generation, "tier": change.tier,
               "signature": [list(e) for e in change.signature],
               "alerts": [entry(a) for a in change.alerts], "resolved": [entry(a) for a in change.resolved]}
    return render_payload(payload, now) if now is not None else {**payload, "text": _text(payload)}


def render_payload(payload: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The payload with every entry's ``summary`` and ``duration`` and the ``text`` computed for ``now``.

    Entries written before their timing was kept (no ``started_at``) keep their stored summary.
    """
    def one(e: Any) -> Any:
        if not isinstance(e, Mapping) or not e.get("started_at"):
            return e
        t = S.Timing(str(e.get("state", "")), _parse(e.get("started_at")), _parse(e.get("fired_at")),
                     _parse(e.get("resolved_at")), _parse(e.get("last_eval_at")), e.get("value"))
        summary = S.shown(str(e.get("summary", "")), {"template": e.get("template") or None}, t, now)
        return {**e, "summary": summary, "duration": S.duration(t, now),
                "duration_in_text": "{duration}" in str(e.get("template") or "")}

    out = {**payload, "alerts": [one(e) for e in payload.get("alerts") or []],
           "resolved": [one(e) for e in payload.get("resolved") or []]}
    out["text"] = _text(out)
    return out


def _text(payload: Mapping[str, Any]) -> str:
    def line(e: Mapping[str, Any], tag: str) -> str:
        text = str(e.get("summary") or e.get("rule", ""))
        if e.get("duration") and not e.get("duration_in_text"):
            text += T.NOTIFY_DURATION.format(duration=e["duration"])
        return f"[{tag}] {text}"

    lines = [line(e, f"{e.get('severity_label', '')}·{e.get('state_label', '')}") for e in payload.get("alerts") or []
             if isinstance(e, Mapping)]
    lines += [line(e, T.ALERT_STATE["resolved"]) for e in payload.get("resolved") or [] if isinstance(e, Mapping)]
    return "\n".join(lines)


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


def _parse(v: Any) -> datetime | None:
    if not isinstance(v, str) or not v:
        return None
    try:
        return aware(datetime.fromisoformat(v))
    except ValueError:
        return None


def _rank(sev: str) -> int:
    order = ("critical", "high", "medium", "low")
    return order.index(sev) if sev in order else len(order)
