"""Open API tokens (api/): created for a node (the province, a city or a county), revoked by id, each
change audited. A token reads ``govops_<id>_<secret>``: the id finds the row, the secret (32 random bytes)
is compared to the stored SHA-256 in constant time. The plain token is returned once and never stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import api as text
from db.models import Node
from db.models_security import ApiToken
from security import audit

PREFIX = "govops_"
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is refreshed at most this often (no write per request)


class ApiTokenError(ValueError):
    """A token cannot be created or revoked as asked; the message is Chinese and names the value."""


@dataclass(frozen=True)
class TokenHolder:
    """Who calls the API: a live token's id, name and node (its region scope)."""

    id: int
    name: str
    node_code: str

    @property
    def actor(self) -> str:
        return f"api:{self.name}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, node_code: str, *, name: str | None = None, actor: str, now: datetime,
                 remote_addr: str | None = None) -> tuple[ApiToken, str]:
    """A new token for ``node_code`` (default name ``node-<code>``): (its row, the plain token, shown once).
    Raises :class:`ApiTokenError` for an unknown node or a bad name; nothing is written then."""
    node_code = node_code.strip()
    label = (name if name is not None else f"node-{node_code}").strip()
    if not label or len(label) > 64:
        raise ApiTokenError(text.TOKEN_NAME_BAD.format(name=label))
    if not node_code or session.get(Node, node_code) is None:
        raise ApiTokenError(text.TOKEN_NODE_UNKNOWN.format(code=node_code))
    secret = secrets.token_urlsafe(32)
    row = ApiToken(name=label, token_hash=_digest(secret), node_code=node_code, created_by=actor, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "api_token.create", "api_token", row.id, scope_code=node_code,
                 remote_addr=remote_addr, at=now, detail={"name": label, "node": node_code},
                 summary=text.AUDIT_TOKEN_CREATED.format(id=row.id, name=label, node=node_code))
    return row, f"{PREFIX}{row.id}_{secret}"


def revoke_token(session: Session, token_id: int, *, actor: str, now: datetime,
                 remote_addr: str | None = None) -> ApiToken:
    """Revoke the live token ``token_id`` (refused from the next request on); raises :class:`ApiTokenError`
    when there is no live token of that id."""
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        raise ApiTokenError(text.TOKEN_NOT_FOUND.format(id=token_id))
    row.revoked_at = now
    audit.record(session, actor, "api_token.revoke", "api_token", row.id, scope_code=row.node_code,
                 remote_addr=remote_addr, at=now, detail={"name": row.name, "node": row.node_code},
                 summary=text.AUDIT_TOKEN_REVOKED.format(id=row.id, name=row.name, node=row.node_code))
    return row


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token, revoked ones included, by id."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def split_token(token: str) -> tuple[int, str] | None:
    """(id, secret) of a well-formed token, or None."""
    if not token.startswith(PREFIX):
        return None
    ident, sep, secret = token[len(PREFIX):].partition("_")
    if not sep or not secret or not ident.isdigit() or len(ident) > 12:
        return None
    return int(ident), secret


def authenticate(session: Session, token: str, now: datetime) -> TokenHolder | None:
    """The holder of the live token ``token``, or None (malformed, unknown, revoked or wrong secret: one
    answer for all). Refreshes ``last_used_at`` at most every :data:`TOUCH_EVERY`; the caller commits."""
    parts = split_token(token)
    if parts is None:
        return None
    token_id, secret = parts
    row = session.get(ApiToken, token_id)
    expected = row.token_hash if row is not None else _digest("")
    if not hmac.compare_digest(expected, _digest(secret)) or row is None or row.revoked_at is not None:
        return None
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
    return TokenHolder(row.id, row.name, row.node_code)
