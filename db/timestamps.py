"""Timestamps read back from the database: everything is stored in UTC, but SQLite hands timezone columns back
naive, so every reader makes them aware the same way."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


@overload
def aware(t: datetime) -> datetime: ...
@overload
def aware(t: None) -> None: ...
@overload
def aware(t: datetime | None) -> datetime | None: ...
def aware(t: datetime | None) -> datetime | None:
    """``t`` as an aware datetime (a naive one read as UTC); None stays None."""
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t
