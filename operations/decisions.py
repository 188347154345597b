"""Inspectors' decisions on findings: confirm or dismiss, tied to the evidence they saw. Pure.

A decision stores the digest of the finding's evidence when it was taken (:func:`evidence_digest`). On a
later run the finding's evidence may be the same (the decision still holds: a dismissed finding stays
dismissed) or different (the decision lapses: 证据已变化，需重新核验). Keys that change on every run without
changing what was found (counters of probes taken so far) are left out of the digest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.i18n.verification import DISMISS_REASON
from operations.errors import VerifyError

NOTE_MAX = 2000

# Evidence keys that count the observation rather than describe the problem: a new probe must not lapse
# a decision whose problem is unchanged.
VOLATILE_KEYS = frozenset({"probes_counted", "checked_at", "as_of", "tries"})


class DecisionKind(StrEnum):
    CONFIRMED = "confirmed"  # 确认
    DISMISSED = "dismissed"  # 排除


class DismissReason(StrEnum):
    FALSE_POSITIVE = "false_positive"  # 误报
    EXEMPT_COLUMN = "exempt_column"  # 豁免栏目
    ALREADY_FIXED = "already_fixed"  # 已整改
    OTHER = "other"  # 其他 (a note is required)




class DecisionStatus(StrEnum):
    UNDECIDED = "undecided"  # 待核验
    CONFIRMED = "confirmed"  # 已确认
    DISMISSED = "dismissed"  # 已排除
    LAPSED = "lapsed"  # 证据已变化，需重新核验



def evidence_digest(check: str, kind: str, location: str, evidence: Mapping[str, Any]) -> str:
    """sha256 (hex) of the finding's identity and its evidence (keys sorted, volatile keys left out)."""
    kept = {k: v for k, v in evidence.items() if k not in VOLATILE_KEYS}
    blob = json.dumps([check, kind, location, kept], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class DecisionDraft:
    """A validated decision, ready to store."""

    kind: DecisionKind
    reason: DismissReason | None
    note: str


def validate(kind: str, reason: str | None, note: str | None) -> DecisionDraft:
    """Check a decision's input; raises :class:`VerifyError` (Chinese) when it is incomplete.

    Dismissal needs a reason of the closed set; 其他 needs a note too. Confirmation takes no reason."""
    try:
        k = DecisionKind(kind)
    except ValueError:
        raise VerifyError(f"核验结论“{kind}”无效：应为 confirmed（确认）或 dismissed（排除）") from None
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise VerifyError(f"说明过长：最多 {NOTE_MAX} 字，现为 {len(text)} 字")
    if k is DecisionKind.CONFIRMED:
        if reason:
            raise VerifyError("确认问题时不填排除原因")
        return DecisionDraft(k, None, text)
    if not reason:
        raise VerifyError("排除问题需要原因：false_positive（误报）、exempt_column（豁免栏目）、"
                          "already_fixed（已整改）或 other（其他，须填说明）")
    try:
        r = DismissReason(reason)
    except ValueError:
        allowed = "、".join(f"{x.value}（{DISMISS_REASON[x.value]}）" for x in DismissReason)
        raise VerifyError(f"排除原因“{reason}”无效：应为 {allowed}") from None
    if r is DismissReason.OTHER and not text:
        raise VerifyError("排除原因为“其他”时必须填写说明（--note）")
    return DecisionDraft(k, r, text)


@dataclass(frozen=True)
class DecisionRecord:
    """What the status needs of a stored decision (db.models_operations.FindingDecision satisfies it)."""

    kind: str
    evidence_digest: str
    decided_at: datetime


def status(latest: DecisionRecord | None, current_digest: str) -> DecisionStatus:
    """The finding's verification status from its newest decision and the digest of its evidence now."""
    if latest is None:
        return DecisionStatus.UNDECIDED
    if latest.evidence_digest != current_digest:
        return DecisionStatus.LAPSED
    return DecisionStatus(DecisionKind(latest.kind).value)


def needs_review(st: DecisionStatus) -> bool:
    """Whether a finding belongs in the inspectors' queue."""
    return st in (DecisionStatus.UNDECIDED, DecisionStatus.LAPSED)
