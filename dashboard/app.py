"""The wall-screen app factory: Dash pages on a Flask server with flask-caching in front of the store.

Everything is served from this process (``serve_locally``, local assets, the bundled CJK font):
a wall in a government machine room has no internet. Per-app state (config, store,
sessions, clock, cache) lives on the Flask app (``server.extensions``), never in module
globals, so two apps can share one process.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dash
from dash import ALL, Dash, Input, Output, State, dcc, html
from flask import Flask, has_app_context
from flask_caching import Cache
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import Session, sessionmaker

from alerts.rule_dir import RuleDirectory
from collectors.loader import load_kinds
from core.clock import Clock, ZonedClock, time_scale
from core.config import Config
from core.i18n.security import ROLE_LABELS
from core.i18n.walls import APP_TITLE, TN, TW
from dashboard.data import EXTENSION_KEY, WallData, wall_data
from dashboard.not_found import init_not_found
from dashboard.page_access import install as install_access
from dashboard.page_access import register_page_callbacks
from dashboard.rules_data import RULE_DIRECTORY_KEY
from dashboard.wall_rotation import register_rotation_callbacks, rotation_components, wall_rotation
from layouts import theme
from layouts.geo import cities
from security.auth import Action, Principal, allowed_actions
from security.web import LAST_GOOD_KEY, PING_PATH, current_principal
from tsdb.store import MetricStore

HERE = Path(__file__).resolve().parent
PAGES_FOLDER = HERE / "pages"
ASSETS_FOLDER = HERE / "assets"
# The bundled font (dashboard/assets/fonts/fonts.css), preloaded so text is measured in it from the first paint.
FONT_FILES = ("fonts/govops-wall-sans-regular.woff2", "fonts/govops-wall-sans-bold.woff2")
INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        PRELOADS
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def playlist() -> list[str]:
    """The built-in default rotation order on a province wall: the overview, then each city (a wall bound to
    no stored playlist rotates through it every ``[web] rotate_seconds``; dashboard/wall_rotation.py)."""
    return ["/", *[f"/city/{c.code}" for c in cities()]]


def rotation_for(principal: Principal | None) -> list[str]:
    """The pages a screen rotates through: the whole playlist for a province wall (or an anonymous one,
    when login is off), only its own city for a city kiosk (the other pages are refused to it), and none
    for a logged-in user, whose page must stay where they clicked."""
    if principal is None:
        return playlist()
    if not principal.kiosk:
        return []
    return playlist() if principal.is_province else [f"/city/{principal.scope_code}"]


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    href: str


def nav_items(principal: Principal | None) -> list[NavItem]:
    """The header links for a logged-in user; none for a kiosk wall or an anonymous viewer.

    总览 is the province overview, or a city user's own city wall; 核验与整改 only with ``VERIFY`` or
    ``ANSWER_RECTIFICATION`` (the roles /verify admits); 年度报表 for those who fill in, review or supervise
    the yearly reports (``EDIT_CONTENT``, ``REVIEW_CONTENT`` or ``VERIFY``); 审计日志 only with ``VIEW_AUDIT``.
    """
    if principal is None or principal.kiosk:
        return []
    home = "/" if principal.is_province else f"/city/{principal.scope_code}"
    items = [NavItem("overview", TN.OVERVIEW, home), NavItem("screens", TN.SCREENS, "/screens"),
             NavItem("alerts", TN.ALERTS, "/alerts"),
             NavItem("oncall", TN.ONCALL, "/oncall"), NavItem("rules", TN.RULES, "/rules")]
    if allowed_actions(principal) & {Action.VERIFY, Action.ANSWER_RECTIFICATION}:
        items.append(NavItem("verify", TN.VERIFY, "/verify"))
    if allowed_actions(principal) & {Action.EDIT_CONTENT, Action.REVIEW_CONTENT, Action.VERIFY}:
        items.append(NavItem("annual", TN.ANNUAL, "/annual"))
    if Action.VIEW_AUDIT in allowed_actions(principal):
        items.append(NavItem("audit", TN.AUDIT, "/audit"))
    return items


def _nav(principal: Principal, items: list[NavItem]) -> tuple[html.Nav, html.Form]:
    """The links (left of the title) and the user with 退出 (under the clock)."""
    links = html.Nav(className="wall-nav", id="wall-nav", title=TN.LABEL, children=[
        dcc.Link(i.label, href=i.href, className="wall-nav-link", id={"type": "wall-nav-link", "key": i.key})
        for i in items])
    role = ROLE_LABELS.get(principal.role, "") if principal.role is not None else ""
    user = TN.USER.format(user=principal.actor, role=role) if role else principal.actor
    # /logout is a POST with the CSRF token (a GET only shows a confirmation form).
    logout = html.Form(method="post", action="/logout", className="wall-logout", id="wall-logout", children=[
        dcc.Input(type="hidden", name="csrf_token", value=generate_csrf(), id="wall-logout-token"),
        html.Span(user, className="wall-user", id="wall-user"),
        html.Button(TN.LOGOUT, type="submit", className="wall-logout-btn", id="wall-logout-btn")])
    return links, logout


def _lost_overlay(config: Config, kiosk: bool) -> html.Div:
    """The dark full-screen notice dashboard/assets/connection.js raises while the wall's callbacks fail
    (server down or restarting, session or token refused), with the wording it fills in."""
    texts = {"network": TW.LOST_NETWORK, "http": TW.LOST_HTTP, "server": TW.LOST_SERVER, "last": TW.LOST_LAST,
             "last-none": TW.LOST_LAST_NONE, "retry": TW.LOST_RETRY, "retrying": TW.LOST_RETRYING}
    # data-* attributes: Dash takes them as keywords; they never collide with Div's named parameters.
    data: dict[str, Any] = {f"data-{k}": v for k, v in texts.items()}
    data.update({"data-ping": PING_PATH, "data-last-key": LAST_GOOD_KEY, "data-timezone": config.web.timezone,
                 "data-kiosk": "1" if kiosk else ""})
    return html.Div(id="wall-lost", className="wall-lost", hidden=True, **data, children=[
        html.Div(className="wall-lost-box", children=[
            html.Div(TW.LOST_TITLE, className="wall-lost-title"),
            html.Div(id="wall-lost-reason", className="wall-lost-reason"),
            html.Div(id="wall-lost-last", className="wall-lost-last"),
            html.Div(id="wall-lost-retry", className="wall-lost-retry")])])


def _shell(config: Config, principal: Principal | None = None) -> html.Div:
    """The page frame for ``principal`` (called by Dash on every page load, inside the request)."""
    rotation = wall_rotation(config, wall_data().sessions, principal) if has_app_context() else []
    items = nav_items(principal)
    clock = html.Div(id="wall-clock", className="wall-clock")
    if principal is not None and items:
        links, logout = _nav(principal, items)
        header = html.Header(className="wall-header wall-header-nav", children=[
            links, html.H1(APP_TITLE, className="wall-title"), html.Div([clock, logout], className="wall-side")])
    else:
        header = html.Header(className="wall-header", children=[
            html.Div(className="wall-emblem"), html.H1(APP_TITLE, className="wall-title"), clock])
    kiosk = principal is None or principal.kiosk  # a wall: nobody at it to log in again
    page_data: dict[str, Any] = {"data-page-seconds": str(theme.PAGE_SECONDS), "data-page-of": TW.PAGE_OF}
    return html.Div(className="wall", **page_data, children=[
        header,
        html.Main(dash.page_container, className="wall-main"),
        _lost_overlay(config, kiosk),
        dcc.Interval(id="wall-clock-tick", interval=1000),
        dcc.Store(id="wall-timezone", data=config.web.timezone),
        dcc.Store(id="wall-time-scale", data=_time_scale_data()),
        *rotation_components(config, rotation, kiosk),
    ])


def _time_scale_data() -> dict[str, float] | None:
    """The demo's compressed clock for the header (None in real time): its scale and its time now."""
    if not has_app_context():  # the shell built outside a request (tests): real time
        return None
    clock = wall_data().clock
    scale = time_scale(clock)
    return {"scale": scale, "origin_ms": clock.now().timestamp() * 1000} if scale > 1 else None


