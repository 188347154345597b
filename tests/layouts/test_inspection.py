"""Inspection builders: findings grouped by check, veto rows, city and overview tables, the veto tile."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest

from dashboard.inspection_data import FINDING_COLUMNS, VETO_COLUMNS
from layouts.components import kpi_tile
from layouts.frames import VetoKpis
from layouts.inspection import (
    city_inspection_rows,
    closest_rows,
    evidence_summary,
    findings_rows,
    format_days_left,
    format_deadline,
    format_time,
    location_text,
    provisional_note,
    veto_kpi_item,
    veto_measure,
    veto_rows,
)

T0 = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
SITE = "https://www.example.gov.cn/"


def text(component: Any) -> str:
    """All the text a component tree shows, space-separated."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(text(c) for c in component)
    return text(getattr(component, "children", None))


def finding(check: str, kind: str, severity: str, loc: str = SITE, *, open_: bool = True, **kw: Any) -> dict[str, Any]:
    row = {"id": 1, "site_code": "S", "check": check, "kind": kind, "severity": severity, "location": loc,
           "detail": "说明", "evidence": {}, "first_seen": T0, "last_seen": T0, "deadline": None, "days_left": None,
           "veto": False, "resolved_at": None if open_ else T0, "open": open_}
    row.update(kw)
    return row


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=FINDING_COLUMNS)


@pytest.mark.parametrize(("days", "want"), [(3, "剩 3 天"), (0, "今天到期"), (-2, "已超期 2 天"), (None, "—")])
def test_days_left(days: int | None, want: str) -> None:
    assert format_days_left(days) == want


def test_deadline_time_and_location() -> None:
    assert format_deadline(date(2026, 11, 30), 3) == "11-30（剩 3 天）"
    assert format_deadline(None, None) == "—"
    assert format_time(T0) == "11-27 15:00"  # China Standard Time
    assert format_time(pd.NaT) == "—"
    assert location_text(SITE, SITE) == "首页"
    assert location_text("https://www.example.gov.cn/tzgg/index.html", SITE) == "/tzgg/index.html"
    assert location_text("http://other.example.com/x.js", SITE) == "other.example.com/x.js"


def test_evidence_summary_picks_known_keys_in_order_and_cuts_snippets() -> None:
    summary = evidence_summary({"ratio": 0.0512, "failed": 40, "total": 780})
    assert summary == "失败比例 5.1%；失败次数 40 次；探测次数 780 次"
    long = "……" + "会议强调" * 20
    s = evidence_summary({"matched": "张三省长", "expected": "李四省长", "context": long})
    assert s.startswith("错误表述 张三省长；应为 李四省长；上下文 ") and s.endswith("…") and len(s) < 60
    assert evidence_summary({}) == "—"
    assert evidence_summary({"unknown_key": 1}) == "其他 1"  # never silently dropped, never in English


def test_evidence_cell_shows_a_hidden_link_as_text_with_the_whole_evidence_on_hover() -> None:
    hostile = {"page": SITE, "hidden_by": "left:-9999px", "text": "<img src=x onerror=alert(1)>娱乐城",
               "suspicious": True, "host": "www.hg-yulecheng.example"}
    df = frame(finding("defacement", "hidden_link", "critical", "http://www.hg-yulecheng.example/", evidence=hostile))
    row = next(r for r in findings_rows(df, SITE) if r.className == "row-sev-critical")
    cell = row.children[3].children
    assert isinstance(cell.children, str)  # a text child: React escapes it, nothing is parsed as HTML
    assert cell.children.startswith("域名 www.hg-yulecheng.example；隐藏方式 left:-9999px；锚文本 <img src=x")
    assert "隐藏链接（暗链）" in text(row) and "hidden_link" not in text(row)
    assert "所在页面：" + SITE in cell.title and "疑似赌博色情：是" in cell.title
    assert not any(type(c).__name__ == "Markdown" for c in _walk(row))


def _walk(c: Any) -> list[Any]:
    kids = getattr(c, "children", None)
    kids = kids if isinstance(kids, list) else [kids] if kids is not None else []
    return [c, *[d for k in kids for d in _walk(k)]]


