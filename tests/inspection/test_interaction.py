"""interaction: message parsing from real-world row layouts, judging, then the demo fleet (127.0.81.N)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from inspection.base import CHECKS, CheckError, CheckResult, ColumnTarget, Severity
from inspection.checks.interaction import Interaction, Message, Settings, judge_messages, parse_message, response_stats
from tests.inspection.pages_fleet import compare, run_check, sample

pytestmark = pytest.mark.e2e
DAY = date(2026, 3, 10)


@pytest.mark.parametrize(("text", "fallback", "expect"), [
    ("关于社保的咨询 留言时间：2026-01-05 答复时间：2026-01-08 已答复", (), (date(2026, 1, 5), date(2026, 1, 8), True)),
    ("咨询公积金提取 提问时间：2025年11月3日 办理状态：未回复", (), (date(2025, 11, 3), None, False)),
    ("来信日期 2026/02/01 处理中", (), (date(2026, 2, 1), None, False)),
    ("请问办理流程 [02-20] 已办结", (), (None, None, True)),
    ("请问办理流程 2026-02-20 2026-02-25", (date(2026, 2, 20), date(2026, 2, 25)), (date(2026, 2, 20),
                                                                                  date(2026, 2, 25), True)),
    ("留言人：王** 留言时间： 2026-02-01 09:30 留言内容：您好 办理状态： 未答复", (),
     (date(2026, 2, 1), None, False)),
    ("咨询时间：2026-02-01", (), (date(2026, 2, 1), None, None)),
])
def test_parse_message(text: str, fallback: tuple[date, ...], expect: tuple[Any, ...]) -> None:
    assert parse_message(text, DAY, fallback) == expect


def test_judge_and_stats() -> None:
    col = ColumnTarget("政务咨询", "consultation", "http://a.gov.cn/zwzx/")
    msgs = [Message("u1", "甲", date(2025, 11, 1), None, False),  # 129 days open
            Message("u2", "乙", date(2025, 12, 5), None, False),  # 95 days: 5 days past
            Message("u3", "丙", date(2025, 12, 15), None, False),  # 85 days: due in 5
            Message("u4", "丁", date(2026, 2, 1), None, False),  # 37 days: fine
            Message("u5", "戊", date(2024, 12, 1), None, False),  # outside the past year
            Message("u6", "己", date(2026, 1, 1), date(2026, 1, 4), True),
            Message("u7", "庚", date(2025, 6, 1), date(2025, 10, 1), True)]
    got = {(f.location, f.kind) for f in judge_messages(msgs, col, DAY, Settings())}
    assert got == {("u1", "message_unanswered"), ("u2", "message_unanswered"), ("u3", "message_due")}
    first = judge_messages(msgs, col, DAY, Settings())[0]
    assert first.severity is Severity.CRITICAL and first.veto and first.deadline == date(2026, 1, 30)
    stats = response_stats(msgs, DAY, Settings())
    assert stats["unanswered"] == 4 and stats["answered"] == 2 and stats["late_replies"] == 1
    assert stats["reply_days_median"] == (3 + 122) / 2


def test_registered() -> None:
    assert CHECKS.get("interaction") is Interaction


def test_demo_fleet(page_fleet: dict[str, Any]) -> None:
    truth = page_fleet["truth"]
    results = run_check(page_fleet, Interaction, sample(truth))
    compare(truth, "interaction", results)
    kinds = {f["site_code"]: f["kind"] for f in truth["faults"]}
    for code, r in results.items():
        if kinds.get(code) in ("down", "error_status"):
            assert isinstance(r, CheckError)
            continue
        assert isinstance(r, CheckResult)
        if code not in kinds:
            assert r.stats["messages_year"] >= 15 and r.stats["unanswered"] == 0
            assert 0 <= r.stats["reply_days_median"] <= r.stats["reply_days_p90"] <= 6