def _register_shell_callbacks(app: Dash) -> None:
    # Clock and rotation run in the browser: no server round trip, no growing DOM.
    app.clientside_callback(
        # The wall's zone (web.timezone), not the browser's: a wall PC set to UTC still shows 北京时间.
        """function(n, tz, ts) {
            let now = new Date();
            let tag = '';
            if (ts && ts.scale > 1) {  // the demo's compressed clock: the screens' time, not the wall PC's
                const c = window._govopsClock;
                if (!c || c.origin !== ts.origin_ms) { window._govopsClock = {origin: ts.origin_ms, at: Date.now()}; }
                now = new Date(ts.origin_ms + (Date.now() - window._govopsClock.at) * ts.scale);
                tag = ` （演示时钟 ×${ts.scale}）`;
            }
            const parts = {};
            try {
                new Intl.DateTimeFormat('en-US', {timeZone: tz, year: 'numeric', month: '2-digit',
                    day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
                    weekday: 'short'}).formatToParts(now).forEach(x => { parts[x.type] = x.value; });
            } catch (e) { return window.dash_clientside.no_update; }
            const w = '日一二三四五六'[['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday)];
            return `${parts.year}年${parts.month}月${parts.day}日 星期${w} `
                 + `${parts.hour}:${parts.minute}:${parts.second}` + tag;
        }""",
        Output("wall-clock", "children"), Input("wall-clock-tick", "n_intervals"), State("wall-timezone", "data"),
        State("wall-time-scale", "data"))
    # The current page's nav link is highlighted (there are no links on walls: ALL then matches nothing).
    app.clientside_callback(
        """function(path, hrefs) {
            return (hrefs || []).map(h => (path === h || (h !== '/' && (path || '').startsWith(h + '/')))
                ? 'wall-nav-link wall-nav-active' : 'wall-nav-link');
        }""",
        Output({"type": "wall-nav-link", "key": ALL}, "className"), Input("_pages_location", "pathname"),
        State({"type": "wall-nav-link", "key": ALL}, "href"))


