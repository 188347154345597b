"""The province's commands at the city, without the network: each applied once, with its record and its
``applied`` outbox event in the same transaction, whatever the alert's state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from alerts.states import AlertState
from db.models_alerts import Alert, AlertEvent
from db.models_federation import AppliedCommand, OutboxEvent
from federation.commands import ACTOR_PREFIX, apply_command, last_applied
from tests.federation.relational import T0, City, M, make_city, rows


@pytest.fixture
def city(tmp_path: Path) -> Iterator[City]:
    c, engine = make_city(tmp_path)
    try:
        yield c
    finally:
        c.store.close()
        engine.dispose()


def ack(ident: int, origin_id: int) -> dict[str, object]:
    return {"id": ident, "kind": "ack", "payload": {"origin_id": origin_id, "actor": "王五", "note": "看到了"}}


def test_an_ack_applies_once_with_its_record_and_event(city: City) -> None:
    city.evaluate(T0, 0)
    (a,) = rows(city.sessions, Alert)
    with city.sessions() as s:
        assert last_applied(s) == 0
        assert apply_command(s, ack(7, a.id), T0 + M) == f"已由{ACTOR_PREFIX}王五确认"
        assert apply_command(s, ack(7, a.id), T0 + M) is None
        assert last_applied(s) == 7
    (a,) = rows(city.sessions, Alert)
    assert a.state is AlertState.ACKNOWLEDGED and a.acknowledged_by == f"{ACTOR_PREFIX}王五"
    assert len(rows(city.sessions, AlertEvent, AlertEvent.kind == "ack")) == 1
    applied = [e for e in rows(city.sessions, OutboxEvent) if e.entity == "command"]
    assert [(e.op, e.payload["command_id"]) for e in applied] == [("applied", 7)]


@pytest.mark.parametrize(("command", "says"), [
    ({"id": 1, "kind": "ack", "payload": {"origin_id": 999, "actor": "王五"}}, "本节点没有这条告警"),
    ({"id": 1, "kind": "reboot", "payload": {}}, "不支持的指令类型 reboot"),
])
def test_a_command_that_cannot_act_is_recorded_as_such(city: City, command: dict[str, object], says: str) -> None:
    with city.sessions() as s:
        result = apply_command(s, command, T0)
    assert result is not None and says in result
    (rec,) = rows(city.sessions, AppliedCommand)
    assert rec.result == result
    (ev,) = rows(city.sessions, OutboxEvent)
    assert ev.payload == {"command_id": 1, "kind": command["kind"], "result": result}


def test_an_ack_for_an_alert_no_longer_firing_changes_nothing(city: City) -> None:
    city.evaluate(T0, 0)
    city.evaluate(T0 + M, 1)  # resolved before the command arrives
    (a,) = rows(city.sessions, Alert)
    with city.sessions() as s:
        result = apply_command(s, ack(3, a.id), T0 + 2 * M)
    assert result == "告警当前为“已恢复”，无需确认"
    (a,) = rows(city.sessions, Alert)
    assert a.state is AlertState.RESOLVED and a.acknowledged_by is None
