"""Playlists as data, the pure part: the views a wall can show, an item's validation, and the expansion of a
playlist into the ordered (path, dwell) list a wall rotates through. Imports no I/O: the open critical
cities are computed by the caller (walls.store) at rotation time and passed in."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.i18n.playlists import EXPANSION_LABELS, TP, VIEW_LABELS
from core.region import PROVINCE_CODE

DWELL_MIN = 5  # seconds: shorter and a wall reader cannot take a view in
DWELL_MAX = 3600
MAX_ITEMS = 64


class Expansion(enum.StrEnum):
    NONE = "none"  # the view once (a province-wide view, or one city's)
    EACH_CITY = "each_city"  # the view once per city in the playlist's scope, in map order
    CRITICAL_CITIES = "critical_cities"  # only the cities in scope with an open critical alert (none: skipped)


@dataclass(frozen=True)
class WallView:
    """A page a wall can show: its province-wide path and/or its per-city path (``{city}`` filled in)."""

    key: str
    path: str | None = None
    city_path: str | None = None
    province_only: bool = False  # a city's room may not show it (its page is the province's)

    @property
    def label(self) -> str:
        return VIEW_LABELS.get(self.key, self.key)


# A new wall page adds its view here, with a label in VIEW_LABELS (the resource library and operations walls).
VIEWS: dict[str, WallView] = {v.key: v for v in (
    WallView("overview", path="/", province_only=True),
    WallView("city", city_path="/city/{city}"),
    WallView("hosts", path="/hosts", province_only=True),
    WallView("infra", path="/infra", province_only=True),
    WallView("services", path="/services"),
    WallView("media", path="/media"),
    WallView("ops", path="/ops"),
)}


@dataclass(frozen=True)
class Item:
    """One entry of a playlist as stored (db.models_walls.WallPlaylistItem), in its position order."""

    view: str
    dwell: int
    expansion: Expansion = Expansion.NONE
    city: str | None = None


class PlaylistError(ValueError):
    """An item or a playlist is not valid; the message is Chinese and names the item."""


def scope_cities(scope: str, cities: Sequence[str]) -> list[str]:
    """The cities a playlist of ``scope`` covers: all of ``cities`` (map order) for the province, else itself."""
    return list(cities) if scope == PROVINCE_CODE else [scope]


def validate_item(item: Item, scope: str, cities: Sequence[str], *, dwell_bounds: bool = True) -> None:
    """Raise :class:`PlaylistError` (without position; see :func:`validate`) when ``item`` cannot be shown by a
    wall of ``scope`` (with ``dwell_bounds`` False, any positive whole dwell passes)."""
    view = VIEWS.get(item.view)
    if view is None:
        raise PlaylistError(TP.VIEW_UNKNOWN.format(view=item.view, known="、".join(VIEWS)))
    lo, hi = (DWELL_MIN, DWELL_MAX) if dwell_bounds else (1, 10 * DWELL_MAX)
    if isinstance(item.dwell, bool) or not isinstance(item.dwell, int) or not lo <= item.dwell <= hi:
        raise PlaylistError(TP.DWELL_BAD.format(dwell=item.dwell, lo=DWELL_MIN, hi=DWELL_MAX))
    if item.expansion not in set(Expansion):
        raise PlaylistError(TP.EXPANSION_UNKNOWN.format(expansion=item.expansion, known="、".join(Expansion)))
    if view.province_only and scope != PROVINCE_CODE:
        raise PlaylistError(TP.PROVINCE_ONLY_VIEW.format(view=view.label))
    if item.expansion is not Expansion.NONE:
        if view.city_path is None:
            raise PlaylistError(TP.EXPANSION_NEEDS_CITY_VIEW.format(view=view.label))
        if item.city:
            raise PlaylistError(TP.CITY_NOT_EXPANDED.format(city=item.city))
        return
    if view.path is None and not item.city:
        raise PlaylistError(TP.CITY_NEEDED.format(view=view.label))
    if item.city and (view.city_path is None or item.city not in scope_cities(scope, cities)):
        raise PlaylistError(TP.CITY_OUT_OF_SCOPE.format(city=item.city, scope=scope))


def validate(name: str, items: Sequence[Item], scope: str, cities: Sequence[str]) -> None:
    """Raise :class:`PlaylistError` naming the first bad item (1-based) of playlist ``name``."""
    if not items:
        raise PlaylistError(TP.NO_ITEMS.format(name=name))
    if len(items) > MAX_ITEMS:
        raise PlaylistError(TP.TOO_MANY_ITEMS.format(name=name, n=MAX_ITEMS))
    for n, item in enumerate(items, 1):
        try:
            validate_item(item, scope, cities)
        except PlaylistError as exc:
            raise PlaylistError(TP.ITEM_WHERE.format(n=n) + str(exc)) from None


def expand(items: Iterable[Item], scope: str, cities: Sequence[str],
           open_critical_cities: Iterable[str]) -> list[tuple[str, int]]:
    """The ordered (path, dwell seconds) a wall of ``scope`` rotates through.

    ``cities`` are all city codes in map order; ``open_critical_cities`` those with an open critical alert
    now. A ``critical_cities`` item with no such city in scope yields nothing (the wall moves on to the
    next item); an item that no longer validates (a view removed since it was saved) is skipped too. The
    dwell bounds are checked when a playlist is written (:func:`validate`), not here: what is stored plays.
    The result may be empty: the caller then shows the wall's home page.
    """
    critical = set(open_critical_cities)
    in_scope = scope_cities(scope, cities)
    out: list[tuple[str, int]] = []
    for item in items:
        try:
            validate_item(item, scope, cities, dwell_bounds=False)
        except PlaylistError:
            continue
        view = VIEWS[item.view]
        if item.expansion is Expansion.NONE:
            path = view.city_path.format(city=item.city) if item.city and view.city_path else view.path
            out.append((str(path), item.dwell))
            continue
        chosen = in_scope if item.expansion is Expansion.EACH_CITY else [c for c in in_scope if c in critical]
        out.extend((str(view.city_path).format(city=c), item.dwell) for c in chosen)
    return out


def home_path(scope: str) -> str:
    """The page a wall of ``scope`` shows when its rotation is empty."""
    return "/" if scope == PROVINCE_CODE else f"/city/{scope}"


def builtin_rotation(scope: str, cities: Sequence[str], rotate_seconds: int) -> list[tuple[str, int]]:
    """Today's behaviour, for a wall bound to no stored playlist: the province room shows the overview then
    each city, each for ``[web] rotate_seconds`` (0: it stays on the overview); a city's (or a county's) room
    shows its own page. Not validated against the dwell bounds: ``rotate_seconds`` is the operator's choice."""
    if scope != PROVINCE_CODE:
        return [(home_path(scope), max(rotate_seconds, DWELL_MIN))]
    if rotate_seconds <= 0:
        return [("/", DWELL_MAX)]
    return [("/", rotate_seconds), *((f"/city/{c}", rotate_seconds) for c in cities)]


def default_items(scope: str, rotate_seconds: int) -> list[Item]:
    """The items of a wall room's seeded default playlist: :func:`builtin_rotation` as data (they expand to
    the same rotation), the dwell held within the bounds an edited playlist must keep."""
    dwell = min(max(rotate_seconds, DWELL_MIN), DWELL_MAX)
    if scope != PROVINCE_CODE:
        return [Item("city", dwell, city=scope)]
    if rotate_seconds <= 0:
        return [Item("overview", DWELL_MAX)]
    return [Item("overview", dwell), Item("city", dwell, Expansion.EACH_CITY)]


def expansion_label(value: str) -> str:
    return EXPANSION_LABELS.get(value, value)