def test_every_kind_shows_its_chinese_label_on_the_site_page() -> None:
    from inspection.base import CHECKS
    from inspection.catalog import load_checks

    kinds = [(n, k) for n in load_checks() if not n.startswith("t_") for k in CHECKS.get(n).kinds]
    df = frame(*[finding(n, k, "high", f"{SITE}{i}") for i, (n, k) in enumerate(kinds)])
    shown = text(findings_rows(df, SITE, per_check=10))
    assert not [k for _, k in kinds if k in shown.split()]


def test_findings_grouped_by_check_worst_group_first_with_more_rows_and_resolved() -> None:
    df = frame(
        finding("column_freshness", "column_due", "low", SITE + "a/", deadline=date(2026, 11, 29), days_left=2),
        *[finding("dead_links", "dead_link_page", "medium", f"{SITE}{i}.html", evidence={"status": 404})
          for i in range(5)],
        finding("availability", "probe_failures", "critical", evidence={"ratio": 0.5}),
        finding("identity", "tls_expiring", "high", open_=False))
    rows = findings_rows(df, SITE, per_check=3)
    groups = [text(r) for r in rows if "group-row" in r.className]
    assert [g.split()[0] for g in groups] == ["首页可用性", "链接可用性", "栏目更新", "近7天已解决"]
    assert "2 项未显示" in text(rows)  # 5 dead links, 3 shown
    assert sum("row-sev-medium" in r.className for r in rows) == 3
    resolved = [r for r in rows if r.className == "row-resolved"]
    assert len(resolved) == 1 and "已解决 11-27 15:00" in text(resolved[0]) and "证书即将到期" in text(resolved[0])
    due = next(r for r in rows if r.className == "row-sev-low")
    assert "11-29（剩 2 天）" in text(due) and "/a/" in text(due) and "提示" in text(due)


def test_no_findings_says_so_and_tells_never_judged_apart() -> None:
    assert text(findings_rows(frame(), SITE)) == "未发现问题"
    assert text(findings_rows(frame(), SITE, judged=False)) == "尚未巡检"
    with pytest.raises(ValueError, match="site findings"):
        findings_rows(pd.DataFrame({"check": []}), SITE)


def veto_row(item_code: str, status: str, count: int, threshold: float | None, **kw: Any) -> dict[str, Any]:
    row = {"site_code": "S", "item_code": item_code, "status": status, "count": count, "threshold": threshold,
           "days_to_breach": None, "deadline": None, "provisional": False, "have": None, "need": None, "unit": None}
    return row | kw


def test_veto_rows_measure_status_and_provisional_tag() -> None:
    df = pd.DataFrame([
        veto_row("unreachable", "breached", 72, 0.05, have=140, need=140, unit="probes"),
        veto_row("homepage_stale", "at_risk", 0, 1, days_to_breach=3, deadline=date(2026, 11, 30), provisional=True),
        veto_row("services", "unknown", 0, None),
    ], columns=VETO_COLUMNS)
    rows = veto_rows(df)
    assert text(rows[0]).split() == ["站点无法访问", "已触发", "失败72次", "/", "5%", "—"]
    assert text(rows[1]).split() == ["首页不更新", "暂定", "临近触发", "0", "/", "1", "剩", "3", "天"]
    assert text(rows[2]).split() == ["服务不实用", "未检查", "—", "—"]
    assert [r.className for r in rows] == ["row-veto-breached", "row-veto-at_risk", "row-veto-unknown"]
    assert veto_measure("poor_interaction", 2, 90) == "2 条 / 超 90 天"
    assert veto_measure("homepage_stale", 0, 14, "unknown") == "—"


def test_a_veto_item_short_of_data_reads_insufficient_in_grey_with_how_much_there_is() -> None:
    df = pd.DataFrame([veto_row("unreachable", "insufficient", 5, 0.05, have=5, need=140, unit="probes"),
                       veto_row("unreachable", "insufficient", 0, 0.05, have=20, need=140, unit="probes")],
                      columns=VETO_COLUMNS)
    rows = veto_rows(df)
    assert text(rows[0]) == "站点无法访问 数据不足 已有 5/140 次监测 —"
    assert rows[0].children[2].title == "目前失败5次"  # the evidence so far, no verdict, on hover
    assert text(rows[1]) == "站点无法访问 数据不足 已有 20/140 次监测 —" and rows[1].children[2].title is None
    assert rows[0].className == "row-veto-insufficient"
    badge = rows[0].children[1].children
    assert badge.className == "badge badge-veto-insufficient"  # grey in wall.css, never the red of 已触发
    assert "已触发" not in text(rows) and "未触发" not in text(rows)
    assert veto_measure("unreachable", 5, 0.05, "insufficient") == "目前失败5次"
    assert veto_measure("unreachable", 0, 0.05, "insufficient") == "—"


