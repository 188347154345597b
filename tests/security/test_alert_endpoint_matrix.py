"""Every role, a kiosk wall and an anonymous caller against every alert endpoint, over real HTTP: the on-call
console (/alerts) and the duty screen (/oncall: roster, handover, silences).

Each on-call console action (the /alerts page's action callback) is fired through ``/_dash-update-component``
by a logged-in test client, against an alert of the caller's own city and one of another city. The
expected outcome is written out here, independently of security.auth.PERMISSIONS: a role either acts (the
alert row changes, the audit names the actor) or is refused (a Chinese message; the alert, its events and
the silences are untouched). The console's reads are checked the same way: a city's staff never see
another city's alerts in the list or the detail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from dash import Dash
from sqlalchemy import func, select

from alerts import silences
from alerts.states import AlertState
from core.clock import FixedClock
from db.models_alerts import Alert, AlertEvent, DutyShift, Handover, Silence
from db.models_security import AuditEntry, Role
from db.session import transaction
from security.users import create_user
from tests.alerts.oncall_world import add_alert
from tests.dashboard.world import NOW, World, build_world, kiosk_token
from tests.security.dash_client import DashClient, outputs, pattern_prop
from tests.support.web import wall_app

CHANGSHA, ZHUZHOU, PROVINCE = "430100", "430200", "430000"
PASSWORD = "matrix-password-2026"
ASSIGNEE = "p_oncall"  # a province on-call operator: may be given any city's alert

# name -> (role, scope); "kiosk" and "anonymous" are not users.
USERS: dict[str, tuple[Role, str]] = {
    "p_admin": (Role.PROVINCE_ADMIN, PROVINCE), "cs_admin": (Role.CITY_ADMIN, CHANGSHA),
    "cs_oncall": (Role.ONCALL, CHANGSHA), "p_oncall": (Role.ONCALL, PROVINCE),
    "cs_manager": (Role.MANAGER, CHANGSHA), "p_security": (Role.SECURITY, PROVINCE),
    "cs_editor": (Role.EDITOR, CHANGSHA), "cs_reviewer": (Role.REVIEWER, CHANGSHA),
}
PRINCIPALS = [*USERS, "kiosk", "anonymous"]
SCOPE = {**{u: scope for u, (_, scope) in USERS.items()}, "kiosk": PROVINCE, "anonymous": PROVINCE}

# Who may run each console action (by user), written out from the roles, not from the code.
ONCALL_STAFF = {"p_admin", "cs_admin", "cs_oncall", "p_oncall"}
MAY = {"ack": ONCALL_STAFF | {"p_security"}, "unack": ONCALL_STAFF | {"p_security"},
       "note": ONCALL_STAFF | {"p_security"}, "assign": ONCALL_STAFF, "severity": ONCALL_STAFF,
       "close": ONCALL_STAFF, "silence": ONCALL_STAFF}
START_STATE = {"unack": AlertState.ACKNOWLEDGED}  # every other action starts from a firing alert


@dataclass
class Env:
    world: World
    app: Dash
    clients: dict[str, DashClient]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    world = build_world(tmp_path_factory.mktemp("matrix"))
    with transaction(world.sessions) as s:
        for name, (role, scope) in USERS.items():
            create_user(s, name, PASSWORD, role, scope, actor="test", now=NOW)
    app = wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))
    clients = {name: DashClient(app).login(name, PASSWORD) for name in USERS}
    clients["kiosk"] = DashClient(app, kiosk_token=kiosk_token(world))
    clients["anonymous"] = DashClient(app)
    try:
        yield Env(world, app, clients)
    finally:
        world.store.close()


def _new_alert(world: World, city: str, state: AlertState, tag: str) -> tuple[int, int]:
    with transaction(world.sessions) as s:
        a = add_alert(s, f"matrix-{tag}", city=city, state=state, fired_at=NOW, site="X0102")
        if state is AlertState.ACKNOWLEDGED:
            a.acknowledged_by, a.acknowledged_at = "someone", NOW
        s.flush()
        return a.id, a.version


def _snapshot(world: World, alert_id: int) -> tuple[Any, ...]:
    with world.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a is not None
        events = s.scalar(select(func.count()).select_from(AlertEvent).where(AlertEvent.alert_id == alert_id))
        silences = s.scalar(select(func.count()).select_from(Silence))
        return a.version, a.state, a.severity, a.assigned_to, a.acknowledged_by, events, silences


def _act(client: DashClient, action: str, alert_id: int, version: int) -> tuple[int, dict[str, Any]]:
    status, got = client.call("..alerts-message.children", {
        f"alerts-btn-{action}.n_clicks": 1, "alerts-version.data": {"id": alert_id, "version": version},
        "alerts-note.value": "矩阵测试说明", "alerts-user.value": ASSIGNEE, "alerts-severity.value": "low",
        "alerts-hours.value": 2, "alerts-changed.data": 0}, f"alerts-btn-{action}.n_clicks")
    return status, outputs(got)


CASES = [(who, action, city) for who in PRINCIPALS for action in MAY for city in (CHANGSHA, ZHUZHOU)]


@pytest.mark.parametrize(("who", "action", "city"), CASES, ids=[f"{w}-{a}-{c}" for w, a, c in CASES])
def test_console_action(env: Env, who: str, action: str, city: str) -> None:
    alert_id, version = _new_alert(env.world, city, START_STATE.get(action, AlertState.FIRING),
                                   f"{who}-{action}-{city}")
    before = _snapshot(env.world, alert_id)
    status, out = _act(env.clients[who], action, alert_id, version)
    allowed = who in MAY[action] and (SCOPE.get(who) == PROVINCE or SCOPE.get(who) == city)

    if who == "anonymous":
        assert status == 401  # the login wall answers before any callback runs
    else:
        assert status == 200
        assert out["alerts-message.className"].endswith("msg-ok" if allowed else "msg-error"), out
    after = _snapshot(env.world, alert_id)
    if not allowed:
        assert after == before, f"{who} was refused {action} but something changed"
        if who not in ("anonymous", "kiosk") and who in MAY[action]:
            assert "无权查看其他地区" in out["alerts-message.children"]  # require() refuses the region
        elif who == "kiosk":
            assert "只读" in out["alerts-message.children"]
        elif who != "anonymous":
            assert "无权执行此操作" in out["alerts-message.children"]
        return
    version_after, state, severity, assigned, acked, events, silences = after
    assert version_after > before[0] or action in ("note", "silence")  # these leave the alert row alone
    expected = {"ack": lambda: state is AlertState.ACKNOWLEDGED and acked == who,
                "unack": lambda: state is AlertState.FIRING and acked is None,
                "note": lambda: events == before[5] + 1,
                "assign": lambda: assigned == ASSIGNEE,
                "severity": lambda: severity.value == "low",
                "close": lambda: state is AlertState.RESOLVED,
                "silence": lambda: silences == before[6] + 1}
    assert expected[action](), f"{who} {action}: {after}"
    with env.world.sessions() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert entry.actor == who
    assert entry.action == ("silence.create" if action == "silence" else f"alert.{action}")


@pytest.mark.parametrize("who", PRINCIPALS)
def test_console_reads_stay_in_scope(env: Env, who: str) -> None:
    mine, _ = _new_alert(env.world, CHANGSHA, AlertState.FIRING, f"read-cs-{who}")
    other, _ = _new_alert(env.world, ZHUZHOU, AlertState.FIRING, f"read-zz-{who}")
    client = env.clients[who]
    status, got = client.call("alerts-body.children", {"alerts-f-state.value": "open"}, "alerts-f-state.value")
    if who == "anonymous":
        assert status == 401
        return
    assert status == 200
    listed = json.dumps(got, ensure_ascii=False)
    province = SCOPE[who] == PROVINCE
    assert f'"id": {mine}, "type": "alerts-row"' in listed or f'"type": "alerts-row", "id": {mine}' in listed
    assert (f'#{other}"' in listed) is province, f"{who} list scope"

    _, detail = client.call("..alerts-facts.children", {"alerts-selected.data": other}, "alerts-selected.data")
    facts = json.dumps(outputs(detail)["alerts-facts.children"], ensure_ascii=False)
    assert ("该告警不存在或不在您的管辖范围内" in facts) is not province, f"{who} detail scope: {facts[:200]}"


@pytest.mark.parametrize("who", PRINCIPALS)
def test_assign_choices_only_for_who_may_assign(env: Env, who: str) -> None:
    """The assign picker's callback, called directly: user names go only to those who may assign the alert."""
    mine, _ = _new_alert(env.world, CHANGSHA, AlertState.FIRING, f"pick-cs-{who}")
    status, got = env.clients[who].call("..alerts-user.options", {"alerts-selected.data": mine},
                                        "alerts-selected.data")
    if who == "anonymous":
        assert status == 401
        return
    assert status == 200
    offered = [o["value"] for o in outputs(got)["alerts-user.options"]]
    if who in MAY["assign"] and SCOPE[who] == PROVINCE:
        # Those who may handle 长沙's alerts: its staff, the province's on-call staff and the analyst.
        assert offered == ["cs_admin", "cs_oncall", "p_admin", "p_oncall", "p_security"], who
    elif who in MAY["assign"] and SCOPE[who] == CHANGSHA:
        assert offered == ["cs_admin", "cs_oncall"], who  # a picker never names another region's people
    else:
        assert offered == [], f"{who} was shown user names"


