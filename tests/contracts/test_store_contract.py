"""One contract over every registered metric-store kind, each built from configuration."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import to_ns
from core.config import Config, MetricsConfig
from core.plugins import import_submodules
from tsdb.factory import open_store
from tsdb.point import Point
from tsdb.store import STORES, MetricStore, Query, QueryError

import_submodules("tsdb")
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _points() -> list[Point]:
    pts = []
    for i in range(120):  # two hours, one point a minute, two sites in two cities
        t = to_ns(T0 + timedelta(minutes=i))
        pts.append(Point("site_probe", {"up": 1 if i % 10 else 0, "latency_ms": float(i)}, t,
                         {"site": "4301000001", "city": "430100"}))
        pts.append(Point("site_probe", {"up": 1, "latency_ms": 2.0 * i, "error": "timeout"}, t,
                         {"site": "4302000001", "city": "430200"}))
    return pts


@pytest.mark.parametrize("name", STORES.names())
def test_store_contract(name: str, tmp_path: Path) -> None:
    config = dataclasses.replace(Config(), metrics=dataclasses.replace(
        MetricsConfig(), backend=name, path=str(tmp_path / "metrics.db")))
    store = open_store(config)
    try:
        assert isinstance(store, MetricStore)
        assert store.write(_points()) == 240
        stop = T0 + timedelta(hours=2)

        df = store.query(Query("site_probe", "up", T0, stop, every=timedelta(hours=1), agg="avg",
                               group_by=("city",)))
        assert list(df.columns) == ["time", "city", "value"]
        assert str(df["time"].dt.tz) == "UTC"
        got = {(r.time, r.city): r.value for r in df.itertuples()}
        assert got[(T0, "430100")] == pytest.approx(54 / 60)
        assert got[(T0 + timedelta(hours=1), "430200")] == pytest.approx(1.0)

        total = store.query(Query("site_probe", "latency_ms", T0, stop, agg="sum",
                                  tags={"site": ["4301000001"]}))
        assert total["value"].tolist() == [pytest.approx(sum(range(120)))]
        assert total["time"].tolist() == [T0]

        latest = store.latest("site_probe", "latency_ms")
        assert sorted(latest["value"]) == [119.0, 238.0]
        assert {"time", "site", "city", "value"} <= set(latest.columns)
        assert store.latest("site_probe", "error")["value"].tolist() == ["timeout"]
        assert store.latest("site_probe", "up", since=stop + timedelta(minutes=5)).empty

        with pytest.raises(QueryError):
            store.query(Query("site_probe", "up", stop, T0))
        with pytest.raises(ValueError):  # a batch with a bad point is refused whole
            store.write([Point("site_probe", {"up": 1}, to_ns(stop), {"site": "x"}),
                         Point("site_probe", {"up": object()}, to_ns(stop), {"site": "y"})])  # type: ignore[dict-item]
        assert store.latest("site_probe", "up", since=stop).empty

        assert isinstance(store.maintain(stop + timedelta(hours=3)), dict)
        df2 = store.query(Query("site_probe", "up", T0, stop, every=timedelta(hours=1), agg="avg",
                                group_by=("city",)))
        assert {(r.time, r.city): r.value for r in df2.itertuples()} == pytest.approx(got)
    finally:
        store.close()
