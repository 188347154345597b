"""The Chinese 404 (页面不存在) with the right status, and the dark one-message page it is made of.

Dash answers every unknown path with its index page and status 200, then shows an English "404 - Page
not found". :func:`init_not_found` puts a check in front of Dash's catch-all route: a GET of a path that
no page (path or path template) claims gets a dark Chinese page with status 404 and a link back to the
viewer's overview (the province overview, or a city user's own city). Unknown Flask routes (any other
404) get the same page. Inside a running app, a link to an unknown path renders the Dash page
``dashboard/pages/not_found_404.py`` with the same wording.

:func:`message_page` is the page for any short refusal outside Dash (an export refused, a bad link).
"""

from __future__ import annotations

from html import escape

from dash import Dash
from flask import Response, request
from werkzeug.exceptions import NotFound

from core.i18n.walls import APP_TITLE
from layouts import theme
from security.access import home_path as viewer_home
from security.web import current_principal

NOT_FOUND_TITLE = "页面不存在"
NOT_FOUND_TEXT = "地址 {path} 没有对应的页面，可能已被移除或输入有误。"
BACK_HOME = "返回总览"
HOME_HINT = "请检查地址，或从总览重新进入。"
NOT_FOUND_PATH = "/404"  # the Dash page's own path; a direct load of it is a 404 too

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} · 运维指挥中心</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
{font_face}
html,body{{margin:0;height:100%;background:#07111f;color:#e6f0ff;font-family:{font_family}}}
body{{display:flex;flex-direction:column;align-items:center;justify-content:center;
background:radial-gradient(ellipse at 50% 0%,#12325a 0%,#0a1a30 45%,#060e1a 100%)}}
.app{{position:fixed;top:0;left:0;right:0;padding:18px 0;text-align:center;font-size:28px;font-weight:700;
letter-spacing:3px;color:#f2f8ff;border-bottom:2px solid #1d3a5f}}
.box{{background:rgba(12,26,46,0.85);border:1px solid #1d3a5f;border-radius:10px;padding:36px 56px;max-width:900px;
text-align:center;box-shadow:inset 0 0 24px rgba(63,169,245,0.08)}}
.code{{font-size:88px;font-weight:700;color:#3fa9f5;line-height:1}}
h1{{font-size:40px;margin:12px 0 18px}}p{{font-size:22px;color:#8aa4c8;margin:8px 0;word-break:break-all}}
a{{display:inline-block;margin-top:24px;font-size:24px;color:#e6f0ff;background:#1f6feb;padding:10px 30px;
border-radius:6px;text-decoration:none}}a:hover{{background:#3fa9f5}}
</style></head><body>
<div class="app">{app}</div>
<main class="box" role="main">{code}<h1>{title}</h1>{paragraphs}{link}</main>
</body></html>"""


def home_path() -> str:
    """The viewer's overview: a city user's (or city wall's) own city, else the province overview."""
    return viewer_home(current_principal())


def message_page(title: str, message: str, status: int, *, link: tuple[str, str] | None = None,
                 extra: str = "") -> Response:
    """A dark full-page message in Chinese with ``status`` (and a link, by default back to the overview)."""
    href, text = link or (home_path(), BACK_HOME)
    code = f'<div class="code">{status}</div>' if status >= 400 else ""
    paragraphs = "".join(f"<p>{escape(t)}</p>" for t in (message, extra) if t)
    body = _PAGE.format(title=escape(title), app=escape(APP_TITLE), code=code, paragraphs=paragraphs,
                        font_face=theme.FONT_IMPORT, font_family=theme.FONT_FAMILY,
                        link=f'<a href="{escape(href)}" id="back-home">{escape(text)}</a>')
    return Response(body, status=status, mimetype="text/html")


def not_found_page(path: str | None = None) -> Response:
    return message_page(NOT_FOUND_TITLE, NOT_FOUND_TEXT.format(path=path or request.path), 404, extra=HOME_HINT)


def is_known_page(app: Dash, path: str) -> bool:
    """Whether a Dash page (by path or path template) answers ``path``."""
    from dash._pages import _path_to_page  # the matcher Dash's own router uses

    page, _ = _path_to_page(app.strip_relative_path(path) or "")
    return bool(page) and page.get("path") != NOT_FOUND_PATH


def init_not_found(app: Dash) -> None:
    """Serve :func:`not_found_page` (status 404) for unknown page paths and unknown Flask routes."""
    catch_all = {app.config.routes_pathname_prefix + "<path:path>", app.config.routes_pathname_prefix}

    def check() -> Response | None:
        rule = request.url_rule
        if request.method not in ("GET", "HEAD") or rule is None or rule.endpoint not in catch_all:
            return None
        return None if is_known_page(app, request.path) else not_found_page()

    def handle(_: NotFound) -> Response:
        return not_found_page()

    app.server.before_request(check)  # after the login guard, so an anonymous visitor still goes to /login
    app.server.register_error_handler(NotFound, handle)


__all__ = ["BACK_HOME", "NOT_FOUND_PATH", "NOT_FOUND_TEXT", "NOT_FOUND_TITLE", "home_path", "init_not_found",
           "is_known_page", "message_page", "not_found_page"]
