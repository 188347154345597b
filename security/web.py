"""The login wall in front of every screen: Flask blueprint (/login, /logout), the per-request guard,
CSRF protection and region scope on page paths.

``init_security(server, config, sessions, clock)`` attaches everything to a Flask app. Each request
then has ``current_principal()``: the logged-in user, the kiosk wall, or None when login is off. A user's
session ends on its next request once the account is disabled or its password is changed (the
session keeps a digest of the password hash it logged in with), and a role or scope change applies
on the next request, since the principal is read from the database each time.

CSRF: Flask-WTF's CSRFProtect guards every POST/PUT/PATCH/DELETE, Dash's own
``/_dash-update-component`` included. Dash's renderer copies the ``_csrf_token`` cookie into an
``X-CSRFToken`` header on each callback, so the guard sets that cookie (a signed token, not the
session secret) on every response. State-changing Dash callbacks therefore get CSRF for free.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, g, redirect, render_template_string, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.config import Config
from db.models import Site
from db.models_security import User
from db.session import transaction
from security.auth import Principal
from security.kiosk import live_token, resolve_token
from security.scope import PROVINCE_CODE
from security.text import S
from security.users import authenticate, record_logout, session_marker

EXTENSION_KEY = "govops_security"
KIOSK_PARAM = "kiosk"
KIOSK_HEADER = "X-Kiosk-Token"
PASSWORD_MARK = "pwm"  # session key: security.users.session_marker of the hash the session logged in with
CSRF_COOKIE = "_csrf_token"  # the name dash-renderer reads
DASH_CALLBACK = "/_dash-update-component"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = frozenset({"/login"})
PROVINCE_ONLY_PREFIXES = ("/hosts", "/host/")  # platform hosts belong to the province

bp = Blueprint("security", __name__)

_LOGIN_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ s.LOGIN_TITLE }}</title>
<style>
body{margin:0;background:#06152b;color:#dce8f7;font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;
display:flex;align-items:center;justify-content:center;height:100vh}
form{background:#0b2447;padding:32px 40px;border-radius:8px;min-width:320px}
h1{font-size:20px;margin:0 0 24px}label{display:block;margin:12px 0 4px}
input[type=text],input[type=password]{width:100%;padding:8px;box-sizing:border-box}
button{margin-top:20px;width:100%;padding:10px;background:#1f6feb;color:#fff;border:0;border-radius:4px}
.msg{color:#ff7b72;margin-top:12px}
</style></head><body>
<form method="post" action="/login">
<h1>{{ s.LOGIN_HEADING }}</h1>
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<input type="hidden" name="next" value="{{ next }}">
<label for="username">{{ s.USERNAME }}</label><input type="text" id="username" name="username" value="{{ username }}"
 autofocus required>
<label for="password">{{ s.PASSWORD }}</label><input type="password" id="password" name="password" required>
<button type="submit">{{ s.LOGIN_BUTTON }}</button>
{% if message %}<div class="msg" role="alert">{{ message }}</div>{% endif %}
</form></body></html>"""

_LOGOUT_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ s.LOGOUT }}</title></head><body>
<form method="post" action="/logout"><input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<button type="submit">{{ s.LOGOUT }}</button></form>{% if message %}<p>{{ message }}</p>{% endif %}
</body></html>"""


class SecurityState:
    """Per-app state (on ``server.extensions``): settings, registry sessions and the clock."""

    def __init__(self, config: Config, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.config = config
        self.sessions = sessions
        self.clock = clock


def _state() -> SecurityState:
    return current_app.extensions[EXTENSION_KEY]


def current_principal() -> Principal | None:
    """Who makes the current request (None: anonymous, only possible with require_login off)."""
    return g.get("govops_principal")


def ensure_secret_key(path: Path) -> bytes:
    """The Flask secret key from ``path``; created (mode 0600, random) when missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first: read theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32))
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ValueError(f"security.secret_key_file {path}: key too short ({len(key)} characters, need >= 32)")
    return key.encode("ascii")


def _remote() -> str:
    return request.remote_addr or "-"


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    st = _state()
    if request.method == "GET":
        return render_template_string(_LOGIN_PAGE, s=S, next=_safe_next(request.args.get("next")), username="",
                                      message="")
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    nxt = _safe_next(request.form.get("next"))
    sec = st.config.security
    with transaction(st.sessions) as s:
        result = authenticate(s, username, password, _remote(), st.clock.now(), max_failures=sec.max_failed_logins,
                              window=timedelta(minutes=sec.throttle_minutes))
        user_id = result.user.id if result.user is not None else None
        marker = session_marker(result.user) if result.user is not None else ""
    if user_id is None:
        status = 429 if result.locked_until is not None else 401
        return render_template_string(_LOGIN_PAGE, s=S, next=nxt, username=username.strip(),
                                      message=result.message), status
    session.clear()  # a fresh session on login: no fixation
    session.permanent = True
    session["uid"] = user_id
    session[PASSWORD_MARK] = marker
    return redirect(nxt)


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    if request.method == "GET":
        return render_template_string(_LOGOUT_PAGE, s=S, message="")
    st = _state()
    uid = session.get("uid")
    if uid is not None:
        with transaction(st.sessions) as s:
            user = s.get(User, uid)
            if user is not None:
                record_logout(s, user, _remote(), st.clock.now())
    session.clear()
    return redirect("/login")


