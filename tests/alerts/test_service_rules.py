"""The shipped platform-service rules (data/alerts/rules/services.yaml) on a real database and a real embedded
metric store, driven by an injected time: down needs two failed polls, silence follows the service's own
interval, and a 5xx jump needs three polls of data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.engine import AlertEngine
from alerts.rules import RuleSet, load_rule_files
from alerts.states import AlertState
from collectors.loader import load_kinds
from core.clock import to_ns
from core.config import PROJECT_ROOT
from db.models_alerts import Alert
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore

T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
S = timedelta(seconds=30)
TAGS = {"service": "cms-db", "kind": "mysql", "node": "430100", "city": "430100"}
REASON = "无法连接服务“cms-db”（10.0.1.1:3306）：Connection refused"


@pytest.fixture
def env(migrated_db: tuple[str, sessionmaker[Session]], tmp_path: Path) -> Iterator[tuple]:
    load_kinds()  # the kinds declare the measurements and texts the rules name
    _, sessions = migrated_db
    store = SQLiteMetricStore(tmp_path / "m.db")
    shipped = load_rule_files([PROJECT_ROOT / "data" / "alerts" / "rules" / "services.yaml"])
    try:
        yield sessions, store, shipped
    finally:
        store.close()


def only(rs: RuleSet, name: str) -> RuleSet:
    return RuleSet(tuple(r for r in rs.rules if r.name == name), rs.files)


def poll(store: SQLiteMetricStore, at: datetime, up: int) -> None:
    fail = {"failure": 1} if not up else {}
    tags = {**TAGS, "error": "connect", "reason": REASON} if not up else TAGS
    store.write([Point("service", {"up": up, "interval_s": 30.0, **fail}, to_ns(at), tags)])


def states(sessions: sessionmaker[Session]) -> list[tuple[str, AlertState, str]]:
    with sessions() as s:
        return [(a.rule, a.state, a.summary) for a in s.scalars(select(Alert).order_by(Alert.id))]


def test_service_down_needs_two_failed_polls_and_says_why(env: tuple) -> None:
    sessions, store, rs = env
    eng = AlertEngine(sessions, store, only(rs, "service_down"))
    poll(store, T0, 1)
    poll(store, T0 + S, 0)
    eng.evaluate(T0 + S + timedelta(seconds=5))
    assert states(sessions) == []  # the window still holds the good poll
    poll(store, T0 + 2 * S, 0)
    poll(store, T0 + 3 * S, 0)
    poll(store, T0 + 4 * S, 0)
    poll(store, T0 + 5 * S, 0)
    eng.evaluate(T0 + 5 * S + timedelta(seconds=5))
    ((rule, state, summary),) = states(sessions)
    assert rule == "service_down" and state is AlertState.FIRING
    assert "cms-db" in summary and "Connection refused" in summary
    for i in range(6, 12):
        poll(store, T0 + i * S, 1)
    eng.evaluate(T0 + 11 * S + timedelta(seconds=5))
    assert states(sessions)[0][1] is AlertState.RESOLVED


def test_one_lost_poll_is_no_outage(env: tuple) -> None:
    sessions, store, rs = env
    eng = AlertEngine(sessions, store, only(rs, "service_down"))
    poll(store, T0 + 3 * S, 0)  # the only poll in the window
    eng.evaluate(T0 + 3 * S + timedelta(seconds=5))
    assert states(sessions) == []


def test_a_silent_service_is_judged_against_its_own_interval(env: tuple) -> None:
    sessions, store, rs = env
    eng = AlertEngine(sessions, store, only(rs, "service_silent"))
    poll(store, T0, 1)
    eng.evaluate(T0 + timedelta(minutes=2))
    assert states(sessions) == []  # 3 × 30 s < 3 minutes: the floor holds
    eng.evaluate(T0 + timedelta(minutes=4))
    ((rule, state, summary),) = states(sessions)
    assert rule == "service_silent" and state is AlertState.FIRING and "cms-db" in summary


def test_nginx_5xx_jump_waits_for_three_polls(env: tuple) -> None:
    sessions, store, rs = env
    eng = AlertEngine(sessions, store, only(rs, "nginx_5xx_jump"))
    tags = {"service": "web", "kind": "nginx", "node": "430100", "city": "430100"}
    for i in range(2):
        store.write([Point("service_nginx", {"error_5xx_percent": 30.0}, to_ns(T0 + i * S), tags)])
    eng.evaluate(T0 + 2 * S)
    assert states(sessions) == []
    store.write([Point("service_nginx", {"error_5xx_percent": 30.0}, to_ns(T0 + 2 * S), tags)])
    eng.evaluate(T0 + 2 * S + timedelta(seconds=5))
    ((rule, state, summary),) = states(sessions)
    assert rule == "nginx_5xx_jump" and state is AlertState.FIRING and "30.0%" in summary
