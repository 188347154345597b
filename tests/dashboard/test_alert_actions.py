"""Assigning from the on-call console: the picker's choices (dashboard.alert_actions.assignees) and the
server-side check in perform() that refuses an assignee who does not exist, is disabled, may not handle
alerts or does not cover the alert's city, writing nothing. On SQLite, and PostgreSQL when configured."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select

from dashboard.alert_actions import ASSIGNEE_COLUMNS, assignees, perform
from db.models_alerts import Alert, AlertEvent
from db.models_security import AuditEntry, Role
from db.session import transaction
from layouts.alerts import assignee_options
from security.auth import Principal
from security.users import create_user, set_active
from tests.dashboard.alert_world import fire_alerts
from tests.dashboard.world import NOW, World, build_world

PROV = Principal(actor="p_admin", scope_code="430000", role=Role.PROVINCE_ADMIN, user_id=1)
CS_OP = Principal(actor="cs_oncall", scope_code="430100", role=Role.ONCALL, user_id=2)
XT_OP = Principal(actor="xt_oncall", scope_code="430300", role=Role.ONCALL, user_id=3)
MANAGER = Principal(actor="p_manager", scope_code="430000", role=Role.MANAGER, user_id=4)
KIOSK = Principal.of_kiosk("wall", "430000")
# name -> (display name, role, scope)
USERS = {"p_admin": ("省管理员", Role.PROVINCE_ADMIN, "430000"), "p_oncall": ("李值班", Role.ONCALL, "430000"),
         "cs_oncall": ("张三", Role.ONCALL, "430100"), "cs_admin": ("王五", Role.CITY_ADMIN, "430100"),
         "xt_oncall": ("赵六", Role.ONCALL, "430300"), "p_manager": ("领导", Role.MANAGER, "430000"),
         "p_security": ("安全员", Role.SECURITY, "430000"), "gone": ("已离职", Role.ONCALL, "430100")}


@pytest.fixture
def aworld(db_url: str, tmp_path: Path) -> Iterator[tuple[World, int]]:
    world = build_world(tmp_path, db_url=db_url)
    try:
        aid = fire_alerts(world)["site_down/X0102"]  # 长沙 (430100)
        with transaction(world.sessions) as s:
            for name, (display, role, scope) in USERS.items():
                create_user(s, name, "password-2026", role, scope, actor="test", now=NOW, display_name=display)
            set_active(s, "gone", False, actor="test", now=NOW)
        yield world, aid
    finally:
        world.close()


def _snapshot(world: World, aid: int) -> tuple[Any, ...]:
    with world.sessions() as s:
        a = s.get(Alert, aid)
        assert a is not None
        return (a.version, a.assigned_to, s.scalar(select(func.count()).select_from(AlertEvent)),
                s.scalar(select(func.count()).select_from(AuditEntry)))


def test_picker_offers_active_users_who_may_handle_the_city(aworld: tuple[World, int]) -> None:
    world, aid = aworld
    with world.sessions() as s:
        got = assignees(s, CS_OP, aid)
        assert list(got.columns) == ASSIGNEE_COLUMNS
        # 湘潭's operator, the manager (view only) and the disabled account are not offered; the province's
        # staff may take it but are outside a 长沙 operator's region, so the picker does not name them
        # (issue 9). The province sees them all, the security analyst (who may acknowledge) included.
        assert list(got["username"]) == ["cs_admin", "cs_oncall"]
        assert assignee_options(got)[1] == {"label": "张三（cs_oncall）· 值班员", "value": "cs_oncall"}
        province = assignees(s, PROV, aid)
        assert list(province["username"]) == ["cs_admin", "cs_oncall", "p_admin", "p_oncall", "p_security"]
        for nobody in (KIOSK, MANAGER, XT_OP, None):  # may not assign this alert: learns no user names
            assert assignees(s, nobody, aid).empty
        assert assignees(s, PROV, 999_999).empty
    assert assignee_options(pd.DataFrame(columns=ASSIGNEE_COLUMNS)) == []


@pytest.mark.parametrize(("who", "user", "message"), [
    ("cs", "nobody", "指派对象 nobody：用户不存在"),
    ("cs", "gone", "指派对象 gone：账号已停用"),
    # Accounts of other regions that may not take the alert read as unknown to a 长沙 operator: the refusal
    # tells nothing of them (issue 9); the province is told why.
    ("cs", "p_manager", "指派对象 p_manager：用户不存在"),
    ("cs", "xt_oncall", "指派对象 xt_oncall：用户不存在"),
    ("province", "p_manager", "指派对象 p_manager：角色（领导（只读））不能处置告警"),
    ("province", "xt_oncall", "指派对象 xt_oncall：管辖范围 430300 不含该告警所属地区 430100"),
])
def test_perform_refuses_a_bad_assignee_and_writes_nothing(aworld: tuple[World, int], who: str, user: str,
                                                           message: str) -> None:
    world, aid = aworld
    before = _snapshot(world, aid)
    out = perform(world.sessions, CS_OP if who == "cs" else PROV, "assign", aid, before[0], NOW, user=user,
                  note="请处理")
    assert (out.ok, out.message) == (False, message)
    assert _snapshot(world, aid) == before


def test_perform_assigns_a_user_who_may_handle_it(aworld: tuple[World, int]) -> None:
    world, aid = aworld
    before = _snapshot(world, aid)
    out = perform(world.sessions, CS_OP, "assign", aid, before[0], NOW, user=" p_oncall ", remote_addr="127.0.0.5")
    assert (out.ok, out.message) == (True, f"已指派告警 #{aid}")
    after = _snapshot(world, aid)
    assert after[:2] == (before[0] + 1, "p_oncall") and after[2] == before[2] + 1
    with world.sessions() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
        assert (entry.actor, entry.action, entry.remote_addr) == ("cs_oncall", "alert.assign", "127.0.0.5")
