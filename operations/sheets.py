"""A site's score sheet for a period: signed or not, and what changed after the sign-off. Pure.

Nothing is stored about "changed after sign-off": it follows from the times of the sign-off and of the
decisions and manual entries that bear on the sheet (:func:`changes_after`), so it can never go stale.
A decision bears on a period's sheet when its finding was open at some time during the period
(:func:`finding_in_period`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from operations.periods import Period


class SheetState(StrEnum):
    UNSIGNED = "unsigned"  # 未签核
    SIGNED = "signed"  # 已签核
    CHANGED = "changed"  # 签核后已变更


@dataclass(frozen=True)
class Change:
    """One thing that bears on a sheet: a decision, an entry added or withdrawn."""

    at: datetime
    actor: str
    what: str  # Chinese, e.g. "排除问题 #12（误报）"
    object_type: str  # finding_decision | manual_entry
    object_id: int


@dataclass(frozen=True)
class SheetStatus:
    state: SheetState
    signed_by: str | None = None
    signed_at: datetime | None = None
    changes: list[Change] = field(default_factory=list)  # after the sign-off, oldest first


def finding_in_period(first_seen: datetime, resolved_at: datetime | None, period: Period) -> bool:
    """Whether a finding was open at some time during ``period`` (dates in UTC, as stored)."""
    if first_seen.date() > period.end:
        return False
    return resolved_at is None or resolved_at.date() >= period.start


def changes_after(signed_at: datetime, changes: Iterable[Change]) -> list[Change]:
    """The changes strictly after the sign-off, oldest first."""
    return sorted((c for c in changes if c.at > signed_at), key=lambda c: (c.at, c.object_type, c.object_id))


def sheet_status(signed_by: str | None, signed_at: datetime | None, changes: Iterable[Change]) -> SheetStatus:
    """The sheet's state from its newest sign-off (None: never signed) and every change that bears on it."""
    if signed_at is None:
        return SheetStatus(SheetState.UNSIGNED)
    after = changes_after(signed_at, changes)
    return SheetStatus(SheetState.CHANGED if after else SheetState.SIGNED, signed_by, signed_at, after)
