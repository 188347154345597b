"""The shipped rule notice_overdue (data/alerts/rules/rectification.yaml) over real rectification notices on
SQLite and PostgreSQL: one alert per overdue notice, labelled with its site, node, city and id; high, critical
from the 2nd escalation on; resolved when answered or fixed; fired again when a failed follow-up reopens it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts import oncall
from alerts import summary as S
from alerts.engine import AlertEngine
from alerts.rules import load_rule_files
from alerts.states import AlertState
from core.severity import Severity
from db.models_alerts import Alert, AlertEvent
from db.models_security import AuditEntry
from operations import notice_store as ns
from operations.access import Actor
from security.scope import can_see, node_of
from tests.operations.world import CHANGSHA, FURONG, PROVINCE, T0, finding, seed
from tsdb.sqlite_store import SQLiteMetricStore

Factory = sessionmaker[Session]
RULE_FILE = Path(__file__).resolve().parents[2] / "data" / "alerts" / "rules" / "rectification.yaml"
SYSTEM = Actor("system", "430000")
DEADLINE = date(2026, 11, 20)
LAST_IN_TIME = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
LATE = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
D = timedelta(days=1)


def _notice(factory: Factory, site: str, problems: int = 2) -> tuple[int, list[int]]:
    with factory() as s:
        ids = seed(s)
        fs = [finding(s, ids[site], f"http://127.0.0.1:1/{i}") for i in range(problems)]
        s.commit()
        n = ns.create_notice(s, PROVINCE, T0, site, [f.id for f in fs], DEADLINE)
        ns.issue_notice(s, PROVINCE, T0, n.id)
        return n.id, [f.id for f in fs]


def _alerts(factory: Factory) -> list[Alert]:
    with factory() as s:
        return list(s.scalars(select(Alert).order_by(Alert.id)))


def _engine(factory: Factory, tmp_path: Path) -> AlertEngine:
    return AlertEngine(factory, SQLiteMetricStore(tmp_path / "m.db"), load_rule_files([RULE_FILE]))


def test_one_alert_per_overdue_notice_across_escalations(migrated_db: tuple[str, Factory], tmp_path: Path) -> None:
    _, factory = migrated_db
    notice_id, _ = _notice(factory, "4301020001")
    engine = _engine(factory, tmp_path)
    assert engine.evaluate(LAST_IN_TIME).errors == {}
    assert _alerts(factory) == []  # the deadline day itself is in time
    engine.evaluate(LATE)
    [a] = _alerts(factory)
    assert (a.rule, a.state, a.severity, a.city_code) == ("notice_overdue", AlertState.FIRING, Severity.HIGH, "430100")
    assert {k: a.labels[k] for k in ("notice", "site", "node", "city", "check")} == {
        "notice": str(notice_id), "site": "4301020001", "node": "430102", "city": "430100", "check": "rectification"}
    assert a.summary == f"网站 芙蓉区人民政府（长沙市）整改通知 #{notice_id} 已逾期 1 天，仍有 2 个问题待整改"
    # the days overdue are counted when the text is shown, not when it was evaluated
    later = LATE + 3 * D
    assert S.shown(a.summary, a.facts, S.timing_of(a), later) == (
        f"网站 芙蓉区人民政府（长沙市）整改通知 #{notice_id} 已逾期 4 天，仍有 2 个问题待整改")
    # region: Changsha's on-call and its county (the site's node) see it, Zhuzhou does not, the province does
    assert [can_see(scope, a.city_code, node_of(a.labels)) for scope in ("430000", "430100", "430102", "430200")] == [
        True, True, True, False]

    with factory() as s:  # the weekly escalations keep the one alert; the 2nd makes it critical
        assert ns.escalate_overdue(s, LATE, SYSTEM) == [notice_id]
    engine.evaluate(LATE + D)
    [a] = _alerts(factory)
    assert a.severity is Severity.HIGH
    with factory() as s:
        assert ns.escalate_overdue(s, LATE + 7 * D, SYSTEM) == [notice_id]
    engine.evaluate(LATE + 7 * D)
    engine.evaluate(LATE + 8 * D)
    [a] = _alerts(factory)
    assert (a.state, a.severity, a.rule_severity) == (AlertState.FIRING, Severity.CRITICAL, Severity.HIGH)
    with factory() as s:
        raised = s.scalars(select(AlertEvent).where(AlertEvent.alert_id == a.id, AlertEvent.kind == "severity")).all()
        assert [(e.actor, e.detail) for e in raised] == [("system", {"from": "high", "to": "critical"})]
        assert s.scalar(select(AuditEntry.summary).where(AuditEntry.action == "alert.severity")) == (
            f"告警 #{a.id} 级别由 严重 改为 紧急")
        # an operator's own change stands while the verdict stays the same
        oncall.change_severity(s, a.id, a.version, oncall.Actor("sheng", "430000"), LATE + 8 * D, "medium")
    engine.evaluate(LATE + 9 * D)
    [a] = _alerts(factory)
    assert (a.state, a.severity) == (AlertState.FIRING, Severity.MEDIUM)


def test_answered_resolves_and_a_failed_follow_up_fires_again(migrated_db: tuple[str, Factory],
                                                               tmp_path: Path) -> None:
    _, factory = migrated_db
    notice_id, (f1, f2) = _notice(factory, "4301020001")
    engine = _engine(factory, tmp_path)
    engine.evaluate(LATE)
    with factory() as s:  # one problem answered: still overdue, one problem left
        ns.answer_problem(s, FURONG, LATE + D, notice_id, f1, "栏目已更新")
    engine.evaluate(LATE + D)
    [a] = _alerts(factory)
    assert a.state is AlertState.FIRING and a.summary.endswith("仍有 1 个问题待整改")
    with factory() as s:  # both answered: the owner owes nothing until the next check
        ns.answer_problem(s, FURONG, LATE + 2 * D, notice_id, f2, "已补充内容")
    engine.evaluate(LATE + 2 * D)
    [a] = _alerts(factory)
    assert a.state is AlertState.RESOLVED
    assert S.shown(a.summary, a.facts, S.timing_of(a), LATE + 30 * D).startswith(  # counted to its resolution
        f"网站 芙蓉区人民政府（长沙市）整改通知 #{notice_id} 已逾期 3 天")
    with factory() as s:  # the next run still sees f2: the rectification failed, the notice reopens
        from db.models import Finding

        row = s.get(Finding, f2)
        assert row is not None
        row.last_seen = LATE + 3 * D
        s.commit()
        ns.follow_up(s, LATE + 3 * D, SYSTEM)
    engine.evaluate(LATE + 3 * D)
    old, new = _alerts(factory)
    assert (old.state, new.state, new.fingerprint) == (AlertState.RESOLVED, AlertState.FIRING, old.fingerprint)
    assert new.summary.endswith("已逾期 4 天，仍有 1 个问题待整改")
    with factory() as s:  # fixed: the follow-up closes the notice and the alert resolves
        row = s.get(Finding, f2)
        assert row is not None
        row.resolved_at = LATE + 4 * D
        s.commit()
        ns.follow_up(s, LATE + 4 * D, SYSTEM)
    engine.evaluate(LATE + 4 * D)
    assert [a.state for a in _alerts(factory)] == [AlertState.RESOLVED, AlertState.RESOLVED]


def test_answered_before_the_deadline_never_fires(migrated_db: tuple[str, Factory], tmp_path: Path) -> None:
    _, factory = migrated_db
    notice_id, (f1,) = _notice(factory, "4301000001", problems=1)
    with factory() as s:
        ns.answer_problem(s, CHANGSHA, LAST_IN_TIME, notice_id, f1, "已整改")
    engine = _engine(factory, tmp_path)
    for day in range(10):
        engine.evaluate(LATE + day * D)
    assert _alerts(factory) == []
