"""Region scope: the province sees everything, a city sees itself and its counties, a county sees only
itself. Pure.

Scopes and objects are GB/T 2260 division codes: ``430000`` the province, ``430100`` a city, ``430102``
a county (its city is ``430100``). An object (a site, a host, an alert, a silence …) belongs to a node
and, through it, to a city (:class:`Owner`); it is in a scope when the scope is the province, its city,
or its own node (:func:`covers`, the one judgement every data path uses). Deny by default: a county
scope sees an object only when the object's node is that county — a city-wide object (no node, or the
city's own node) is the city's, not the county's; an unknown owner is the province's alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.region import PROVINCE_CODE, ScopeLevel, city_of, scope_level

# The region vocabulary (codes, levels, city of a node) is core's; the scope judgements build on it here.


def level_of(scope_code: str) -> ScopeLevel:
    """:func:`scope_level` for a code already validated (a principal's scope)."""
    return scope_level(scope_code)


@dataclass(frozen=True)
class Owner:
    """Where an object belongs: its city (``430000`` for province-level objects) and its own node
    (the county, city or province the registry files it under; the city when only that is known)."""

    city_code: str
    node_code: str

    @classmethod
    def of_city(cls, code: str) -> Owner:
        """An object known only by one division code (alert labels, metric tags, a scope column): a county
        code there makes it that county's; a city or province code the city's or province's."""
        try:
            return cls(city_of(code), code)
        except ValueError:
            return cls(code, code)

    @classmethod
    def of_scope(cls, scope_code: str) -> Owner:
        """Where a user or a wall of ``scope_code`` belongs, so that people are judged like any other object."""
        return cls.of_city(scope_code)


PROVINCE = Owner(PROVINCE_CODE, PROVINCE_CODE)


def covers(scope_code: str, owner: Owner | None) -> bool:
    """Whether a viewer scoped to ``scope_code`` may see an object owned by ``owner``.

    The province covers everything; a city its own objects and its counties'; a county only objects filed
    under itself. ``None`` (an object that does not exist, or whose owner is unknown) is covered by the
    province only: deny by default, and a refusal never tells a missing object from another region's. A
    malformed scope covers nothing.
    """
    if scope_code == PROVINCE_CODE:
        return True
    if owner is None:
        return False
    try:
        level = scope_level(scope_code)
    except ValueError:
        return False
    if level is ScopeLevel.COUNTY:
        return owner.node_code == scope_code and owner.city_code == city_of(scope_code)
    return owner.city_code == scope_code


def can_see(scope_code: str, city_code: str, node_code: str | None = None) -> bool:
    """Whether a user or kiosk scoped to ``scope_code`` may see an object of ``city_code`` (its owning
    city, 430000 for province-level objects; a county code there makes it that county's) at ``node_code``
    (its division, when known). Objects known only by their city are never visible to a county scope."""
    owner = Owner.of_city(city_code)
    return covers(scope_code, owner if node_code is None else Owner(owner.city_code, node_code))


def node_of(labels: Mapping[str, Any] | None) -> str | None:
    """The node an object carrying region labels (an alert) is filed under: its ``node`` label, or None."""
    node = (labels or {}).get("node")
    return node if isinstance(node, str) and node else None


def city_prefilter(scope_code: str) -> str | None:
    """The ``city_code`` a query may narrow to before judging rows with :func:`can_see`: None for the
    province, the city for a city or a county scope (a county's objects are its city's too)."""
    if scope_code == PROVINCE_CODE:
        return None
    try:
        return city_of(scope_code)
    except ValueError:
        return scope_code  # malformed: matches no city, and can_see refuses every row anyway


def scope_filter(scope_code: str) -> str | None:
    """The code to filter ``city_code`` columns by: None for the province (everything), the city for a
    city scope. For a county scope it is the county's own code, which no ``city_code`` equals — so a
    query keyed by city alone shows a county nothing (deny by default); county-aware queries filter by
    node with :func:`node_filter`."""
    return None if scope_code == PROVINCE_CODE else scope_code


def node_filter(scope_code: str) -> str | None:
    """The division code to filter ``node_code`` columns (sites, their alerts' ``node`` label) by for a
    county scope; None for the province and cities (their queries filter by city)."""
    try:
        return scope_code if scope_level(scope_code) is ScopeLevel.COUNTY else None
    except ValueError:
        return None
