"""Host reads of dashboard/data.py against a real SQLite registry and a real SQLiteMetricStore."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from core.clock import to_ns
from dashboard.data import WallData
from dashboard.health import CUT_COLUMNS
from dashboard.host_data import HISTORY_FIELDS, HOST_COLUMNS
from tests.dashboard.world import GIB, NOW, WEB_DISKS, World
from tsdb.point import Point


def test_host_frame_statuses_problems_first_and_disabled_left_out(data: WallData) -> None:
    df = data.host_frame(NOW)
    assert list(df.columns) == [*HOST_COLUMNS, *CUT_COLUMNS]  # the wall adds the cut-city columns
    assert list(df["name"]) == ["db-01", "cms-cs", "old-01", "web-01"]  # unhealthy, stale (by name), up
    st = df.set_index("name")
    assert dict(st["status"]) == {"db-01": "unhealthy", "cms-cs": "stale", "old-01": "stale", "web-01": "up"}
    assert "retired-01" not in st.index  # disabled in the registry although it still reports
    assert pd.isna(st.loc["cms-cs", "last_seen"]) and st.loc["cms-cs", "city_code"] == "430100"
    assert st.loc["cms-cs", "node_name"] == "芙蓉区" and st.loc["cms-cs", "city_name"] == "长沙市"
    assert st.loc["web-01", "role"] == "web" and st.loc["web-01", "city_name"] == "省本级"
    assert not st.loc["old-01", "registered"] and st.loc["old-01", "role"] == ""
    assert st.loc["old-01", "node_name"] == "湖南省"  # named from its node tag
    # web-01's newest sample: the unmounted /mnt/old (99 %, two days old) no longer counts.
    assert st.loc["web-01", "disk_percent"] == pytest.approx(max(WEB_DISKS.values()))
    assert st.loc["web-01", "cpu_percent"] == pytest.approx(20.0)
    assert st.loc["web-01", "uptime_s"] == pytest.approx(86400 * 3 + 3600 * 5)


def test_hosts_go_stale_after_two_host_intervals(data: WallData) -> None:
    # host_interval is 15 s: the samples 5 s before NOW are stale once older than 30 s.
    assert set(data.host_frame(NOW + timedelta(seconds=25))["status"]) == {"unhealthy", "stale", "up"}
    later = data.host_frame(NOW + timedelta(seconds=40))
    assert set(later["status"]) == {"stale"}
    k = data.overview_kpis(NOW + timedelta(seconds=40))
    assert (k.hosts_total, k.hosts_healthy, k.hosts_stale) == (4, 0, 4)


def test_a_full_disk_makes_a_fresh_host_unhealthy(data: WallData, world: World) -> None:
    t = to_ns(NOW + timedelta(seconds=10))
    tags = {"host": "web-01", "node": "430000", "city": "430000"}
    world.store.write([Point("host", {"cpu_percent": 5.0, "mem_percent": 30.0}, t, tags)]
                      + [Point("host_disk", {"used_percent": used}, t, {**tags, "mount": mount})
                         for mount, used in (("/", 50.0), ("/data", 96.5))])
    row = data.host_frame(NOW + timedelta(seconds=10)).set_index("name").loc["web-01"]
    assert row["status"] == "unhealthy" and row["disk_percent"] == pytest.approx(96.5)
    # Fields the newest sample lacks read as missing, not as an older sample's value.
    assert pd.isna(row["load1"])


def test_city_hosts_detail_and_disks(data: WallData) -> None:
    assert list(data.city_hosts("430100", NOW)["name"]) == ["cms-cs"]
    assert set(data.city_hosts("430000", NOW)["name"]) == {"db-01", "old-01", "web-01"}
    assert data.city_hosts("430300", NOW).empty
    d = data.host_detail("web-01", NOW)
    assert d is not None and d.status == "up" and d.registered and d.role == "web"
    assert d.last_seen == NOW - timedelta(seconds=5)
    assert (d.mem_used_bytes, d.mem_total_bytes, d.procs) == (4 * GIB, 10 * GIB, 180)
    assert (d.load1, d.load5, d.load15) == (0.5, 0.4, 0.3)
    never = data.host_detail("cms-cs", NOW)
    assert never is not None and never.status == "stale" and never.cpu_percent is None and never.last_seen is None
    assert data.host_detail("nope", NOW) is None and data.host_detail("retired-01", NOW) is None
    disks = data.host_disks("web-01", NOW)
    assert list(disks["mount"]) == ["/", "/data"]
    assert list(disks["used_percent"]) == [50.0, 72.0]
    assert list(disks["total_bytes"]) == [100 * GIB, 100 * GIB] and disks.loc[1, "free_bytes"] == 28 * GIB
    assert data.host_disks("cms-cs", NOW).empty


def test_host_history_buckets(data: WallData) -> None:
    hist = data.host_history("web-01", NOW, hours=24)
    assert list(hist.columns) == ["time", *HISTORY_FIELDS, "partial"]
    assert 140 <= len(hist) <= 145 and hist["time"].is_monotonic_increasing
    assert hist["partial"].tolist() == [False] * (len(hist) - 1) + [True]  # the running bucket comes last
    assert hist["cpu_percent"].iloc[0] == 30.0 and hist["cpu_percent"].iloc[-1] == 20.0
    assert hist["net_rx_bps"].iloc[-1] == 2_000_000.0
    assert hist["net_rx_bps"].isna().sum() <= 1  # only the very first sample has no rates
    short = data.host_history("web-01", NOW, hours=1)
    assert 6 <= len(short) <= 7
    empty = data.host_history("cms-cs", NOW)
    assert empty.empty and list(empty.columns) == ["time", *HISTORY_FIELDS, "partial"]
    with pytest.raises(ValueError, match="hours"):
        data.host_history("web-01", NOW, hours=0)


def test_host_reads_share_the_cache_window(data: WallData, world: World) -> None:
    before = data.host_frame(NOW)
    tags = {"host": "old-01", "node": "430000", "city": "430000"}
    world.store.write([Point("host", {"cpu_percent": 3.0, "mem_percent": 20.0},
                             to_ns(NOW + timedelta(seconds=2)), tags)])
    assert data.host_frame(NOW + timedelta(seconds=5)).equals(before)  # same 10 s window: cached
    after = data.host_frame(NOW + timedelta(seconds=10)).set_index("name")
    assert after.loc["old-01", "status"] == "up"
