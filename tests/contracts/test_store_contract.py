"""One contract over every registered metric-store kind, each built from its configuration section.

A kind without a harness in tests/support/stores.py fails ``test_every_kind_has_a_harness``: a new
backend is not done until it is exercised like the others.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collectors.kinds.site_probe import FAILURE
from core.clock import to_ns
from tests.support.stores import HARNESS, KINDS, open_kind
from tsdb.facts import latest_values
from tsdb.point import Point
from tsdb.store import STORES, MetricStore, Query, QueryError

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


TIMEOUT = {"error": "timeout", "reason": "连接超时（15 秒内未加载完成）"}
REFUSED = {"error": "refused", "reason": "连接被拒绝（服务器未在该端口提供服务）"}


def _points() -> list[Point]:
    """Two hours, one probe a minute, two sites in two cities; the first site's failures carry their text as
    tags of the failure marker, as the site probe writes them (the newest one differs)."""
    pts = []
    for i in range(120):
        t = to_ns(T0 + timedelta(minutes=i))
        one = {"site": "4301000001", "city": "430100"}
        pts.append(Point("site_probe", {"up": 1 if i % 10 else 0, "latency_ms": float(i)}, t, one))
        if i % 10 == 0:
            pts.append(Point("site_probe", {FAILURE: 1}, t, {**one, **(REFUSED if i == 110 else TIMEOUT)}))
        pts.append(Point("site_probe", {"up": 1, "latency_ms": 2.0 * i}, t, {"site": "4302000001", "city": "430200"}))
    return pts


def test_every_kind_has_a_harness() -> None:
    assert KINDS and set(KINDS) <= set(HARNESS), f"no harness for {sorted(set(KINDS) - set(HARNESS))}"
    for name in KINDS:
        kind = STORES.get(name)
        assert callable(getattr(kind, "from_config", None)) and isinstance(getattr(kind, "config_class", None), type)


@pytest.mark.parametrize("name", KINDS)
def test_store_contract(name: str, tmp_path: Path) -> None:
    with open_kind(name, tmp_path) as store:
        assert isinstance(store, MetricStore)
        assert store.write(_points()) == 252
        stop = T0 + timedelta(hours=2)
        _check_export(store, stop)

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
        # text: the newest failure's tags, read by name like a field, whatever the backend
        for name, want in (("error", "refused"), ("reason", REFUSED["reason"])):
            newest = latest_values(store, "site_probe", name)
            assert newest[["site", "value"]].values.tolist() == [["4301000001", want]], name
            assert newest["time"].tolist() == [T0 + timedelta(minutes=110)]
            assert "error" not in newest.columns and "reason" not in newest.columns
        assert latest_values(store, "site_probe", "reason", since=T0 + timedelta(minutes=111)).empty
        failures = store.query(Query("site_probe", FAILURE, T0, stop, agg="count", group_by=("site",)))
        assert failures[["site", "value"]].values.tolist() == [["4301000001", 12]]
        with pytest.raises(ValueError):  # a text field value is refused by every backend, with its batch
            store.write([Point("site_probe", {"up": 0}, to_ns(stop), {"site": "z"}),
                         Point("site_probe", {"up": 0, "error": "timeout"}, to_ns(stop), {"site": "z"})])
        assert store.latest("site_probe", "up", tags={"site": "z"}).empty
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


def _samples(points: list[Point]) -> list[tuple[str, str, tuple[tuple[str, str], ...], int, float]]:
    """Points as sorted one-field samples, the way ``export`` gives them back."""
    return sorted((p.measurement, f, tuple(sorted(p.tags.items())), p.time_ns, float(v))
                  for p in points for f, v in p.fields.items())


def _check_export(store: MetricStore, stop: datetime) -> None:
    """``export``: every raw sample of every series in [start, stop), in bounded batches, as written."""
    batches = list(store.export(T0, stop, batch=100))
    assert batches and all(0 < len(b) <= 100 for b in batches)
    assert all(len(p.fields) == 1 for b in batches for p in b)
    assert _samples([p for b in batches for p in b]) == _samples(_points())  # 492 samples of 252 points
    edge = T0 + timedelta(minutes=10)  # the window is half-open: minute 10 in, minute 20 out
    window = _samples([p for b in store.export(edge, edge + timedelta(minutes=10)) for p in b])
    assert window == _samples([p for p in _points() if to_ns(edge) <= p.time_ns < to_ns(edge) + 600 * 10**9])
    assert len(window) == 10 * 4 + 1  # up and latency_ms of two sites a minute, one failure marker
    assert list(store.export(stop, stop + timedelta(hours=1))) == []
    with pytest.raises(QueryError):
        list(store.export(stop, T0))
