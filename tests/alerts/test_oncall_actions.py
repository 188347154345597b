"""Operator actions: every transition, scope enforcement, optimistic locking, concurrent acknowledgement."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts import oncall
from alerts.errors import ConflictError, ScopeError, TransitionError
from alerts.states import AlertState
from db.models_alerts import Alert, AlertEvent
from db.models_security import AuditEntry
from tests.alerts.oncall_world import CHANGSHA, NOW, PROVINCE, ZHUZHOU, add_alert

CS_OP = oncall.Actor("cs_oncall", CHANGSHA, "127.0.0.1")
ZZ_OP = oncall.Actor("zz_oncall", ZHUZHOU, "127.0.0.2")
PROV = oncall.Actor("prov_admin", PROVINCE)


def _alert(sessions: sessionmaker[Session], city: str = CHANGSHA, **kw: object) -> int:
    with sessions() as s:
        a = add_alert(s, f"fp-{city}-{kw.get('rule', 'x')}", city=city, **kw)  # type: ignore[arg-type]
        s.commit()
        return a.id


def _audit(sessions: sessionmaker[Session], alert_id: int) -> list[str]:
    with sessions() as s:
        return list(s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "alert",
                                                              AuditEntry.object_id == str(alert_id))
                              .order_by(AuditEntry.id)).all())


def test_full_lifecycle_of_operator_actions(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    aid = _alert(sessions)
    with sessions() as s:
        a = oncall.acknowledge(s, aid, 1, CS_OP, NOW, note="正在处理")
        assert (a.state, a.acknowledged_by, a.version) == (AlertState.ACKNOWLEDGED, "cs_oncall", 2)
        a = oncall.unacknowledge(s, aid, 2, CS_OP, NOW + timedelta(minutes=1))
        assert a.state is AlertState.FIRING and a.acknowledged_by is None and a.version == 3
        a = oncall.change_severity(s, aid, 3, CS_OP, NOW, "critical", note="影响首页")
        assert a.severity.value == "critical" and a.rule_severity.value == "high"
        a = oncall.assign(s, aid, 4, PROV, NOW, "wang")
        assert a.assigned_to == "wang"
        oncall.add_note(s, aid, CS_OP, NOW, "已联系机房")
        a = oncall.close(s, aid, 5, CS_OP, NOW + timedelta(minutes=5), "误报，规则阈值待调整")
        assert a.state is AlertState.RESOLVED and a.resolved_by == "cs_oncall" and a.resolve_reason
        kinds = [e.kind for e in s.scalars(select(AlertEvent).where(AlertEvent.alert_id == aid)
                                           .order_by(AlertEvent.id))]
        assert kinds == ["ack", "unack", "severity", "assign", "note", "close"]
    assert _audit(sessions, aid) == ["alert.ack", "alert.unack", "alert.severity", "alert.assign", "alert.note",
                                     "alert.close"]


def test_guards_refuse_wrong_state_and_bad_input(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    aid = _alert(sessions)
    with sessions() as s:
        with pytest.raises(TransitionError, match="unack is not allowed"):
            oncall.unacknowledge(s, aid, 1, CS_OP, NOW)
        with pytest.raises(ValueError, match="severity 'urgent'"):
            oncall.change_severity(s, aid, 1, CS_OP, NOW, "urgent")
        with pytest.raises(ValueError, match="reason is required"):
            oncall.close(s, aid, 1, CS_OP, NOW, "  ")
        with pytest.raises(LookupError, match="alert 9999"):
            oncall.acknowledge(s, 9999, 1, CS_OP, NOW)
        oncall.close(s, aid, 1, CS_OP, NOW, "已处理")
        with pytest.raises(TransitionError, match="resolved"):
            oncall.acknowledge(s, aid, 2, CS_OP, NOW)
        assert s.get(Alert, aid).version == 2  # type: ignore[union-attr]


def test_stale_version_is_a_conflict_and_audited(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    aid = _alert(sessions)
    with sessions() as s:
        oncall.assign(s, aid, 1, CS_OP, NOW, "li")
        with pytest.raises(ConflictError, match="reload"):
            oncall.acknowledge(s, aid, 1, CS_OP, NOW)
        assert s.get(Alert, aid).state is AlertState.FIRING  # type: ignore[union-attr]
    assert _audit(sessions, aid) == ["alert.assign", "alert.ack.conflict"]


@pytest.mark.parametrize("action", ["ack", "unack", "severity", "assign", "close", "note"])
def test_city_user_cannot_touch_another_citys_alert(migrated_db: tuple[str, sessionmaker[Session]],
                                                    action: str) -> None:
    _, sessions = migrated_db
    aid = _alert(sessions, city=CHANGSHA, state=AlertState.ACKNOWLEDGED if action == "unack" else AlertState.FIRING)
    calls = {
        "ack": lambda s: oncall.acknowledge(s, aid, 1, ZZ_OP, NOW, "x"),
        "unack": lambda s: oncall.unacknowledge(s, aid, 1, ZZ_OP, NOW),
        "severity": lambda s: oncall.change_severity(s, aid, 1, ZZ_OP, NOW, "low"),
        "assign": lambda s: oncall.assign(s, aid, 1, ZZ_OP, NOW, "zz_oncall"),
        "close": lambda s: oncall.close(s, aid, 1, ZZ_OP, NOW, "不是我们的"),
        "note": lambda s: oncall.add_note(s, aid, ZZ_OP, NOW, "看看"),
    }
    with sessions() as s:
        with pytest.raises(ScopeError, match="outside scope 430200"):
            calls[action](s)
        a = s.get(Alert, aid)
        assert a is not None and a.version == 1 and not a.events
    assert _audit(sessions, aid) == [f"alert.{action}.denied"]
    with sessions() as s:  # the province and the owning city may
        if action in ("ack", "note"):
            calls_ok = {"ack": lambda: oncall.acknowledge(s, aid, 1, PROV, NOW),
                        "note": lambda: oncall.add_note(s, aid, CS_OP, NOW, "ok")}
            calls_ok[action]()


def test_concurrent_acknowledgements_exactly_one_wins(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    aid = _alert(sessions)
    barrier = threading.Barrier(2, timeout=20)
    results: dict[str, str] = {}

    def worker(actor: oncall.Actor) -> None:
        with sessions() as s:
            a = s.get(Alert, aid)
            assert a is not None
            version = a.version  # both read version 1 before either writes
            s.commit()
            barrier.wait()
            try:
                oncall.acknowledge(s, aid, version, actor, NOW, note=f"{actor.username} 接手")
                results[actor.username] = "won"
            except ConflictError:
                results[actor.username] = "conflict"

    a1, a2 = oncall.Actor("op_a", CHANGSHA), oncall.Actor("op_b", PROVINCE)
    threads = [threading.Thread(target=worker, args=(a,)) for a in (a1, a2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results.values()) == ["conflict", "won"]
    winner = next(u for u, r in results.items() if r == "won")
    with sessions() as s:
        a = s.get(Alert, aid)
        assert a is not None and a.acknowledged_by == winner and a.version == 2
        assert len([e for e in a.events if e.kind == "ack"]) == 1
        actors = sorted(s.execute(select(AuditEntry.actor, AuditEntry.action)
                                  .where(AuditEntry.object_id == str(aid))).all())
    loser = next(u for u in results if u != winner)
    assert sorted(actors) == sorted([(winner, "alert.ack"), (loser, "alert.ack.conflict")])