# The duty screen (/oncall): roster, handover, silences. Expected, from the roles:
ROSTER_ADMINS = {"p_admin", "cs_admin"}
MAY_DUTY = {"add_shift": ROSTER_ADMINS, "remove_shift": ROSTER_ADMINS, "handover": ONCALL_STAFF,
            "create_silence": ONCALL_STAFF, "expire_silence": ONCALL_STAFF}
DUTY_CASES = [(who, action, city) for who in PRINCIPALS for action in MAY_DUTY for city in (CHANGSHA, ZHUZHOU)
              if not (action == "handover" and city == ZHUZHOU)]  # a handover is always in the actor's own region


def _counts(world: World) -> dict[str, Any]:
    with world.sessions() as s:
        return {"shifts": s.scalar(select(func.count()).select_from(DutyShift)),
                "handovers": s.scalar(select(func.count()).select_from(Handover)),
                "silences": s.scalar(select(func.count()).select_from(Silence)),
                "expired": s.scalar(select(func.count()).select_from(Silence)
                                    .where(Silence.expired_early_at.is_not(None)))}


def _duty_call(env: Env, who: str, action: str, city: str, n: int) -> tuple[int, dict[str, Any], str]:
    client, fmt = env.clients[who], "%Y-%m-%d %H:%M"
    if action == "add_shift":  # typed as the wall shows time: 北京时间 by default
        start = (NOW + timedelta(hours=2 * n + 1)).astimezone(env.world.config.web.tz)
        status, got = client.call("..oncall-roster-msg.children", {
            "oncall-shift-add.n_clicks": 1, "oncall-shift-scope.value": city, "oncall-shift-tier.value": 1,
            "oncall-shift-user.value": ASSIGNEE, "oncall-shift-start.value": start.strftime(fmt),
            "oncall-shift-end.value": (start + timedelta(hours=1)).strftime(fmt)}, "oncall-shift-add.n_clicks")
        return status, outputs(got), "oncall-roster-msg"
    if action == "remove_shift":
        with transaction(env.world.sessions) as s:
            shift = DutyShift(scope_code=city, tier=2, username=ASSIGNEE, starts_at=NOW + timedelta(days=3, hours=n),
                              ends_at=NOW + timedelta(days=3, hours=n + 1))
            s.add(shift)
            s.flush()
            sid = shift.id
        status, got = client.call("..oncall-roster-msg.children", {"oncall-remove.n_clicks": [(sid, 1)]},
                                  pattern_prop("oncall-remove", sid))
        return status, outputs(got), "oncall-roster-msg"
    if action == "handover":
        status, got = client.call("..oncall-handover-msg.children", {
            "oncall-handover-go.n_clicks": 1, "oncall-handover-to.value": "p_admin" if who == ASSIGNEE else ASSIGNEE,
            "oncall-handover-note.value": "交接：矩阵测试"}, "oncall-handover-go.n_clicks")
        return status, outputs(got), "oncall-handover-msg"
    if action == "create_silence":
        status, got = client.call("..oncall-silence-msg.children", {
            "oncall-silence-add.n_clicks": 1, "oncall-silence-kind.value": "silence",
            "oncall-silence-matchers.value": f"city={city}, site=X0102", "oncall-silence-hours.value": 2,
            "oncall-silence-reason.value": "矩阵测试"}, "oncall-silence-add.n_clicks")
        return status, outputs(got), "oncall-silence-msg"
    with transaction(env.world.sessions) as s:  # expire_silence
        sil = silences.create(s, [{"name": "site", "op": "=", "value": "X0102"}], NOW, NOW + timedelta(hours=4),
                              "test", "待解除", scope_code=city, now=NOW)
        sid = sil.id
    status, got = client.call("..oncall-silence-msg.children", {"oncall-expire.n_clicks": [(sid, 1)]},
                              pattern_prop("oncall-expire", sid))
    return status, outputs(got), "oncall-silence-msg"


