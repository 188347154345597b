"""Playlists in the database (SQLite and PostgreSQL): all-or-nothing edits, audit, kiosk URLs, and the
rotation a wall gets with critical cities read from the alert table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.states import AlertState
from core.severity import Severity
from db.hunan import seed_nodes
from db.models_alerts import Alert
from db.models_security import AuditEntry
from db.models_walls import WallPlaylist, WallPlaylistItem
from db.session import transaction
from security.kiosk import resolve_token
from walls.playlist import Expansion, Item, PlaylistError
from walls.store import (
    KioskState,
    city_codes,
    create_playlist,
    delete_playlist,
    issue_kiosk,
    list_playlists,
    open_critical_cities,
    revoke_kiosk,
    rotation,
    update_playlist,
)

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
ROT = [Item("overview", 20), Item("city", 10, Expansion.CRITICAL_CITIES)]


@pytest.fixture
def sessions(migrated_db: tuple[str, sessionmaker[Session]]) -> sessionmaker[Session]:
    _, factory = migrated_db
    with transaction(factory) as s:
        seed_nodes(s)
    return factory


def _alert(s: Session, city: str, severity: Severity, state: AlertState, n: int) -> None:
    s.add(Alert(fingerprint=f"fp{n}", rule="r", rule_file="f", severity=severity, rule_severity=severity,
                state=state, labels={}, city_code=city, started_at=NOW))


def test_create_edit_rename_delete_all_or_nothing(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        info = create_playlist(s, " 省中心 ", "430000", ROT, actor="admin", now=NOW)
    assert (info.name, info.scope, info.items, info.kiosk) == ("省中心", "430000", tuple(ROT), KioskState.NONE)
    with pytest.raises(PlaylistError, match="已存在"), transaction(sessions) as s:
        create_playlist(s, "省中心", "430000", ROT, actor="admin", now=NOW)
    with pytest.raises(PlaylistError, match="范围 439900"), transaction(sessions) as s:
        create_playlist(s, "x", "439900", ROT, actor="admin", now=NOW)
    with pytest.raises(PlaylistError, match="范围 430102"), transaction(sessions) as s:  # a county: no room
        create_playlist(s, "x", "430102", [Item("city", 10, Expansion.EACH_CITY)], actor="admin", now=NOW)
    # a bad item in an edit (with a rename in the same call): nothing changes, not even the name
    with pytest.raises(PlaylistError, match="第 2 项"), transaction(sessions) as s:
        update_playlist(s, "省中心", new_name="改名", items=[Item("overview", 20), Item("city", 3)],
                        actor="admin", now=NOW)
    with sessions() as s:
        assert [p.name for p in list_playlists(s)] == ["省中心"] and list_playlists(s)[0].items == tuple(ROT)
    with transaction(sessions) as s:
        update_playlist(s, "省中心", new_name="一号厅", items=[Item("hosts", 45), Item("overview", 30)],
                        actor="admin", now=NOW)
    with sessions() as s:
        (p,) = list_playlists(s)
        assert (p.name, p.items) == ("一号厅", (Item("hosts", 45), Item("overview", 30)))
        assert s.scalar(select(func.count()).select_from(WallPlaylistItem)) == 2
    with transaction(sessions) as s:
        delete_playlist(s, "一号厅", actor="admin", now=NOW)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(WallPlaylist)) == 0
        assert s.scalar(select(func.count()).select_from(WallPlaylistItem)) == 0
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "wall_playlist")
                                 .order_by(AuditEntry.id)))
    assert actions == ["wall.create", "wall.rename", "wall.update", "wall.delete"]


def test_kiosk_url_issue_revoke_reissue(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        create_playlist(s, "长沙厅", "430100", [Item("city", 10, Expansion.EACH_CITY)], actor="admin", now=NOW)
        token = issue_kiosk(s, "长沙厅", actor="admin", now=NOW)
    with pytest.raises(PlaylistError, match="已有有效的大屏地址"), transaction(sessions) as s:
        issue_kiosk(s, "长沙厅", actor="admin", now=NOW)
    with sessions() as s:
        row = resolve_token(s, token)
        assert row is not None and row.scope_code == "430100"
        assert rotation(s, row.name, "430100", 0) == [("/city/430100", 10)]
        assert list_playlists(s)[0].kiosk is KioskState.LIVE
    with transaction(sessions) as s:
        revoke_kiosk(s, "长沙厅", actor="admin", now=NOW)
    with pytest.raises(PlaylistError, match="没有有效的大屏地址"), transaction(sessions) as s:
        revoke_kiosk(s, "长沙厅", actor="admin", now=NOW)
    with sessions() as s:
        assert resolve_token(s, token) is None and list_playlists(s)[0].kiosk is KioskState.REVOKED
    with transaction(sessions) as s:
        again = issue_kiosk(s, "长沙厅", actor="admin", now=NOW)
    with sessions() as s:
        assert again != token and resolve_token(s, again) is not None and resolve_token(s, token) is None
    with transaction(sessions) as s:  # deleting the playlist revokes its live URL: that wall stops
        delete_playlist(s, "长沙厅", actor="admin", now=NOW)
    with sessions() as s:
        assert resolve_token(s, again) is None


def test_rotation_reads_critical_cities_now(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        create_playlist(s, "省中心", "430000", ROT, actor="admin", now=NOW)
        token = issue_kiosk(s, "省中心", actor="admin", now=NOW)
    with sessions() as s:
        name = resolve_token(s, token).name  # type: ignore[union-attr]
        assert len(city_codes(s)) == 14
        assert rotation(s, name, "430000", 0) == [("/", 20)]
    with transaction(sessions) as s:
        _alert(s, "431000", Severity.CRITICAL, AlertState.FIRING, 1)
        _alert(s, "430102", Severity.CRITICAL, AlertState.ACKNOWLEDGED, 2)  # a county: counts for 长沙
        _alert(s, "430300", Severity.HIGH, AlertState.FIRING, 3)  # not critical
        _alert(s, "430400", Severity.CRITICAL, AlertState.RESOLVED, 4)  # closed
        _alert(s, "430000", Severity.CRITICAL, AlertState.FIRING, 5)  # the province's own: no city
    with sessions() as s:
        assert open_critical_cities(s) == {"431000", "430100"}
        assert rotation(s, name, "430000", 0) == [("/", 20), ("/city/430100", 10), ("/city/431000", 10)]
        # no playlist bound (another kiosk, or login off): today's built-in rotation
        assert rotation(s, "some-other-wall", "430000", 30)[:2] == [("/", 30), ("/city/430100", 30)]
        assert rotation(s, None, "430000", 0) == [("/", 3600)]


def test_an_empty_rotation_shows_the_home_page(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        create_playlist(s, "仅紧急", "430200", [Item("city", 10, Expansion.CRITICAL_CITIES)], actor="a", now=NOW)
        token = issue_kiosk(s, "仅紧急", actor="a", now=NOW)
    with sessions() as s:
        name = resolve_token(s, token).name  # type: ignore[union-attr]
        assert rotation(s, name, "430200", 0) == [("/city/430200", 60)]
