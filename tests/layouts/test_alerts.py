"""Pure alert builders: ticker, city counts, console rows, detail tables, metric chart, MTTA/MTTR rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from dashboard.alert_data import ALERT_COLUMNS, counts_by_city
from layouts import alerts as la
from layouts import theme

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def _alert(i: int, severity: str, state: str, city: str = "430100", city_name: str = "长沙市",
           minutes: int = 5, site: str = "X0102", site_name: str = "芙蓉区人民政府门户网站") -> dict[str, Any]:
    return {"id": i, "rule": "r", "severity": severity, "state": state, "city_code": city, "city_name": city_name,
            "site": site, "site_name": site_name, "summary": f"摘要{i}", "fired_at": NOW - timedelta(minutes=minutes),
            "age_s": minutes * 60.0, "acknowledged_by": "", "assigned_to": "", "version": 1, "resolved_at": None}


def _text(c: Any) -> str:
    if isinstance(c, str):
        return c
    if isinstance(c, list | tuple):
        return "".join(_text(x) for x in c)
    kids = getattr(c, "children", None)
    return "" if kids is None else _text(kids)


FRAME = pd.DataFrame([_alert(1, "critical", "firing"), _alert(2, "high", "acknowledged", minutes=200),
                      _alert(3, "low", "firing", "430300", "湘潭市", site="", site_name="")], columns=ALERT_COLUMNS)


def test_ticker_items_colour_age_and_hot_flag() -> None:
    items = la.ticker_items(FRAME, NOW)
    assert [i.className for i in items] == ["ticker-item sev-critical alert-hot", "ticker-item sev-high",
                                            "ticker-item sev-low"]
    assert _text(items[0]) == "紧急芙蓉区人民政府门户网站摘要15 分钟前未确认"
    assert "3 小时前" in _text(items[1]) and "未确认" not in _text(items[1])
    assert "湘潭市" in _text(items[2])  # no site: the city names the place
    assert [i.href for i in items] == [f"/alerts?alert={i}" for i in FRAME["id"]]  # one click to the console
    assert la.ticker_class(FRAME) == "alert-strip alert-strip-hot"
    assert la.ticker_class(FRAME.iloc[1:]) == "alert-strip"
    empty = pd.DataFrame(columns=ALERT_COLUMNS)
    assert _text(la.ticker_items(empty, NOW)) == "当前无告警" and la.ticker_class(empty) == "alert-strip"
    with pytest.raises(ValueError, match="lacks column"):
        la.ticker_items(FRAME.drop(columns="summary"), NOW)


def test_city_count_rows() -> None:
    rows = la.city_count_rows(counts_by_city(FRAME))
    assert [r.className for r in rows] == ["alert-count sev-critical alert-hot", "alert-count sev-low"]
    assert _text(rows[0]) == "长沙市2紧急 1" and _text(rows[1]) == "湘潭市1"
    assert _text(la.city_count_rows(counts_by_city(FRAME.iloc[0:0]))) == "各市州无未恢复告警"
    assert len(la.city_count_rows(counts_by_city(FRAME), limit=1)) == 1


def test_console_rows_and_selection() -> None:
    rows = la.alert_rows(FRAME, NOW, selected=2)
    assert rows[0].id == {"type": "alerts-row", "id": 1} and "alert-hot-row" in rows[0].className
    assert "selected" in rows[1].className and "selected" not in rows[0].className
    cells = [_text(td) for td in rows[1].children]
    assert cells == ["#2", "严重", "已确认", "长沙市", "芙蓉区人民政府门户网站", "摘要2", "3 小时前", "暂无"]
    assert _text(la.alert_rows(FRAME.iloc[0:0], NOW)) == "没有符合条件的告警"


def test_detail_tables_and_history() -> None:
    row = _alert(7, "critical", "resolved")
    facts = _text(la.detail_facts(row, {"site": "X0102", "city": "430100"}, NOW, "已修复"))
    assert "摘要7" in facts and "city=430100，site=X0102" in facts and "已恢复" in facts and "已修复" in facts
    assert "11-27 07:55:00（5 分钟前）" in facts  # UTC wall clock of the test's now
    ev = pd.DataFrame([{"at": NOW, "kind": "ack", "actor": "cs", "from_state": "firing", "to_state": "acknowledged",
                        "note": "处理中"}])
    assert _text(la.events_table(ev, NOW)).endswith("11-27 08:00:00确认cs告警中 → 已确认处理中")
    notes = pd.DataFrame([{"created_at": NOW, "receiver": "长沙", "notifier": "sms", "recipient": "",
                           "status": "failed",
                           "attempts": 3, "detail": "网关 500"}])
    assert "失败3网关 500" in _text(la.notifications_table(notes, NOW))
    assert _text(la.audit_table(pd.DataFrame(columns=["at", "actor", "action", "summary", "remote_addr"]), NOW)
                 ).endswith("暂无")
    stats = pd.DataFrame([{"city_name": "长沙市", "fired": 3, "acked": 2, "resolved": 1, "mtta_s": 300.0,
                           "mttr_s": 9000.0}, {"city_name": "湘潭市", "fired": 1, "acked": 0, "resolved": 0,
                                               "mtta_s": None, "mttr_s": None}])
    rows = la.history_rows(stats)
    assert [_text(r) for r in rows] == ["长沙市3215 分钟2.5 小时", "湘潭市100——"]
    assert _text(la.history_rows(stats.iloc[0:0])) == "该时段内没有告警"


def test_metric_figure_marks_the_firing_time() -> None:
    series = pd.DataFrame({"time": [NOW - timedelta(minutes=10), NOW - timedelta(minutes=5)], "value": [1.0, 0.0]})
    fig = la.metric_figure(series, NOW - timedelta(minutes=6), "site_probe.up", NOW)
    assert len(fig.data) == 1 and list(fig.data[0].y) == [1.0, 0.0]
    assert fig.layout.shapes[0].line.color == theme.RED and fig.layout.annotations[0].text == "触发"
    empty = la.metric_figure(series.iloc[0:0], None, "", NOW)
    assert len(empty.data) == 0 and empty.layout.annotations[0].text == "无可用指标数据"
    assert empty.layout.xaxis.visible is False and empty.layout.yaxis.visible is False
    assert fig.layout.xaxis.visible is not False
