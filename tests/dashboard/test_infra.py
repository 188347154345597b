"""The infrastructure wall (基础设施, /infra): its reads on the test world, its pure builders, and the page in real
headless Chromium at 1920×1080 (numbers ≥ 28 px, labels ≥ 18 px, nothing cut, stale hosts grey with their age)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from core.clock import to_ns
from dashboard import infra_data
from dashboard.health import HOST_LIMIT_PERCENT
from db.models import Host, HostRole
from db.session import transaction
from layouts.infra import forecast_rows, hot_list, infra_kpis, node_rows
from tests.dashboard.browser_support import CUT, TEXT_SIZES, Watch, serve
from tests.dashboard.world import NOW, World, build_world, kiosk_token
from tsdb.point import Point

SSH_HOST = "cms-cs-02"  # an SSH host of 长沙 whose /data grows 3 points a day from 85 % now: full in 5 days


def build_infra_world(tmp: Path) -> World:
    world = build_world(tmp, refresh_seconds=1)
    with transaction(world.sessions) as s:
        s.add(Host(name=SSH_HOST, address="127.0.0.1", node_code="430100", role=HostRole.CMS, local=False))
    tags = {"host": SSH_HOST, "node": "430100", "city": "430100"}
    points = [Point("host", {"cpu_percent": 35.0, "mem_percent": 88.0}, to_ns(NOW - timedelta(seconds=5)), tags)]
    for h in range(7 * 24):
        t = NOW - timedelta(hours=h, seconds=5)
        points.append(Point("host_disk", {"used_percent": 85.0 - 3.0 * h / 24, "free_bytes": 1.0, "total_bytes": 2.0},
                            to_ns(t), {**tags, "mount": "/data"}))
    world.store.write(points)
    return world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build_infra_world(tmp_path)
    try:
        yield w
    finally:
        w.close()


def test_reads_forecast_each_disk_and_count_each_node(world: World) -> None:
    f = infra_data.disk_forecasts(world.store, NOW)
    first = f.iloc[0]
    assert (first["host"], first["mount"], first["status"]) == (SSH_HOST, "/data", "reaching")
    assert 4.5 < first["days"] < 5.5
    # web-01's disks have one day of data: short of the two days a forecast needs; /mnt/old a single point.
    short = f[f["host"] == "web-01"]
    assert set(short["mount"]) == {"/", "/data", "/mnt/old"} and set(short["status"]) == {"insufficient"}
    assert short["days"].isna().all()
    hosts = pd.DataFrame({"name": ["web-01", SSH_HOST, "x", "y"], "city_code": ["430000", "430100", "430100", "430200"],
                          "status": ["up", "up", "stale", "unknown"],
                          "last_seen": [NOW - timedelta(seconds=5), None, None, None]})
    full = infra_data.with_kind_and_age(hosts, infra_data.host_kinds(world.sessions) | {"web-01": True}, NOW)
    assert full["kind"].tolist() == ["local", "ssh", "", ""] and full["age_s"].tolist()[0] == 5.0
    cities = pd.DataFrame({"code": ["430100", "430200"], "name": ["长沙市", "株洲市"]})
    nodes = infra_data.node_counts(full, cities, "省本级")
    assert nodes.to_dict("records") == [
        {"code": "430000", "name": "省本级", "total": 1, "up": 1, "unhealthy": 0, "stale": 0, "unknown": 0},
        {"code": "430100", "name": "长沙市", "total": 2, "up": 1, "unhealthy": 0, "stale": 1, "unknown": 0},
        {"code": "430200", "name": "株洲市", "total": 1, "up": 0, "unhealthy": 0, "stale": 0, "unknown": 1}]


def _hosts(**cols: list[Any]) -> pd.DataFrame:
    base = {"name": ["a", "b", "c"], "status": ["up", "unhealthy", "stale"], "cpu_percent": [10.0, 97.0, 99.0],
            "mem_percent": [50.0, 60.0, None], "disk_percent": [20.0, 85.0, 30.0], "city_name": ["长沙市"] * 3,
            "kind": ["local", "ssh", ""], "age_s": [5.0, 5.0, 1800.0]}
    return pd.DataFrame({**base, **cols})


def _text(component: Any) -> str:
    return str(component)


def test_hot_list_greys_a_stale_host_with_its_age() -> None:
    cpu = _text(hot_list(_hosts(), "cpu_percent", "CPU", HOST_LIMIT_PERCENT))
    assert cpu.index("'c'") < cpu.index("'b'") < cpu.index("'a'")  # by value
    assert "is-stale" in cpu and "数据过期（30 分钟前）" in cpu and "99%" in cpu and "SSH" in cpu and "本机" in cpu
    cut = _text(hot_list(_hosts(status=["up", "unhealthy", "unknown"]), "cpu_percent", "CPU", HOST_LIMIT_PERCENT))
    assert "未知（所属市级节点失联）" in cut and "is-stale" in cut
    mem = _text(hot_list(_hosts(), "mem_percent", "内存", HOST_LIMIT_PERCENT))
    assert "'c'" not in mem  # no value: not listed


def test_forecast_rows_and_tiles_never_claim_before_the_data_suffices() -> None:
    forecasts = pd.DataFrame({"host": ["b", "a", "c"], "mount": ["/data", "/", "/"],
                              "status": ["reaching", "not_reaching", "insufficient"], "days": [3.57, None, None],
                              "last": [91.0, 50.0, None]})
    rows = _text(forecast_rows(forecasts, _hosts(), 30.0))
    assert "约 3.5 天" in rows and "91%" in rows and "另有 1 个磁盘数据不足，暂不预测" in rows and "'a'" not in rows
    tiles = {k.key: (k.value, k.status) for k in infra_kpis(_hosts(), forecasts)}
    assert tiles == {"total": ("3", "degraded"), "up": ("1", "degraded"), "unhealthy": ("1", "down"),
                     "stale": ("1", "stale"), "soon": ("1", "down")}
    waiting = forecasts.assign(status="insufficient", days=None)
    assert {k.key: k.value for k in infra_kpis(_hosts(), waiting)}["soon"] == "—"  # no forecast yet: no "0"
    none_judged = _text(forecast_rows(waiting, _hosts(), 30.0))  # no disk judged: no "none fills" either
    assert "尚无磁盘的数据足以预测" in none_judged and "没有磁盘在" not in none_judged
    calm = forecasts.assign(status=["not_reaching", "not_reaching", "insufficient"], days=None)
    assert "没有磁盘在 30 天内按趋势写满" in _text(forecast_rows(calm, _hosts(), 30.0))
    nodes = pd.DataFrame({"code": ["430100"], "name": ["长沙市"], "total": [2], "up": [1], "unhealthy": [1],
                          "stale": [0], "unknown": [0]})
    assert "/city/430100" in _text(node_rows(nodes)) and "row-unhealthy" in _text(node_rows(nodes))


@pytest.mark.browser
def test_infra_wall_in_chromium(browser: Any, tmp_path: Path) -> None:
    world = build_infra_world(tmp_path)
    token = kiosk_token(world)
    with serve(world, "infra-test") as base:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        watch = Watch(page)
        page.goto(f"{base}/infra?kiosk={token}")
        page.wait_for_selector(".page-infra", timeout=20_000)
        page.wait_for_function("() => document.fonts.status === 'loaded'", timeout=20_000)
        assert page.title().startswith("基础设施")
        tiles = dict(zip(page.locator(".kpi-label").all_inner_texts(), page.locator(".kpi-value").all_inner_texts(),
                         strict=True))
        # web-01, db-01, cms-cs (never reported), cms-cs-02, old-01 (unregistered, stale); retired-01 disabled.
        assert tiles["主机总数"] == "5" and tiles["7 天内将写满的磁盘"] == "1"
        nodes = page.locator("#infra-nodes tr").all_inner_texts()
        assert len(nodes) == 15 and nodes[0].startswith("省本级") and nodes[1].startswith("长沙市")
        forecast = page.locator("#infra-forecast tr").all_inner_texts()
        assert SSH_HOST in forecast[0] and "/data" in forecast[0] and "约 4" in forecast[0]
        assert "数据不足" in forecast[-1]
        hot = page.locator("#infra-hot").inner_text()
        assert "db-01" in hot and "97%" in hot and "数据过期" in hot  # old-01 grey with its age
        sizes = page.evaluate(TEXT_SIZES, 18)
        assert sizes["n"] > 20 and sizes["small"] == [], sizes["small"]
        assert page.evaluate(CUT) == []
        clipped = page.evaluate("() => [...document.querySelectorAll('.page-infra .panel :is(td, th, li)')]"
                                ".filter(e => { const p = e.closest('.panel').getBoundingClientRect(), "
                                "r = e.getBoundingClientRect(); return r.right > p.right + 1 || r.left < p.left - 1; })"
                                ".map(e => e.innerText)")
        assert clipped == []  # no column cut off at the side (the 未知 column once was)
        numbers = page.evaluate("() => [...document.querySelectorAll('.kpi-value, .infra-num, .infra-hot-value, "
                                ".infra-days')].map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert numbers and min(numbers) >= 28, numbers
        page.locator("#infra-forecast a", has_text=SSH_HOST).click()  # drill down to the host
        page.wait_for_url(f"**/host/{SSH_HOST}", timeout=10_000)
        watch.close()
        page.close()


def _link_world(tmp: Path) -> World:
    """The infra world with 长沙's portal served by web-01 and the service cms, 株洲's by web-01."""
    from db.impact import replace
    from db.models import Site

    world = build_infra_world(tmp)
    with transaction(world.sessions) as s:
        ids = {c: i for c, i in s.query(Site.code, Site.id)}
        replace(s, ids["C0100"], "host", ["web-01"])
        replace(s, ids["C0100"], "service", ["cms"])
        replace(s, ids["C0200"], "host", ["web-01"])
    return world


def test_alert_detail_lists_the_sites_a_host_fault_affects(tmp_path: Path) -> None:
    from dashboard.impact_data import alert_affected, host_sites, site_targets
    from layouts.impact import affected_sites_fact, served_sites_fact, site_targets_fact

    world = _link_world(tmp_path)
    try:
        with world.sessions() as s:
            assert alert_affected(s, {"host": "web-01", "node": "430000"}) == [
                ("C0100", "长沙市人民政府门户网站"), ("C0200", "株洲市人民政府门户网站")]
            assert alert_affected(s, {"service": "cms"}) == [("C0100", "长沙市人民政府门户网站")]
            assert alert_affected(s, {"host": "db-01"}) == []
            assert alert_affected(s, {"site": "C0100"}) is None
        fact = _text(affected_sites_fact([("C0100", "长沙市人民政府门户网站")]))
        assert "影响网站" in fact and "1 个：" in fact and "/site/C0100" in fact
        assert "未登记依赖" in _text(affected_sites_fact([]))
        assert host_sites(world.sessions, "web-01") == [("C0100", "长沙市人民政府门户网站"),
                                                        ("C0200", "株洲市人民政府门户网站")]
        assert site_targets(world.sessions, "C0100") == {"host": ["web-01"], "service": ["cms"]}
        assert "/host/web-01" in _text(site_targets_fact({"host": ["web-01"], "service": ["cms"]}))
        assert "服务 cms" in _text(site_targets_fact({"host": ["web-01"], "service": ["cms"]}))
        many = [(f"S{i}", f"站{i}") for i in range(6)]
        assert "等 6 个" in _text(served_sites_fact(many)) and "站5" not in _text(served_sites_fact(many))
    finally:
        world.close()


@pytest.mark.browser
def test_drill_down_site_to_host_and_back(browser: Any, tmp_path: Path) -> None:
    world = _link_world(tmp_path)
    token = kiosk_token(world)
    with serve(world, "impact-test") as base:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        watch = Watch(page)
        page.goto(f"{base}/site/C0100?kiosk={token}")
        fact = page.locator("#site-targets")
        fact.wait_for(timeout=20_000)
        assert "web-01" in fact.inner_text() and "服务 cms" in fact.inner_text()
        fact.locator("a", has_text="web-01").click()
        page.wait_for_url("**/host/web-01", timeout=10_000)
        served = page.locator(".fact", has_text="承载网站")
        served.wait_for(timeout=20_000)
        assert "长沙市人民政府门户网站" in served.inner_text() and "株洲市人民政府门户网站" in served.inner_text()
        served.locator("a", has_text="株洲市人民政府门户网站").click()
        page.wait_for_url("**/site/C0200", timeout=10_000)
        page.locator("#site-targets", has_text="web-01").wait_for(timeout=20_000)
        watch.close()
        page.close()
