"""An acknowledgement at the province reaches the owning city as a command, over real HTTP on loopback with two
databases: applied once at the city however often it is pulled, reported back, never passed over when commands
commit out of id order; the province's console refuses the city's other actions on a mirrored alert."""

from __future__ import annotations

from typing import Any

import pytest

from alerts import oncall
from alerts.errors import TransitionError
from alerts.states import AlertState
from db.models_alerts import Alert, AlertEvent
from db.models_federation import AppliedCommand, NodeCommand
from federation.commands import ACTOR_PREFIX
from tests.federation.relational import CITY, T0, City, M, Province, mirrored, rows


def test_ack_at_the_province_is_applied_once_at_the_city(nodes: tuple[City, Province, str]) -> None:
    city, province, token = nodes
    city.evaluate(T0, 0)
    with province.serve():
        relay = city.relay(province.url, token)
        relay.round()
        (m,) = mirrored(province)
        with province.sessions() as s, pytest.raises(TransitionError, match="belongs to city node"):
            oncall.close(s, m.id, m.version, oncall.Actor("王五", "430000"), T0 + M, "省里关掉")  # the city's to do
        with province.sessions() as s:
            acked = oncall.acknowledge(s, m.id, m.version, oncall.Actor("王五", "430000"), T0 + M, note="省里看到了")
        assert acked.state is AlertState.ACKNOWLEDGED  # the wall is true at once
        (cmd,) = rows(province.sessions, NodeCommand)
        assert (cmd.node_code, cmd.kind, cmd.applied_at) == (CITY, "ack", None)
        assert cmd.payload == {"origin_id": m.origin_id, "actor": "王五", "note": "省里看到了"}
        city.evaluate(T0 + M, 0)  # a refresh at the city before it heard of the ack ...
        relay.send()
        (still,) = mirrored(province)  # ... does not make the province's wall say firing again
        assert still.state is AlertState.ACKNOWLEDGED and still.acknowledged_by == "王五"
        city.clock.current = T0 + 2 * M
        report = relay.round()
        assert report.commands == 1
        assert relay.pull() == 0  # pulled again: nothing new
        commands: Any = relay.client.get("/api/v1/federation/commands", params={"after": 0})
        from federation.commands import apply_command

        with city.sessions() as s:  # the same command handed over twice: applied once
            assert apply_command(s, commands["items"][0], T0 + 3 * M) is None
        relay.round()  # the city's acknowledgement and the applied event go up
    (a,) = rows(city.sessions, Alert)
    assert a.state is AlertState.ACKNOWLEDGED and a.acknowledged_by == f"{ACTOR_PREFIX}王五"
    acks = rows(city.sessions, AlertEvent, AlertEvent.kind == "ack")
    assert len(acks) == 1 and acks[0].note == "省里看到了"
    assert len(rows(city.sessions, AppliedCommand)) == 1
    (cmd,) = rows(province.sessions, NodeCommand)
    assert cmd.applied_at is not None and cmd.result and "确认" in cmd.result
    (m,) = mirrored(province)
    assert m.state is AlertState.ACKNOWLEDGED and m.acknowledged_by == f"{ACTOR_PREFIX}王五"


def test_a_command_committed_out_of_id_order_is_still_applied(nodes: tuple[City, Province, str]) -> None:
    """Two commands written at once may commit out of id order: the one with the lower id, committed last,
    still reaches the city (the province hands out every command not yet reported applied)."""
    city, province, token = nodes

    def command(ident: int) -> None:
        with province.sessions() as s:
            s.add(NodeCommand(id=ident, node_code=CITY, kind="ack", created_at=T0, created_by="王五",
                              payload={"origin_id": 999, "actor": "王五", "note": ""}))
            s.commit()

    with province.serve():
        relay = city.relay(province.url, token)
        command(5)
        assert relay.round().commands == 1
        command(3)  # committed after 5 was applied
        assert relay.round().commands == 1
        relay.round()  # the applied events go up
        assert relay.round().commands == 0
    applied = rows(city.sessions, AppliedCommand)
    assert [c.command_id for c in applied] == [3, 5] and applied[0].result == "本节点没有这条告警，未处理"
    assert all(c.applied_at is not None for c in rows(province.sessions, NodeCommand))


def test_the_provinces_console_acks_a_mirrored_alert_and_refuses_the_citys_actions(
        nodes: tuple[City, Province, str]) -> None:
    from core.i18n.screens_alerts import TA
    from dashboard.alert_actions import perform
    from db.models_security import Role
    from security.auth import Principal

    city, province, token = nodes
    city.evaluate(T0, 0)
    with province.serve():
        city.relay(province.url, token).round()
    (m,) = mirrored(province)
    admin = Principal(actor="prov_admin", scope_code="430000", role=Role.PROVINCE_ADMIN, user_id=1)
    for action in ("close", "unack", "severity", "assign", "silence"):
        out = perform(province.sessions, admin, action, m.id, m.version, T0 + M, note="省里处理", user="x",
                      severity="high", hours=1)
        assert not out.ok and out.message == TA.ERR_MIRRORED.format(node=CITY)
        assert out.message.startswith(f"这条告警由市级节点 {CITY} 负责")
    assert perform(province.sessions, admin, "ack", m.id, m.version, T0 + M, note="收到").ok
    (cmd,) = rows(province.sessions, NodeCommand)
    assert (cmd.kind, cmd.created_by, cmd.payload["note"]) == ("ack", "prov_admin", "收到")
