"""The province's commands, carried out at the city exactly once (docs/federation.md, "Commands").

A command is applied in one transaction together with its :class:`~db.models_federation.AppliedCommand`
row and an ``applied`` outbox event (which tells the province it was done and what came of it); a command
whose row exists is skipped, so one pulled twice runs once. ``ack`` acknowledges the city's own alert
through the normal on-call transition (alerts/oncall.py), which writes its alert event and audit entry,
and whose outbox event brings the acknowledged state back up to the province.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts import oncall
from alerts.errors import TransitionError
from alerts.states import AlertState
from core.i18n import alerts as T
from core.region import PROVINCE_CODE
from db.models_alerts import Alert
from db.models_federation import AppliedCommand
from federation.outbox import new_event

ACTOR_PREFIX = "省级节点："
KINDS = ("ack",)


def last_applied(session: Session) -> int:
    """The highest command id this city has applied (0: none)."""
    return int(session.scalar(select(func.max(AppliedCommand.command_id))) or 0)


def _record(session: Session, cid: int, kind: str, result: str, now: datetime) -> None:
    session.add(AppliedCommand(command_id=cid, kind=kind, applied_at=now, result=result))
    session.add(new_event("command", f"command:{cid}", "applied",
                          {"command_id": cid, "kind": kind, "result": result}, now))


def apply_command(session: Session, command: Mapping[str, Any], now: datetime, *, again: bool = True) -> str | None:
    """Carry out one command (``{"id", "kind", "payload"}``) and commit; the result in Chinese, or None when
    it was applied before. Raises ConflictError when the alert changed meanwhile (nothing is recorded then:
    the next round tries again)."""
    cid, kind = int(command["id"]), str(command.get("kind") or "")
    if session.get(AppliedCommand, cid) is not None:
        return None
    payload = command.get("payload") or {}
    if kind != "ack":
        result = f"不支持的指令类型 {kind[:16]}，已忽略"
        _record(session, cid, kind, result, now)
        session.commit()
        return result
    user = str(payload.get("actor") or "")[:48]
    actor = oncall.Actor(f"{ACTOR_PREFIX}{user}", PROVINCE_CODE)
    alert = session.get(Alert, int(payload.get("origin_id") or 0), populate_existing=True)
    if alert is None:
        result = "本节点没有这条告警，未处理"
    elif alert.state is not AlertState.FIRING:
        result = f"告警当前为“{T.ALERT_STATE.get(alert.state.value, alert.state.value)}”，无需确认"
    else:
        result = f"已由{actor.username}确认"
        _record(session, cid, kind, result, now)
        try:  # commits the acknowledgement, its event and audit entry, and the command's record together
            oncall.acknowledge(session, alert.id, alert.version, actor, now, note=str(payload.get("note") or ""))
        except TransitionError:
            session.rollback()
            if not again:
                raise
            return apply_command(session, command, now, again=False)  # the state moved on: not needed now
        return result
    _record(session, cid, kind, result, now)
    session.commit()
    return result
