"""What pages, callbacks and routes declare about who may use them, and the judgement over a declaration.
Pure: the owner of a code is looked up by a function the caller passes (security/owners.py reads the
registry).

A page declares its access next to its ``dash.register_page`` call (``access=Access(...)``); its callbacks
inherit it. A Flask route declares it in the app's :class:`AccessRegistry`. The guard
(security/web.py) enforces the declaration on every request and refuses anything undeclared::

    ACCESS = Access(params={"code": Kind.SITE}, inputs={"site-code.data": Kind.SITE})
    dash.register_page(__name__, path_template="/site/<code>", access=ACCESS, ...)

- ``action``: what the viewer's role must grant (security.auth.PERMISSIONS); kiosk walls have ``view`` only.
- ``province_only``: the page shows the whole province (the overview, every host).
- ``params``: the layout keywords (path variables and query arguments, as Dash passes them) or a
  route's query arguments that name a region object; ``inputs``: the callback inputs and states
  (``"component-id.property"``) that do. Each value given is judged by its owner (a site's node and city,
  a host's, a county's parent city) against the viewer's scope (:func:`security.scope.covers`).
- Pages without a region parameter (the console pages) filter their reads by the viewer's scope themselves.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.i18n.security import ACTION_LABELS, S
from security.auth import Action, Principal, allowed_actions
from security.scope import PROVINCE_CODE, Owner, covers


class Kind(enum.StrEnum):
    """What a code names."""

    DIVISION = "division"  # the province, a city or a county (430000 is the province's own objects: 省本级)
    SITE = "site"  # a site code (政府网站标识码)
    HOST = "host"  # a host name


@dataclass(frozen=True)
class Access:
    """Who may use a page, its callbacks or a route (see the module docstring)."""

    action: Action = Action.VIEW
    province_only: bool = False
    params: Mapping[str, Kind] = field(default_factory=dict)
    inputs: Mapping[str, Kind] = field(default_factory=dict)


class Gate(enum.StrEnum):
    """Routes judged by something other than a fixed declaration."""

    PUBLIC = "public"  # no session needed (the login form)
    PAGE = "page"  # Dash's page routes: the declaration of the page the path resolves to, as Dash resolves it
    CALLBACK = "callback"  # Dash's callback endpoint: the declaration of the callback named by the request
    TOKEN = "token"  # the open API (api/): authenticates its own bearer token; no session, cookie or CSRF


SHELL = Access()  # the app's frame, scripts and styles: any viewer, no region data

OwnerLookup = Callable[[Kind, str], Owner | None]
PageResolver = Callable[[Any, Any], tuple[Access | None, dict[str, Any]]]


class AccessRegistry:
    """The declarations of one app: routes by Flask endpoint, callbacks by Dash output key, and the page
    resolver (pathname, search → the page's declaration and the keywords its layout would get)."""

    def __init__(self) -> None:
        self.routes: dict[str, Access | Gate] = {}
        self.callbacks: dict[str, Access | Gate] = {}
        self.dependencies: dict[str, tuple[str, ...]] = {}
        self.resolve_page: PageResolver | None = None

    def route(self, endpoint: str, access: Access | Gate) -> None:
        """Declare the Flask route ``endpoint``; declaring one twice differently is a bug and raises."""
        _declare(self.routes, endpoint, access, "route")

    def callback(self, output: str, access: Access | Gate, dependencies: Sequence[str]) -> None:
        """Declare the Dash callback whose output key (``app.callback_map``'s key) is ``output``, with its
        inputs then states in order (``"id.property"``; a pattern-matching id as Dash writes it, JSON)."""
        _declare(self.callbacks, output, access, "callback")
        self.dependencies[output] = tuple(dependencies)


def _declare(table: dict[str, Access | Gate], key: str, access: Access | Gate, what: str) -> None:
    if key in table and table[key] != access:
        raise ValueError(f"{what} {key!r} declared twice with different access")
    table[key] = access


def _matches_pattern(ident: Any, pattern: dict[str, Any]) -> bool:
    """Whether a concrete component id fits a pattern-matching id (wildcards are lists: ``["ALL"]``)."""
    return (isinstance(ident, dict) and set(ident) == set(pattern)
            and all(isinstance(v, list) or ident[k] == v for k, v in pattern.items()))


def dependency_values(items: Sequence[Any], dependencies: Sequence[str]) -> list[tuple[str, Any]] | None:
    """``("id.property", value)`` of a callback request's inputs then states, named by the callback's
    *declared* dependencies position by position — Dash hands values to the function by position, whatever
    id the request gives them — or None when the request does not match the declaration (a missing, extra,
    renamed or reordered input). Pattern-matching inputs must match their pattern and carry no codes."""
    if len(items) != len(dependencies):
        return None
    out: list[tuple[str, Any]] = []
    for item, dep in zip(items, dependencies, strict=True):
        ident, _, prop = dep.rpartition(".")
        if ident.startswith("{"):
            pattern = json.loads(ident)
            if not isinstance(item, list) or not all(
                    isinstance(d, dict) and d.get("property") == prop and _matches_pattern(d.get("id"), pattern)
                    for d in item):
                return None
            continue
        if not isinstance(item, dict) or item.get("id") != ident or item.get("property") != prop:
            return None
        out.append((dep, item.get("value")))
    return out


def codes_in(values: Iterable[tuple[str, Any]], declared: Mapping[str, Kind]) -> Iterator[tuple[Kind, Any]]:
    """``(kind, value)`` for each declared name among ``(name, value)``; lists are taken apart, empty values
    (None, "") skipped. Values that are not strings or numbers are passed on for :func:`refusal` to refuse."""
    for name, value in values:
        kind = declared.get(name)
        if kind is None:
            continue
        for v in value if isinstance(value, list | tuple) else [value]:
            if v is None or v == "":
                continue
            yield kind, v


def refusal(principal: Principal | None, access: Access | None, codes: Iterable[tuple[Kind, Any]],
            owner_of: OwnerLookup) -> str | None:
    """Why ``principal`` may not use what ``access`` declares with these codes (Chinese), or None.

    ``access`` None is an undeclared page, callback or route: refused. ``principal`` None is an anonymous
    viewer, possible only with login switched off (the guard refuses it otherwise): it sees the province.
    A refusal never names another region's code or object.
    """
    if access is None:
        return S.UNDECLARED
    if principal is None:
        return None
    if access.action not in allowed_actions(principal):
        return S.KIOSK_READ_ONLY if principal.kiosk else S.FORBIDDEN.format(what=ACTION_LABELS[access.action])
    if principal.is_province:
        return None
    if access.province_only:
        return S.FORBIDDEN_SCOPE
    for kind, code in codes:
        if isinstance(code, bool) or not isinstance(code, str | int):
            return S.BAD_CODE
        if not covers(principal.scope_code, owner_of(kind, str(code))):
            return S.FORBIDDEN_SCOPE
    return None


def home_path(principal: Principal | None) -> str:
    """The viewer's overview: the province overview, or a city's (or county's) own wall."""
    if principal is None or principal.scope_code == PROVINCE_CODE:
        return "/"
    return f"/city/{principal.scope_code}"
