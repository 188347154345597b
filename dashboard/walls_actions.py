"""The playlist editor's state changes (/walls): save (create or edit), delete, issue and revoke a kiosk URL;
one ``perform_*`` function per action between a Dash callback and walls/store.py.

Each checks the principal's permission (``manage_kiosk``: the province's and the cities' admins) and region
(a city admin edits its own city's room only), parses the form, runs the store function in one transaction
(all-or-nothing, audited there) and returns an :class:`Outcome` with a Chinese message. Expected refusals
never raise and write nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.i18n.playlists import TE, TP
from dashboard import inputs
from dashboard.alert_actions import Outcome
from db.models_walls import WallPlaylist
from db.session import transaction
from security.auth import Action, PermissionDenied, Principal, require
from security.scope import PROVINCE_CODE
from walls import store
from walls.items_text import parse_items
from walls.playlist import PlaylistError

SAVED, DELETED, ISSUED, REVOKED, NO_PLAYLIST = TE.SAVED, TE.DELETED, TE.ISSUED, TE.REVOKED, TE.NO_PLAYLIST


def visible(principal: Principal | None, scope: str) -> bool:
    """Whether ``principal`` may see and edit a playlist of ``scope``."""
    return principal is not None and (principal.is_province or principal.scope_code == scope)


def _allowed(principal: Principal | None, scope: str) -> Principal:
    p = require(principal, Action.MANAGE_KIOSK, scope if scope != PROVINCE_CODE else PROVINCE_CODE)
    if not visible(p, scope):
        raise PermissionDenied(TP.SCOPE_BAD.format(name="", scope=scope))
    return p


def _scope_of(session: Session, name: str) -> str:
    scope = session.scalar(select(WallPlaylist.scope_code).where(WallPlaylist.name == name.strip()))
    if scope is None:
        raise PlaylistError(TP.UNKNOWN_PLAYLIST.format(name=name))
    return scope


def perform_save(sessions: sessionmaker[Session], principal: Principal | None, *, selected: object, name: object,
                 scope: object, items_text: object, now: datetime, remote_addr: str | None = None) -> Outcome:
    """Create the playlist (nothing selected) or rename/re-item the selected one."""
    selected_name, new_name = inputs.text(selected, 64).strip(), inputs.text(name, 64)
    try:
        items = parse_items(inputs.text(items_text, 20_000))
        with transaction(sessions) as s:
            if selected_name:
                p = _allowed(principal, _scope_of(s, selected_name))
                info = store.update_playlist(s, selected_name, new_name=new_name, items=items, actor=p.actor, now=now,
                                             remote_addr=remote_addr)
            else:
                p = _allowed(principal, inputs.text(scope, 16))
                info = store.create_playlist(s, new_name, inputs.text(scope, 16), items, actor=p.actor, now=now,
                                             remote_addr=remote_addr)
    except (PlaylistError, PermissionDenied) as exc:
        return Outcome(False, str(exc))
    return Outcome(True, SAVED.format(name=info.name))


def perform_delete(sessions: sessionmaker[Session], principal: Principal | None, *, selected: object, now: datetime,
                   remote_addr: str | None = None) -> Outcome:
    name = inputs.text(selected, 64).strip()
    if not name:
        return Outcome(False, NO_PLAYLIST)
    try:
        with transaction(sessions) as s:
            p = _allowed(principal, _scope_of(s, name))
            store.delete_playlist(s, name, actor=p.actor, now=now, remote_addr=remote_addr)
    except (PlaylistError, PermissionDenied) as exc:
        return Outcome(False, str(exc))
    return Outcome(True, DELETED.format(name=name))


def perform_kiosk(sessions: sessionmaker[Session], principal: Principal | None, *, selected: object, issue: bool,
                  base_url: str, now: datetime, remote_addr: str | None = None) -> Outcome:
    """Issue (the URL shown once) or revoke the selected playlist's kiosk URL."""
    name = inputs.text(selected, 64).strip()
    if not name:
        return Outcome(False, NO_PLAYLIST)
    try:
        with transaction(sessions) as s:
            p = _allowed(principal, _scope_of(s, name))
            if issue:
                token = store.issue_kiosk(s, name, actor=p.actor, now=now, remote_addr=remote_addr)
            else:
                store.revoke_kiosk(s, name, actor=p.actor, now=now, remote_addr=remote_addr)
    except (PlaylistError, PermissionDenied) as exc:
        return Outcome(False, str(exc))
    if issue:
        return Outcome(True, ISSUED.format(url=f"{base_url.rstrip('/')}/?kiosk={token}"))
    return Outcome(True, REVOKED.format(name=name))
