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
           detail: Mapping[str, Any] | None = None, at: datetime | None = None) -> AuditEntry:
    """Add one audit entry to ``session`` (flushed, not committed) and return it."""
    entry = AuditEntry(at=at or datetime.now(UTC), actor=actor, action=action, object_type=object_type,
                       object_id=str(object_id), scope_code=scope_code, remote_addr=remote_addr,
                       detail=dict(detail or {}), summary=summary)
    session.add(entry)
    session.flush()
    return entry
