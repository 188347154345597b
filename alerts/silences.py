"""Silences and maintenance windows: label matchers muting notifications for a time window.

A silence's state (pending / active / expired) is derived from ``now`` and never stored
(Alertmanager's ``silence`` state). Creating and expiring write an audit entry in the same
transaction; the caller's session is flushed, the caller commits.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.errors import ScopeError
from alerts.matchers import Matcher, MatcherError, parse_matchers
from alerts.states import SilenceKind
from core.i18n import alerts as T
from core.logging import get_logger
from core.region import is_county
from db.models_alerts import Silence
from db.timestamps import aware
from security import audit
from security.scope import PROVINCE_CODE, can_see, city_of

log = get_logger(__name__)


class SilenceError(ValueError):
    """A silence cannot be created or changed as asked; the message says why."""


class SilenceState(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    EXPIRED = "expired"


def silence_state(starts_at: datetime, ends_at: datetime, expired_early_at: datetime | None,
                  now: datetime) -> SilenceState:
    """Pending before ``starts_at``, active until ``ends_at`` (or an early expiry), expired after. Pure."""
    end = min(ends_at, expired_early_at) if expired_early_at else ends_at
    if now >= end:
        return SilenceState.EXPIRED
    if now < starts_at:
        return SilenceState.PENDING
    return SilenceState.ACTIVE


def state_of(s: Silence, now: datetime) -> SilenceState:
    return silence_state(aware(s.starts_at), aware(s.ends_at),
                         aware(s.expired_early_at) if s.expired_early_at else None, now)


@dataclass(frozen=True)
class ActiveSilence:
    """What the pipeline needs of one silence: its id, kind, matchers and reason."""

    id: int
    kind: SilenceKind
    matchers: tuple[Matcher, ...]
    reason: str
    created_by: str


def create(session: Session, matchers: Iterable[Mapping[str, str]], starts_at: datetime, ends_at: datetime,
           author: str, reason: str, *, kind: SilenceKind = SilenceKind.SILENCE, scope_code: str,
           now: datetime, remote_addr: str | None = None) -> Silence:
    """Add a silence (or maintenance window); raises :class:`SilenceError` / ``MatcherError`` on bad input.

    ``scope_code`` is the author's scope: a city user's silence gets an extra ``city=<code>`` matcher, a
    county user's ``city=<its city>`` and ``node=<code>`` (:func:`region_matchers`), so it can never mute
    another region's alerts.
    """
    raw = [dict(m) for m in matchers]
    parsed = parse_matchers(raw, where="静默的匹配条件")
    if ends_at <= starts_at:
        raise SilenceError(f"silence: ends_at {ends_at.isoformat()} is not after starts_at {starts_at.isoformat()}")
    if ends_at <= now:
        raise SilenceError(f"silence: ends_at {ends_at.isoformat()} is already in the past")
    if not reason.strip():
        raise SilenceError("silence: a reason is required")
    for name, value in region_matchers(scope_code):
        if not any(m.name == name and m.op == "=" and m.value == value for m in parsed):
            raw.append({"name": name, "op": "=", "value": value})
    s = Silence(kind=kind, matchers=raw, starts_at=starts_at, ends_at=ends_at, created_by=author,
                reason=reason.strip(), scope_code=scope_code, created_at=now)
    session.add(s)
    session.flush()
    label = T.SILENCE_KIND[kind.value]
    audit.record(session, author, f"{kind.value}.create", "silence", s.id, scope_code=scope_code,
                 remote_addr=remote_addr, at=now,
                 summary=T.AUDIT_SILENCE_CREATE.format(kind=label, matchers=_text(raw), reason=s.reason),
                 detail={"matchers": raw, "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})
    return s


def region_matchers(scope_code: str) -> list[tuple[str, str]]:
    """The equality matchers that keep a silence of ``scope_code`` inside it: none for the province,
    ``city`` for a city, ``city`` and ``node`` for a county (alerts carry both labels). Pure."""
    if scope_code == PROVINCE_CODE:
        return []
    if is_county(scope_code):
        return [("city", city_of(scope_code)), ("node", scope_code)]
    return [("city", scope_code)]


def expire(session: Session, silence_id: int, actor: str, actor_scope: str, now: datetime,
           remote_addr: str | None = None) -> Silence:
    """End a pending or active silence now; raises :class:`SilenceError` if already expired or unknown."""
    s = session.get(Silence, silence_id)
    if s is None:
        raise SilenceError(f"silence {silence_id} does not exist")
    if not can_see(actor_scope, s.scope_code):
        raise ScopeError(f"silence {silence_id} belongs to scope {s.scope_code}, outside {actor_scope}")
    if state_of(s, now) is SilenceState.EXPIRED:
        raise SilenceError(f"silence {silence_id} has already expired")
    s.expired_early_at = now
    session.flush()
    audit.record(session, actor, f"{s.kind.value}.expire", "silence", s.id, scope_code=s.scope_code,
                 remote_addr=remote_addr, at=now,
                 summary=T.AUDIT_SILENCE_EXPIRE.format(kind=T.SILENCE_KIND[s.kind.value], matchers=_text(s.matchers)))
    return s


def list_silences(session: Session, now: datetime, *, state: SilenceState | None = None,
                  scope_code: str | None = None) -> list[tuple[Silence, SilenceState]]:
    """Silences with their state at ``now``, newest first; filtered by state and viewer scope."""
    rows = session.scalars(select(Silence).order_by(Silence.id.desc())).all()
    out = [(s, state_of(s, now)) for s in rows]
    if scope_code is not None:
        out = [(s, st) for s, st in out if can_see(scope_code, s.scope_code)]
    if state is not None:
        out = [(s, st) for s, st in out if st is state]
    return out


def active_silences(session: Session, now: datetime) -> list[ActiveSilence]:
    """Silences active at ``now``, matchers parsed. A stored matcher that no longer parses (a silence
    written before matchers became RE2's, with a look-ahead or a backreference) is skipped and logged
    (``silence.unparseable``): it mutes nothing rather than stop the alerting cycle."""
    rows = session.scalars(select(Silence).where(Silence.starts_at <= now, Silence.ends_at > now)).all()
    out: list[ActiveSilence] = []
    for s in rows:
        if state_of(s, now) is not SilenceState.ACTIVE:
            continue
        try:
            matchers = tuple(parse_matchers(s.matchers, where=f"静默 #{s.id} 的匹配条件"))
        except MatcherError as exc:
            log.warning("silence.unparseable", silence=s.id, reason=str(exc))
            continue
        out.append(ActiveSilence(s.id, s.kind, matchers, s.reason, s.created_by))
    return out


def _text(raw: Sequence[Mapping[str, str]]) -> str:
    return ", ".join(f'{m["name"]}{m["op"]}"{m["value"]}"' for m in raw)
