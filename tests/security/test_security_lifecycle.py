"""Account lifecycle on a real migrated database (SQLite, and PostgreSQL when configured): disable and
enable, password change, role and scope change. Each change is audited; each refusal names the field
in Chinese and leaves the account and the audit log untouched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.hunan import seed_nodes
from db.models_security import AuditEntry, Role, User
from db.session import transaction
from security.passwords import PasswordError, verify_password
from security.sessions import live_user, open_session
from security.users import (
    UserError,
    admin_exists,
    change_role,
    create_user,
    set_active,
    set_password,
    users_who_may,
)

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
WHO = {"actor": "root", "now": T0, "remote_addr": "127.0.0.7"}


@pytest.fixture
def sessions(migrated_db: tuple[str, sessionmaker[Session]]) -> sessionmaker[Session]:
    factory = migrated_db[1]
    with transaction(factory) as s:
        seed_nodes(s)
        create_user(s, "root", "root-password", Role.PROVINCE_ADMIN, "430000", actor="cli", now=T0)
        create_user(s, "cs", "cs-password", Role.ONCALL, "430100", actor="cli", now=T0, display_name="张三")
    return factory


def _user(sessions: sessionmaker[Session], name: str) -> User:
    with sessions() as s:
        user = s.scalar(select(User).where(User.username == name))
        assert user is not None
        s.expunge(user)
        return user


def _audit(sessions: sessionmaker[Session]) -> list[tuple[str, str, str | None, str]]:
    with sessions() as s:
        return [(e.actor, e.action, e.remote_addr, e.summary) for e in
                s.scalars(select(AuditEntry).where(AuditEntry.action != "user.create").order_by(AuditEntry.id))]


def test_disable_and_enable_are_audited_and_idempotent(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        assert set_active(s, "cs", False, **WHO) is True
        assert [u.username for u in users_who_may(s, "ack", "430100")] == ["root"]  # no longer a choice
    with transaction(sessions) as s:
        assert set_active(s, " cs ", False, **WHO) is False  # already disabled: nothing written
    assert _user(sessions, "cs").active is False
    with transaction(sessions) as s:
        assert set_active(s, "cs", True, **WHO) is True
    assert _user(sessions, "cs").active is True
    assert _audit(sessions) == [("root", "user.disable", "127.0.0.7", "停用用户 cs"),
                                ("root", "user.enable", "127.0.0.7", "启用用户 cs")]
    with sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "user.disable")).one()
        assert (entry.scope_code, entry.detail) == ("430100", {"username": "cs", "active": False})


def test_the_last_active_province_admin_stays(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(UserError, match="root：是唯一启用的省级管理员，不能停用"), transaction(sessions) as s:
        set_active(s, "root", False, **WHO)
    with pytest.raises(UserError, match="不能改为其他角色"), transaction(sessions) as s:
        change_role(s, "root", Role.CITY_ADMIN, "430100", **WHO)
    with sessions() as s:
        assert admin_exists(s)
    # With a second admin, the first may go; then the second is the last one.
    with transaction(sessions) as s:
        change_role(s, "cs", Role.PROVINCE_ADMIN, "430000", **WHO)
    with transaction(sessions) as s:
        assert set_active(s, "root", False, **WHO)
    with pytest.raises(UserError, match="cs：是唯一启用的省级管理员"), transaction(sessions) as s:
        change_role(s, "cs", "oncall", "430000", **WHO)
    with transaction(sessions) as s:  # the province scope stays for a province admin: no demotion, allowed
        assert change_role(s, "cs", Role.PROVINCE_ADMIN, "430000", **WHO) is False
    assert [a[1] for a in _audit(sessions)] == ["user.role", "user.disable"]


def _open(sessions: sessionmaker[Session], name: str) -> str:
    with transaction(sessions) as s:
        return open_session(s, s.scalar(select(User).where(User.username == name)), T0, "127.0.0.1")


def _live(sessions: sessionmaker[Session], token: str) -> bool:
    with transaction(sessions) as s:
        return live_user(s, token, T0 + timedelta(minutes=5), timedelta(hours=12)) is not None


def test_password_change_is_policy_checked_and_ends_old_sessions(sessions: sessionmaker[Session]) -> None:
    old, admins = _open(sessions, "cs"), _open(sessions, "root")
    with pytest.raises(PasswordError, match="至少需要 8 个字符"), transaction(sessions) as s:
        set_password(s, "cs", "short", **WHO)
    assert _live(sessions, old)  # refused: nothing written, the session lives on
    with transaction(sessions) as s:
        set_password(s, "cs", "new-cs-password", **WHO)
    user = _user(sessions, "cs")
    assert verify_password(user.password_hash, "new-cs-password")
    assert not verify_password(user.password_hash, "cs-password")
    assert not _live(sessions, old) and _live(sessions, admins)  # another user's session is untouched
    newer = _open(sessions, "cs")
    with transaction(sessions) as s:  # the same password again still ends the sessions
        set_password(s, "cs", "new-cs-password", **WHO)
    assert not _live(sessions, newer)
    entries = _audit(sessions)
    assert [e[1:] for e in entries] == [("user.password", "127.0.0.7", "修改用户 cs 的密码")] * 2
    with sessions() as s:
        details = [e.detail for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "user.password"))]
    assert details == [{"username": "cs"}] * 2  # never the password or its hash


def test_role_change_validated_like_create(sessions: sessionmaker[Session]) -> None:
    bad = [("nobody", Role.ONCALL, "430100", "用户 nobody：不存在"), ("cs", "king", "430100", "角色 'king'：未知"),
           ("cs", Role.ONCALL, "999999", "范围 999999：未知的地区编码"),
           ("cs", Role.CITY_ADMIN, "430102", "而不是区县"),
           ("cs", Role.PROVINCE_ADMIN, "430100", "必须是全省")]
    for name, role, scope, msg in bad:
        with pytest.raises(UserError, match=msg), transaction(sessions) as s:
            change_role(s, name, role, scope, **WHO)
    assert _audit(sessions) == []
    with transaction(sessions) as s:
        assert change_role(s, "cs", "city_admin", "430200", **WHO) is True
        assert change_role(s, "cs", Role.CITY_ADMIN, "430200", **WHO) is False
    user = _user(sessions, "cs")
    assert (user.role, user.scope_code) == (Role.CITY_ADMIN, "430200")
    (entry,) = _audit(sessions)
    assert entry == ("root", "user.role", "127.0.0.7",
                     "调整用户 cs 的角色：值班员（范围 430100）→ 市州管理员（范围 430200）")
    with sessions() as s:
        assert [u.username for u in users_who_may(s, "ack", "430100")] == ["root"]
        assert [u.username for u in users_who_may(s, "ack", "430200")] == ["cs", "root"]


def test_unknown_user_is_named(sessions: sessionmaker[Session]) -> None:
    for change in (lambda s: set_active(s, "ghost", False, **WHO), lambda s: set_password(s, "ghost", "x" * 12, **WHO)):
        with pytest.raises(UserError, match="用户 ghost：不存在"), transaction(sessions) as s:
            change(s)
    assert _audit(sessions) == []


def test_disable_and_role_change_end_live_sessions(sessions: sessionmaker[Session]) -> None:
    token = _open(sessions, "cs")
    with pytest.raises(UserError), transaction(sessions) as s:
        change_role(s, "cs", Role.ONCALL, "999999", **WHO)
    assert _live(sessions, token)  # a refused change ends nothing
    with transaction(sessions) as s:
        assert change_role(s, "cs", Role.ONCALL, "430100", **WHO) is False  # nothing changed: nothing ends
    assert _live(sessions, token)
    with transaction(sessions) as s:
        change_role(s, "cs", Role.MANAGER, "430100", **WHO)
    assert not _live(sessions, token)
    token = _open(sessions, "cs")
    with transaction(sessions) as s:
        set_active(s, "cs", False, **WHO)
    with transaction(sessions) as s:
        set_active(s, "cs", True, **WHO)
    assert not _live(sessions, token)  # re-enabling does not bring the old session back
