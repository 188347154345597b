"""Dash's side of the access declarations (security/access.py): the pages' ``access=`` metadata, the
callbacks each page registers, Dash's own routes, and a page resolver that matches a path exactly as
Dash's router does.

:func:`register_page_callbacks` calls a page module's ``register_callbacks(app)`` and declares every
server-side callback it added with the page's access; :func:`install` declares Dash's routes and the
resolver. The guard then refuses whatever is not declared: a page registered without ``access``, a
callback registered outside a page, a route nobody declared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash
from dash import Dash

from security.access import SHELL, Access, AccessRegistry, Gate
from security.enforce import registry

# Dash's routes (endpoint names under routes_pathname_prefix) that serve the frame, not data.
DASH_SHELL_ROUTES = ("_dash-layout", "_dash-dependencies", "_reload-hash", "_favicon.ico",
                     "_dash-component-suites/<string:package_name>/<path:fingerprinted_path>")
FLASK_SHELL_ENDPOINTS = ("static", "_dash_assets.static")  # Flask's static folder, Dash's assets
ROUTER_ID = "_pages_content"  # the output of Dash's page-routing callback
NOT_FOUND_MODULE = "not_found_404"  # the page Dash's router renders for a path no page claims


def page_access(page: dict[str, Any]) -> Access | None:
    """What a registered page declares (``dash.register_page(..., access=Access(...))``), or None."""
    access = page.get("access")
    return access if isinstance(access, Access) else None


def _page_of_module(module: str) -> dict[str, Any] | None:
    return next((p for p in dash.page_registry.values() if p.get("module") == module), None)


def register_page_callbacks(app: Dash, module: Any) -> None:
    """Run ``module.register_callbacks(app)`` and declare the server-side callbacks it added with the
    access its page declares (none declared: the callbacks stay undeclared, so they are refused)."""
    before = set(app.callback_map)
    module.register_callbacks(app)
    page = _page_of_module(module.__name__)
    access = page_access(page) if page is not None else None
    if access is None:
        return
    reg = registry(app.server)
    for key in set(app.callback_map) - before:
        if "callback" in app.callback_map[key]:  # clientside callbacks never reach the server
            reg.callback(key, access, dependencies(app.callback_map[key]))


def dependencies(spec: dict[str, Any]) -> list[str]:
    """A callback's inputs then states as ``"id.property"``, in the order Dash hands them to it."""
    return [f"{d['id']}.{d['property']}" for d in [*spec.get("inputs", []), *spec.get("state", [])]]


def resolver(app: Dash) -> Callable[[Any, Any], tuple[Access | None, dict[str, Any]]]:
    """(pathname, search) → (the declaration of the page Dash would render, the keywords its layout would
    get). Anything Dash's router could not handle (not a string, a path outside the app) resolves to
    (None, {}): refused."""
    from dash._pages import _parse_query_string, _path_to_page  # the matcher Dash's router itself uses

    def resolve(pathname: Any, search: Any) -> tuple[Access | None, dict[str, Any]]:
        if not isinstance(pathname, str) or not isinstance(search, str | None):
            return None, {}
        try:
            page, variables = _path_to_page(app.strip_relative_path(pathname))
        except Exception:
            return None, {}
        if not page:
            page = next((p for p in dash.page_registry.values()
                         if str(p.get("module", "")).split(".")[-1] == NOT_FOUND_MODULE), {})
        return page_access(page), {**(variables or {}), **_parse_query_string(search)}

    return resolve


def install(app: Dash) -> AccessRegistry:
    """Declare Dash's routes, its page router and the page resolver on ``app``'s registry."""
    reg = registry(app.server)
    prefix = app.config.routes_pathname_prefix
    for name in DASH_SHELL_ROUTES:
        reg.route(prefix + name, SHELL)
    for endpoint in FLASK_SHELL_ENDPOINTS:
        reg.route(endpoint, SHELL)
    reg.route(prefix, Gate.PAGE)
    reg.route(prefix + "<path:path>", Gate.PAGE)
    reg.route(prefix + "_dash-update-component", Gate.CALLBACK)
    # Dash registers its router on the first request (after the guard ran once): declared by its output.
    reg.callback(f"..{ROUTER_ID}.children..._pages_store.data..", Gate.PAGE,
                 ["_pages_location.pathname", "_pages_location.search"])
    reg.resolve_page = resolver(app)
    return reg


__all__ = ["dependencies", "install", "page_access", "register_page_callbacks", "resolver"]
