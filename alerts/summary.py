"""Alert summaries rendered in two steps, so that every text is true at the moment it is shown. Pure.

A rule's ``summary`` is a ``str.format`` template. Its placeholders come in two sorts:

* **evaluation facts**, fixed when the engine evaluates the instance: ``{labels[NAME]}`` (the label's
  value as it is), ``{names[NAME]}`` (its Chinese name where one is known — a collector's label, a site's
  or division's name, a check or finding kind — else the value; alerts/labels.py),
  ``{value}`` (with a format spec, e.g. ``{value:.1%}``), ``{threshold}`` (threshold and ratio rules: the
  rule's own ``value``, so a text never repeats a number the file may change; plain it reads ``5%`` for
  a ratio and ``8000`` otherwise, a format spec applies as to a float), ``{limit}`` and ``{interval}``
  (absence rules: the silence allowed for this series and the series' own interval, as Chinese
  durations), ``{samples}`` (window rules with a data minimum: how many samples the window holds),
  ``{kinds}`` (finding rules: the kinds of the findings counted, by their Chinese names), ``{days}`` and
  ``{target}`` (forecast rules: the time the trend leaves until its limit, e.g. ``约 3.5 天``, and the limit) and
  one placeholder per ``detail_fields`` entry of the rule, e.g. ``{reason}``: the newest value of that
  field of the same series (``facts["details"]``; ``未记录`` when there is none);
* **display facts**, computed from the alert's own timestamps and ``now`` whenever the text is shown
  (wall ticker, console, a notification at send time): ``{duration}`` (待触发 / since when / how long
  it lasted), ``{silence}`` (absence: how long the series has been silent by now) and ``{days_left}``
  (``value`` read as days left at evaluation: 已过期 N 天 / 今天到期 / 将在 N 天后到期) and ``{overdue}``
  (finding rules: how many days past the earliest deadline of the findings, 已逾期 N 天 / 未逾期, counted
  until the alert resolved; the deadline is an evaluation fact the partial template carries).

:func:`at_evaluation` renders the evaluation facts and keeps the display placeholders (the *partial*
template the engine stores with the alert); :func:`at_display` finishes it for ``now``.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.i18n import alerts as T
from core.i18n.inspection import FINDING_KIND
from core.i18n.media import FINDING_KIND as MEDIA_FINDING_KIND
from core.i18n.verification import ALERT_FINDING_KIND as NOTICE_FINDING_KIND

EVALUATION = ("labels", "names", "value", "threshold", "limit", "interval", "samples", "kinds", "days", "target")
DISPLAY = ("duration", "silence", "days_left", "overdue")
RESERVED = (*EVALUATION, *DISPLAY)  # names a rule's detail field may not take
OPEN = ("pending", "firing", "acknowledged")
_FMT = string.Formatter()


@dataclass(frozen=True)
class Timing:
    """What the display placeholders are computed from: the alert's state, timestamps and value.

    ``value`` is the value at ``last_eval_at`` (seconds of silence for absence rules, days left for
    ``{days_left}``).
    """

    state: str
    started_at: datetime | None
    fired_at: datetime | None = None
    resolved_at: datetime | None = None
    last_eval_at: datetime | None = None
    value: float | None = None


def placeholders(template: str) -> set[str]:
    """The top-level names a template uses (``labels`` for ``{labels[site]}``); raises ValueError when malformed."""
    names: set[str] = set()
    for _, name, spec, conv in _FMT.parse(template):
        if name is None:
            continue
        if name == "" or name[0].isdigit():
            raise ValueError(T.SUMMARY_POSITIONAL)
        top = name.split("[", 1)[0].split(".", 1)[0]
        names.add(top)
        if top in DISPLAY and (spec or conv or top != name):
            raise ValueError(T.SUMMARY_DISPLAY_SPEC.format(name=top))
    return names


def validate(template: str, details: tuple[str, ...] | list[str] = ()) -> set[str]:
    """The names used; raises ValueError (Chinese reason) for unknown names or a malformed template.
    ``details`` are the rule's ``detail_fields`` (each a placeholder too)."""
    names = placeholders(template)
    unknown = sorted(names - set(EVALUATION) - set(DISPLAY) - set(details))
    if unknown:
        raise ValueError(T.SUMMARY_UNKNOWN.format(names="、".join(unknown), known="、".join(
            ["{labels[名称]}", "{names[名称]}", *(f"{{{n}}}" for n in EVALUATION[2:] + DISPLAY + tuple(details))])))
    at_display(at_evaluation(template, {}, 0.0, {"limit_s": 60.0, "interval_s": 60.0, "samples": 1,
                                                 "threshold": 0.05, "details": {n: "x" for n in details}}),
               Timing("firing", None), datetime(2000, 1, 1))
    return names


