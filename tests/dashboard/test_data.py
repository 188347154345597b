"""dashboard/data.py against a real SQLite registry and a real SQLiteMetricStore."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import to_ns
from dashboard.data import WallData
from tests.dashboard.world import EXPECTED_P95, NOW, World
from tsdb.point import Point


def test_overview_counts_staleness_and_p95(data: WallData) -> None:
    k = data.overview_kpis(NOW)
    assert (k.sites_total, k.sites_up, k.sites_down, k.sites_stale) == (6, 3, 1, 2)
    assert k.availability == pytest.approx(75.0)  # 3 up of 4 with fresh data; stale ones are not counted
    assert k.p95_latency_ms == pytest.approx(EXPECTED_P95)  # the down probe's 15 s is no page latency
    # web-01 up, db-01 at 97 % cpu, cms-cs never reported, old-01 silent for 120 s; retired-01 is disabled
    assert (k.hosts_total, k.hosts_healthy, k.hosts_stale) == (4, 1, 2)
    assert k.freshness_s == pytest.approx(5.0)


def test_site_statuses_follow_the_staleness_rule(data: WallData) -> None:
    status = dict(zip(*(data.site_frame(NOW)[c] for c in ("code", "status")), strict=True))
    assert status == {"P0001": "up", "C0100": "up", "X0102": "down", "C0200": "stale", "X0302": "slow",
                      "C0400": "stale"}
    # Two intervals later every probe is older than 2 x 60 s: nothing may look healthy.
    later = data.site_frame(NOW + timedelta(seconds=100))
    assert set(later["status"]) == {"stale"}


def test_city_health_per_city(data: WallData) -> None:
    df = data.city_health(NOW).set_index("code")
    assert len(df) == 15  # 14 cities plus 省本级, which has a site
    cs = df.loc["430100"]
    assert (cs["sites_total"], cs["up"], cs["down"], cs["stale"]) == (2, 1, 1, 0)
    assert cs["availability"] == pytest.approx(50.0) and cs["status"] == "down"
    assert df.loc["430200", "status"] == "stale"
    assert df.loc["430300", "status"] == "up"  # slow still counts as up
    assert df.loc["430400", "status"] == "stale"  # registered but never probed
    assert df.loc["430500", "status"] == "unknown"  # no sites at all
    assert df.loc["430000", "name"] == "省本级"


def test_worst_sites_city_sites_and_detail(data: WallData) -> None:
    worst = data.worst_sites(NOW, n=3)
    assert worst.loc[0, "code"] == "X0102"
    assert worst.loc[0, "availability"] == pytest.approx(50.0, abs=1.0)
    assert len(worst) == 3
    sites = data.city_sites("430100", NOW)
    assert list(sites["code"]) == ["X0102", "C0100"]  # problems first
    assert sites.loc[1, "tls_days"] == pytest.approx(90.0)
    d = data.site_detail("X0102", NOW)
    assert d is not None and d.status == "down" and d.error == "timeout" and d.http_status == 503
    assert d.city_code == "430100" and d.city_name == "长沙市" and d.node_name == "芙蓉区"
    up = data.site_detail("C0100", NOW)
    assert up is not None and up.error is None and up.latency_ms == pytest.approx(200.0)
    assert data.site_detail("NOPE", NOW) is None
    assert data.city_sites("999999", NOW).empty


def test_trend_and_history(data: WallData) -> None:
    trend = data.availability_trend(NOW, hours=24)
    assert len(trend) >= 140 and trend["availability"].between(0, 100).all()
    assert trend["availability"].iloc[-1] < trend["availability"].iloc[0]  # X0102 went down 12 h ago
    city = data.availability_trend(NOW, hours=24, city="430300")
    assert (city["availability"] == 100.0).all()
    hist = data.site_history("X0102", NOW, hours=24)
    assert list(hist.columns) == ["time", "latency_ms", "availability", "partial"]
    assert hist["availability"].iloc[0] == 100.0 and hist["availability"].iloc[-1] == 0.0
    assert hist["partial"].tolist() == [False] * (len(hist) - 1) + [True]  # the running bucket comes last
    with pytest.raises(ValueError, match="hours"):
        data.site_history("X0102", NOW, hours=0)


def test_screens_in_one_cache_window_share_one_query(data: WallData, world: World) -> None:
    before = data.overview_kpis(NOW)
    # A new probe brings the stale 株洲 site back; within the same window the cached answer stands.
    world.store.write([Point("site_probe", {"up": 1, "latency_ms": 150.0}, to_ns(NOW + timedelta(seconds=2)),
                             {"site": "C0200", "node": "430200", "city": "430200", "level": "city_portal"})])
    assert data.overview_kpis(NOW + timedelta(seconds=5)) == before
    after = data.overview_kpis(NOW + timedelta(seconds=10))
    assert after.sites_stale == before.sites_stale - 1


def test_naive_now_is_refused(data: WallData) -> None:
    with pytest.raises(ValueError, match="naive"):
        data.overview_kpis(NOW.replace(tzinfo=None))


def test_chart_frames_follow_the_zone_of_now(data: WallData) -> None:
    """Plotly draws wall times and ignores offsets: frames for charts come in the wall's zone, same instants."""
    from zoneinfo import ZoneInfo

    local_now = NOW.astimezone(ZoneInfo("Asia/Shanghai"))
    for read in (lambda n: data.availability_trend(n), lambda n: data.site_history("X0102", n),
                 lambda n: data.host_history("web-01", n)):
        utc, local = read(NOW), read(local_now)
        assert not utc.empty and str(utc["time"].dt.tz) == "UTC"
        assert str(local["time"].dt.tz) == "Asia/Shanghai"
        assert list(local["time"]) == list(utc["time"])  # the same instants
        assert local["time"].iloc[-1].hour == (utc["time"].iloc[-1].hour + 8) % 24


def test_availability_counts_probes_newer_than_the_cache_window_start(data: WallData, world: World) -> None:
    """A status comes from the newest probe whenever it came; the availability beside it must count it too."""
    world.store.write([Point("site_probe", {"up": 0, "latency_ms": 2000.0}, to_ns(NOW + timedelta(seconds=3)),
                             {"site": "C0400", "node": "430400", "city": "430400", "level": "city_portal"})])
    at = NOW + timedelta(seconds=4)  # the same cache window as NOW
    detail = data.site_detail("C0400", at)
    assert detail is not None and detail.status == "down" and detail.availability == 0.0
    assert "C0400" in data.worst_sites(at, n=10)["code"].tolist()
