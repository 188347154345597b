"""Users, login throttling and kiosk tokens against a real migrated database, all audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.hunan import seed_nodes
from db.models_security import AuditEntry, KioskToken, LoginAttempt, Role, User
from db.session import transaction
from security.kiosk import KioskError, create_token, hash_token, replace_demo_token, resolve_token, revoke_token
from security.login import authenticate
from security.throttle import locked_until
from security.users import UserError, admin_exists, create_user

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


@pytest.fixture
def sessions(migrated_db: tuple[str, sessionmaker[Session]]) -> sessionmaker[Session]:
    factory = migrated_db[1]
    with transaction(factory) as s:
        seed_nodes(s)
    return factory


def _actions(s: Session) -> list[str]:
    return [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_locked_until_is_pure_and_ends_on_time() -> None:
    fails = [T0 + timedelta(minutes=m) for m in (0, 1, 2)]
    assert locked_until(fails[:2], T0 + timedelta(minutes=3), 3, WINDOW) is None
    assert locked_until(fails, T0 + timedelta(minutes=3), 3, WINDOW) == T0 + WINDOW
    assert locked_until(fails, T0 + WINDOW, 3, WINDOW) is None  # the oldest left the window


def test_create_users_and_validation(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        assert not admin_exists(s)
        create_user(s, "root", "password-1", Role.PROVINCE_ADMIN, "430000", actor="cli", now=T0)
        create_user(s, "cs", "password-2", "city_admin", "430100", actor="root", now=T0)
        assert admin_exists(s)
    bad = [("root", Role.ONCALL, "430000", "已存在"), ("x", "king", "430000", "未知"),
           ("x", Role.ONCALL, "999999", "未知的地区编码"),
           ("x", Role.CITY_ADMIN, "430102", "市州的编码，而不是区县 430102"),
           ("x", Role.PROVINCE_ADMIN, "430100", "全省"), ("a b", Role.ONCALL, "430000", "空白")]
    for name, role, scope, msg in bad:
        with pytest.raises(UserError, match=msg), transaction(sessions) as s:
            create_user(s, name, "password-3", role, scope, actor="root", now=T0)
    with sessions() as s:
        assert _actions(s) == ["user.create", "user.create"]


def test_login_throttles_per_user_and_per_address(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        create_user(s, "op", "right-password", Role.ONCALL, "430100", actor="cli", now=T0)

    def login(user: str, pw: str, addr: str, minutes: float):  # type: ignore[no-untyped-def]
        r = authenticate(sessions, user, pw, addr, T0 + timedelta(minutes=minutes), max_failures=3, window=WINDOW,
                         idle=timedelta(hours=12))
        return r.user_id is not None, r.message

    assert login("op", "right-password", "127.0.0.1", 0) == (True, "")
    for m in (1, 2, 3):
        assert login("op", "wrong", f"127.0.0.{m}", m) == (False, "用户名或密码错误")
    ok, msg = login("op", "right-password", "127.0.0.9", 4)  # per user name: locked, right password or not
    assert not ok and "登录失败次数过多" in msg and "12 分钟" in msg
    assert not login("op", "right-password", "127.0.0.9", 15.9)[0]
    assert login("op", "right-password", "127.0.0.9", 16.5) == (True, "")  # the first failure left the window
    for m in (20, 21, 22):
        login(f"ghost{m}", "x", "127.0.0.7", m)
    assert not login("op", "right-password", "127.0.0.7", 23)[0]  # per address
    assert login("op", "right-password", "127.0.0.8", 23)[0]
    with sessions() as s:
        acts = _actions(s)
        assert acts.count("login") == 3 and acts.count("login.failed") == 6 and acts.count("login.refused") == 3
        # refused attempts are not counted as failures, so an attack cannot extend the lock forever
        assert len(s.scalars(select(LoginAttempt)).all()) == 9


def test_kiosk_token_lifecycle(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        token = create_token(s, "省中心大屏", "430000", actor="root", now=T0)
    with transaction(sessions) as s:
        row = s.scalar(select(KioskToken))
        assert row is not None and row.token_hash == hash_token(token) and token not in row.token_hash
        assert resolve_token(s, token) is not None and resolve_token(s, token + "x") is None
        with pytest.raises(KioskError, match="已存在"):
            create_token(s, "省中心大屏", "430000", actor="root", now=T0)
    with transaction(sessions) as s:
        revoke_token(s, "省中心大屏", actor="root", now=T0)
    with transaction(sessions) as s:
        assert resolve_token(s, token) is None
        with pytest.raises(KioskError, match="已被吊销"):
            revoke_token(s, "省中心大屏", actor="root", now=T0)
        first = replace_demo_token(s, "430000", now=T0)
        second = replace_demo_token(s, "430000", now=T0)
        assert resolve_token(s, first) is None and resolve_token(s, second) is not None
    with sessions() as s:
        assert _actions(s) == ["kiosk.create", "kiosk.revoke", "kiosk.create", "kiosk.revoke", "kiosk.create"]


def test_users_who_may_respects_role_scope_and_active(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    from security.users import users_who_may

    _, sessions = migrated_db
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    with sessions() as s:
        seed_nodes(s)
        for name, role, scope in [("p_oncall", "oncall", "430000"), ("cs_oncall", "oncall", "430100"),
                                  ("zz_oncall", "oncall", "430200"), ("cs_manager", "manager", "430100"),
                                  ("cs_gone", "oncall", "430100")]:
            create_user(s, name, "long enough pw", role, scope, actor="t", now=now)
        s.scalar(select(User).where(User.username == "cs_gone")).active = False
        s.commit()
        assert [u.username for u in users_who_may(s, "assign", "430100")] == ["cs_oncall", "p_oncall"]
        assert [u.username for u in users_who_may(s, "assign", "430000")] == ["p_oncall"]
        assert [u.username for u in users_who_may(s, "view", "430200")] == ["p_oncall", "zz_oncall"]
