"""The wall's rotation: the playlist a screen rotates through (its kiosk URL's playlist, or the built-in
default for its scope), rendered into the shell, re-read from the server every ``[web] refresh_seconds`` so
edits and critical-city changes apply without a reload, and advanced in the browser with each item's own
dwell time. Nothing is added to the page as it rotates: one Location, two Intervals, one Store."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, dcc, no_update
from sqlalchemy.orm import Session, sessionmaker

from core.config import Config
from core.region import PROVINCE_CODE
from dashboard.page_access import dependencies
from security.access import SHELL
from security.auth import Principal
from security.enforce import registry
from security.web import current_principal
from walls.store import rotation

KIOSK_ACTOR = "kiosk:"


def wall_rotation(config: Config, sessions: sessionmaker[Session], principal: Principal | None) -> list[list[Any]]:
    """[[path, dwell seconds], …] for ``principal``: a kiosk wall's playlist, the province default for an
    anonymous screen (login off), nothing for a logged-in user (their page stays where they clicked)."""
    if principal is not None and not principal.kiosk:
        return []
    kiosk = principal.actor.removeprefix(KIOSK_ACTOR) if principal is not None else None
    scope = principal.scope_code if principal is not None else PROVINCE_CODE
    with sessions() as s:
        return [[p, d] for p, d in rotation(s, kiosk, scope, config.web.rotate_seconds)]


def rotation_components(config: Config, items: list[list[Any]], wall: bool) -> list[Any]:
    first = items[0][1] if items else 1
    return [
        dcc.Location(id="wall-rotate-nav", refresh="callback-nav"),
        dcc.Store(id="wall-playlist", data=items),
        dcc.Interval(id="wall-rotate-tick", interval=max(int(first), 1) * 1000, disabled=len(items) < 2),
        dcc.Interval(id="wall-playlist-tick", interval=max(config.web.refresh_seconds, 1) * 1000, disabled=not wall),
    ]


def register_rotation_callbacks(app: Dash, config: Config, sessions: sessionmaker[Session]) -> None:
    """The browser side (advance, enable) and the server side (re-read the playlist; declared as the shell's)."""
    app.clientside_callback(
        # Our own position, since a path may appear twice; re-synced from the address when they disagree.
        """function(n, list) {
            const keep = window.dash_clientside.no_update;
            if (!list || !list.length) { return [keep, keep]; }
            const w = window._govopsWall || (window._govopsWall = {pos: -1});
            const path = window.location.pathname;
            let i = w.pos;
            if (i < 0 || i >= list.length || list[i][0] !== path) { i = list.findIndex(x => x[0] === path); }
            const next = (i + 1) % list.length;
            w.pos = next;
            return [list[next][0] === path ? keep : list[next][0], list[next][1] * 1000];
        }""",
        Output("wall-rotate-nav", "href"), Output("wall-rotate-tick", "interval"),
        Input("wall-rotate-tick", "n_intervals"), State("wall-playlist", "data"), prevent_initial_call=True)
    app.clientside_callback(
        # One item the wall is already on: nothing to do; one it is not on (say the last critical city's
        # alert closed): tick once more to get there.
        """function(list) {
            if (!list || !list.length) { return true; }
            return list.length === 1 && list[0][0] === window.location.pathname;
        }""",
        Output("wall-rotate-tick", "disabled"), Input("wall-playlist", "data"))

    @app.callback(Output("wall-playlist", "data"), Input("wall-playlist-tick", "n_intervals"),
                  State("wall-playlist", "data"), prevent_initial_call=True)
    def refresh(_: Any, shown: Any) -> Any:
        items = wall_rotation(config, sessions, current_principal())
        return no_update if items == shown else items

    key = "wall-playlist.data"
    registry(app.server).callback(key, SHELL, dependencies(app.callback_map[key]))
