"""A finding's evidence in words: every key labelled in Chinese, every value plain text. Pure.

Evidence is what a check read from a site (page snippets, anchor texts, domains): hostile content.
The functions here only ever return plain strings, single-line and bounded; screens must show them as
text (Dash text children, an HTML ``title``), never as markup.

:func:`evidence_lines` lists every present key (labels from core/i18n/inspection.py ``EVIDENCE_LABEL``, in its
priority order; a key without a label still shows, as 其他 — never its English name — and a test makes sure
none exists); :func:`evidence_summary` the short form a wall cell shows, :func:`evidence_full` the whole of
it for a hover title or a report. Every screen that shows evidence (the site page, the alert console's
findings) words it here. Times are shown in the zone the caller passes (``tz``: the screens' web.timezone);
there is no default zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from core.i18n.common import COLUMN_KIND
from core.i18n.inspection import (
    EVIDENCE_DETAIL_ONLY,
    EVIDENCE_LABEL,
    EVIDENCE_OTHER,
    EVIDENCE_PERCENT,
    EVIDENCE_TIME,
    EVIDENCE_UNIT,
    EVIDENCE_VALUE,
    EVIDENCE_WORDS,
)

LIST_SHOWN = 3  # list items written out before "等 N 项"
LIST_FULL = 20  # ... in the full form
TEXT_MAX = 400  # characters of one value in the full form
SEP = "；"


@dataclass(frozen=True)
class EvidenceLine:
    key: str
    label: str
    text: str  # plain, single-line


def _plain(v: Any, limit: int = TEXT_MAX) -> str:
    """One line of text: control characters and runs of whitespace become one space; at most ``limit``."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in str(v)).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _time(v: Any, tz: tzinfo) -> str:
    try:
        t = datetime.fromisoformat(str(v))
    except ValueError:
        return _plain(v)
    if t.tzinfo is None:
        return t.strftime("%Y-%m-%d %H:%M")
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _number(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _list(key: str, items: Sequence[Any], full: bool, tz: tzinfo) -> str:
    shown = LIST_FULL if full else LIST_SHOWN
    words = [value_text(key, x, full=full, tz=tz, item=True) for x in items[:shown]]
    text = "、".join(w for w in words if w)
    if len(items) > shown:
        text += EVIDENCE_WORDS["more"].format(n=len(items))
    return text


def _dict(key: str, d: Mapping[str, Any], tz: tzinfo) -> str:
    if key == "hits" or ("matched" in d and "expected" in d):
        word = "hit" if d.get("expected") else "hit_banned"
        return EVIDENCE_WORDS[word].format(matched=_plain(d.get("matched", ""), 60),
                                           expected=_plain(d.get("expected", ""), 60))
    if "day_start" in d:
        return EVIDENCE_WORDS["short_day"].format(day=_time(d["day_start"], tz)[5:10], n=d.get("probes", 0))
    return " ".join(f"{EVIDENCE_LABEL.get(k, EVIDENCE_OTHER)} {_plain(v, 80)}" for k, v in d.items())


def value_text(key: str, v: Any, *, tz: tzinfo, full: bool = False, item: bool = False) -> str:
    """The value of evidence ``key`` in words ("5.1%", "12 天", "是", "访问超时", "11-21 起 3 次" …)."""
    if isinstance(v, bool):
        return EVIDENCE_WORDS["yes" if v else "no"]
    if isinstance(v, Mapping):
        return _dict(key, v, tz)
    if isinstance(v, list | tuple):
        if key == "hits" and not full:
            return EVIDENCE_WORDS["hits"].format(n=len(v))
        return _list(key, v, full, tz)
    if key in EVIDENCE_PERCENT and isinstance(v, int | float):
        return f"{float(v) * 100:.1f}%"
    if key in EVIDENCE_TIME:
        return _time(v, tz)
    if key in EVIDENCE_VALUE and str(v) in EVIDENCE_VALUE[key]:
        return EVIDENCE_VALUE[key][str(v)]
    if key == "kind" and str(v) in COLUMN_KIND:
        return COLUMN_KIND[str(v)]
    if key == "status" and isinstance(v, int | float):
        return f"HTTP {int(v)}"
    if isinstance(v, int | float) and key in EVIDENCE_UNIT and not item:
        return f"{_number(v)} {EVIDENCE_UNIT[key]}"
    return _plain(v) if isinstance(v, str) else _plain(_number(v) if isinstance(v, int | float) else v)


def _present(v: Any) -> bool:
    return v is not None and v != "" and v != [] and v != {} and v != ()


def evidence_lines(evidence: Mapping[str, Any] | None, *, tz: tzinfo, full: bool = True) -> list[EvidenceLine]:
    """Every present key in priority order (labelled keys first, in ``EVIDENCE_LABEL`` order, then any
    other key as 其他). ``full=False`` leaves out the keys only the full form shows
    (``EVIDENCE_DETAIL_ONLY``) and shortens lists. The probe coverage pair reads as one line. Times in ``tz``."""
    if not evidence:
        return []
    ev = dict(evidence)
    order = [k for k in EVIDENCE_LABEL if k in ev] + sorted(k for k in ev if k not in EVIDENCE_LABEL)
    out: list[EvidenceLine] = []
    for key in order:
        v = ev[key]
        if not _present(v) or (not full and key in EVIDENCE_DETAIL_ONLY):
            continue
        if key == "error" and _present(ev.get("error_zh")):  # the same error, already in words
            continue
        if key == "probes_counted" and "probes_needed" in ev:
            text = EVIDENCE_WORDS["sufficiency"].format(have=v, need=ev["probes_needed"],
                                                        covered=f"{ev.get('days_covered', 0)}/"
                                                                f"{ev.get('window_days', '?')}")
        else:
            text = value_text(key, v, full=full, tz=tz)
        if text:
            out.append(EvidenceLine(key, EVIDENCE_LABEL.get(key, EVIDENCE_OTHER), text))
    return out


def evidence_summary(evidence: Mapping[str, Any] | None, *, tz: tzinfo, max_items: int = 4,
                     value_max: int = 32) -> str:
    """The short form: the first ``max_items`` summary keys as "label value", each value cut to
    ``value_max`` characters, joined by "；"; "" when nothing is present."""
    lines = evidence_lines(evidence, full=False, tz=tz)[:max_items]
    return SEP.join(f"{ln.label} {_plain(ln.text, value_max)}" for ln in lines)


def evidence_full(evidence: Mapping[str, Any] | None, *, tz: tzinfo, limit: int = 3000) -> str:
    """Every line as "label：value", one per line, at most ``limit`` characters in all."""
    text = "\n".join(f"{ln.label}：{ln.text}" for ln in evidence_lines(evidence, full=True, tz=tz))
    return text if len(text) <= limit else text[:limit - 1] + "…"
