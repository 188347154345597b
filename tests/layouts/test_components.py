"""KPI tiles and wall tables: missing data never looks healthy."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from dash import html

from layouts.components import (
    city_kpi_items,
    city_sites_rows,
    format_age,
    kpi_items,
    paged,
    panel_title,
    status_badge,
    worst_sites_rows,
)
from layouts.frames import OverviewKpis

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def _kpis(**kw: object) -> OverviewKpis:
    base = {"as_of": NOW, "sites_total": 10, "sites_up": 9, "sites_down": 1, "sites_stale": 0,
            "availability": 90.0, "p95_latency_ms": 800.0, "hosts_total": 2, "hosts_healthy": 2,
            "hosts_stale": 0, "freshness_s": 20.0}
    base.update(kw)
    return OverviewKpis(**base)  # type: ignore[arg-type]


def test_kpi_values_and_statuses() -> None:
    items = {i.key: i for i in kpi_items(_kpis(), stale_after_s=120)}
    assert (items["sites"].value, items["availability"].value, items["p95"].value) == ("9/10", "90.0", "800")
    assert items["availability"].status == "down" and items["p95"].status == "up"
    assert items["freshness"].value == "20 秒前" and items["freshness"].status == "up"


def test_no_fresh_data_is_grey_never_green() -> None:
    k = _kpis(sites_up=0, sites_down=0, sites_stale=10, availability=None, p95_latency_ms=None,
              hosts_healthy=0, hosts_stale=2, freshness_s=900.0)
    items = {i.key: i for i in kpi_items(k, stale_after_s=120)}
    assert {items[x].status for x in ("sites", "availability", "p95", "hosts", "stale", "freshness")} == {"stale"}
    assert items["availability"].value == "—"
    assert [i.status for i in city_kpi_items(None)][:2] == ["unknown", "stale"]


def test_tables_render_rows_links_and_badges() -> None:
    worst = pd.DataFrame([{"code": "S1", "name": "甲网站", "city_name": "长沙市", "status": "stale",
                           "availability": None, "latency_ms": None}])
    (row,) = worst_sites_rows(worst)
    assert row.className == "row-stale"
    link = row.children[1].children
    assert link.href == "/site/S1" and link.children == "甲网站"
    assert row.children[3].children.children == "数据过期" and row.children[4].children == "—"
    empty = city_sites_rows(pd.DataFrame(columns=["code", "name", "level", "node_name", "status", "latency_ms",
                                                  "tls_days", "availability"]))
    assert empty[0].children.children == "暂无数据"
    assert status_badge("weird").children == "未知"
    assert format_age(None) == "—" and format_age(300) == "5 分钟前" and format_age(7300) == "2 小时前"


def test_paged_tables_sit_in_a_window_with_an_indicator_in_the_title() -> None:
    win = paged(html.Table(id="t")).to_plotly_json()["props"]
    assert win["className"] == "paged-window" and win["children"].id == "t"
    title = panel_title("本市州网站运行状态").to_plotly_json()["props"]
    assert title["className"] == "panel-title" and title["children"][0] == "本市州网站运行状态"
    mark = title["children"][1].to_plotly_json()["props"]
    assert mark["className"] == "page-indicator" and mark["hidden"] is True  # paging.js shows it when n > 1
