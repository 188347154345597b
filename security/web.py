"""The login wall in front of every screen: Flask blueprint (/login, /logout), the per-request guard,
CSRF protection and the enforcement of what pages, callbacks and routes declare (security/access.py).

``init_security(server, config, sessions, clock)`` attaches everything to a Flask app. Each request
then has ``current_principal()``: the logged-in user, the kiosk wall, or None when login is off. A
personal login is a server-side session (security.sessions): the signed cookie carries only its random
id, the guard checks the row on every request, and logout, a password change, disabling the account or
a role change end it for good — a copied cookie is worth nothing afterwards. A kiosk link never
replaces a personal session. Cookies are ``Secure`` when ``[security] cookie_secure`` is on or the
request came over HTTPS, always HttpOnly (but the CSRF cookie, which Dash reads) and SameSite.

CSRF: Flask-WTF's CSRFProtect guards every POST/PUT/PATCH/DELETE, Dash's own
``/_dash-update-component`` included. Dash's renderer copies the ``_csrf_token`` cookie into an
``X-CSRFToken`` header on each callback, so the guard sets that cookie (a signed token, not the
session secret) on every response. State-changing Dash callbacks therefore get CSRF for free.

Access: every request is judged by the declaration of what it reaches (security/enforce.py): a Flask
route by its endpoint, a Dash page by the page Dash's own matcher resolves the path and query to (with the
keywords its layout would get), a Dash callback by its output key (pages' callbacks inherit the page's
declaration); region codes among them are judged by their owners. Anything undeclared is refused.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    has_request_context,
    redirect,
    render_template_string,
    request,
    session,
)
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.config import Config
from core.files import make_private
from core.i18n.security import S
from db.session import transaction
from layouts import theme
from security import audit
from security.access import SHELL, AccessRegistry, Gate, Kind, home_path
from security.auth import Principal
from security.enforce import ACCESS_KEY, access_refusal, check_code, registry
from security.kiosk import live_token, resolve_token
from security.login import authenticate, sign_out
from security.redirects import safe_next
from security.sessions import live_user

if TYPE_CHECKING:
    # flask.redirect returns werkzeug's Response, which flask's Response subclasses
    from werkzeug.wrappers import Response as BaseResponse

EXTENSION_KEY = "govops_security"
KIOSK_PARAM = "kiosk"
KIOSK_HEADER = "X-Kiosk-Token"
KIOSK_COOKIE = "govops_kiosk"  # the token a wall was opened with: re-opens its session when that lapses
KIOSK_COOKIE_DAYS = 400  # as long as browsers keep a cookie; revocation, not expiry, ends a wall
PING_PATH = "/_wall/ping"  # what a wall polls while its overlay says the connection is lost
SESSION_ID = "sid"  # session key: the id of the server-side login session (security.sessions)
CSRF_COOKIE = "_csrf_token"  # the name dash-renderer reads
DASH_CALLBACK = "/_dash-update-component"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HEALTH_PATH = "/healthz"  # the process supervisor's check (runtime/supervisor.py): no data, no session
PUBLIC_PATHS = frozenset({"/login", HEALTH_PATH})
PUBLIC_FONTS = "/assets/fonts/"  # the bundled OFL font: the login and error pages use it before any session
FONT_FACE = theme.FONT_IMPORT  # imports the screens' one font declaration (fonts/fonts.css)
FONT_STACK = theme.FONT_FAMILY  # and their one font stack

bp = Blueprint("security", __name__)

_LOGIN_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ s.LOGIN_TITLE }}</title>
<style>
{{ font_face|safe }}
body{margin:0;background:#06152b;color:#dce8f7;font-family:{{ font_stack|safe }};
display:flex;align-items:center;justify-content:center;height:100vh}
form{background:#0b2447;padding:32px 40px;border-radius:8px;min-width:320px}
h1{font-size:20px;margin:0 0 24px}label{display:block;margin:12px 0 4px}
input[type=text],input[type=password]{width:100%;padding:8px;box-sizing:border-box}
button{margin-top:20px;width:100%;padding:10px;background:#1f6feb;color:#fff;border:0;border-radius:4px;
font-family:inherit}
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


# A refusal shown to a browser: dark, Chinese, full screen. A wall (kiosk, or a kiosk link) retries by
# itself: it fetches the page in the background and reloads only once that succeeds, so a server that
# is down meanwhile never leaves the wall on the browser's own error page.
_ERROR_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ heading }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
{{ font_face|safe }}
html,body{margin:0;height:100%;overflow:hidden}
body{display:flex;align-items:center;justify-content:center;color:#e6f0ff;font-family:{{ font_stack|safe }};
background:radial-gradient(ellipse at 50% 0%,#12325a 0%,#0a1a30 45%,#060e1a 100%)}
main{text-align:center;max-width:80vw;padding:5vh 6vw;border:2px solid #1d3a5f;border-radius:1.2vh;
background:rgba(12,26,46,.88);box-shadow:0 0 4vh rgba(63,169,245,.15)}
h1{font-size:5.2vh;margin:0 0 3vh;color:#f2f8ff;letter-spacing:.3vh}
.reason{font-size:3.4vh;color:#ff9b9b;margin-bottom:2.4vh}
.meta{font-size:2.6vh;color:#8aa4c8;line-height:1.7}
a{color:#3fa9f5;font-size:2.6vh}
button{margin-top:3vh;padding:1.2vh 3vw;font-size:2.6vh;background:#1f6feb;color:#fff;border:0;border-radius:.6vh;
font-family:inherit}
</style></head><body>
<main id="wall-error" data-status="{{ status }}" data-retry="{{ retry }}" data-last-key="{{ last_key }}"
 data-last="{{ s.ERROR_LAST_GOOD }}" data-last-none="{{ s.ERROR_LAST_NONE }}" data-countdown="{{ s.ERROR_COUNTDOWN }}"
 data-trying="{{ s.ERROR_TRYING }}" data-network="{{ s.ERROR_NETWORK }}" data-still="{{ s.ERROR_STILL }}"
 data-tz="{{ tz }}">
<h1>{{ heading }}</h1>
<div class="reason" id="wall-error-reason">{{ message }}</div>
<div class="meta">{{ s.ERROR_STATUS.format(status=status) }}<br><span id="wall-error-last"></span><br>
<span id="wall-error-retry"></span></div>
{% if offer_logout %}<form method="post" action="/logout"><input type="hidden" name="csrf_token"
 value="{{ csrf_token() }}"><button type="submit">{{ s.LOGOUT }}</button></form>
{% elif not retry %}<p><a href="/">{{ s.ERROR_HOME }}</a></p>{% endif %}
</main>
<script>
(function () {
  var box = document.getElementById("wall-error"), d = box.dataset;
  var last = null;
  try { last = window.localStorage.getItem(d.lastKey); } catch (e) { last = null; }
  var shown = last ? new Date(last).toLocaleString("zh-CN", {hour12: false, timeZone: d.tz}) : "";
  document.getElementById("wall-error-last").textContent = last ? d.last.replace("{t}", shown) : d.lastNone;
  if (!d.retry) { return; }
  var wait = parseInt(d.retry, 10), left = wait, note = document.getElementById("wall-error-retry");
  var reason = document.getElementById("wall-error-reason");
  function tick() {
    if (left > 0) { note.textContent = d.countdown.replace("{n}", left); left -= 1; setTimeout(tick, 1000); return; }
    note.textContent = d.trying;
    fetch(window.location.href, {credentials: "same-origin", cache: "no-store"}).then(function (r) {
      if (r.ok) { window.location.reload(); return; }
      reason.textContent = d.still.replace("{status}", r.status);
      left = wait; tick();
    }, function () { reason.textContent = d.network; left = wait; tick(); });
  }
  tick();
})();
</script>
</body></html>"""
ERROR_RETRY_SECONDS = 15
LAST_GOOD_KEY = "govops.wall.lastOk"  # localStorage key the wall script keeps the time of its last good data in


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
    """The Flask secret key from ``path``; created (mode 0600, random) when missing, made 0600 when
    it is readable by others."""
    if path.exists():
        make_private(path, create=False)
    else:
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


