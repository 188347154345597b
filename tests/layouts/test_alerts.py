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
            "acknowledged_by": "", "assigned_to": "", "version": 1,
            "resolved_at": NOW if state == "resolved" else None,
            "started_at": NOW - timedelta(minutes=minutes + 3), "last_eval_at": NOW, "value": 1.0, "facts": {},
            "inhibited_by": None, "dependants": ()}


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
    assert _text(items[0]) == "紧急芙蓉区人民政府门户网站摘要1持续 8 分钟未确认"  # since it started, 07:52
    assert "持续 3 小时 23 分钟" in _text(items[1]) and "未确认" not in _text(items[1])
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
    assert cells == ["#2", "严重", "已确认", "长沙市", "芙蓉区人民政府门户网站", "摘要2", "3 小时 23 分钟", "暂无"]
    assert _text(la.alert_rows(FRAME.iloc[0:0], NOW)) == "没有符合条件的告警"


def test_detail_tables_and_history() -> None:
    row = _alert(7, "critical", "resolved")
    from alerts.labels import LabelNames

    names = LabelNames({"site": {"X0102": "芙蓉区人民政府门户网站"}, "city": {"430100": "长沙市"}})
    labels = {"site": "X0102", "city": "430100", "check": "defacement", "kind": "hidden_link", "host": "web-01",
              "alertname": "site_defaced", "team": "ops"}
    facts = _text(la.detail_facts(row, labels, NOW, "已修复", names=names))
    # Labels by Chinese key and name (the rule's own code is the title, not a label); an unknown one as is.
    assert ("标签网站 芙蓉区人民政府门户网站，市州 长沙市，主机 web-01，检查项 网页篡改与暗链，"
            "问题类型 隐藏链接（暗链），team ops") in facts
    assert "规则摘要7" in facts  # a rule without a title: the alert's text
    titled = _text(la.detail_facts({**row, "facts": {"title": "网页疑似被篡改或植入暗链"}}, {}, NOW))
    assert "规则网页疑似被篡改或植入暗链" in titled and "标签暂无" in titled
    assert "摘要7" in facts and "已恢复" in facts and "已修复" in facts
    assert "开始时间11-27 07:52:00" in facts and "触发时间11-27 07:55:00" in facts  # the wall clock of now's zone
    assert "时长持续 8 分钟 后恢复" in facts
    # Resolved (or pending) without ever firing: no firing time is made up from the start.
    never = {**row, "fired_at": None}
    assert "触发时间未触发" in _text(la.detail_facts(never, {}, NOW))
    assert "触发时间未触发" in _text(la.detail_facts({**never, "state": "pending", "resolved_at": None}, {}, NOW))
    # A host alert: the sites its fault affects (computed when shown); a forecast alert: what it stood on.
    affected = _text(la.detail_facts(row, labels, NOW, affected=[("C0100", "长沙市人民政府门户网站")]))
    assert "影响网站1 个：长沙市人民政府门户网站" in affected
    assert "影响网站" not in facts
    fit = {"forecast": "reaching", "samples": 160, "span_s": 6 * 86400, "window_s": 7 * 86400, "min_points": 24,
           "slope_per_day": 2.0, "level": 80.0, "forecast_limit": 100.0}
    shown = _text(la.detail_facts({**row, "facts": fit}, {}, NOW))
    assert "预测依据趋势 +2/天，当前约 80，上限 100（160 个数据点，覆盖 6 天/7 天）" in shown
    short = {**fit, "forecast": "insufficient", "samples": 5, "span_s": 3600}
    waiting = _text(la.detail_facts({**row, "facts": short}, {}, NOW))
    assert "预测依据数据不足（已有 5/24 个数据点，覆盖 1 小时/7 天）" in waiting
    kept = _text(la.detail_facts({**row, "state": "firing", "facts": {**short, "undecided": True}}, {}, NOW))
    assert "预测依据数据不足（已有 5/24 个数据点，覆盖 1 小时/7 天）：暂不判定" in kept
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


def test_read_only_note_names_the_role_or_asks_to_log_in() -> None:
    assert la.read_only_note("领导（只读）") == "只读：当前角色“领导（只读）”无处置告警的权限"
    assert la.read_only_note(None) == "只读：登录后可处置告警"  # kiosk wall, anonymous viewer


