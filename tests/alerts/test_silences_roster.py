"""Silences (create, expire early, list by derived state, scope) and the duty roster (on duty, handover)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts import roster, silences
from alerts.errors import ScopeError
from alerts.matchers import MatcherError
from alerts.silences import SilenceError, SilenceState
from alerts.states import AlertState
from db.models_alerts import Handover
from db.models_security import AuditEntry
from tests.alerts.oncall_world import CHANGSHA, NOW, PROVINCE, ZHUZHOU, add_alert

H = timedelta(hours=1)
TLS = [{"name": "rule", "op": "=", "value": "tls_expiry"}]


def test_silence_lifecycle_by_now(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    with sessions() as s:
        now_one = silences.create(s, TLS, NOW, NOW + 2 * H, "ops", "证书更换", scope_code=PROVINCE, now=NOW)
        later = silences.create(s, TLS, NOW + H, NOW + 3 * H, "ops", "夜间维护", kind=silences.SilenceKind.MAINTENANCE,
                                scope_code=PROVINCE, now=NOW)
        s.commit()
        assert [st for _, st in silences.list_silences(s, NOW)] == [SilenceState.PENDING, SilenceState.ACTIVE]
        assert [x.id for x in silences.active_silences(s, NOW)] == [now_one.id]
        assert {x.id for x in silences.active_silences(s, NOW + H)} == {now_one.id, later.id}
        silences.expire(s, now_one.id, "ops", PROVINCE, NOW + 30 * timedelta(minutes=1))
        s.commit()
        expired = silences.list_silences(s, NOW + H, state=SilenceState.EXPIRED)
        assert [x.id for x, _ in expired] == [now_one.id]
        with pytest.raises(SilenceError, match="already expired"):
            silences.expire(s, now_one.id, "ops", PROVINCE, NOW + H)
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions == ["silence.create", "maintenance.create", "silence.expire"]


def test_bad_silences_are_refused_with_a_clear_error(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    with sessions() as s:
        with pytest.raises(MatcherError, match=r"^静默的匹配条件第 1 项：site=~\"\[43\"：正则表达式无效：缺少右方括号"):
            silences.create(s, [{"name": "site", "op": "=~", "value": "[43"}], NOW, NOW + H, "ops", "x",
                            scope_code=PROVINCE, now=NOW)
        with pytest.raises(SilenceError, match="not after starts_at"):
            silences.create(s, TLS, NOW, NOW, "ops", "x", scope_code=PROVINCE, now=NOW)
        with pytest.raises(SilenceError, match="reason is required"):
            silences.create(s, TLS, NOW, NOW + H, "ops", " ", scope_code=PROVINCE, now=NOW)
        assert silences.list_silences(s, NOW) == []


def test_city_silence_is_confined_to_its_city(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    with sessions() as s:
        sil = silences.create(s, TLS, NOW, NOW + H, "cs_admin", "x", scope_code=CHANGSHA, now=NOW)
        s.commit()
        assert {"name": "city", "op": "=", "value": CHANGSHA} in sil.matchers
        assert silences.list_silences(s, NOW, scope_code=ZHUZHOU) == []
        with pytest.raises(ScopeError):
            silences.expire(s, sil.id, "zz_admin", ZHUZHOU, NOW)


def test_on_duty_now_and_fallback_to_province(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    with sessions() as s:
        roster.add_shift(s, CHANGSHA, 1, "day", NOW - 8 * H, NOW, actor="a", actor_scope=PROVINCE, now=NOW)
        roster.add_shift(s, CHANGSHA, 1, "night", NOW, NOW + 8 * H, actor="a", actor_scope=PROVINCE, now=NOW)
        roster.add_shift(s, PROVINCE, 2, "boss", NOW - H, NOW + H, actor="a", actor_scope=PROVINCE, now=NOW)
        s.commit()
        assert roster.on_duty(s, CHANGSHA, 1, NOW - H) == ["day"]
        assert roster.on_duty(s, CHANGSHA, 1, NOW) == ["night"]  # shift end is exclusive
        assert roster.recipients(s, CHANGSHA, 2, NOW) == ["boss"]
        assert roster.recipients(s, ZHUZHOU, 1, NOW) == []
        with pytest.raises(ScopeError):
            roster.add_shift(s, CHANGSHA, 1, "x", NOW, NOW + H, actor="zz", actor_scope=ZHUZHOU, now=NOW)
        with pytest.raises(roster.RosterError, match="not after"):
            roster.add_shift(s, CHANGSHA, 1, "x", NOW, NOW, actor="a", actor_scope=PROVINCE, now=NOW)


def test_handover_passes_on_open_alerts_of_its_scope(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    with sessions() as s:
        mine = add_alert(s, "a", city=CHANGSHA)
        acked = add_alert(s, "b", city=CHANGSHA, rule="y", state=AlertState.ACKNOWLEDGED)
        add_alert(s, "c", city=CHANGSHA, rule="z", state=AlertState.RESOLVED)
        add_alert(s, "d", city=ZHUZHOU)
        h = roster.handover(s, CHANGSHA, "day", "night", "机房空调告警待厂家处理", actor="day", actor_scope=CHANGSHA,
                            now=NOW)
        s.commit()
        assert h.open_alert_ids == [mine.id, acked.id]
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "roster.handover")).one()
        assert entry.detail["open_alert_ids"] == [mine.id, acked.id] and "day → night" in entry.summary
        with pytest.raises(ScopeError):
            roster.handover(s, CHANGSHA, "a", "b", "", actor="zz", actor_scope=ZHUZHOU, now=NOW)
        with pytest.raises(roster.RosterError):
            roster.handover(s, CHANGSHA, "a", "a", "", actor="a", actor_scope=CHANGSHA, now=NOW)
        assert len(s.scalars(select(Handover)).all()) == 1
