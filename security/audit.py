"""The append-only audit log: every state change says who, what, when and from where.

Callers pass the session of the change itself, so the audit entry commits or rolls back with it.
There is no update or delete here on purpose.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from db.models_security import AuditEntry

SYSTEM = "system"


def record(session: Session, actor: str, action: str, object_type: str, object_id: str | int, *,
           summary: str = "", scope_code: str | None = None, remote_addr: str | None = None,
           detail: Mapping[str, Any] | None = None, at: datetime | None = None, flush: bool = True) -> AuditEntry:
    """Add one audit entry to ``session`` (flushed unless ``flush`` is False, never committed) and return it.

    A caller writing many entries in one transaction passes ``flush=False`` and lets the commit insert
    them in one batch."""
    entry = AuditEntry(at=at or datetime.now(UTC), actor=actor, action=action, object_type=object_type,
                       object_id=str(object_id), scope_code=scope_code, remote_addr=remote_addr,
                       detail=dict(detail or {}), summary=summary)
    session.add(entry)
    if flush:
        session.flush()
    return entry


def search(session: Session, *, actor: str = "", action: str = "", object_text: str = "",
           scope_code: str | None = None, limit: int = 200) -> list[AuditEntry]:
    """Newest-first entries, filtered by actor and action (exact prefix), object (type or id, substring)
    and, for a city scope, by that city's entries only. At most ``limit`` rows."""
    from sqlalchemy import or_, select

    q = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if actor:
        q = q.where(AuditEntry.actor.startswith(actor, autoescape=True))
    if action:
        q = q.where(AuditEntry.action.startswith(action, autoescape=True))
    if object_text:
        q = q.where(or_(AuditEntry.object_type.contains(object_text, autoescape=True),
                        AuditEntry.object_id.contains(object_text, autoescape=True)))
    if scope_code is not None:
        q = q.where(AuditEntry.scope_code == scope_code)
    return list(session.scalars(q))