def test_texts_are_computed_at_the_moment_they_are_shown() -> None:
    """A cached frame read at 08:00 and shown at 08:07: durations run, days left count down, pending says so."""
    later = NOW + timedelta(minutes=7)
    tls = {**_alert(1, "high", "firing"), "summary": "证书将在 3 天后到期（08:00 的文字）", "value": 0.2,
           "facts": {"template": "网站 X0102 的 HTTPS 证书{days_left}"}}
    silent = {**_alert(2, "high", "firing"), "value": 1500.0,
              "facts": {"template": "采集器 host 已 {silence} 没有运行"}}
    pending = {**_alert(3, "critical", "pending", minutes=-1),
               "facts": {"template": "网站 X0102 首页无法访问，{duration}"}}
    frame = pd.DataFrame([tls, silent, pending], columns=ALERT_COLUMNS)
    assert la.summary_at(tls, NOW) == "网站 X0102 的 HTTPS 证书今天到期"
    assert la.summary_at(tls, NOW + timedelta(days=1)) == "网站 X0102 的 HTTPS 证书已过期 1 天"
    assert la.summary_at({**tls, "value": 12.5}, NOW) == "网站 X0102 的 HTTPS 证书将在 12 天后到期"
    assert la.summary_at({**tls, "value": -5.2}, NOW) == "网站 X0102 的 HTTPS 证书已过期 5 天"  # on 11-22
    assert la.summary_at(silent, later) == "采集器 host 已 32 分钟 没有运行"  # 25 min at 08:00, 7 more since
    assert la.summary_at(pending, later) == "网站 X0102 首页无法访问，已持续 9 分钟（待触发）"
    assert la.summary_at({**pending, "facts": {}}, later) == "摘要3"  # no template kept: the stored text
    cells = [[_text(td) for td in r.children] for r in la.alert_rows(frame, later)]
    assert [c[5] for c in cells] == ["网站 X0102 的 HTTPS 证书今天到期", "采集器 host 已 32 分钟 没有运行",
                                     "网站 X0102 首页无法访问，已持续 9 分钟（待触发）"]
    assert [c[6] for c in cells] == ["15 分钟", "15 分钟", "9 分钟（待触发）"]
    assert _text(la.ticker_items(frame.iloc[:1], later)[0]) == (
        "严重芙蓉区人民政府门户网站网站 X0102 的 HTTPS 证书今天到期持续 15 分钟")
    down = {**_alert(4, "critical", "firing"), "facts": {"template": "网站 X0102 首页无法访问，{duration}"}}
    assert _text(la.ticker_items(pd.DataFrame([down], columns=ALERT_COLUMNS), later)[0]) == (
        "紧急芙蓉区人民政府门户网站网站 X0102 首页无法访问，自 07:52 起已持续 15 分钟未确认")  # said once


def test_dependants_sit_under_their_source_and_are_not_counted() -> None:
    down = {**_alert(1, "critical", "firing"), "dependants": (2, 3)}
    veto = {**_alert(3, "critical", "firing"), "inhibited_by": 1}
    warn = {**_alert(2, "high", "firing"), "inhibited_by": 1.0}  # a float id, as pandas may hand it back
    other = _alert(4, "high", "firing", "430300", "湘潭市")
    frame = pd.DataFrame([down, veto, warn, other], columns=ALERT_COLUMNS)
    rows = la.alert_rows(frame, NOW)
    assert ["alert-dependant" in r.className for r in rows] == [False, True, True, False]
    assert "alert-hot-row" not in rows[1].className  # a muted critical does not pulse
    assert _text(rows[0].children[5]) == "摘要1含 2 条关联告警"
    assert _text(rows[2].children[5]) == "被 #1 抑制摘要2"
    counts = counts_by_city(frame).set_index("city_code")
    assert (counts.loc["430100", "total"], counts.loc["430100", "critical"]) == (1, 1)
    facts = _text(la.detail_facts(veto, {}, NOW, source={"id": 1, "rule": "site_down", "summary": "无法访问"}))
    assert "所属问题本告警由下列告警引起，已被抑制（不单独通知、不上大屏）：#1 无法访问" in facts  # no rule code
    facts = _text(la.detail_facts(down, {}, NOW, dependants=[{"id": 2, "rule": "w", "summary": "4%"},
                                                             {"id": 3, "rule": "v", "summary": "5%"}]))
    assert "关联告警（2 条）#2 4%#3 5%" in facts