DASH_KEY = "govops_dash"  # server.extensions: the Dash app attached by init_app


def init_app(server: Flask, config: Config, *, store: MetricStore, sessions: sessionmaker[Session],
             clock: Clock, rules: RuleDirectory | None = None) -> Dash:
    """Attach the wall screens and consoles to ``server``: ``/`` (overview), ``/city/<code>``,
    ``/site/<code>``, ``/hosts``, ``/host/<name>``, ``/services``, ``/alerts``, ``/oncall``, ``/audit`` and
    ``/rules``; a logged-in user gets a navigation bar in the header.

    The security layer must already be attached (runtime.webapp.create_app does both): every page and
    callback registered here is declared with the access its page declares, and the guard refuses the
    rest. ``clock`` is the screens' clock (tests pass a fixed one). ``rules`` is the alerting service's
    rule directory, so /rules shows the set it evaluates. ``server.extensions`` holds the cache, the
    :class:`WallData` and the Dash app (:func:`dash_app`).
    """
    # Every collector kind declares its metrics (tsdb.catalogue) when imported: screens title axes and
    # spell rule conditions from those declarations.
    load_kinds()
    server.config.setdefault("CACHE_TYPE", "SimpleCache")
    server.config.setdefault("CACHE_DEFAULT_TIMEOUT", config.web.cache_seconds)
    cache = Cache()
    cache.init_app(server)
    # Screens run on the configured zone's time; storage stays UTC (db.types.UTCDateTime).
    server.extensions[EXTENSION_KEY] = WallData(config, store, sessions, cache, ZonedClock(clock, config.web.tz))
    if rules is not None:  # the alerting service's own rule directory: /rules shows what it evaluates
        server.extensions[RULE_DIRECTORY_KEY] = rules

    # Dash's annotations lag its documented API: server may be a Flask app, update_title None (keep the title).
    app = Dash(__name__, server=server,  # type: ignore[arg-type]
               use_pages=True, pages_folder=str(PAGES_FOLDER),
               assets_folder=str(ASSETS_FOLDER), serve_locally=True, title=APP_TITLE,
               update_title=None,  # type: ignore[arg-type]
               suppress_callback_exceptions=True,
               meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
    app.index_string = INDEX_TEMPLATE.replace("PRELOADS", "\n        ".join(
        f'<link rel="preload" href="{app.get_asset_url(f)}" as="font" type="font/woff2" crossorigin>'
        for f in FONT_FILES))
    # A function: Dash calls it on each page load inside the request, so the header fits the viewer.
    app.layout = lambda: _shell(config, current_principal())
    _register_shell_callbacks(app)
    register_rotation_callbacks(app, config, sessions)
    init_not_found(app)  # unknown paths: a dark Chinese 页面不存在 with status 404, not Dash's English 200
    # Page modules keep their callbacks in register_callbacks(app): bound to this app, not to
    # Dash's process-wide callback list, so a second app in the process gets its own. Each page's
    # callbacks are declared with the access the page declares; the guard refuses anything undeclared.
    for registered in dash.page_registry.values():
        module = registered.get("module")
        mod = sys.modules.get(module) if module else None
        if mod is not None and hasattr(mod, "register_callbacks"):
            register_page_callbacks(app, mod)
    install_access(app)
    server.extensions[DASH_KEY] = app
    return app


def dash_app(server: Flask) -> Dash:
    """The Dash app :func:`init_app` attached to ``server``."""
    app: Dash = server.extensions[DASH_KEY]
    return app