def test_city_inspection_and_closest_rows() -> None:
    none: dict[str, Any] = {"nearest_deadline": None, "days_left": None, "insufficient": False,
                            "insufficient_items": []}
    city = pd.DataFrame([
        {"code": "A", "name": "甲", "status": "critical", "open_findings": 2, "vetoed": True, "at_risk": False,
         "risk_items": ["columns_stale", "serious_errors"], **none, "insufficient_items": ["unreachable"]},
        {"code": "B", "name": "乙", "status": "unknown", "open_findings": 0, "vetoed": False, "at_risk": False,
         "risk_items": [], **none},
        {"code": "C", "name": "丙", "status": "medium", "open_findings": 1, "vetoed": False, "at_risk": False,
         "risk_items": [], **none, "insufficient": True, "insufficient_items": ["unreachable"]},
    ])
    rows = city_inspection_rows(city)
    assert text(rows[0]).split() == ["甲", "紧急", "已触发", "重点栏目不更新等2项", "—"]
    assert text(rows[1]).split() == ["乙", "未检查", "无", "—"]
    assert text(rows[2]).split() == ["丙", "一般", "数据不足", "站点无法访问", "—"]  # not "无": no verdict yet
    assert [r.className for r in rows] == ["row-vetoed", "", "row-insufficient"]
    assert rows[0].children[0].children.href == "/site/A"
    no_data = {"have": None, "need": None, "unit": None}
    closest = pd.DataFrame([
        {"code": "A", "name": "甲", "city_name": "长沙市", "state": "breached", "item_code": "unreachable",
         "deadline": None, "days_left": None, **no_data},
        {"code": "B", "name": "乙", "city_name": "株洲市", "state": "at_risk", "item_code": "homepage_stale",
         "deadline": date(2026, 11, 30), "days_left": 3, **no_data},
        {"code": "C", "name": "丙", "city_name": "湘潭市", "state": "insufficient", "item_code": "unreachable",
         "deadline": None, "days_left": None, "have": 5, "need": 140, "unit": "probes"},
    ])
    rows = closest_rows(closest)
    assert text(rows[0]).split() == ["1", "甲", "长沙市", "站点无法访问", "已触发"]
    assert text(rows[1]).split() == ["2", "乙", "株洲市", "首页不更新", "11-30（剩", "3", "天）"]
    assert text(rows[2]).split() == ["3", "丙", "湘潭市", "站点无法访问", "数据不足", "已有", "5/140", "次监测"]
    assert [r.className for r in rows] == ["row-vetoed", "row-at-risk", "row-insufficient"]
    assert text(closest_rows(closest.iloc[0:0])) == "暂无临近否决的网站"


@pytest.mark.parametrize(("kpis", "value", "status"), [
    (VetoKpis(10, 8, 2, 3, True, 4), "2/3/4", "down"),
    (VetoKpis(10, 8, 0, 3, True), "0/3/0", "degraded"),
    (VetoKpis(10, 8, 0, 0, True), "0/0/0", "up"),
    (VetoKpis(10, 8, 0, 0, True, 6), "0/0/6", "unknown"),  # verdicts waiting for data: never green
    (VetoKpis(10, 0, 0, 0, True), "0/0/0", "unknown"),  # nobody inspected yet: never green
])
def test_veto_tile(kpis: VetoKpis, value: str, status: str) -> None:
    item = veto_kpi_item(kpis)
    assert (item.value, item.status, item.note) == (value, status, "暂定")
    assert text(kpi_tile(item, "overview")).split() == ["否决风险网站", "暂定", value, "已触发/临近/数据不足"]
    assert veto_kpi_item(VetoKpis(1, 1, 0, 0, False)).note is None


def test_provisional_note_lists_values_and_rules_errors() -> None:
    note = text(provisional_note([("warn_days", 7), ("unreachable_warning_ratio", 0.04), ("undated_is_stale", True)]))
    assert "暂定" in note and "提前预警天数 7" in note and "无法访问预警比例 4%" in note
    assert "无日期信息视为未更新 是" in note
    assert "检查规则文件无法读取" in text(provisional_note([], "rules.toml: bad"))
    assert text(provisional_note([])) == ""
