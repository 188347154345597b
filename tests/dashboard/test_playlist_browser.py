"""A playlist in real headless Chromium: opened by its kiosk URL, it rotates one view across the cities
(each city's own page, in map order, with the item's dwell); an edit and a new critical alert reach the
open wall without a reload; revoking its kiosk URL stops the wall with a dark Chinese notice, and the
revoked URL opens nothing but a dark Chinese page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from alerts.states import AlertState
from core.severity import Severity
from db.models_alerts import Alert
from db.models_walls import WallPlaylist, WallPlaylistItem
from db.session import transaction
from layouts.geo import city_names
from tests.dashboard.browser_support import Watch, serve
from tests.dashboard.world import NOW, build_world
from walls.playlist import Expansion, Item
from walls.store import create_playlist, issue_kiosk, revoke_kiosk

pytestmark = pytest.mark.browser

FIRST_CITIES = ["430100", "430200", "430300", "430400"]


def _set_items(sessions: Any, name: str, items: list[tuple[str, int, Expansion]]) -> None:
    """Store items as they are, past the editor's dwell bounds: a 1-second dwell keeps the test short."""
    from sqlalchemy import delete, select

    with transaction(sessions) as s:
        pid = s.scalar(select(WallPlaylist.id).where(WallPlaylist.name == name))
        s.execute(delete(WallPlaylistItem).where(WallPlaylistItem.playlist_id == pid))
        s.add_all(WallPlaylistItem(playlist_id=pid, position=n, view=v, dwell_seconds=d, expansion=e.value)
                  for n, (v, d, e) in enumerate(items))


def _shows(page: Any, code: str) -> None:
    page.wait_for_url(f"**/city/{code}", timeout=10_000)
    page.wait_for_function(f"() => (document.querySelector('#city-name') || {{}}).innerText === "
                           f"'{city_names()[code]}'", timeout=10_000)


def test_a_playlist_rotates_a_view_across_cities_and_stops_when_revoked(browser: Any, tmp_path: Path) -> None:
    world = build_world(tmp_path, refresh_seconds=1)
    with transaction(world.sessions) as s:
        create_playlist(s, "逐市轮播", "430000", [Item("city", 30, Expansion.EACH_CITY)], actor="test", now=NOW)
        token = issue_kiosk(s, "逐市轮播", actor="test", now=NOW)
    _set_items(world.sessions, "逐市轮播", [("overview", 2, Expansion.NONE), ("city", 1, Expansion.EACH_CITY)])
    with serve(world, "playlist-test") as base:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        watch = Watch(page)
        page.goto(f"{base}/?kiosk={token}")
        page.wait_for_selector("#overview-map", timeout=20_000)
        # The token left the address bar for the wall's session (the playlist may already have moved on).
        assert page.url.startswith(f"{base}/") and "kiosk" not in page.url
        for code in FIRST_CITIES:  # city by city, in map order, the content following the address
            _shows(page, code)

        # An edit reaches the open wall: only cities with an open critical alert, in map order.
        with transaction(world.sessions) as s:
            for n, city in enumerate(("431300", "430500")):
                s.add(Alert(fingerprint=f"crit{n}", rule="r", rule_file="f", severity=Severity.CRITICAL,
                            rule_severity=Severity.CRITICAL, state=AlertState.FIRING, labels={}, city_code=city,
                            started_at=NOW))
        _set_items(world.sessions, "逐市轮播", [("city", 1, Expansion.CRITICAL_CITIES)])
        _shows(page, "430500")
        _shows(page, "431300")
        _shows(page, "430500")
        seen = page.evaluate("() => performance.getEntriesByType('navigation').length")
        assert seen == 1  # all of it in one page load: no reload
        assert watch.problems == []

        with transaction(world.sessions) as s:
            revoke_kiosk(s, "逐市轮播", actor="test", now=NOW)
        page.locator("#wall-lost").wait_for(state="visible", timeout=15_000)
        assert "大屏令牌无效或已被吊销" in page.locator("#wall-lost-reason").inner_text()
        assert "/login" not in page.url
        watch.close()

        fresh = browser.new_page(viewport={"width": 1920, "height": 1080})
        fresh.goto(f"{base}/?kiosk={token}")
        assert fresh.locator("h1").inner_text() == "大屏连接中断，正在重试…"
        assert "大屏令牌无效或已被吊销" in fresh.locator("#wall-error-reason").inner_text()
        bg = fresh.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert sum(int(x) for x in bg[bg.index("(") + 1:bg.index(")")].split(",")[:3]) < 120, bg  # dark
        fresh.close()
        page.close()
    world.store.close()
