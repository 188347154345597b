"""Identity and audit: users with a role and a region scope, kiosk tokens for walls, the audit log.

A user's scope is a node code: ``430000`` (the province) sees everything, a city code sees that city
and its counties. Passwords and kiosk tokens are stored only as hashes.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, _enum, utcnow
from db.types import UTCDateTime


class Role(enum.StrEnum):
    PROVINCE_ADMIN = "province_admin"  # 省级管理员
    CITY_ADMIN = "city_admin"  # 市州管理员
    ONCALL = "oncall"  # 值班员
    MANAGER = "manager"  # 领导（只读）
    SECURITY = "security"  # 安全分析员
    EDITOR = "editor"  # 编辑
    REVIEWER = "reviewer"  # 审核员


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    scope_code: Mapped[str] = mapped_column(ForeignKey("node.code"))
    phone: Mapped[str | None] = mapped_column(String(32))  # SMS notifications
    email: Mapped[str | None] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SessionEnd(enum.StrEnum):
    """Why a login session ended (closed: the guard refuses an ended session whatever the reason)."""

    LOGOUT = "logout"
    PASSWORD = "password"  # the password was changed
    DISABLED = "disabled"  # the account was disabled
    ROLE = "role"  # the role or scope was changed
    EXPIRED = "expired"  # unused for longer than session_hours


class LoginSession(Base):
    """A personal login, kept server-side so it can be ended: the browser's signed cookie carries a
    random session id, only its SHA-256 is stored here, and the guard checks the row on every request."""

    __tablename__ = "login_session"
    __table_args__ = (Index("ix_login_session_user", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[SessionEnd | None] = mapped_column(_enum(SessionEnd, "session_end"))


class LoginGate(Base):
    """Lock rows for the login throttle: an attempt locks the rows of its user name's and its address's
    stripes (a hash modulo a fixed count, so the table never grows) while it checks and counts recent
    failures, so parallel attempts are counted one after another on SQLite and PostgreSQL alike."""

    __tablename__ = "login_gate"

    stripe: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    touched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginAttempt(Base):
    """Every login attempt; throttling counts recent failures per user name and per address. An attempt
    is stored as failed before its password is checked and marked ok once it succeeds, so attempts in
    flight count against the limit."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_username_at", "username", "at"),
                      Index("ix_login_attempt_remote_at", "remote_addr", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    remote_addr: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)


class KioskToken(Base):
    """A read-only, revocable token a wall display uses instead of a personal login."""

    __tablename__ = "kiosk_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    scope_code: Mapped[str] = mapped_column(ForeignKey("node.code"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Append-only: who did what to which object, when and from where. Never updated or deleted."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_at", "at"), Index("ix_audit_entry_object", "object_type", "object_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(96))  # user name, "system", or "kiosk:<name>"
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    scope_code: Mapped[str | None] = mapped_column(String(6))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")  # Chinese, for the audit screen


class ApiToken(Base):
    """A token of the open API (api/): a node's or an integration's agent writes metrics and reads data of
    the token's region with it. Only the SHA-256 of the secret part is stored; revoked rows stay for the
    audit."""

    __tablename__ = "api_token"
    __table_args__ = (Index("ix_api_token_node", "node_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    node_code: Mapped[str] = mapped_column(ForeignKey("node.code"))  # the region the token may write and read
    created_by: Mapped[str] = mapped_column(String(96))  # audit actor: "cli" or a user name
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
