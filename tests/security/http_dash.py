"""A browser session over real HTTP on loopback: log in through the form (or open a kiosk link), load
routes, and fire any Dash callback of ``app.callback_map`` the way dash-renderer posts it.

Unlike tests/security/dash_client.py (Flask's test client), this goes through a real server and socket,
so what it sees is exactly what a browser would get.
"""

from __future__ import annotations

import json
import re
from typing import Any

import requests

TIMEOUT = 30


def _items(dep: dict[str, Any], values: dict[str, Any]) -> Any:
    if dep["id"].startswith("{"):  # a pattern-matching (ALL) input: one entry per matched component
        kind = json.loads(dep["id"])["type"]
        return [{"id": {"type": kind, "id": i}, "property": dep["property"], "value": v}
                for i, v in values.get(f"{kind}.{dep['property']}", [])]
    return {"id": dep["id"], "property": dep["property"], "value": values.get(f"{dep['id']}.{dep['property']}")}


def _output(spec: str) -> Any:
    """One output as dash-renderer sends it; a pattern-matching (ALL) output matching no component is []."""
    ident, prop = spec.rsplit(".", 1)
    return [] if ident.startswith("{") else {"id": ident, "property": prop}


def callback_body(key: str, spec: dict[str, Any], values: dict[str, Any], changed: str) -> dict[str, Any]:
    """The JSON dash-renderer posts for callback ``key`` (an ``app.callback_map`` key): ``values`` maps
    "component-id.property" to a value (None when absent), ``changed`` is the triggering "id.property"."""
    outputs = [_output(o) for o in (key[2:-2].split("...") if key.startswith("..") else [key])]
    return {"output": key, "outputs": outputs if key.startswith("..") else outputs[0],
            "inputs": [_items(d, values) for d in spec["inputs"]],
            "state": [_items(d, values) for d in spec.get("state", [])], "changedPropIds": [changed]}


def readable(response: requests.Response) -> str:
    """The body as a person would read it: JSON re-encoded without ``\\uXXXX`` escapes."""
    text = response.text
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text


class HttpSession:
    """One browser: anonymous, a user after :meth:`login`, or a wall after :meth:`kiosk`."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def login(self, username: str, password: str) -> HttpSession:
        page = self.http.get(f"{self.base}/login", timeout=TIMEOUT).text
        m = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert m, "login form without a CSRF token"
        r = self.http.post(f"{self.base}/login", data={"username": username, "password": password, "next": "/alerts",
                                                        "csrf_token": m.group(1)}, allow_redirects=False,
                           timeout=TIMEOUT)
        assert r.status_code == 302, f"login of {username} failed: {r.status_code}"
        return self

    def kiosk(self, token: str) -> HttpSession:
        r = self.http.get(f"{self.base}/?kiosk={token}", allow_redirects=False, timeout=TIMEOUT)
        assert r.status_code == 302, f"kiosk link refused: {r.status_code}"
        return self

    def get(self, path: str) -> requests.Response:
        return self.http.get(f"{self.base}{path}", allow_redirects=False, timeout=TIMEOUT,
                             headers={"Accept": "text/html,application/json"})

    def _csrf(self) -> dict[str, str]:
        token = self.http.cookies.get("_csrf_token")
        if token is None:  # handed out on any response to a signed-in session
            self.get("/_wall/ping")
            token = self.http.cookies.get("_csrf_token")
        return {"X-CSRFToken": token} if token else {}

    def callback(self, body: dict[str, Any]) -> requests.Response:
        return self.http.post(f"{self.base}/_dash-update-component", data=json.dumps(body), timeout=TIMEOUT,
                              headers={"Content-Type": "application/json", **self._csrf()})

    def page(self, pathname: Any, search: Any = "") -> requests.Response:
        """Dash's page-routing callback for ``pathname`` and ``search``, as the renderer sends it."""
        return self.callback({
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"], "state": []})
