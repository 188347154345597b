"""Drive a real Dash app's callbacks over HTTP the way dash-renderer does, with a logged-in Flask test client.

:class:`DashClient` logs in through the real /login form, keeps the CSRF cookie the guard hands out, and
posts to ``/_dash-update-component`` with the inputs and states of the callback as the app declares them
(read from ``app.callback_map``), so a test names only the values it cares about and survives a callback
gaining an input.
"""

from __future__ import annotations

import json
import re
from typing import Any

from dash import Dash
from flask.testing import FlaskClient


class DashClient:
    """One browser session: anonymous, a kiosk wall (``kiosk_token``) or a user after :meth:`login`."""

    def __init__(self, app: Dash, *, kiosk_token: str | None = None) -> None:
        self.app = app
        self.client: FlaskClient = app.server.test_client()
        self.headers: dict[str, str] = {}
        if kiosk_token:  # as a wall does: open the kiosk link once, then ride the session cookie
            assert self.client.get(f"/?kiosk={kiosk_token}").status_code == 302

    def login(self, username: str, password: str) -> DashClient:
        page = self.client.get("/login").get_data(as_text=True)
        m = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert m, "login form without a CSRF token"
        r = self.client.post("/login", data={"username": username, "password": password, "next": "/alerts",
                                             "csrf_token": m.group(1)})
        assert r.status_code == 302, f"login of {username} failed: {r.status_code}"
        return self

    def _csrf_headers(self) -> dict[str, str]:
        cookie = self.client.get_cookie("_csrf_token")
        if cookie is None:  # the guard sets it on any page load of a signed-in session
            self.client.get("/alerts", headers=self.headers)
            cookie = self.client.get_cookie("_csrf_token")
        return {**self.headers, **({"X-CSRFToken": cookie.value} if cookie is not None else {})}

    def _spec(self, output_prefix: str) -> tuple[str, dict[str, Any]]:
        hits = [(k, v) for k, v in self.app.callback_map.items()
                if k.startswith(output_prefix) or k.startswith(f"..{output_prefix}")]
        assert len(hits) == 1, f"{len(hits)} callbacks have outputs starting {output_prefix!r}"
        return hits[0]

    def call(self, output_prefix: str, values: dict[str, Any], changed: str) -> tuple[int, Any]:
        """Fire the callback whose (first) output starts with ``output_prefix``.

        ``values`` maps "component-id.property" to a value (anything not given is None); ``changed`` is the
        "id.property" that triggered it (see :func:`pattern_prop` for a pattern-matched component). A
        pattern-matching input ``{"type": T, "id": ALL}`` takes its components from ``values["T.property"]``,
        a list of ``(id, value)``. Returns the HTTP status and the JSON response (None if not JSON).
        """
        key, spec = self._spec(output_prefix)

        def item(dep: dict[str, Any]) -> Any:
            if dep["id"].startswith("{"):  # a pattern-matching (ALL) input: one entry per matched component
                kind = json.loads(dep["id"])["type"]
                return [{"id": {"type": kind, "id": i}, "property": dep["property"], "value": v}
                        for i, v in values.get(f"{kind}.{dep['property']}", [])]
            name = f"{dep['id']}.{dep['property']}"
            return {"id": dep["id"], "property": dep["property"], "value": values.get(name)}

        outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]}
                   for o in key.strip(".").split("...")]
        body = {"output": key, "outputs": outputs if key.startswith("..") else outputs[0],
                "inputs": [item(d) for d in spec["inputs"]], "state": [item(d) for d in spec["state"]],
                "changedPropIds": [changed]}
        r = self.client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                             headers=self._csrf_headers())
        return r.status_code, r.get_json(silent=True)

    def page(self, pathname: str, search: str = "") -> tuple[int, str]:
        """Dash's page-routing callback for ``pathname``: status and the rendered content as JSON text."""
        status, got = self.call("_pages_content.children", {"_pages_location.pathname": pathname,
                                                             "_pages_location.search": search},
                                "_pages_location.pathname")
        return status, json.dumps(got, ensure_ascii=False) if got is not None else ""


def pattern_prop(kind: str, ident: int, prop: str = "n_clicks") -> str:
    """The changed-property name dash-renderer sends for component ``{"type": kind, "id": ident}``."""
    return json.dumps({"id": ident, "type": kind}, sort_keys=True, separators=(",", ":")) + f".{prop}"


def outputs(response: Any) -> dict[str, Any]:
    """``{"id.property": value}`` from a callback response."""
    out: dict[str, Any] = {}
    for cid, props in (response or {}).get("response", {}).items():
        for prop, value in props.items():
            out[f"{cid}.{prop}"] = value
    return out