def _cookie_secure() -> bool:
    """Cookies carry ``Secure`` when configured so, or when this request came over HTTPS (waitress's
    ``url_scheme`` or a trusted proxy's ``X-Forwarded-Proto``)."""
    on = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    return on or (has_request_context() and request.is_secure)


class _SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, ``Secure`` per request (see :func:`_cookie_secure`)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return _cookie_secure()


def _login_page(nxt: str, username: str, message: str) -> str:
    return render_template_string(_LOGIN_PAGE, s=S, next=nxt, username=username, message=message,
                                  font_face=FONT_FACE, font_stack=FONT_STACK)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    st = _state()
    if request.method == "GET":
        return _login_page(safe_next(request.args.get("next")), "", "")
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    nxt = safe_next(request.form.get("next"))
    sec = st.config.security
    now = st.clock.now()
    result = authenticate(st.sessions, username, password, _remote(), now, max_failures=sec.max_failed_logins,
                          window=timedelta(minutes=sec.throttle_minutes), idle=timedelta(hours=sec.session_hours))
    if result.user_id is None:
        status = 429 if result.locked_until is not None else 401
        return _login_page(nxt, username.strip(), result.message), status
    previous = session.get(SESSION_ID)
    if previous:  # someone else's (or an older) login in this browser ends here, not just its cookie
        with transaction(st.sessions) as s:
            sign_out(s, previous, _remote(), now)
    session.clear()  # a fresh session on login: no fixation
    session.permanent = True
    session[SESSION_ID] = result.session_token
    response = redirect(nxt)
    _forget_wall(response)  # someone signed in here: this browser is no longer a wall
    return response


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    if request.method == "GET":
        return render_template_string(_LOGOUT_PAGE, s=S, message="")
    st = _state()
    token = session.get(SESSION_ID)
    if token:  # ends the session on the server: a copy of the cookie no longer works either
        with transaction(st.sessions) as s:
            sign_out(s, token, _remote(), st.clock.now())
    session.clear()
    response = redirect("/login")
    _forget_wall(response)
    return response


