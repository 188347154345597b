"""Manual score entries: deductions and bonus items an inspector adds to a site's sheet for a period. Pure.

An entry is a plain row (site, period, kind, indicator or item code, points, note, evidence, who, when) the
scoring function (inspection/scoring.py) reads beside the findings. :func:`validate` checks one and raises
:class:`VerifyError` naming the field and the problem in Chinese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from core.i18n.verification import ENTRY_KIND
from operations.errors import VerifyError
from operations.periods import Period, parse

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")
NOTE_MAX = 2000
EVIDENCE_MAX = 2000
MAX_POINTS = {"deduction": 100.0, "bonus": 30.0}  # the whole deduction part / the whole bonus part


class EntryKind(StrEnum):
    DEDUCTION = "deduction"  # 人工扣分
    BONUS = "bonus"  # 加分项



@dataclass(frozen=True)
class EntryDraft:
    period: Period
    kind: EntryKind
    code: str
    points: float
    note: str
    evidence: str


def _points(value: str | float, kind: EntryKind) -> float:
    try:
        pts = float(value)
    except (TypeError, ValueError):
        raise VerifyError(f"分值“{value}”不是数字") from None
    cap = MAX_POINTS[kind.value]
    if not pts > 0 or pts > cap:  # also refuses NaN
        raise VerifyError(f"分值 {value} 超出范围：{ENTRY_KIND[kind.value]}应大于 0 且不超过 {cap:g} 分")
    if round(pts * 10) != pts * 10:
        raise VerifyError(f"分值 {value} 最多保留一位小数")
    return round(pts, 1)


def validate(period: str, kind: str, code: str, points: str | float, note: str | None,
             evidence: str | None) -> EntryDraft:
    """One entry's fields checked and normalised; raises :class:`VerifyError` for the first bad one.

    ``note`` is required (why the points); ``evidence`` is free text or a URL, optional but bounded."""
    p = parse(period)
    try:
        k = EntryKind(kind)
    except ValueError:
        raise VerifyError(f"条目类型“{kind}”无效：应为 deduction（人工扣分）或 bonus（加分项）") from None
    c = (code or "").strip()
    if not CODE.match(c):
        raise VerifyError(f"指标编码“{code}”无效：应为 1–32 个字母、数字、点、下划线或连字符，如 4.2 或 bonus_1")
    pts = _points(points, k)
    n = (note or "").strip()
    if not n:
        raise VerifyError("说明（--note）必填：写明扣分或加分的理由")
    if len(n) > NOTE_MAX:
        raise VerifyError(f"说明过长：最多 {NOTE_MAX} 字，现为 {len(n)} 字")
    ev = (evidence or "").strip()
    if len(ev) > EVIDENCE_MAX:
        raise VerifyError(f"佐证过长：最多 {EVIDENCE_MAX} 字，现为 {len(ev)} 字")
    if ev.lower().startswith(("javascript:", "data:")):
        raise VerifyError("佐证链接只能是 http(s) 地址或文字说明")
    return EntryDraft(p, k, c, pts, n, ev)
