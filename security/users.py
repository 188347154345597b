"""User accounts: create, list, disable/enable, change password, change role and scope, all audited
(the login itself is security.login).

Every function takes the caller's session and ``now``; the caller commits, so the audit entry and
the change land together.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.i18n.security import ROLE_LABELS, S
from db.models import Node, NodeLevel
from db.models_security import Role, SessionEnd, User
from security import audit
from security.passwords import check_policy, hash_password
from security.scope import PROVINCE_CODE
from security.sessions import end_user_sessions


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message is Chinese and names the field."""


def admin_exists(session: Session) -> bool:
    """Whether an active province admin exists."""
    n = session.scalar(select(func.count()).select_from(User)
                       .where(User.role == Role.PROVINCE_ADMIN, User.active.is_(True)))
    return bool(n)


def _valid_scope(session: Session, role: Role, scope_code: str) -> None:
    """A scope is the province, a city or a county (a county user sees only its county, security.scope);
    a province admin's is the province, a city admin's the province or a city."""
    node = session.get(Node, scope_code)
    if node is None:
        raise UserError(f"范围 {scope_code}：未知的地区编码（请先初始化地区数据）")
    if role is Role.PROVINCE_ADMIN and scope_code != PROVINCE_CODE:
        raise UserError(f"角色 {ROLE_LABELS[role]} 的范围必须是全省（430000），而不是 {scope_code}")
    if role is Role.CITY_ADMIN and node.level is NodeLevel.COUNTY:
        raise UserError(f"角色 {ROLE_LABELS[role]} 的范围必须是全省或某个市州的编码，而不是区县 {scope_code}")


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise UserError(S.ROLE_UNKNOWN.format(role=role, choices=", ".join(r.value for r in Role))) from None


def create_user(session: Session, username: str, password: str, role: Role | str, scope_code: str, *,
                actor: str, now: datetime, display_name: str | None = None,
                remote_addr: str | None = None) -> User:
    """Add a user with a hashed password; raises :class:`UserError` or ``PasswordError``."""
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise UserError(f"用户名 {username!r}：不能为空、不能含空白、最多 64 个字符")
    role = _role(role)
    check_policy(password)
    _valid_scope(session, role, scope_code)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"用户名 {username}：已存在")
    user = User(username=username, display_name=display_name or username, password_hash=hash_password(password),
                role=role, scope_code=scope_code, active=True, created_at=now)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", "user", user.id, scope_code=scope_code, remote_addr=remote_addr,
                 summary=S.AUDIT_USER_CREATED.format(user=username, role=ROLE_LABELS[role], scope=scope_code),
                 detail={"username": username, "role": role.value, "scope_code": scope_code}, at=now)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def users_who_may(session: Session, action: str, city_code: str, node_code: str | None = None) -> list[User]:
    """Active users whose role grants ``action`` on an object of ``city_code`` filed under ``node_code``
    (the province's or that city's staff, and that county's when the object is a county's), sorted by user
    name: the choices for assigning an alert, a shift or a handover."""
    from security.auth import can  # auth imports the models this module does; late import avoids a cycle

    rows = session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)).all()
    return [u for u in rows if can(u, action, city_code, node_code)]


def _user(session: Session, username: str) -> User:
    """The user called ``username`` (locked for update where the database can); raises :class:`UserError`."""
    name = username.strip()
    user = session.scalar(select(User).where(User.username == name).with_for_update())
    if user is None:
        raise UserError(S.USER_UNKNOWN.format(user=name or username))
    return user


def _refuse_last_admin(session: Session, user: User, what: str) -> None:
    """Refuse ``what`` when it would leave no active province admin (nobody could manage accounts)."""
    if not (user.active and user.role is Role.PROVINCE_ADMIN):
        return
    # Lock the admins' rows (PostgreSQL): two sessions disabling the last two admins at once cannot both pass.
    others = session.scalars(select(User.id).where(User.role == Role.PROVINCE_ADMIN, User.active.is_(True),
                                                   User.id != user.id).with_for_update()).all()
    if not others:
        raise UserError(S.LAST_ADMIN.format(user=user.username, what=what))


def set_active(session: Session, username: str, active: bool, *, actor: str, now: datetime,
               remote_addr: str | None = None) -> bool:
    """Disable (``active=False``) or re-enable an account; False when it already was so (nothing written).

    Disabling ends every live session of the user (security.sessions) at once.
    Raises :class:`UserError` for an unknown user or for disabling the last active province admin."""
    user = _user(session, username)
    if user.active == active:
        return False
    if not active:
        _refuse_last_admin(session, user, S.WHAT_DISABLE)
    user.active = active
    if not active:
        end_user_sessions(session, user.id, now, SessionEnd.DISABLED)
    audit.record(session, actor, "user.enable" if active else "user.disable", "user", user.id,
                 scope_code=user.scope_code, remote_addr=remote_addr,
                 summary=(S.AUDIT_USER_ENABLED if active else S.AUDIT_USER_DISABLED).format(user=user.username),
                 detail={"username": user.username, "active": active}, at=now)
    return True


def set_password(session: Session, username: str, password: str, *, actor: str, now: datetime,
                 remote_addr: str | None = None) -> User:
    """Replace a user's password (policy-checked, freshly salted) and end every live session of the
    user (security.sessions), even when the same password is set again.
    Raises :class:`UserError` for an unknown user, ``PasswordError`` for a weak password."""
    user = _user(session, username)
    check_policy(password)
    user.password_hash = hash_password(password)
    end_user_sessions(session, user.id, now, SessionEnd.PASSWORD)
    audit.record(session, actor, "user.password", "user", user.id, scope_code=user.scope_code,
                 remote_addr=remote_addr, summary=S.AUDIT_USER_PASSWORD.format(user=user.username),
                 detail={"username": user.username}, at=now)
    return user


def change_role(session: Session, username: str, role: Role | str, scope_code: str, *, actor: str, now: datetime,
                remote_addr: str | None = None) -> bool:
    """Give a user a new role and scope, validated as in :func:`create_user`; False when both are
    unchanged (nothing written). Ends every live session of the user: they log in again under the
    new role. Raises :class:`UserError`
    (unknown user, role or scope; demoting the last active province admin)."""
    user = _user(session, username)
    role = _role(role)
    scope_code = scope_code.strip()
    _valid_scope(session, role, scope_code)
    if (user.role, user.scope_code) == (role, scope_code):
        return False
    if role is not Role.PROVINCE_ADMIN:
        _refuse_last_admin(session, user, S.WHAT_DEMOTE)
    before = {"role": user.role.value, "scope_code": user.scope_code}
    user.role, user.scope_code = role, scope_code
    end_user_sessions(session, user.id, now, SessionEnd.ROLE)
    audit.record(session, actor, "user.role", "user", user.id, scope_code=scope_code, remote_addr=remote_addr,
                 summary=S.AUDIT_USER_ROLE.format(user=user.username, old_role=ROLE_LABELS[Role(before["role"])],
                                                  old_scope=before["scope_code"], role=ROLE_LABELS[role],
                                                  scope=scope_code),
                 detail={"username": user.username, "before": before,
                         "after": {"role": role.value, "scope_code": scope_code}}, at=now)
    return True


def generate_password() -> str:
    """A random password for generated accounts (demo admin)."""
    return secrets.token_urlsafe(12)