def _wants_page() -> bool:
    """A browser loading a page (not a callback, a ping, an asset or a form post)."""
    return (request.method == "GET" and not request.path.startswith(("/_", "/assets/"))
            and "text/html" in request.headers.get("Accept", ""))


@bp.route(HEALTH_PATH)
def healthz() -> Any:
    """The web process answers: what the supervisor polls to tell a hung server from a live one. Names
    nothing but the process (no data, no region), so it needs no login."""
    return {"ok": True, "role": "web", "pid": os.getpid()}


@bp.route(PING_PATH)
def ping() -> Any:
    """The wall's health check: 200 once the guard let it through (session valid, or re-opened from the
    wall's token); the guard answers 401/403 with the reason otherwise."""
    principal = current_principal()
    kiosk = bool(principal is not None and principal.kiosk)
    return {"ok": True, "kiosk": kiosk, "at": _state().clock.now().isoformat()}


def _refuse(message: str, status: int = 403, *, heading: str | None = None, person: bool = False) -> Response:
    """A refusal: the dark Chinese error page for a browser loading a page, plain text otherwise (Dash
    callbacks and the wall's ping show it in their overlay). A wall's page retries by itself; with
    ``person`` the page is a person's (no retry) and offers a logout button."""
    if not _wants_page():
        return Response(message, status=status, mimetype="text/plain; charset=utf-8")
    principal = g.get("govops_principal")
    wall = not person and ((principal is not None and principal.kiosk) or KIOSK_PARAM in request.args
                           or KIOSK_COOKIE in request.cookies)
    heading = heading or (S.ERROR_WALL_HEADING if wall else S.ERROR_HEADING)
    body = render_template_string(_ERROR_PAGE, s=S, heading=heading, message=message, status=status,
                                  retry=ERROR_RETRY_SECONDS if wall else "", last_key=LAST_GOOD_KEY,
                                  tz=_state().config.web.timezone, font_face=FONT_FACE, font_stack=FONT_STACK,
                                  offer_logout=person)
    return Response(body, status=status, mimetype="text/html; charset=utf-8")


def _remember_wall(response: BaseResponse, token: str) -> BaseResponse:
    """Keep the token a wall was opened with (HttpOnly, this site only): when the wall's session lapses,
    the guard opens a new one from it, checking it as on first use."""
    response.set_cookie(KIOSK_COOKIE, token, max_age=KIOSK_COOKIE_DAYS * 86400, httponly=True, samesite="Strict",
                        secure=_cookie_secure())
    return response


def _forget_wall(response: BaseResponse) -> None:
    response.delete_cookie(KIOSK_COOKIE, httponly=True, samesite="Strict", secure=_cookie_secure())


def _refuse_kiosk_over_personal(personal: Principal, token: str) -> Response:
    """A kiosk link (or header) in a browser with a live personal login: refused and audited, the
    personal session kept — a link must never turn someone's login into a wall, nor the reverse."""
    st = _state()
    with transaction(st.sessions) as s:
        row = resolve_token(s, token)
        name = row.name if row is not None else "令牌无效"
        audit.record(s, personal.actor, "kiosk.refused", "kiosk_token", row.id if row is not None else "-",
                     scope_code=personal.scope_code, remote_addr=_remote(), at=st.clock.now(),
                     summary=S.AUDIT_KIOSK_REFUSED.format(user=personal.actor, name=name))
    return _refuse(S.KIOSK_OVER_PERSONAL.format(user=personal.actor), 409,
                   heading=S.KIOSK_OVER_PERSONAL_HEADING, person=True)


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
    if SESSION_ID in session:
        idle = timedelta(hours=st.config.security.session_hours)
        with transaction(st.sessions) as s:
            user = live_user(s, str(session[SESSION_ID]), st.clock.now(), idle)
            # Ended (logout, password, disable, role change), expired, or the account disabled: it ends here.
            if user is None:
                session.clear()
                return None
            return Principal.of_user(user)
    session.pop("uid", None)  # a cookie from before server-side sessions: log in again
    return None


