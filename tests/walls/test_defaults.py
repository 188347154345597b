"""Default playlists as seeded data: each wall room's default is a row holding today's built-in rotation,
seeded once (re-seeding adds nothing and never overwrites an admin's edit), played by a screen bound to no
playlist, never deleted; the built-in rotation remains only for a room without a row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.config import load_config
from core.region import PROVINCE_CODE
from db.hunan import seed_nodes
from db.models_walls import WallPlaylist
from db.session import transaction
from runtime.bootstrap import prepare_database
from walls.defaults import default_scopes, seed_defaults
from walls.playlist import DWELL_MAX, Expansion, Item, PlaylistError, builtin_rotation, default_items, expand
from walls.store import city_codes, create_playlist, delete_playlist, list_playlists, rotation, update_playlist

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
CITIES = [f"43{n:02d}00" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 31)]


@pytest.mark.parametrize("rotate", [0, 5, 30, 600, 3600])
@pytest.mark.parametrize("scope", [PROVINCE_CODE, "430100", "433100"])
def test_default_items_expand_to_the_builtin_rotation(scope: str, rotate: int) -> None:
    assert expand(default_items(scope, rotate), scope, CITIES, set()) == builtin_rotation(scope, CITIES, rotate)


def test_default_items_stay_within_the_dwell_bounds() -> None:
    assert default_items(PROVINCE_CODE, 86400) == [Item("overview", DWELL_MAX),
                                                   Item("city", DWELL_MAX, Expansion.EACH_CITY)]
    assert default_items(PROVINCE_CODE, 0) == [Item("overview", DWELL_MAX)]
    assert default_items(PROVINCE_CODE, 1) == [Item("overview", 5), Item("city", 5, Expansion.EACH_CITY)]


@pytest.fixture
def sessions(migrated_db: tuple[str, sessionmaker[Session]]) -> sessionmaker[Session]:
    _, factory = migrated_db
    with transaction(factory) as s:
        seed_nodes(s)
    return factory


def _defaults(s: Session) -> dict[str, str]:
    rows = s.execute(select(WallPlaylist.default_scope, WallPlaylist.name)
                     .where(WallPlaylist.default_scope.is_not(None)))
    return {str(scope): name for scope, name in rows}


def test_seeding_is_once_per_room_and_keeps_an_admins_edits(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        create_playlist(s, "长沙市大屏默认轮播", "430100", [Item("services", 30)], actor="admin", now=NOW)
        scopes = default_scopes(s, PROVINCE_CODE)
        added = seed_defaults(s, scopes, 30, NOW)
    assert scopes == [PROVINCE_CODE, *CITIES] and len(added) == 15
    with sessions() as s:
        defaults = _defaults(s)
        assert set(defaults) == set(scopes)
        assert defaults[PROVINCE_CODE] == "全省大屏默认轮播"
        assert defaults["430100"] == "长沙市大屏默认轮播（2）"  # an admin's playlist kept its name
        assert rotation(s, None, PROVINCE_CODE, 999) == builtin_rotation(PROVINCE_CODE, city_codes(s), 30)
        assert rotation(s, None, "430200", 999) == [("/city/430200", 30)]
        assert rotation(s, None, "430102", 999) == [("/city/430102", 999)]  # a county: no row, the fallback

    with transaction(sessions) as s:  # an admin edits the province's default and renames a city's
        update_playlist(s, "全省大屏默认轮播", items=[Item("services", 20), Item("city", 10, Expansion.EACH_CITY)],
                        actor="admin", now=NOW)
        update_playlist(s, "株洲市大屏默认轮播", new_name="株洲大屏", actor="admin", now=NOW)
    with transaction(sessions) as s:
        assert seed_defaults(s, default_scopes(s, PROVINCE_CODE), 60, NOW + timedelta(days=1)) == []
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(WallPlaylist)) == 16
        assert _defaults(s)["430200"] == "株洲大屏"
        assert rotation(s, None, PROVINCE_CODE, 999) == [("/services", 20), *((f"/city/{c}", 10) for c in CITIES)]
        assert {p.name: p.default for p in list_playlists(s)}["长沙市大屏默认轮播"] is False


def test_a_default_playlist_is_never_deleted(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        seed_defaults(s, ["430100"], 0, NOW)
    with pytest.raises(PlaylistError, match=r"默认轮播.*不能删除"), transaction(sessions) as s:
        delete_playlist(s, "长沙市大屏默认轮播", actor="admin", now=NOW)
    with sessions() as s:
        assert _defaults(s) == {"430100": "长沙市大屏默认轮播"}
        assert rotation(s, None, "430100", 0) == [("/city/430100", 5)]


def test_a_city_node_seeds_its_own_room_only(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        assert default_scopes(s, "430100") == ["430100"]
        assert seed_defaults(s, ["430100", "439999"], 30, NOW) == ["长沙市大屏默认轮播"]  # unknown: skipped


def test_prepare_database_seeds_on_first_start_and_not_again(tmp_path: Path) -> None:
    path = tmp_path / "govops.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "g.db"}"\n[web]\nrotate_seconds = 45\n',
                    encoding="utf-8")
    config = load_config(str(path))
    sessions = prepare_database(config)
    with sessions() as s:
        assert len(_defaults(s)) == 15
        assert rotation(s, None, PROVINCE_CODE, 0)[:2] == [("/", 45), ("/city/430100", 45)]
    prepare_database(config)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(WallPlaylist)) == 15
