"""The default playlist of each wall room, seeded as data: at start-up (runtime.bootstrap.prepare_database)
every room this node shows (the province's and each city's; a city node its own) without a default playlist
gets one, holding what :func:`walls.playlist.builtin_rotation` plays today. Idempotent: a room that has one
is left alone, whatever an admin made of it (renamed, re-itemed); defaults are never deleted
(walls.store.delete_playlist), so seeding again adds nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n.playlists import TP
from core.region import PROVINCE_CODE
from db.models import Node
from db.models_walls import WallPlaylist
from walls.playlist import default_items
from walls.store import NAME_MAX, city_codes, set_items


def default_scopes(session: Session, node_code: str) -> list[str]:
    """The wall rooms a node of ``node_code`` shows: the province's and every city's on the province (or an
    all-in-one) node, its own on a city node."""
    if node_code != PROVINCE_CODE:
        return [node_code]
    return [PROVINCE_CODE, *city_codes(session)]


def _free_name(session: Session, base: str) -> str:
    """``base``, or ``base`` with a number when an admin already used the name for a playlist of their own."""
    taken = set(session.scalars(select(WallPlaylist.name).where(WallPlaylist.name.startswith(base))))
    name, n = base[:NAME_MAX], 2
    while name in taken:
        name = f"{base[:NAME_MAX - 4]}（{n}）"
        n += 1
    return name


def seed_defaults(session: Session, scopes: list[str], rotate_seconds: int, now: datetime) -> list[str]:
    """Add the default playlist of each of ``scopes`` that has none (a scope not in the registry is skipped);
    returns the names added. Writes nothing for a room that has one. Like the divisions seeded beside them,
    these are the installation's initial state, not an audited act (the start-up log names them); every
    later edit is audited."""
    have = set(session.scalars(select(WallPlaylist.default_scope).where(WallPlaylist.default_scope.in_(scopes))))
    added: list[str] = []
    for scope in scopes:
        node = session.get(Node, scope)
        if scope in have or node is None:
            continue
        label = TP.PROVINCE if scope == PROVINCE_CODE else node.name
        row = WallPlaylist(name=_free_name(session, TP.DEFAULT_NAME.format(scope=label)), scope_code=scope,
                           default_scope=scope, created_at=now, updated_at=now)
        set_items(session, row, default_items(scope, rotate_seconds))
        session.add(row)
        session.flush()
        added.append(row.name)
    session.flush()
    return added