def scope_refusal(kind: Kind, code: str | None) -> str | None:
    """Why the current viewer may not see the object ``code`` names (Chinese, naming no other region), or
    None. The one check a callback or page makes on a code it received; empty codes pass."""
    return check_code(current_principal(), _state().sessions, kind, code)


def _token_route() -> bool:
    """Whether the request reaches a route declared :attr:`Gate.TOKEN` (the open API)."""
    rule = request.url_rule
    return rule is not None and registry().routes.get(rule.endpoint) is Gate.TOKEN


def token_routes(server: Flask, blueprint: Blueprint) -> None:
    """Declare every route of the registered ``blueprint`` token-authenticated (:attr:`Gate.TOKEN`): the guard
    hands such a request over untouched — no session or kiosk cookie is read, none is set — and CSRF does not
    apply, since no cookie authenticates it. The blueprint's own code must authenticate every request."""
    access = registry(server)
    for rule in server.url_map.iter_rules():
        if rule.endpoint.startswith(blueprint.name + "."):
            access.route(rule.endpoint, Gate.TOKEN)
    server.extensions["csrf"].exempt(blueprint)


def _guard() -> BaseResponse | None:
    st = _state()
    if _token_route():
        return None  # never cookie-authenticated: the route checks its token itself
    if request.path in PUBLIC_PATHS or (request.path == "/logout" and SESSION_ID in session):
        return None
    if request.method in SAFE_METHODS and request.path.startswith(PUBLIC_FONTS) and ".." not in request.path:
        return None
    token = request.args.get(KIOSK_PARAM) or request.headers.get(KIOSK_HEADER)
    principal: Principal | None
    if token and SESSION_ID in session:
        personal = _from_session()
        if personal is not None:
            g.govops_principal = personal
            return _refuse_kiosk_over_personal(personal, token)
    if token:
        got = _kiosk_from_token(token)
        if isinstance(got, Response):
            return got
        principal = got
        if request.method == "GET" and KIOSK_PARAM in request.args:  # drop the token from the address bar
            rest = {k: v for k, v in request.args.items() if k != KIOSK_PARAM}
            return _remember_wall(redirect(request.path + (f"?{urlencode(rest)}" if rest else "")), token)
    else:
        principal = _from_session()
        wall_token = request.cookies.get(KIOSK_COOKIE)
        if principal is None and wall_token:  # a wall whose session lapsed: its token, checked again
            got = _kiosk_from_token(wall_token)
            if isinstance(got, Response):
                return got  # revoked: the wall says so (and keeps retrying) instead of showing the login
            principal = got
    g.govops_principal = principal
    if principal is None:
        if not st.config.security.require_login:  # an anonymous viewer sees the province, never the undeclared
            why = access_refusal(None, st.sessions)
            return _refuse(why) if why else None
        if request.path.startswith(("/_dash-", "/_wall/")) or request.method not in SAFE_METHODS:
            return _refuse(S.FORBIDDEN.format(what="未登录"), 401)
        return redirect(f"/login?{urlencode({'next': request.full_path.rstrip('?')})}")
    if principal.kiosk and request.method not in SAFE_METHODS and request.path != DASH_CALLBACK:
        return _refuse(S.KIOSK_READ_ONLY)
    if request.path == "/" and not principal.is_province:
        return redirect(home_path(principal))  # the overview is the province's
    why = access_refusal(principal, st.sessions)  # what the request reaches declares who may use it
    return _refuse(why) if why else None


def _set_csrf_cookie(response: Response) -> Response:
    if g.get("govops_principal") is not None:
        response.set_cookie(CSRF_COOKIE, generate_csrf(), samesite="Strict", httponly=False,  # dash-renderer reads it
                            max_age=int(_state().config.security.session_hours * 3600), secure=_cookie_secure())
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
    server.config["SESSION_COOKIE_SECURE"] = config.security.cookie_secure
    server.session_interface = _SessionCookies()
    server.config["WTF_CSRF_TIME_LIMIT"] = None  # bounded by the session lifetime instead
    server.register_blueprint(bp)
    access = server.extensions.setdefault(ACCESS_KEY, AccessRegistry())
    access.route("security.login", Gate.PUBLIC)
    access.route("security.healthz", Gate.PUBLIC)
    access.route("security.logout", SHELL)
    access.route("security.ping", SHELL)
    server.before_request(_guard)  # before CSRF: an anonymous POST is a 401, not a 400
    CSRFProtect(server)
    server.after_request(_set_csrf_cookie)
    server.register_error_handler(CSRFError, _csrf_failed)
