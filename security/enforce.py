"""Enforcing the declarations of security/access.py on a Flask request: which declaration the request
reaches (a route by its endpoint, a Dash page as Dash's own matcher resolves it, a Dash callback by its
output and its inputs by position) and the owners of the codes it carries (security/owners.py).

The guard (security/web.py) calls :func:`access_refusal` on every request once it knows who is asking.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from sqlalchemy.orm import Session, sessionmaker

from core.i18n.security import S
from security.access import (
    SHELL,
    Access,
    AccessRegistry,
    Gate,
    Kind,
    OwnerLookup,
    codes_in,
    dependency_values,
    refusal,
)
from security.auth import Principal
from security.owners import owner_of

ACCESS_KEY = "govops_access"  # server.extensions: the app's AccessRegistry


def registry(server: Flask | None = None) -> AccessRegistry:
    """The app's :class:`AccessRegistry` (pages, callbacks and routes declare their access in it)."""
    return (server or current_app).extensions[ACCESS_KEY]


def _owners(sessions: sessionmaker[Session]) -> OwnerLookup:
    def lookup(kind: Kind, code: str) -> Any:
        with sessions() as s:
            return owner_of(s, kind, code)

    return lookup


def check_code(principal: Principal | None, sessions: sessionmaker[Session], kind: Kind,
               code: str | None) -> str | None:
    """Why ``principal`` may not see the object ``code`` names (Chinese, naming no other region), or None."""
    return refusal(principal, SHELL, codes_in([("code", code)], {"code": kind}), _owners(sessions))


def _callback_request() -> tuple[Access | Gate, list[tuple[str, Any]]] | None:
    """(the declaration of the callback a Dash request names, ``("id.property", value)`` of its inputs and
    states as the callback receives them), or None for a request that matches no declaration."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return None
    inputs, state = body.get("inputs") or [], body.get("state") or []
    if not isinstance(inputs, list) or not isinstance(state, list):
        return None
    declared = registry().callbacks.get(body["output"])
    dependencies = registry().dependencies.get(body["output"])
    if declared is None or dependencies is None:
        return None
    values = dependency_values([*inputs, *state], dependencies)
    return None if values is None else (declared, values)


def _page(pathname: Any, search: Any) -> tuple[Access | None, list[tuple[Kind, Any]]]:
    """The declaration of the page Dash would render for ``pathname`` and ``search``, and the region codes
    among the keywords its layout would get (Dash's own matching: ``//``, trailing slashes and query
    arguments overriding path variables resolve here exactly as they render)."""
    resolve = registry().resolve_page
    if resolve is None:
        return None, []
    access, kwargs = resolve(pathname, search)
    return access, list(codes_in(kwargs.items(), access.params)) if access is not None else []


def access_refusal(principal: Principal | None, sessions: sessionmaker[Session]) -> str | None:
    """Why ``principal`` may not make the current request under the app's declarations (Chinese), or None.
    Deny by default: an undeclared route, page or callback is refused."""
    rule = request.url_rule
    if rule is None:  # no route: the 404 handler answers, with no data
        return None
    gate = registry().routes.get(rule.endpoint)
    codes: list[tuple[Kind, Any]] = []
    access: Access | None
    if gate is Gate.PUBLIC or gate is Gate.TOKEN:  # a token route judges its own token and scope (api/)
        return None
    if gate is Gate.PAGE:
        access, codes = _page(request.path, "?" + request.query_string.decode("utf-8", "replace"))
    elif gate is Gate.CALLBACK:
        call = _callback_request()
        if call is None:
            return S.UNDECLARED
        declared, values = call
        if declared is Gate.PAGE:  # Dash's page router: the page it would render
            given = dict(values)
            access, codes = _page(given.get("_pages_location.pathname"), given.get("_pages_location.search"))
        else:
            access = declared if isinstance(declared, Access) else None
            codes = list(codes_in(values, access.inputs)) if access is not None else []
    else:
        access = gate
        if access is not None:
            codes = list(codes_in(((k, request.args.getlist(k)) for k in request.args), access.params))
    return refusal(principal, access, codes, _owners(sessions))