def test_finding_evidence_in_chinese_and_metric_titles_from_declarations() -> None:
    from zoneinfo import ZoneInfo

    import collectors.kinds.site_probe  # declares site_probe
    import collectors.scheduler  # noqa: F401  (declares the collector_run metrics)
    from core.i18n import screens_alerts as alerts_text
    from inspection.evidence import evidence_lines, evidence_summary
    from layouts.alerts_evidence import FINDING_COLUMNS, findings_panel

    bj = NOW.astimezone(ZoneInfo("Asia/Shanghai"))  # the console's clock runs in web.timezone
    link = {"page": "https://x0102.example.gov.cn/", "hidden_by": "left:-9999px", "text": "澳门赌场",
            "suspicious": True, "host": "bet.example.com", "digest": "ab12",
            "not_after": "2026-11-23T16:00:00+00:00", "brand_new": 3}
    frame = pd.DataFrame([{"id": 1, "check": "defacement", "kind": "hidden_link", "severity": "critical",
                           "location": "http://bet.example.com/", "detail": "首页存在隐藏链接", "evidence": link,
                           "first_seen": NOW - timedelta(hours=3), "last_seen": NOW, "resolved_at": None}],
                         columns=FINDING_COLUMNS)
    panel = findings_panel(frame, bj)
    text = _text(panel)
    assert text.startswith("紧急隐藏链接（暗链）未整改首页存在隐藏链接位置http://bet.example.com/")
    # The site page's words, one formatter (inspection/evidence.py): 锚文本 (not a second table's 链接文字) ...
    assert "".join(f"{ln.label}{ln.text}" for ln in evidence_lines(link, tz=bj.tzinfo, full=False)) in text
    assert "域名bet.example.com隐藏方式left:-9999px锚文本澳门赌场疑似赌博色情是" in text
    site_page = evidence_summary(link, tz=bj.tzinfo)
    assert site_page.startswith("域名 bet.example.com；隐藏方式 left:-9999px；锚文本 澳门赌场")
    # ... times in web.timezone (16:00 UTC is the next day's 00:00 in Beijing), an unlabelled key as 其他.
    assert "证书到期2026-11-24 00:00" in text and "其他3" in text and "brand_new" not in text
    assert "ab12" not in text  # a digest only in the full form, the hover title
    assert "当前页面指纹：ab12" in str(panel.children[0].children[3].title)
    assert text.endswith("首次发现 11-27 13:00 · 最近发现 11-27 16:00")
    for gone in ("EVIDENCE_LABEL", "EVIDENCE_FIELDS", "EVIDENCE_VALUE", "EVIDENCE_REASON"):
        assert not hasattr(alerts_text, gone), gone  # no second table of evidence words
    assert "没有与本告警对应的巡检发现" in _text(findings_panel(frame.iloc[0:0], NOW))
    assert la.metric_title("site_probe", "up", "avg") == "网站可用（每 5 分钟平均）"
    assert la.metric_title("site_probe", "latency_ms", "avg") == "首页加载耗时（每 5 分钟平均，ms）"
    hourly = la.metric_title("collector_run", "last_run", "count", timedelta(hours=1))
    assert hourly == "最近采集时间 数据点数（每 1 小时）"
    assert la.metric_title("site_probe", "up", "avg", timedelta(days=1)) == "网站可用（每 1 天平均）"
    assert "site_probe" not in la.metric_title("site_probe", "nothing_declared", "avg")


def test_detail_says_how_much_data_a_verdict_rests_on_and_the_silence_allowed() -> None:
    ratio = {**_alert(5, "critical", "firing"), "facts": {"coverage": "数据充足（共 1008 次监测）", "samples": 1008}}
    assert "数据数据充足（共 1008 次监测）" in _text(la.detail_facts(ratio, {}, NOW))
    short = {**ratio, "facts": {"coverage": "数据不足（已有 120/140 次监测）", "sufficient": False, "undecided": True}}
    assert "数据数据不足（已有 120/140 次监测）：暂不判定，保持“告警中”" in _text(la.detail_facts(short, {}, NOW))
    silent = {**_alert(6, "high", "firing"), "facts": {"limit_s": 7200.0, "interval_s": 3600.0}}
    assert "允许中断2 小时" in _text(la.detail_facts(silent, {}, NOW))
    assert "允许中断" not in _text(la.detail_facts(_alert(7, "high", "firing"), {}, NOW))
