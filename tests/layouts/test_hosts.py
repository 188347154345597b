"""Host tables, tiles and facts: links, badges, formatting; a host without fresh data is never green."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from dash import dcc, html

from layouts.components import kpi_items, kpi_tile
from layouts.frames import HostDetail, OverviewKpis
from layouts.hosts import (
    city_hosts_rows,
    format_bytes,
    format_load,
    format_uptime,
    host_facts,
    host_href,
    host_kpi_items,
    hosts_rows,
)

NOW = datetime(2026, 11, 27, tzinfo=UTC)
GIB = 1024 ** 3


def _hosts(*rows: dict[str, object]) -> pd.DataFrame:
    base = {"name": "h", "role": "web", "node_name": "湖南省", "city_name": "省本级", "status": "up",
            "cpu_percent": 10.0, "mem_percent": 20.0, "disk_percent": 30.0, "load1": 0.5, "load5": 0.4,
            "load15": 0.3, "uptime_s": 90000.0}
    return pd.DataFrame([{**base, **r} for r in rows], columns=list(base))


def test_formatting() -> None:
    assert format_bytes(None) == "—" and format_bytes(512) == "512 B" and format_bytes(4 * GIB) == "4.0 GB"
    assert format_bytes(1536 * 1024 ** 2) == "1.5 GB" and format_bytes(3 * 1024 ** 4) == "3.0 TB"
    assert format_uptime(None) == "—" and format_uptime(59) == "0 分钟" and format_uptime(3 * 3600 + 720) == \
        "3 小时 12 分钟"
    assert format_uptime(86400 * 3 + 3600 * 5 + 59) == "3 天 5 小时"
    assert format_load(0.5, 0.4, 0.333) == "0.50 / 0.40 / 0.33" and format_load(None, 1, 1) == "—"


def test_host_rows_link_badge_and_gauge_classes() -> None:
    df = _hosts({"name": "db 01/a", "status": "unhealthy", "cpu_percent": 97.0, "mem_percent": 85.0},
                {"name": "old", "role": "", "status": "stale", "cpu_percent": None, "uptime_s": None})
    bad, stale = hosts_rows(df, limit=90.0)
    link = bad.children[0].children
    assert link.href == "/host/db%2001%2Fa" == host_href("db 01/a") and link.children == "db 01/a"
    assert bad.className == "row-unhealthy" and bad.children[4].children.children == "异常"
    assert bad.children[5].className == "val-bad" and bad.children[5].children == "97.0%"
    assert bad.children[6].className == "val-warn" and bad.children[7].className == ""
    assert bad.children[1].children == "Web 服务器" and bad.children[9].children == "1 天 1 小时"
    assert stale.children[1].children == "未登记" and stale.children[4].children.children == "数据过期"
    assert stale.children[5].children == "—" and stale.children[9].children == "—"
    (row,) = city_hosts_rows(df.iloc[:1], limit=90.0)
    assert len(row.children) == 6 and row.children[3].className == "val-bad"
    assert hosts_rows(df.iloc[:0], limit=90.0)[0].children.children == "暂无数据"


def test_host_tiles_never_green_without_fresh_data() -> None:
    df = _hosts({"name": "a"}, {"name": "b", "status": "unhealthy", "disk_percent": 95.0},
                {"name": "c", "status": "stale", "disk_percent": 99.0})
    items = {i.key: i for i in host_kpi_items(df, limit=90.0)}
    assert (items["healthy"].value, items["unhealthy"].value, items["stale"].value) == ("1/3", "1", "1")
    assert items["healthy"].status == "down" and items["stale"].status == "stale"
    assert items["disk"].value == "95.0" and items["disk"].status == "down"  # the stale host's 99 % is old news
    all_stale = {i.key: i for i in host_kpi_items(_hosts({"status": "stale"}, {"status": "stale"}), 90.0)}
    assert {i.status for i in all_stale.values()} == {"stale"} and all_stale["disk"].value == "—"
    none = {i.key: i for i in host_kpi_items(_hosts(), 90.0)}
    assert none["healthy"].status == "unknown" and none["healthy"].value == "0/0"
    assert none["unhealthy"].status == "unknown" and none["disk"].status == "stale"


def test_overview_host_tile_is_an_anchor_to_hosts() -> None:
    k = OverviewKpis(as_of=NOW, sites_total=1, sites_up=1, sites_down=0, sites_stale=0, availability=100.0,
                     p95_latency_ms=10.0, hosts_total=4, hosts_healthy=1, hosts_stale=2, freshness_s=1.0)
    items = {i.key: i for i in kpi_items(k, stale_after_s=120)}
    tile = kpi_tile(items["hosts"], "overview")
    assert isinstance(tile, dcc.Link) and tile.href == "/hosts" and tile.className == "kpi kpi-down"
    assert tile.id == {"type": "overview-kpi", "key": "hosts"}
    assert isinstance(kpi_tile(items["sites"], "overview"), html.Div)


def test_host_facts() -> None:
    d = HostDetail(name="web-01", address="10.0.0.5", role="database", registered=True, node_name="芙蓉区",
                   city_code="430100", city_name="长沙市", status="up", last_seen=NOW, cpu_percent=12.5,
                   mem_percent=40.0, mem_used_bytes=4 * GIB, mem_total_bytes=10 * GIB, swap_percent=None,
                   disk_percent=91.0, load1=0.5, load5=0.4, load15=0.3, procs=180, uptime_s=3600.0)
    facts = {f.children[0].children: f.children[1].children for f in host_facts(d, 12.0, limit=90.0)}
    assert facts["状态"].children == "正常" and facts["角色"] == "数据库" and facts["所属地区"] == "长沙市 · 芙蓉区"
    assert facts["内存"].children == "40.0%（4.0 GB / 10.0 GB）" and facts["CPU"].children == "12.5%"
    assert facts["最高磁盘"].className == "val-bad" and facts["交换分区"] == "—"
    assert facts["进程数"] == "180 个" and facts["运行时长"] == "1 小时 0 分钟" and facts["最近采集"] == "12 秒前"