@pytest.mark.parametrize(("who", "action", "city"), DUTY_CASES, ids=[f"{w}-{a}-{c}" for w, a, c in DUTY_CASES])
def test_duty_screen_action(env: Env, who: str, action: str, city: str) -> None:
    n = DUTY_CASES.index((who, action, city))
    before = _counts(env.world)
    status, out, msg = _duty_call(env, who, action, city, n)
    setup = {"remove_shift": "shifts", "expire_silence": "silences"}.get(action)
    if setup:  # the row to act on was written by the test itself
        before[setup] += 1
    allowed = who in MAY_DUTY[action] and (SCOPE.get(who) == PROVINCE or SCOPE.get(who) == city
                                           or action == "create_silence")
    # A roster region outside the user's scope is refused by the guard: the duty page declares the form's
    # region field, so the callback never runs (403, nothing written).
    foreign_scope = action == "add_shift" and SCOPE.get(who) not in (PROVINCE, city)
    if who == "anonymous":
        assert status == 401
    elif foreign_scope:
        assert status == 403 and not allowed
    else:
        assert status == 200
        assert out[f"{msg}.className"].endswith("msg-ok" if allowed else "msg-error"), (out, who, action)
        if who == "kiosk":
            assert "只读" in out[f"{msg}.children"]
    after = _counts(env.world)
    if not allowed:
        assert after == before, f"{who} was refused {action} but something changed"
        return
    changed = {"add_shift": ("shifts", 1), "remove_shift": ("shifts", -1), "handover": ("handovers", 1),
               "create_silence": ("silences", 1), "expire_silence": ("expired", 1)}[action]
    assert after == {**before, changed[0]: before[changed[0]] + changed[1]}, (who, action)
    with env.world.sessions() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
        assert entry.actor == who
        if action == "create_silence" and SCOPE[who] != PROVINCE:  # confined to the author's city
            newest = s.scalars(select(Silence).order_by(Silence.id.desc()).limit(1)).one()
            assert {"name": "city", "op": "=", "value": SCOPE[who]} in newest.matchers


@pytest.mark.parametrize("who", PRINCIPALS)
def test_duty_screen_reads_stay_in_scope(env: Env, who: str) -> None:
    with transaction(env.world.sessions) as s:
        mine = silences.create(s, [{"name": "rule", "op": "=", "value": f"read-{who}-cs"}], NOW,
                               NOW + timedelta(hours=4), "test", "读取测试", scope_code=CHANGSHA, now=NOW).id
        other = silences.create(s, [{"name": "rule", "op": "=", "value": f"read-{who}-zz"}], NOW,
                                NOW + timedelta(hours=4), "test", "读取测试", scope_code=ZHUZHOU, now=NOW).id
    status, got = env.clients[who].call("oncall-silences-body.children", {"oncall-silence-state.value": ""},
                                        "oncall-silence-state.value")
    if who == "anonymous":
        assert status == 401
        return
    listed = json.dumps(got, ensure_ascii=False)
    assert f"read-{who}-cs" in listed and mine
    assert (f"read-{who}-zz" in listed) is (SCOPE[who] == PROVINCE) and other
