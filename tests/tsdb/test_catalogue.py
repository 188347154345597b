"""The metric catalogue: one declaration per metric, a contradiction refused, lookups by key."""

from __future__ import annotations

import pytest

from collectors.loader import load_kinds
from tsdb.catalogue import CATALOGUE, Catalogue, CatalogueError, MetricSpec


def test_declarations_are_kept_and_a_contradiction_is_refused() -> None:
    c = Catalogue()
    spec = MetricSpec("m", "f", "ms", "耗时")
    assert c.declare(spec) == (spec,)
    c.declare(MetricSpec("m", "f", "ms", "耗时"))  # the same meaning again (a module imported twice) is fine
    with pytest.raises(CatalogueError, match=r"metric m\.f declared twice"):
        c.declare(MetricSpec("m", "f", "s", "耗时"))
    assert c.metric("m", "f") == spec and c.find("m", "g") is None and ("m", "f") in c
    with pytest.raises(KeyError, match=r"m\.g is not declared"):
        c.metric("m", "g")
    c.declare_measurement("m", "测量")
    with pytest.raises(CatalogueError, match="measurement m declared twice"):
        c.declare_measurement("m", "别的")
    assert c.measurement_label("m") == "测量" and c.measurement_label("x") is None


def test_every_written_measurement_has_a_chinese_name_after_loading_the_writers() -> None:
    load_kinds()
    measurements = {s.measurement for s in CATALOGUE}
    assert {"site_probe", "host", "host_disk", "collector_run", "inspection"} <= measurements
    for m in measurements:
        label = CATALOGUE.measurement_label(m)
        assert label and any("\u4e00" <= ch <= "\u9fff" for ch in label), m