class Number(float):
    """A number whose plain placeholder reads naturally: ``5%`` (``percent``) or ``8000``, ``—`` when not a
    number; with a format spec it formats as a float (``{threshold:.1%}``)."""

    percent: bool

    def __new__(cls, value: float, percent: bool = False) -> Number:
        obj = super().__new__(cls, value)
        obj.percent = percent
        return obj

    def __format__(self, spec: str) -> str:
        if spec:
            return format(float(self), spec)
        if math.isnan(self):
            return T.NO_VALUE
        return f"{float(self) * 100:g}%" if self.percent else f"{float(self):g}"


class _Labels(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "-"


class _Names(dict[str, str]):
    """Label values by their Chinese names; a label without one reads as its value (``-`` when missing)."""

    def __init__(self, names: Mapping[str, str], labels: Mapping[str, str]) -> None:
        super().__init__(names)
        self.labels = labels

    def __missing__(self, key: str) -> str:
        return str(self.labels.get(key, "-"))


def _escape(s: str) -> str:
    return s.replace("{", "{{").replace("}", "}}")


def at_evaluation(template: str, labels: Mapping[str, str], value: float | None,
                  facts: Mapping[str, Any] | None = None) -> str:
    """The template with the evaluation facts rendered and the display placeholders kept.

    ``facts`` may hold ``limit_s``, ``interval_s`` (seconds), ``samples``, ``threshold`` (with
    ``threshold_percent``), ``kinds``, ``names`` (label → Chinese name of its value) and ``details``
    (detail field → newest value); a label the instance lacks renders as ``-``, a missing fact as ``—``,
    a missing detail as ``未记录``. Raises ValueError / KeyError on a bad template.
    """
    facts = facts or {}
    threshold = facts.get("threshold")
    plain = {str(k): str(v) for k, v in labels.items()}
    ctx: dict[str, Any] = {
        "labels": _Labels(plain),
        "names": _Names({str(k): str(v) for k, v in (facts.get("names") or {}).items()}, plain),
        "value": value if value is not None else float("nan"),
        "threshold": Number(float("nan") if threshold is None else float(threshold),
                            bool(facts.get("threshold_percent"))),
        "limit": span(facts["limit_s"]) if facts.get("limit_s") is not None else T.NO_VALUE,
        "interval": span(facts["interval_s"]) if facts.get("interval_s") is not None else T.NO_VALUE,
        "samples": str(int(facts["samples"])) if facts.get("samples") is not None else T.NO_VALUE,
        "days": forecast_days(facts.get("forecast"), value, str(facts.get("direction", "up"))),
        "target": Number(float("nan") if facts.get("forecast_limit") is None else float(facts["forecast_limit"])),
        "kinds": T.LIST_SEP.join(FINDING_KIND.get(k) or MEDIA_FINDING_KIND.get(k) or NOTICE_FINDING_KIND.get(k, k)
                                for k in facts.get("kinds") or ()) or T.NO_VALUE,
        **{str(k): detail_text(v) for k, v in (facts.get("details") or {}).items() if str(k) not in RESERVED},
    }
    out: list[str] = []
    for literal, name, spec, conv in _FMT.parse(template):
        out.append(_escape(literal))
        if name is None:
            continue
        top = name.split("[", 1)[0].split(".", 1)[0]
        if top in DISPLAY:
            # {overdue} keeps the deadline it counts from, so the text is finished from the template alone
            due = facts.get("deadline") if top == "overdue" else None
            out.append("{" + top + (f":{date.fromisoformat(str(due)).isoformat()}" if due else "") + "}")
            continue
        obj, _ = _FMT.get_field(name, (), ctx)
        obj = _FMT.convert_field(obj, conv) if conv else obj
        out.append(_escape(_FMT.format_field(obj, _FMT.vformat(spec or "", (), ctx))))
    return "".join(out)


def forecast_days(status: Any, days: Any, direction: str = "up") -> str:
    """A forecast's time to its limit in Chinese (alerts/forecast.py statuses), rounded down so it never
    overstates: ``约 3.5 天``, ``约 12 天``, ``不到 1 天``, ``已达到上限``; ``—`` without a verdict."""
    if status == "reached":
        return T.FORECAST_REACHED_FLOOR if direction == "down" else T.FORECAST_REACHED
    if status == "not_reaching":
        return T.FORECAST_NOT_REACHING
    if status != "reaching" or days is None or not math.isfinite(float(days)):
        return T.NO_VALUE
    d = float(days)
    if d < 1:
        return T.FORECAST_UNDER_DAY
    return T.FORECAST_DAYS.format(days=f"{math.floor(d * 10) / 10:g}" if d < 10 else str(math.floor(d)))


def kind_order(kinds: Any) -> list[str]:
    """Finding kinds in the order core/i18n/inspection.py lists them (unknown ones last, by name)."""
    rank = {k: i for i, k in enumerate([*FINDING_KIND, *MEDIA_FINDING_KIND, *NOTICE_FINDING_KIND])}
    return sorted(set(kinds), key=lambda k: (rank.get(k, len(rank)), k))


def detail_text(v: Any) -> str:
    """A detail field's value as text: ``未记录`` when the series has none, whole numbers without ``.0``, one line."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return T.DETAIL_MISSING
    if isinstance(v, float):
        return f"{v:g}"
    return " ".join(str(v).split()) or T.DETAIL_MISSING


def at_display(partial: str, timing: Timing, now: datetime) -> str:
    """A partial template (:func:`at_evaluation`) finished for ``now``; times in ``now``'s zone."""
    return partial.format(duration=duration(timing, now), silence=silence(timing, now),
                          days_left=days_left(timing, now), overdue=Overdue(timing, now))


def shown(summary: str, facts: Mapping[str, Any] | None, timing: Timing, now: datetime) -> str:
    """An alert's text at ``now``: its stored template (``facts["template"]``) finished for ``now``, else the
    text stored at its last evaluation (rows from before the template was kept)."""
    template = (facts or {}).get("template")
    if not isinstance(template, str):
        return summary
    try:
        return at_display(template, timing, now)
    except (KeyError, IndexError, ValueError):
        return summary


def timing_of(alert: Any) -> Timing:
    """The :class:`Timing` of an alert row or snapshot (``state``, ``started_at``, ``fired_at``, ``resolved_at``,
    ``last_eval_at``, ``value``; absent attributes count as unknown)."""
    state = getattr(alert, "state", "")
    return Timing(str(getattr(state, "value", state)), _utc(getattr(alert, "started_at", None)),
                  _utc(getattr(alert, "fired_at", None)), _utc(getattr(alert, "resolved_at", None)),
                  _utc(getattr(alert, "last_eval_at", None)), getattr(alert, "value", None))


def _utc(t: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


def render(template: str, labels: Mapping[str, str], value: float | None, facts: Mapping[str, Any] | None,
           timing: Timing, now: datetime) -> str:
    """Both steps at once: the text as it reads at ``now``."""
    return at_display(at_evaluation(template, labels, value, facts), timing, now)


def span(seconds: float) -> str:
    """A length of time in Chinese, truncated so it never overstates.

    ``45 秒``, ``12 分钟``, ``2 小时 5 分钟``, ``3 天 4 小时``.
    """
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} {T.UNIT_SECOND}"
    if s < 3600:
        return f"{s // 60} {T.UNIT_MINUTE}"
    if s < 86400:
        h, m = divmod(s // 60, 60)
        return f"{h} {T.UNIT_HOUR}" + (f" {m} {T.UNIT_MINUTE}" if m else "")
    d, h = divmod(s // 3600, 24)
    return f"{d} {T.UNIT_DAY}" + (f" {h} {T.UNIT_HOUR}" if h else "")


def clock(t: datetime, now: datetime) -> str:
    """``08:12`` when ``t`` is on ``now``'s calendar day (in ``now``'s zone), else ``11-26 08:12``."""
    local = t.astimezone(now.tzinfo) if now.tzinfo is not None else t
    return local.strftime("%H:%M") if local.date() == now.date() else local.strftime("%m-%d %H:%M")


def duration(t: Timing, now: datetime) -> str:
    """How long the condition has held: pending, open since when, or how long it lasted once resolved."""
    if t.started_at is None:
        return T.NO_VALUE
    if t.state == "pending":
        return T.DURATION_PENDING.format(span=span((now - t.started_at).total_seconds()))
    if t.state in OPEN:
        return T.DURATION_OPEN.format(since=clock(t.started_at, now), span=span((now - t.started_at).total_seconds()))
    end = t.resolved_at or t.last_eval_at or now
    return T.DURATION_RESOLVED.format(span=span((end - t.started_at).total_seconds()))


def elapsed(t: Timing, now: datetime) -> str:
    """The short form for a duration column: ``2 分钟（待触发）``, ``15 分钟``, ``15 分钟（已恢复）``."""
    if t.started_at is None:
        return T.NO_VALUE
    if t.state in OPEN:
        text = span((now - t.started_at).total_seconds())
        return T.ELAPSED_PENDING.format(span=text) if t.state == "pending" else text
    end = t.resolved_at or t.last_eval_at or now
    return T.ELAPSED_RESOLVED.format(span=span((end - t.started_at).total_seconds()))


def silence(t: Timing, now: datetime) -> str:
    """Absence rules: the silence at evaluation plus the time since, while the alert is open."""
    if t.value is None or math.isnan(t.value):
        return T.NO_VALUE
    extra = (now - t.last_eval_at).total_seconds() if t.state in OPEN and t.last_eval_at is not None else 0.0
    return span(t.value + max(0.0, extra))


def days_left(t: Timing, now: datetime) -> str:
    """``value`` as days left at evaluation, told for ``now`` by calendar day in ``now``'s zone."""
    if t.value is None or math.isnan(t.value):
        return T.NO_VALUE
    expires = (t.last_eval_at or now) + timedelta(days=t.value)
    local = expires.astimezone(now.tzinfo) if now.tzinfo is not None else expires
    days = (local.date() - now.date()).days
    if days < 0:
        return T.EXPIRED_DAYS.format(days=-days)
    if days == 0:
        return T.EXPIRES_TODAY if expires > now else T.EXPIRED_TODAY
    return T.EXPIRES_IN.format(days=days)


@dataclass(frozen=True)
class Overdue:
    """``{overdue:YYYY-MM-DD}`` at display: the calendar days (in ``now``'s zone) from that deadline to ``now``
    while the alert is open, to its resolution once resolved; ``—`` without a deadline."""

    timing: Timing
    now: datetime

    def __format__(self, spec: str) -> str:
        if not spec:
            return T.NO_VALUE
        try:
            deadline = date.fromisoformat(spec)
        except ValueError:
            return T.NO_VALUE
        end = self.now if self.timing.state in OPEN else (self.timing.resolved_at or self.timing.last_eval_at
                                                           or self.now)
        local = end.astimezone(self.now.tzinfo) if self.now.tzinfo is not None else end
        days = (local.date() - deadline).days
        return T.OVERDUE_DAYS.format(days=days) if days > 0 else T.NOT_OVERDUE
