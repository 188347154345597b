"""Kiosk tokens: read-only, revocable wall logins. Only a SHA-256 hash of each token is stored.

A token is 32 random bytes (URL-safe), so a plain hash is enough: there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n.security import S
from db.models import Node
from db.models_security import KioskToken
from security import audit

DEMO_WALL = "demo-wall"


class KioskError(ValueError):
    """A kiosk token cannot be created or revoked as asked; the message is Chinese."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, name: str, scope_code: str, *, actor: str, now: datetime,
                 created_by: int | None = None, remote_addr: str | None = None) -> str:
    """Create a token named ``name`` for ``scope_code`` (the province, a city or a county: a county wall sees
    only its county, security.scope) and return the plain token (shown once)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise KioskError(f"令牌名称 {name!r}：不能为空，最多 64 个字符")
    if session.get(Node, scope_code) is None:
        raise KioskError(f"范围 {scope_code}：未知的地区编码")
    if session.scalar(select(KioskToken.id).where(KioskToken.name == name)) is not None:
        raise KioskError(f"令牌名称 {name}：已存在（可先吊销或换一个名称）")
    token = secrets.token_urlsafe(32)
    row = KioskToken(name=name, token_hash=hash_token(token), scope_code=scope_code, created_by=created_by,
                     created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "kiosk.create", "kiosk_token", row.id, scope_code=scope_code,
                 remote_addr=remote_addr, summary=S.AUDIT_KIOSK_CREATED.format(name=name, scope=scope_code),
                 detail={"name": name}, at=now)
    return token


def revoke_token(session: Session, name: str, *, actor: str, now: datetime, remote_addr: str | None = None) -> None:
    """Revoke the live token ``name``; raises :class:`KioskError` when there is none."""
    row = session.scalar(select(KioskToken).where(KioskToken.name == name))
    if row is None or row.revoked_at is not None:
        raise KioskError(f"令牌名称 {name}：不存在或已被吊销")
    row.revoked_at = now
    audit.record(session, actor, "kiosk.revoke", "kiosk_token", row.id, scope_code=row.scope_code,
                 remote_addr=remote_addr, summary=S.AUDIT_KIOSK_REVOKED.format(name=name), detail={"name": name},
                 at=now)


def list_tokens(session: Session) -> list[KioskToken]:
    return list(session.scalars(select(KioskToken).order_by(KioskToken.name)))


def resolve_token(session: Session, token: str) -> KioskToken | None:
    """The live (not revoked) token row matching ``token``, or None."""
    if not token:
        return None
    row = session.scalar(select(KioskToken).where(KioskToken.token_hash == hash_token(token)))
    return row if row is not None and row.revoked_at is None else None


def live_token(session: Session, token_id: int) -> KioskToken | None:
    """The token row by id when it is not revoked (checked on every request of a kiosk session)."""
    row = session.get(KioskToken, token_id)
    return row if row is not None and row.revoked_at is None else None


def replace_demo_token(session: Session, scope_code: str, *, now: datetime) -> str:
    """A fresh demo-wall token: the previous demo token (if any) is revoked, since its plain value
    is unknown. Returns the new token."""
    old = session.scalar(select(KioskToken).where(KioskToken.name == DEMO_WALL))
    if old is not None:
        if old.revoked_at is None:
            revoke_token(session, DEMO_WALL, actor=audit.SYSTEM, now=now)
        old.name = f"{DEMO_WALL}-{old.id}"  # free the name for the new one; the old row stays for the audit
        session.flush()
    return create_token(session, DEMO_WALL, scope_code, actor=audit.SYSTEM, now=now)


def demo_token(session: Session, scope_code: str, *, now: datetime, kept: str | None) -> tuple[str, bool]:
    """The demo wall's token: ``kept`` (the plain token saved at an earlier start) while it is still the
    live ``demo-wall`` row for ``scope_code``, so open walls keep working across restarts; otherwise a
    fresh one (the old row revoked, as its plain value is lost). Returns (token, created)."""
    if kept:
        row = resolve_token(session, kept.strip())
        if row is not None and row.name == DEMO_WALL and row.scope_code == scope_code:
            return kept.strip(), False
    return replace_demo_token(session, scope_code, now=now), True
