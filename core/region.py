"""Region vocabulary shared by every layer: division codes (GB/T 2260), their levels, the city of a node.

``430000`` is the province, ``430100`` a city (ends in ``00``), ``430102`` a county (its city ``430100``).
Pure; who may see what (scope judgements over owners) lives in security/scope.py on top of this.
"""

from __future__ import annotations

import enum

PROVINCE_CODE = "430000"


class ScopeLevel(enum.StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


def is_division_code(code: object) -> bool:
    """Six ASCII digits."""
    return isinstance(code, str) and len(code) == 6 and code.isascii() and code.isdigit()


def scope_level(code: str) -> ScopeLevel:
    """The level of a division code, from its shape (GB/T 2260: a city ends in ``00``, a county does not);
    raises ``ValueError`` for a code that is not six digits."""
    if not is_division_code(code):
        raise ValueError(f"not a 6-digit division code: {code!r}")
    if code == PROVINCE_CODE:
        return ScopeLevel.PROVINCE
    return ScopeLevel.CITY if code.endswith("00") else ScopeLevel.COUNTY


def city_of(code: str) -> str:
    """The city a division belongs to: itself for a city, its city for a county, the province for the
    province. Raises ``ValueError`` like :func:`scope_level`."""
    level = scope_level(code)
    return code if level is not ScopeLevel.COUNTY else code[:4] + "00"


def is_county(code: str) -> bool:
    """Whether ``code`` is a county's (False for a malformed code)."""
    try:
        return scope_level(code) is ScopeLevel.COUNTY
    except ValueError:
        return False
