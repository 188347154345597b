"""Wall playlists in the database: create, edit, delete (all-or-nothing, audited), their kiosk URLs, and the
rotation a wall gets now (critical cities read from the alert table at rotation time)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.states import AlertState
from core.i18n.playlists import TP
from core.region import PROVINCE_CODE, city_of, is_division_code
from core.severity import Severity
from db.models import Node, NodeLevel
from db.models_alerts import Alert
from db.models_security import KioskToken
from db.models_walls import WallPlaylist, WallPlaylistItem
from security import audit
from security.kiosk import create_token, revoke_token
from walls.playlist import Expansion, Item, PlaylistError, builtin_rotation, expand, home_path, validate

NAME_MAX = 48
TOKEN_PREFIX = "wall-playlist-"  # the kiosk token of playlist 7 is named wall-playlist-7
EMPTY_DWELL = 60  # seconds a wall whose rotation is empty stays on its home page before asking again


class KioskState(enum.StrEnum):
    NONE = "none"  # never issued
    LIVE = "live"
    REVOKED = "revoked"


@dataclass(frozen=True)
class PlaylistInfo:
    """A playlist as the editor and the CLI show it."""

    id: int
    name: str
    scope: str
    items: tuple[Item, ...]
    kiosk: KioskState
    kiosk_created_at: datetime | None
    kiosk_last_used_at: datetime | None
    default: bool = False  # the seeded default of its wall room (walls/defaults.py): never deleted


def city_codes(session: Session) -> list[str]:
    """Every city code of the registry, in code order (the map's order)."""
    return list(session.scalars(select(Node.code).where(Node.level == NodeLevel.CITY).order_by(Node.code)))


def open_critical_cities(session: Session) -> set[str]:
    """The cities with a firing or acknowledged critical alert now (a county's alert counts for its city;
    the province's own objects count for no city)."""
    codes = session.scalars(select(Alert.city_code).distinct().where(
        Alert.severity == Severity.CRITICAL, Alert.state.in_((AlertState.FIRING, AlertState.ACKNOWLEDGED))))
    return {city_of(c) for c in codes if is_division_code(c) and c != PROVINCE_CODE}


def _items(row: WallPlaylist) -> tuple[Item, ...]:
    out = []
    for i in row.items:
        try:
            exp = Expansion(i.expansion)
        except ValueError:
            continue  # a value a later version wrote: not shown rather than guessed
        out.append(Item(i.view, i.dwell_seconds, exp, i.city_code))
    return tuple(out)


def _info(session: Session, row: WallPlaylist) -> PlaylistInfo:
    token = session.get(KioskToken, row.kiosk_token_id) if row.kiosk_token_id is not None else None
    state = KioskState.NONE if token is None else KioskState.REVOKED if token.revoked_at else KioskState.LIVE
    return PlaylistInfo(row.id, row.name, row.scope_code, _items(row), state,
                        token.created_at if token is not None else None,
                        token.last_used_at if token is not None else None, row.default_scope is not None)


def list_playlists(session: Session) -> list[PlaylistInfo]:
    rows = session.scalars(select(WallPlaylist).order_by(WallPlaylist.scope_code, WallPlaylist.name))
    return [_info(session, r) for r in rows]


def _get(session: Session, name: str) -> WallPlaylist:
    row = session.scalar(select(WallPlaylist).where(WallPlaylist.name == name.strip()))
    if row is None:
        raise PlaylistError(TP.UNKNOWN_PLAYLIST.format(name=name))
    return row


def _check_name(session: Session, name: str, own_id: int | None = None) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise PlaylistError(TP.NAME_BAD.format(name=name))
    other = session.scalar(select(WallPlaylist.id).where(WallPlaylist.name == name))
    if other is not None and other != own_id:
        raise PlaylistError(TP.NAME_TAKEN.format(name=name))
    return name


def set_items(session: Session, row: WallPlaylist, items: Sequence[Item]) -> None:
    if row.items:
        row.items.clear()
        session.flush()  # the old rows go first: (playlist, position) is unique
    row.items.extend(WallPlaylistItem(position=n, view=i.view, city_code=i.city or None, dwell_seconds=i.dwell,
                                      expansion=Expansion(i.expansion).value) for n, i in enumerate(items))


def create_playlist(session: Session, name: str, scope: str, items: Sequence[Item], *, actor: str, now: datetime,
                    remote_addr: str | None = None) -> PlaylistInfo:
    """Add a playlist; raises :class:`PlaylistError` (nothing written) when a name, the scope or an item is bad."""
    name = _check_name(session, name)
    node = session.get(Node, scope) if is_division_code(scope) else None
    if node is None or node.level not in (NodeLevel.PROVINCE, NodeLevel.CITY):
        raise PlaylistError(TP.SCOPE_BAD.format(name=name, scope=scope))
    validate(name, items, scope, city_codes(session))
    row = WallPlaylist(name=name, scope_code=scope, created_at=now, updated_at=now)
    set_items(session, row, items)
    session.add(row)
    session.flush()
    audit.record(session, actor, "wall.create", "wall_playlist", row.id, scope_code=scope, remote_addr=remote_addr,
                 summary=TP.AUDIT_CREATED.format(name=name, scope=scope), detail={"items": len(items)}, at=now)
    return _info(session, row)


def update_playlist(session: Session, name: str, *, actor: str, now: datetime, new_name: str | None = None,
                    items: Sequence[Item] | None = None, remote_addr: str | None = None) -> PlaylistInfo:
    """Rename the playlist and/or replace its items (in order); all-or-nothing, audited."""
    row = _get(session, name)
    old = row.name
    if new_name is not None and new_name.strip() != old:
        row.name = _check_name(session, new_name, row.id)
        audit.record(session, actor, "wall.rename", "wall_playlist", row.id, scope_code=row.scope_code,
                     remote_addr=remote_addr, summary=TP.AUDIT_RENAMED.format(old=old, new=row.name),
                     detail={"old": old, "new": row.name}, at=now)
    if items is not None:
        validate(row.name, items, row.scope_code, city_codes(session))
        set_items(session, row, items)
        session.flush()
        audit.record(session, actor, "wall.update", "wall_playlist", row.id, scope_code=row.scope_code,
                     remote_addr=remote_addr, summary=TP.AUDIT_UPDATED.format(name=row.name),
                     detail={"items": [[i.view, i.expansion.value, i.dwell, i.city] for i in items]}, at=now)
    row.updated_at = now
    session.flush()
    return _info(session, row)


def delete_playlist(session: Session, name: str, *, actor: str, now: datetime, remote_addr: str | None = None) -> None:
    """Delete the playlist; its live kiosk URL is revoked first (that wall stops). A wall room's default
    (walls/defaults.py) is refused: it can be edited, not deleted."""
    row = _get(session, name)
    if row.default_scope is not None:
        raise PlaylistError(TP.DEFAULT_KEPT.format(name=row.name, scope=row.default_scope))
    if _info(session, row).kiosk is KioskState.LIVE:
        revoke_kiosk(session, row.name, actor=actor, now=now, remote_addr=remote_addr)
    audit.record(session, actor, "wall.delete", "wall_playlist", row.id, scope_code=row.scope_code,
                 remote_addr=remote_addr, summary=TP.AUDIT_DELETED.format(name=row.name), at=now)
    session.delete(row)
    session.flush()


def issue_kiosk(session: Session, name: str, *, actor: str, now: datetime, remote_addr: str | None = None) -> str:
    """A new kiosk token for the playlist (returned in plain, once); refused while one is live."""
    row = _get(session, name)
    if _info(session, row).kiosk is KioskState.LIVE:
        raise PlaylistError(TP.KIOSK_LIVE.format(name=row.name))
    token_name = f"{TOKEN_PREFIX}{row.id}"
    old = session.scalar(select(KioskToken).where(KioskToken.name == token_name))
    if old is not None:  # a revoked one: keep it (and its audit trail) under another name
        old.name = f"{token_name}-{old.id}"
        session.flush()
    token = create_token(session, token_name, row.scope_code, actor=actor, now=now, remote_addr=remote_addr)
    row.kiosk_token_id = session.scalar(select(KioskToken.id).where(KioskToken.name == token_name))
    audit.record(session, actor, "wall.kiosk_issue", "wall_playlist", row.id, scope_code=row.scope_code,
                 remote_addr=remote_addr, summary=TP.AUDIT_KIOSK_ISSUED.format(name=row.name), at=now)
    return token


def revoke_kiosk(session: Session, name: str, *, actor: str, now: datetime, remote_addr: str | None = None) -> None:
    row = _get(session, name)
    token = session.get(KioskToken, row.kiosk_token_id) if row.kiosk_token_id is not None else None
    if token is None or token.revoked_at is not None:
        raise PlaylistError(TP.KIOSK_NONE.format(name=row.name))
    revoke_token(session, token.name, actor=actor, now=now, remote_addr=remote_addr)
    audit.record(session, actor, "wall.kiosk_revoke", "wall_playlist", row.id, scope_code=row.scope_code,
                 remote_addr=remote_addr, summary=TP.AUDIT_KIOSK_REVOKED.format(name=row.name), at=now)


def rotation(session: Session, kiosk_name: str | None, scope: str, rotate_seconds: int,
             cities: Sequence[str] | None = None) -> list[tuple[str, int]]:
    """What a wall rotates through now: the playlist its kiosk token opens, else the default playlist of
    ``scope`` (walls/defaults.py), expanded with today's critical cities (when that comes out empty, its
    home page); the built-in default only for a scope with no default playlist (a county's room)."""
    cities = list(cities) if cities is not None else city_codes(session)
    row = None
    if kiosk_name:
        row = session.scalar(select(WallPlaylist).join(KioskToken, WallPlaylist.kiosk_token_id == KioskToken.id)
                             .where(KioskToken.name == kiosk_name, KioskToken.revoked_at.is_(None)))
    if row is None:
        row = session.scalar(select(WallPlaylist).where(WallPlaylist.default_scope == scope))
    if row is None:
        return builtin_rotation(scope, cities, rotate_seconds)
    needs_alerts = any(i.expansion == Expansion.CRITICAL_CITIES.value for i in row.items)
    critical = open_critical_cities(session) if needs_alerts else set()
    got = expand(_items(row), row.scope_code, cities, critical)
    return got or [(home_path(row.scope_code), EMPTY_DWELL)]
