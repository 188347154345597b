"""The stored life of a finding (an inspection finding, a new-media verdict …): a plan says which drafts are new,
which still hold, which came back and which stored rows no longer hold; :func:`apply_plan` writes it the one way
every kind of finding is written: opened, refreshed, reopened (counted) or resolved at ``now``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

D = TypeVar("D")
D_co = TypeVar("D_co", covariant=True)


class LifecyclePlan(Protocol[D_co]):
    @property
    def created(self) -> Sequence[D_co]: ...
    @property
    def updated(self) -> Sequence[tuple[Any, D_co]]: ...
    @property
    def reopened(self) -> Sequence[tuple[Any, D_co]]: ...
    @property
    def resolved(self) -> Sequence[Any]: ...


def apply_plan(session: Session, plan: LifecyclePlan[D], now: datetime, new_row: Callable[[D], Any],
               fill: Callable[[Any, D], None]) -> None:
    """``new_row(draft)`` makes an unsaved row with its identity; ``fill(row, draft)`` writes what a draft says
    (severity, detail, evidence, last seen …). Rows carry ``resolved_at`` and ``reopen_count``. Flushed."""
    for d in plan.created:
        row = new_row(d)
        fill(row, d)
        session.add(row)
    for row, d in plan.updated:
        fill(row, d)
    for row, d in plan.reopened:
        fill(row, d)
        row.resolved_at = None
        row.reopen_count = (row.reopen_count or 0) + 1
    for row in plan.resolved:
        row.resolved_at = now
    session.flush()
