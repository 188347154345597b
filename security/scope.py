"""Region scope: the province sees everything, a city sees itself and its counties. Pure."""

from __future__ import annotations

PROVINCE_CODE = "430000"


def can_see(scope_code: str, city_code: str) -> bool:
    """Whether a user or kiosk scoped to ``scope_code`` may see an object of ``city_code``.

    ``city_code`` is the owning city of the object (430000 for province-level objects), as carried in
    alert labels, metric tags and the registry.
    """
    return scope_code in (PROVINCE_CODE, city_code)


def scope_filter(scope_code: str) -> str | None:
    """The city code to filter queries by, or None when the scope is the whole province."""
    return None if scope_code == PROVINCE_CODE else scope_code
