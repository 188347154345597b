"""Values as they arrive from the browser, made safe to use. Pure.

A Dash callback receives whatever JSON the request carries: the screen sends text, a number or a dict
where the layout says so, but anyone can post ``/_dash-update-component`` with a list where a name was
expected, ``1e308`` hours, ``NaN`` (Python's json module reads it), or an id of 10^30 (PostgreSQL's
integer overflows). These helpers turn such values into the one type the code expects, or into "absent"
(``""`` / ``None``), so callers refuse them with their usual Chinese message instead of raising.
"""

from __future__ import annotations

import math
import re
from typing import Any

MAX_TEXT = 10_000  # characters of one form field; a longer value is treated as absent
MAX_INT = 2**31 - 1  # database ids and versions are 32-bit integers
_INT = re.compile(r"\s*[+-]?\d{1,10}\s*")


def text(value: Any, limit: int = MAX_TEXT) -> str:
    """``value`` when it is a string of at most ``limit`` characters, a finite number as text, else ``""``."""
    if isinstance(value, str):
        return value if len(value) <= limit else ""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value) if abs(value) <= 10**18 else ""
    if isinstance(value, float) and math.isfinite(value):
        return str(value)
    return ""


def integer(value: Any) -> int | None:
    """``value`` as a 32-bit integer (from an int, an integral float or digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = int(value) if math.isfinite(value) and value.is_integer() else None
    elif isinstance(value, str):
        value = int(value) if _INT.fullmatch(value) else None
    if isinstance(value, int) and -MAX_INT - 1 <= value <= MAX_INT:
        return value
    return None


def number(value: Any) -> float | None:
    """``value`` as a finite number (from an int, a float or numeric text), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if len(value) > 64:
            return None
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float):
        try:
            f = float(value)
        except OverflowError:
            return None
        return f if math.isfinite(f) else None
    return None


def record_ref(value: Any) -> tuple[int, int] | None:
    """``(id, version)`` from a ``{"id": …, "version": …}`` store value, else None."""
    if not isinstance(value, dict):
        return None
    ident, version = integer(value.get("id")), integer(value.get("version"))
    return None if ident is None or version is None else (ident, version)
