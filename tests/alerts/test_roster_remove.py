"""The roster's additions for the duty screen: removing shifts (scope, unknown id, past shifts, audit),
overlap refusal, and the readers (shifts in a window, recent handovers), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts import roster
from alerts.errors import ScopeError
from db.models_alerts import DutyShift
from db.models_security import AuditEntry
from tests.alerts.oncall_world import CHANGSHA, NOW, PROVINCE, ZHUZHOU, add_alert

H = timedelta(hours=1)
CST = timezone(timedelta(hours=8))


def _shift(s: Session, scope: str, user: str, start_h: float, end_h: float, tier: int = 1) -> DutyShift:
    return roster.add_shift(s, scope, tier, user, NOW + start_h * H, NOW + end_h * H, actor="admin",
                            actor_scope=PROVINCE, now=NOW)


def test_remove_shift_is_scoped_audited_and_keeps_past_shifts(migrated_db: tuple[str, sessionmaker[Session]]
                                                              ) -> None:
    _, sessions = migrated_db
    with sessions() as s:
        past = _shift(s, CHANGSHA, "day", -10, -2)
        now_on = _shift(s, CHANGSHA, "night", -1, 7)
        later = _shift(s, CHANGSHA, "next", 7, 15)
        s.commit()
        ids = (past.id, now_on.id, later.id)
    with sessions() as s:
        with pytest.raises(ScopeError):
            roster.remove_shift(s, ids[1], actor="zz_admin", actor_scope=ZHUZHOU, now=NOW)
        with pytest.raises(roster.RosterError, match="does not exist"):
            roster.remove_shift(s, 99999, actor="admin", actor_scope=PROVINCE, now=NOW)
        with pytest.raises(roster.RosterError, match="kept as record"):
            roster.remove_shift(s, ids[0], actor="admin", actor_scope=PROVINCE, now=NOW)
        s.rollback()
        assert set(s.scalars(select(AuditEntry.action))) == {"roster.add_shift"}  # refusals wrote nothing
        assert len(s.scalars(select(DutyShift)).all()) == 3
        gone = roster.remove_shift(s, ids[1], actor="cs_admin", actor_scope=CHANGSHA, now=NOW, remote_addr="127.0.0.1")
        s.commit()
        assert gone.username == "night"
        assert roster.on_duty(s, CHANGSHA, 1, NOW) == []
        assert sorted(x.id for x in s.scalars(select(DutyShift))) == [ids[0], ids[2]]
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "roster.remove_shift")).one()
        assert (entry.actor, entry.object_id, entry.scope_code, entry.remote_addr) == (
            "cs_admin", str(ids[1]), CHANGSHA, "127.0.0.1")
        assert entry.summary.startswith("删除排班：night 第 1 级值班") and entry.detail["username"] == "night"


def test_overlapping_shift_of_the_same_person_is_refused(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    with sessions() as s:
        first = _shift(s, CHANGSHA, "wang", 0, 8)
        s.commit()
        with pytest.raises(roster.RosterError, match=f"overlaps shift {first.id}"):
            _shift(s, CHANGSHA, "wang", 7, 9)
        with pytest.raises(roster.RosterError, match="overlaps"):
            _shift(s, CHANGSHA, "wang", -1, 20)
        s.rollback()
        _shift(s, CHANGSHA, "wang", 8, 16)  # back to back: the end is exclusive
        _shift(s, CHANGSHA, "wang", 0, 8, tier=2)  # another tier
        _shift(s, ZHUZHOU, "wang", 0, 8)  # another scope
        _shift(s, CHANGSHA, "li", 0, 8)  # another person
        s.commit()
        assert len(s.scalars(select(DutyShift)).all()) == 5
        assert roster.on_duty(s, CHANGSHA, 1, NOW) == ["li", "wang"]


def test_aware_times_in_another_zone_are_stored_as_utc(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    local_now = NOW.astimezone(CST)
    with sessions() as s:
        roster.add_shift(s, CHANGSHA, 1, "zhao", local_now - H, local_now + H, actor="a", actor_scope=PROVINCE,
                         now=local_now)
        s.commit()
        assert roster.on_duty(s, CHANGSHA, 1, NOW) == ["zhao"]
        assert roster.on_duty(s, CHANGSHA, 1, local_now) == ["zhao"]
        assert roster.on_duty(s, CHANGSHA, 1, local_now + 2 * H) == []


def test_list_shifts_window_and_scope(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    with sessions() as s:
        _shift(s, CHANGSHA, "yesterday", -30, -20)
        _shift(s, CHANGSHA, "early", -8, -1)  # today (NOW is 09:00 UTC), already over
        _shift(s, CHANGSHA, "now", -1, 7)
        _shift(s, PROVINCE, "prov", 0, 24, tier=2)
        _shift(s, ZHUZHOU, "zz", 24, 48)
        _shift(s, CHANGSHA, "far", 24 * 8, 24 * 8 + 8)
        s.commit()
        everyone = [x.username for x in roster.list_shifts(s, NOW, scope_code=PROVINCE, days_ahead=7)]
        assert everyone == ["early", "now", "prov", "zz"]
        assert [x.username for x in roster.list_shifts(s, NOW, scope_code=CHANGSHA, days_ahead=7)] == ["early", "now"]
        assert "far" in [x.username for x in roster.list_shifts(s, NOW, scope_code=CHANGSHA, days_ahead=9)]


def test_recent_handovers_newest_first_within_scope(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    with sessions() as s:
        add_alert(s, "a", city=CHANGSHA)
        roster.handover(s, CHANGSHA, "a", "b", "一", actor="a", actor_scope=CHANGSHA, now=NOW - H)
        roster.handover(s, ZHUZHOU, "c", "d", "二", actor="c", actor_scope=ZHUZHOU, now=NOW - H / 2)
        roster.handover(s, CHANGSHA, "b", "a", "三", actor="b", actor_scope=CHANGSHA, now=NOW)
        s.commit()
        assert [h.note for h in roster.recent_handovers(s, scope_code=PROVINCE)] == ["三", "二", "一"]
        assert [h.note for h in roster.recent_handovers(s, scope_code=CHANGSHA, limit=1)] == ["三"]
        assert [h.open_alert_ids for h in roster.recent_handovers(s, scope_code=ZHUZHOU)] == [[]]
