"""UTCDateTime: a Beijing-time value is stored as the same instant in UTC and compared correctly on
SQLite (which would otherwise keep the wall time and drop the offset) and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.states import SilenceKind
from core.clock import FixedClock, ZonedClock
from db.models_alerts import Silence

CST = timezone(timedelta(hours=8))


def test_zoned_values_are_stored_and_compared_as_utc(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    start = datetime(2026, 11, 27, 16, 0, tzinfo=CST)  # = 08:00 UTC
    with sessions() as s:
        s.add(Silence(kind=SilenceKind.SILENCE, matchers=[], starts_at=start, ends_at=start + timedelta(hours=1),
                      created_by="t", reason="r", scope_code="430000", created_at=start))
        s.commit()
    with sessions() as s:
        row = s.scalars(select(Silence)).one()
        assert row.starts_at == datetime(2026, 11, 27, 8, 0, tzinfo=UTC) and row.starts_at.tzinfo is not None
        # 08:30 UTC written either way finds the silence active; 09:30 CST (= 01:30 UTC) is before it.
        for probe, hits in ((datetime(2026, 11, 27, 8, 30, tzinfo=UTC), 1),
                            (datetime(2026, 11, 27, 16, 30, tzinfo=CST), 1),
                            (datetime(2026, 11, 27, 9, 30, tzinfo=CST), 0)):
            found = s.scalars(select(Silence).where(Silence.starts_at <= probe, Silence.ends_at > probe)).all()
            assert len(found) == hits, probe
        naive = s.scalars(select(Silence).where(Silence.starts_at == datetime(2026, 11, 27, 8, 0))).all()
        assert len(naive) == 1  # a naive value is taken as UTC, as the rest of the code writes it


def test_zoned_clock_keeps_the_instant() -> None:
    inner = FixedClock(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    shown = ZonedClock(inner, CST).now()
    assert shown == inner.now() and shown.hour == 16 and shown.utcoffset() == timedelta(hours=8)
