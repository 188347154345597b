"""The wall-screen app factory: Dash pages on a Flask server with flask-caching in front of the store.

Everything is served from this process (``serve_locally``, local assets, system CJK fonts):
a wall in a government machine room has no internet. Per-app state (config, store,
sessions, clock, cache) lives on the Flask app (``server.extensions``), never in module
globals, so two apps can share one process.
"""

from __future__ import annotations

import sys
from pathlib import Path

import dash
from dash import Dash, Input, Output, State, dcc, html
from flask import Flask
from flask_caching import Cache
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock, SystemClock
from core.config import Config
from dashboard.data import EXTENSION_KEY, WallData
from layouts.geo import cities
from layouts.text import APP_TITLE
from security.web import init_security
from tsdb.store import MetricStore

HERE = Path(__file__).resolve().parent
PAGES_FOLDER = HERE / "pages"
ASSETS_FOLDER = HERE / "assets"
PAGE_MODULES = ("overview", "city", "site", "hosts", "host")


def playlist() -> list[str]:
    """The rotation order on a wall: the overview, then each city."""
    return ["/", *[f"/city/{c.code}" for c in cities()]]


def _shell(config: Config) -> html.Div:
    rotate = config.web.rotate_seconds
    return html.Div(className="wall", children=[
        html.Header(className="wall-header", children=[
            html.Div(className="wall-emblem"),
            html.H1(APP_TITLE, className="wall-title"),
            html.Div(id="wall-clock", className="wall-clock"),
        ]),
        html.Main(dash.page_container, className="wall-main"),
        dcc.Interval(id="wall-clock-tick", interval=1000),
        dcc.Location(id="wall-rotate-nav", refresh="callback-nav"),
        dcc.Store(id="wall-playlist", data=playlist()),
        dcc.Interval(id="wall-rotate-tick", interval=max(rotate, 1) * 1000, disabled=rotate <= 0),
    ])


def _register_shell_callbacks(app: Dash) -> None:
    # Clock and rotation run in the browser: no server round trip, no growing DOM.
    app.clientside_callback(
        """function(n) {
            const d = new Date(), p = (x) => String(x).padStart(2, '0');
            const w = '日一二三四五六'[d.getDay()];
            return `${d.getFullYear()}年${p(d.getMonth() + 1)}月${p(d.getDate())}日 星期${w} `
                 + `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
        }""",
        Output("wall-clock", "children"), Input("wall-clock-tick", "n_intervals"))
    app.clientside_callback(
        """function(n, list) {
            if (!n || !list || !list.length) { return window.dash_clientside.no_update; }
            const i = list.indexOf(window.location.pathname);
            return list[(i + 1) % list.length];
        }""",
        Output("wall-rotate-nav", "href"), Input("wall-rotate-tick", "n_intervals"), State("wall-playlist", "data"),
        prevent_initial_call=True)


def create_app(config: Config, *, store: MetricStore, sessions: sessionmaker[Session],
               clock: Clock | None = None) -> Dash:
    """A Dash app serving ``/`` (overview), ``/city/<code>``, ``/site/<code>``, ``/hosts`` and ``/host/<name>``.

    ``clock`` defaults to the system clock; tests pass a fixed one. The Flask server is
    ``app.server``; its ``extensions`` hold the cache and the :class:`WallData`.
    """
    server = Flask(__name__)
    server.config["CACHE_TYPE"] = "SimpleCache"
    server.config["CACHE_DEFAULT_TIMEOUT"] = config.web.cache_seconds
    server.config["GOVOPS_CONFIG"] = config
    cache = Cache()
    cache.init_app(server)
    data = WallData(config, store, sessions, cache, clock or SystemClock())
    server.extensions[EXTENSION_KEY] = data
    init_security(server, config, sessions, data.clock)  # login, kiosk sessions, CSRF, region scope

    app = Dash(__name__, server=server, use_pages=True, pages_folder=str(PAGES_FOLDER),
               assets_folder=str(ASSETS_FOLDER), serve_locally=True, title=APP_TITLE,
               update_title=None, suppress_callback_exceptions=True,
               meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
    app.layout = _shell(config)
    _register_shell_callbacks(app)
    # Page modules keep their callbacks in register_callbacks(app): bound to this app, not to
    # Dash's process-wide callback list, so a second app in the process gets its own.
    for registered in dash.page_registry.values():
        module = registered.get("module")
        mod = sys.modules.get(module) if module else None
        if mod is not None and hasattr(mod, "register_callbacks"):
            mod.register_callbacks(app)
    return app