def _refuse(message: str, status: int = 403) -> Response:
    return Response(message, status=status, mimetype="text/plain; charset=utf-8")


def _kiosk_from_token(token: str) -> Principal | Response:
    st = _state()
    with transaction(st.sessions) as s:
        row = resolve_token(s, token)
        if row is None:
            return _refuse(S.KIOSK_INVALID)
        row.last_used_at = st.clock.now()
        principal = Principal.of_kiosk(row.name, row.scope_code)
        session.clear()
        session.permanent = True
        session["kiosk_id"] = row.id
    return principal


def _from_session() -> Principal | None:
    st = _state()
    if "kiosk_id" in session:
        with st.sessions() as s:
            row = live_token(s, session["kiosk_id"])
            if row is None:  # revoked: takes effect on the next request
                session.clear()
                return None
            return Principal.of_kiosk(row.name, row.scope_code)
    if "uid" in session:
        with st.sessions() as s:
            user = s.get(User, session["uid"])
            # Disabled, or the password changed since this session logged in: it ends here.
            if user is None or not user.active or session.get(PASSWORD_MARK) != session_marker(user):
                session.clear()
                return None
            return Principal.of_user(user)
    return None


def _site_city(code: str) -> str | None:
    with _state().sessions() as s:
        site = s.scalar(select(Site).where(Site.code == code))
        return None if site is None else site.node.city_code


def path_refusal(principal: Principal | None, path: str) -> str | None:
    """Why ``principal`` may not open page ``path`` (Chinese), or None. Province scope sees all."""
    if principal is None or principal.is_province:
        return None
    scope = principal.scope_code
    if path.startswith(PROVINCE_ONLY_PREFIXES):
        return S.FORBIDDEN_SCOPE.format(code=PROVINCE_CODE)
    if path.startswith("/city/"):
        code = path[len("/city/"):].strip("/")
        return None if code == scope else S.FORBIDDEN_SCOPE.format(code=code)
    if path.startswith("/site/"):
        city = _site_city(path[len("/site/"):].strip("/"))
        return None if city is None or city == scope else S.FORBIDDEN_SCOPE.format(code=city)
    return None


def _dash_pathname() -> str | None:
    """The page path a Dash page-routing callback asks for, if this request is one."""
    body = request.get_json(silent=True) or {}
    for item in body.get("inputs", []) if isinstance(body, dict) else []:
        if isinstance(item, dict) and item.get("id") == "_pages_location" and item.get("property") == "pathname":
            return str(item.get("value") or "/")
    return None


def _guard() -> Response | None:
    st = _state()
    if request.path in PUBLIC_PATHS or (request.path == "/logout" and "uid" in session):
        return None
    token = request.args.get(KIOSK_PARAM) or request.headers.get(KIOSK_HEADER)
    principal: Principal | None
    if token:
        got = _kiosk_from_token(token)
        if isinstance(got, Response):
            return got
        principal = got
        if request.method == "GET" and KIOSK_PARAM in request.args:  # drop the token from the address bar
            rest = {k: v for k, v in request.args.items() if k != KIOSK_PARAM}
            return redirect(request.path + (f"?{urlencode(rest)}" if rest else ""))
    else:
        principal = _from_session()
    g.govops_principal = principal
    if principal is None:
        if not st.config.security.require_login:
            return None
        if request.path.startswith("/_dash-") or request.method not in SAFE_METHODS:
            return _refuse(S.FORBIDDEN.format(what="未登录"), 401)
        return redirect(f"/login?{urlencode({'next': request.full_path.rstrip('?')})}")
    if principal.kiosk and request.method not in SAFE_METHODS and request.path != DASH_CALLBACK:
        return _refuse(S.KIOSK_READ_ONLY)
    path = _dash_pathname() if request.path == DASH_CALLBACK else request.path
    if path is None:
        return None
    if path == "/" and not principal.is_province and request.path != DASH_CALLBACK:
        return redirect(f"/city/{principal.scope_code}")  # the overview is the province's
    if path == "/" and not principal.is_province:
        return _refuse(S.FORBIDDEN_SCOPE.format(code=PROVINCE_CODE))
    why = path_refusal(principal, path)
    return _refuse(why) if why else None


def _set_csrf_cookie(response: Response) -> Response:
    if g.get("govops_principal") is not None:
        response.set_cookie(CSRF_COOKIE, generate_csrf(), samesite="Strict", httponly=False,
                            max_age=int(_state().config.security.session_hours * 3600))
    return response


def _csrf_failed(_: CSRFError) -> Response:
    return _refuse(S.CSRF_FAILED, 400)


def init_security(server: Flask, config: Config, sessions: sessionmaker[Session], clock: Clock) -> None:
    """Attach login, kiosk sessions, CSRF and scope checks to ``server`` (one call per app)."""
    server.extensions[EXTENSION_KEY] = SecurityState(config, sessions, clock)
    server.secret_key = ensure_secret_key(config.resolve_path(config.security.secret_key_file))
    server.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config.security.session_hours)
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    server.config["SESSION_COOKIE_HTTPONLY"] = True
    server.config["WTF_CSRF_TIME_LIMIT"] = None  # bounded by the session lifetime instead
    server.register_blueprint(bp)
    server.before_request(_guard)  # before CSRF: an anonymous POST is a 401, not a 400
    CSRFProtect(server)
    server.after_request(_set_csrf_cookie)
    server.register_error_handler(CSRFError, _csrf_failed)
