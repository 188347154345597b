"""The real app on a real waitress server over loopback, and a small HTTP client that keeps cookies
the way a browser does (no redirects followed, so a test sees every ``Location``)."""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

from core.clock import Clock, FixedClock
from core.config import Config
from dashboard.app import dash_app
from runtime.webapp import create_app
from tests.dashboard.world import NOW, World


@contextmanager
def serve(world: World, config: Config | None = None, *, clock: Clock | None = None, threads: int = 8,
          **waitress_options: Any) -> Iterator[str]:
    """``world``'s app (with ``config`` instead of the world's, if given) on waitress at 127.0.0.1 on a
    free port; yields the base URL and stops the server on the way out. ``waitress_options`` go to
    waitress (e.g. ``url_scheme="https"``: the app sees every request as HTTPS, as behind a TLS proxy)."""
    from waitress import create_server

    app = create_app(config or world.config, store=world.store, sessions=world.sessions,
                     clock=clock or FixedClock(NOW))
    server = create_server(app, host="127.0.0.1", port=0, threads=threads, asyncore_use_poll=True,
                           **waitress_options)
    thread = threading.Thread(target=server.run, name="security-test-web", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        from waitress import wasyncore

        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map)  # the loop ends once its map is empty (poll() tolerates the race)
        thread.join(timeout=10)


def wall_app(config: Config, *, store: Any, sessions: Any, clock: Clock | None = None,
             rules: Any = None) -> Any:
    """The Dash screens of the composed web app (runtime.webapp.create_app): tests reach the callbacks
    through it and the Flask app as ``.server``."""
    return dash_app(create_app(config, store=store, sessions=sessions, clock=clock, rules=rules))


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: str

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    def set_cookies(self) -> list[str]:
        return self.headers.get_all("Set-Cookie") or []


@dataclass
class Browser:
    """One browser: its own cookies, sent back to the server that set them."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)
    origin: str = ""  # the origin the browser believes it is on (https://… behind a TLS proxy); default: base

    def request(self, method: str, path: str, *, form: dict[str, str] | None = None, json_body: Any = None,
                headers: dict[str, str] | None = None) -> Reply:
        """``path`` is sent as given (a test may send bytes a browser would not); ``form`` is url-encoded,
        ``json_body`` sent as JSON."""
        parts = urlsplit(self.base)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        hdrs = {"Accept": "text/html", **(headers or {})}
        if method == "POST":  # browsers send it on same-origin posts; Flask-WTF checks it over HTTPS
            hdrs.setdefault("Referer", f"{self.origin or self.base}/login")
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode("utf-8")
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        hdrs["Content-Length"] = str(len(body or b""))
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            conn.endheaders(body)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
        finally:
            conn.close()
        reply = Reply(resp.status, resp.headers, text)
        for line in reply.set_cookies():
            jar = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"]):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return reply

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, form: dict[str, str] | None = None, **kw: Any) -> Reply:
        return self.request("POST", path, form=form or {}, **kw)

    def csrf(self, page: str = "/login") -> str:
        """The CSRF token of a form page."""
        m = re.search(r'name="csrf_token" value="([^"]+)"', self.get(page).body)
        assert m, f"no CSRF token on {page}"
        return m.group(1)

    def dash_callback(self, body: dict[str, Any]) -> Reply:
        """A Dash callback as dash-renderer posts it: JSON, the CSRF cookie copied into ``X-CSRFToken``."""
        return self.request("POST", "/_dash-update-component", json_body=body, headers={
            "Accept": "application/json", "X-CSRFToken": self.cookies.get("_csrf_token", "")})

    def login(self, username: str, password: str, nxt: str = "/") -> Reply:
        return self.post("/login", {"username": username, "password": password, "next": nxt,
                                    "csrf_token": self.csrf()})
