"""plan_notifications against a real database: intents, suppression records, escalation, restart safety."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts import oncall, roster, silences
from alerts.pipeline import Route
from alerts.planner import plan_notifications
from alerts.rules import load_rule_files
from alerts.states import AlertState, SilenceKind
from core.config import PROJECT_ROOT
from core.severity import Severity
from db.models_alerts import Alert, DeliveryStatus, Notification
from db.models_security import AuditEntry
from tests.alerts.oncall_world import CHANGSHA, NOW, PROVINCE, ZHUZHOU, add_alert

ROUTES = [Route("city-robot", "dingtalk"), Route("sms", "sms", on_duty=True)]
ADMIN = oncall.Actor("prov_admin", PROVINCE)


def _shift(s: Session, scope: str, tier: int, user: str) -> None:
    roster.add_shift(s, scope, tier, user, NOW - timedelta(hours=4), NOW + timedelta(hours=4), actor="admin",
                     actor_scope=PROVINCE, now=NOW)


SHIPPED_INHIBIT = load_rule_files([PROJECT_ROOT / "data" / "alerts" / "rules"]).inhibit_rules


def _plan(sessions: sessionmaker[Session], now=NOW) -> list[tuple[str, str | None, str]]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        rows = plan_notifications(s, now, ROUTES, inhibit_rules=SHIPPED_INHIBIT)
        out = [(r.receiver, r.recipient, r.status.value) for r in rows]
        s.commit()
        return sorted(out, key=str)


def test_firing_alert_is_announced_once_even_across_restarts(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    with sessions() as s:
        add_alert(s, "a", city=CHANGSHA)
        add_alert(s, "p", city=CHANGSHA, rule="x", state=AlertState.PENDING)  # pending: never announced
        _shift(s, CHANGSHA, 1, "cs_duty")
        s.commit()
    assert _plan(sessions) == [("city-robot", None, "pending"), ("sms", "cs_duty", "pending")]
    assert _plan(sessions, NOW + timedelta(seconds=30)) == []  # the next cycle: nothing new
    # "restart": a fresh session factory on the same database plans nothing either
    url, _ = migrated_db
    from db.session import make_engine, make_session_factory

    engine = make_engine(url)
    try:
        assert _plan(make_session_factory(engine), NOW + timedelta(minutes=1)) == []
    finally:
        engine.dispose()
    with sessions() as s:
        assert s.scalar(select(Notification).where(Notification.status == DeliveryStatus.PENDING).limit(1)) \
            .payload["title"].startswith("【严重】")


def test_changes_resolution_and_city_fallback(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    with sessions() as s:
        a = add_alert(s, "a", city=ZHUZHOU)
        _shift(s, PROVINCE, 1, "prov_duty")  # Zhuzhou has no roster: the province's on-duty person is told
        s.commit()
        aid = a.id
    assert ("sms", "prov_duty", "pending") in _plan(sessions)
    with sessions() as s:
        oncall.acknowledge(s, aid, 1, ADMIN, NOW + timedelta(minutes=1))
    assert len(_plan(sessions, NOW + timedelta(minutes=1))) == 2  # acknowledgement is news
    with sessions() as s:
        a2 = s.get(Alert, aid)
        assert a2 is not None
        a2.state, a2.resolved_at, a2.resolved_by = AlertState.RESOLVED, NOW + timedelta(minutes=2), "system"
        s.commit()
    assert len(_plan(sessions, NOW + timedelta(minutes=3))) == 2
    with sessions() as s:
        last = s.scalars(select(Notification).order_by(Notification.id.desc())).first()
        assert last is not None and last.payload["resolved"][0]["id"] == aid and "已恢复" in last.payload["title"]
    assert _plan(sessions, NOW + timedelta(minutes=4)) == []


def test_silenced_and_inhibited_alerts_are_recorded_with_reason(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    with sessions() as s:
        add_alert(s, "down", rule="site_down", site="s1", inhibits="site", group_key="site=s1")
        dead = add_alert(s, "dead", rule="dead_link", site="s1", group_key="site=s1")
        tls = add_alert(s, "tls", rule="tls_expiry", site="s2", group_key="site=s2")
        silences.create(s, [{"name": "rule", "op": "=", "value": "tls_expiry"}], NOW - timedelta(minutes=5),
                        NOW + timedelta(hours=1), "cs_admin", "证书更换中", scope_code=CHANGSHA, now=NOW)
        s.commit()
        dead_id, tls_id = dead.id, tls.id
    planned = _plan(sessions)
    with sessions() as s:
        sup = s.scalars(select(Notification).where(Notification.status == DeliveryStatus.SUPPRESSED)).all()
        detail = {n.group_key: n.detail for n in sup}
        sent_ids = {i for n in s.scalars(select(Notification).where(Notification.status == DeliveryStatus.PENDING))
                    for i in n.alert_ids}
    assert f"#{dead_id} 被告警" in detail["site=s1"] and "证书更换中" in detail["site=s2"]
    assert dead_id not in sent_ids and tls_id not in sent_ids
    assert ("city-robot", None, "pending") in planned
    assert _plan(sessions, NOW + timedelta(seconds=30)) == []  # suppression is recorded once, not every cycle


def test_maintenance_window_ends_and_the_alert_is_announced(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    with sessions() as s:
        add_alert(s, "a", site="s9")
        silences.create(s, [{"name": "site", "op": "=", "value": "s9"}], NOW, NOW + timedelta(hours=1), "ops",
                        "机房搬迁", kind=SilenceKind.MAINTENANCE, scope_code=PROVINCE, now=NOW)
        s.commit()
    assert _plan(sessions) == [("-", None, "suppressed")]
    assert ("city-robot", None, "pending") in _plan(sessions, NOW + timedelta(hours=1))


def test_escalation_after_ten_minutes_reaches_next_tier_once(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    with sessions() as s:
        a = add_alert(s, "crit", severity=Severity.CRITICAL)
        _shift(s, CHANGSHA, 1, "t1")
        _shift(s, CHANGSHA, 2, "t2")
        s.commit()
        aid = a.id
    assert ("sms", "t1", "pending") in _plan(sessions)
    assert _plan(sessions, NOW + timedelta(minutes=9, seconds=59)) == []
    tier2 = _plan(sessions, NOW + timedelta(minutes=10))
    assert ("sms", "t2", "pending") in tier2
    assert _plan(sessions, NOW + timedelta(minutes=15)) == []  # once per interval
    with sessions() as s:
        a2 = s.get(Alert, aid)
        assert a2 is not None and a2.escalation_tier == 2 and a2.version == 2
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.action == "alert.escalate")) == "alert.escalate"
        oncall.acknowledge(s, aid, 2, ADMIN, NOW + timedelta(minutes=16))
    _plan(sessions, NOW + timedelta(minutes=16))
    assert not any(r[1] == "t3" for r in _plan(sessions, NOW + timedelta(hours=2)))
    with sessions() as s:
        assert s.get(Alert, aid).escalation_tier == 2  # type: ignore[union-attr]  # acknowledged: no more


def test_a_down_site_is_announced_once_its_ratio_alerts_are_not(migrated_db: tuple[str, sessionmaker[Session]]
                                                                 ) -> None:
    """Three alerts for one fault (down, the 4 % warning, the 5 % veto): one message, the other two recorded
    as its dependants; with the inhibit rules of the shipped rule files."""
    _, sessions = migrated_db
    with sessions() as s:
        down = add_alert(s, "down", rule="site_down", site="s1", severity=Severity.CRITICAL)
        warn = add_alert(s, "warn", rule="availability_ratio_warning", site="s1")
        veto = add_alert(s, "veto", rule="availability_ratio_veto", site="s1", severity=Severity.CRITICAL)
        s.commit()
        ids = (down.id, warn.id, veto.id)
    _plan(sessions)
    with sessions() as s:
        sent = {i for n in s.scalars(select(Notification).where(Notification.status == DeliveryStatus.PENDING))
                for i in n.alert_ids}
        muted = s.scalars(select(Notification).where(Notification.status == DeliveryStatus.SUPPRESSED)).all()
    assert sent == {ids[0]}
    reasons = {e["id"]: e["reason"] for n in muted for e in n.payload["alerts"]}
    assert reasons == {ids[1]: f"被告警 #{ids[0]} 抑制", ids[2]: f"被告警 #{ids[0]} 抑制"}
