"""Summaries rendered in two steps (pure): evaluation facts kept, display facts computed for ``now``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alerts import summary as S

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
BJ = ZoneInfo("Asia/Shanghai")


def test_evaluation_step_keeps_display_placeholders_and_escapes_values() -> None:
    t = "网站 {labels[site]} 失败率 {value:.1%}（{{原文}}）{duration}；上限 {limit}，间隔 {interval}，样本 {samples}"
    partial = S.at_evaluation(t, {"site": "a{b}"}, 0.0512, {"limit_s": 7200, "interval_s": 3600, "samples": 140})
    assert partial == "网站 a{{b}} 失败率 5.1%（{{原文}}）{duration}；上限 2 小时，间隔 1 小时，样本 140"
    shown = S.at_display(partial, S.Timing("firing", NOW - timedelta(minutes=3)), NOW)
    assert shown == "网站 a{b} 失败率 5.1%（{原文}）自 07:57 起已持续 3 分钟；上限 2 小时，间隔 1 小时，样本 140"
    assert S.at_evaluation("{labels[host]} {limit}", {}, None) == "- —"  # missing label and fact


def test_threshold_reads_as_the_rule_writes_it() -> None:
    ratio = {"threshold": 0.05, "threshold_percent": True}
    assert S.at_evaluation("线 {threshold}，{threshold:.1%}", {}, 0.1, ratio) == "线 5%，5.0%"
    assert S.at_evaluation("超过 {threshold} 毫秒", {}, 9000.0, {"threshold": 8000.0}) == "超过 8000 毫秒"
    assert S.at_evaluation("线 {threshold}", {}, 0.1) == "线 —"  # a rule without one


@pytest.mark.parametrize("seconds,text", [(0, "0 秒"), (59.9, "59 秒"), (119, "1 分钟"), (3599, "59 分钟"),
                                          (3600, "1 小时"), (7500, "2 小时 5 分钟"),
                                          (86400 * 3 + 3600 * 4 + 59, "3 天 4 小时"), (-5, "0 秒")])
def test_spans_are_truncated_never_overstated(seconds: float, text: str) -> None:
    assert S.span(seconds) == text


def test_duration_by_state_in_the_zone_of_now() -> None:
    now = NOW.astimezone(BJ)  # 16:00 北京时间
    started = NOW - timedelta(seconds=116)
    assert S.duration(S.Timing("pending", started), now) == "已持续 1 分钟（待触发）"  # never "3 分钟以上"
    assert S.duration(S.Timing("firing", NOW - timedelta(hours=2, minutes=5)), now) == "自 13:55 起已持续 2 小时 5 分钟"
    assert S.duration(S.Timing("acknowledged", NOW - timedelta(days=1)), now) == "自 11-26 16:00 起已持续 1 天"
    done = S.Timing("resolved", NOW - timedelta(minutes=30), resolved_at=NOW - timedelta(minutes=10))
    assert S.duration(done, now) == "持续 20 分钟 后恢复"
    assert S.elapsed(done, now) == "20 分钟（已恢复）"
    assert S.elapsed(S.Timing("pending", started), now) == "1 分钟（待触发）"
    assert S.duration(S.Timing("firing", None), now) == "—"


def test_days_left_counts_calendar_days_of_the_display_zone() -> None:
    def days(value: float, now: datetime, evaluated: datetime = NOW) -> str:
        return S.days_left(S.Timing("firing", NOW, last_eval_at=evaluated, value=value), now)

    bj = NOW.astimezone(BJ)
    assert days(-5.0, bj) == "已过期 5 天"  # never "将在 -5 天后到期"
    assert days(0.25, bj) == "今天到期"  # 22:00 北京时间 today
    assert days(-0.1, bj) == "已于今天过期"
    assert days(0.4, bj) == "将在 1 天后到期"  # 01:36 tomorrow in Beijing (still today in UTC)
    assert days(0.4, NOW) == "今天到期"
    assert days(12.0, bj) == "将在 12 天后到期"
    assert days(3.0, bj + timedelta(days=4), evaluated=NOW) == "已过期 1 天"  # read four days later
    assert S.days_left(S.Timing("firing", NOW), bj) == "—"


def test_silence_grows_while_open_and_stops_when_resolved() -> None:
    open_ = S.Timing("firing", NOW - timedelta(minutes=30), last_eval_at=NOW, value=1800.0)
    assert S.silence(open_, NOW + timedelta(minutes=10)) == "40 分钟"
    closed = S.Timing("resolved", NOW - timedelta(minutes=30), last_eval_at=NOW, value=1800.0)
    assert S.silence(closed, NOW + timedelta(minutes=10)) == "30 分钟"


def test_shown_prefers_the_kept_template_and_falls_back_to_the_stored_text() -> None:
    t = S.Timing("pending", NOW - timedelta(minutes=2))
    assert S.shown("旧文字", {"template": "无法访问，{duration}"}, t, NOW) == "无法访问，已持续 2 分钟（待触发）"
    assert S.shown("旧文字", None, t, NOW) == "旧文字"
    assert S.shown("旧文字", {"template": "{broken"}, t, NOW) == "旧文字"


@pytest.mark.parametrize("template,reason", [("{colour}", "未知的占位符 colour"), ("{}", "须有名称"),
                                             ("{duration:>8}", "在显示时计算"), ("{labels[site]", "expected '}'"),
                                             ("{value:days}", "format")])
def test_validate_names_what_is_wrong(template: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        S.validate(template)
    assert S.validate("网站 {labels[site]} {value:.0f} {duration}") == {"labels", "value", "duration"}


def test_overdue_counts_days_past_the_deadline_in_the_display_zone_until_resolved() -> None:
    partial = S.at_evaluation("通知 {overdue}", {}, 2.0, {"deadline": "2026-11-20"})
    assert partial == "通知 {overdue:2026-11-20}"  # the template alone finishes the text
    firing = S.Timing("firing", NOW)
    at = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 11-21 00:00 北京时间, still 11-20 in UTC
    assert S.at_display(partial, firing, at.astimezone(BJ)) == "通知 已逾期 1 天"
    assert S.at_display(partial, firing, at) == "通知 未逾期"
    assert S.at_display(partial, firing, at + timedelta(days=9)) == "通知 已逾期 9 天"
    resolved = S.Timing("resolved", NOW, resolved_at=datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    assert S.at_display(partial, resolved, at + timedelta(days=30)) == "通知 已逾期 3 天"  # to its resolution
    assert S.at_evaluation("{overdue}", {}, 1.0) == "{overdue}"  # no deadline known
    assert S.at_display("{overdue}", firing, NOW) == "—"
