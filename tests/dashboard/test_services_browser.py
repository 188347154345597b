"""The 平台服务 wall in real headless Chromium: states (正常 / 异常 with the reason / 未知 with the age), key
figures from the collectors' declarations, per-kind cards, the viewer's region, readable sizes; offline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.clock import to_ns
from db.session import transaction
from tests.collectors.services_support import add_service
from tests.dashboard.browser_support import Watch, serve
from tests.dashboard.world import NOW, World, build_world, kiosk_token
from tsdb.point import Point

pytestmark = pytest.mark.browser

# Visible text smaller than the wall's minimum (the same walk as the layout tests').
TEXT_SIZES = """(min) => {
  const small = [];
  const walker = document.createTreeWalker(document.querySelector('.wall'), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement, text = node.textContent.trim();
    if (!text || !el || el.closest('[hidden]')) { continue; }
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || cs.visibility === 'hidden' || cs.display === 'none') { continue; }
    if (parseFloat(cs.fontSize) < min) { small.push(`${text.slice(0, 30)} ${cs.fontSize}`); }
  }
  return small;
}"""
# Visible table rows sticking out of their panel or paged window.
CUT = """() => {
  const out = [];
  const within = (a, b) => a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  document.querySelectorAll('.wall-table tbody tr').forEach(el => {
    if (el.closest('[hidden]')) { return; }
    const r = el.getBoundingClientRect();
    if (r.height === 0) { return; }
    const panel = el.closest('.panel'), win = el.closest('.paged-window');
    if (panel && !within(r, panel.getBoundingClientRect())) { out.push(`${el.innerText.slice(0, 30)} / panel`); }
    if (win && !within(r, win.getBoundingClientRect())) { out.push(`${el.innerText.slice(0, 30)} / window`); }
  });
  return out;
}"""


def _svc(name: str, kind: str, node: str, city: str) -> dict[str, str]:
    return {"service": name, "kind": kind, "node": node, "city": city}


def _seed(world: World) -> None:
    with transaction(world.sessions) as s:
        add_service(s, "pg-main", "postgresql", "10.0.0.1:5432", node="430000")
        add_service(s, "cms-db", "mysql", "10.0.1.1:3306", node="430100")
        add_service(s, "cache", "redis", "10.0.1.2:6379", node="430102")
        add_service(s, "es", "tcp", "10.0.2.1:9200", node="430200")
        add_service(s, "old-gw", "http", "http://10.0.2.2/health", node="430200", enabled=False)
    fresh, old = to_ns(NOW - timedelta(seconds=20)), to_ns(NOW - timedelta(minutes=10))
    pg, my, rd = _svc("pg-main", "postgresql", "430000", "430000"), _svc("cms-db", "mysql", "430100", "430100"), \
        _svc("cache", "redis", "430102", "430100")
    reason = "无法连接服务“cms-db”（10.0.1.1:3306）：Connection refused"
    world.store.write([
        Point("service", {"up": 1, "poll_ms": 12.0, "interval_s": 30.0}, fresh, pg),
        Point("service_postgresql", {"connections_percent": 12.5, "replication_lag_s": 0.25,
                                     "cache_hit_percent": 99.5, "long_xacts": 0}, fresh, pg),
        Point("service", {"up": 1, "interval_s": 30.0}, old - 10**9, my),  # up before ...
        Point("service_mysql", {"connections_percent": 40.0}, old - 10**9, my),
        Point("service", {"up": 0, "failure": 1, "interval_s": 30.0}, fresh,  # ... down now, its own series
              {**my, "error": "connect", "reason": reason}),
        Point("service", {"up": 1, "interval_s": 30.0}, old, rd),  # silent for 10 minutes: 未知
        Point("service_redis", {"used_memory_bytes": 1.5 * 2**30, "memory_percent": 75.0}, old, rd),
        Point("service", {"up": 1, "interval_s": 30.0}, fresh, _svc("old-gw", "http", "430200", "430200")),
    ])


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build_world(tmp_path, refresh_seconds=1)
    _seed(w)
    yield w


def _rows(page: Any) -> list[list[str]]:
    return list(page.evaluate("() => [...document.querySelectorAll('#services-body tr')]"
                              ".map(r => [...r.cells].map(c => c.textContent.trim()))"))


def _px(page: Any, selector: str, prop: str = "font-size") -> float:
    return float(page.evaluate(f"() => parseFloat(getComputedStyle(document.querySelector('{selector}'))"
                               f".getPropertyValue('{prop}'))"))


def test_services_wall_states_figures_cards_and_sizes(browser: Any, world: World) -> None:
    token = kiosk_token(world)
    with serve(world, "services-wall") as base:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        watch = Watch(page)
        page.goto(f"{base}/services?kiosk={token}")
        page.wait_for_selector("#services-body tr", timeout=20_000)
        assert page.title().startswith("平台服务")
        assert page.locator(".kpi-row-3 .kpi-value").all_inner_texts() == ["1/4", "1", "2"]
        rows = _rows(page)
        assert [r[0] for r in rows] == ["cms-db", "cache", "es", "pg-main"]  # 异常, 未知 (stale, never), 正常
        cms, cache, es, pg = rows
        assert cms[3].startswith("异常（无法连接服务“cms-db”") and cms[4] == "连接数占上限比例 —慢查询速率 —复制延迟 —"
        assert cms[1] == "MySQL/MariaDB 数据库" and cms[2] == "长沙市"
        assert cache[3] == "未知（数据已过期，最近一次采集于 10 分钟前）" and "1.5 GB" not in cache[4]
        assert cache[2] == "长沙市 · 芙蓉区"
        assert es[3] == "未知（从未采集）" and es[5] == "—"
        assert pg[3] == "正常" and pg[5] == "20 秒前"
        assert "连接数占上限比例 12.5%" in pg[4] and "复制延迟 0.25 s" in pg[4] and "缓存命中率 99.5%" in pg[4]
        assert "old-gw" not in [r[0] for r in rows]  # disabled: not on the wall
        cards = dict(zip(page.locator(".service-card .kpi-label").all_inner_texts(),
                         page.locator(".service-card .kpi-value").all_inner_texts(), strict=True))
        assert cards == {"PostgreSQL 数据库": "1/1", "MySQL/MariaDB 数据库": "0/1", "Redis 缓存": "0/1",
                         "nginx 网页服务": "0/0", "HTTP 健康检查": "0/0", "TCP 端口": "0/1"}
        assert "kpi-down" in (page.locator(".service-card", has_text="MySQL").get_attribute("class") or "")
        # readable from 5 m on the dark wall
        assert _px(page, ".kpi-row-3 .kpi-value") >= 28 and _px(page, ".service-card .kpi-value") >= 28
        assert _px(page, ".kpi-label") >= 18 and _px(page, "#services-body td") >= 18
        bg = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert sum(int(x) for x in bg[bg.index("(") + 1:bg.index(")")].split(",")[:3]) < 150, bg
        page.wait_for_timeout(2500)  # two refreshes patch the same figures in place
        assert [r[0] for r in _rows(page)] == ["cms-db", "cache", "es", "pg-main"]
        watch.close()
        assert watch.problems == []


def test_a_city_wall_shows_only_its_own_services(browser: Any, world: World) -> None:
    token = kiosk_token(world, scope_code="430100", name="changsha")
    with serve(world, "services-city") as base:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(f"{base}/services?kiosk={token}")
        page.wait_for_selector("#services-body tr", timeout=20_000)
        assert [r[0] for r in _rows(page)] == ["cms-db", "cache"]
        assert page.locator(".kpi-row-3 .kpi-value").all_inner_texts() == ["0/2", "1", "1"]
        page.close()


def test_a_long_list_pages_and_nothing_is_cut_or_too_small(browser: Any, world: World) -> None:
    from layouts import theme

    fresh = to_ns(NOW - timedelta(seconds=15))
    with transaction(world.sessions) as s:
        for i in range(40):
            add_service(s, f"cms-app-{i:02d}", "http", f"http://10.0.3.{i}:8080/health", node="430100")
    world.store.write([p for i in range(40) for p in (
        Point("service", {"up": 1, "interval_s": 30.0}, fresh, _svc(f"cms-app-{i:02d}", "http", "430100", "430100")),
        Point("service_http", {"status": 200, "latency_ms": 30.0 + i}, fresh,
              _svc(f"cms-app-{i:02d}", "http", "430100", "430100")))])
    token = kiosk_token(world)
    with serve(world, "services-long") as base:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(f"{base}/services?kiosk={token}")
        page.wait_for_selector("#services-body tr", timeout=20_000)
        page.wait_for_function("() => document.fonts.status === 'loaded'", timeout=20_000)
        page.wait_for_timeout(700)  # paging.js's first pass
        window = page.locator("#services-body").locator("xpath=ancestor::div[contains(@class,'paged-window')]")
        assert int(window.get_attribute("data-pages") or "1") > 1  # 44 rows do not fit one screen
        assert page.evaluate(TEXT_SIZES, theme.FONT_MIN_PX) == []
        assert page.evaluate(CUT) == []
        assert _px(page, "#services-body td") >= theme.FONT_TABLE_PX
        page.close()
