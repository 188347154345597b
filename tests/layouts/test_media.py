"""The new-media wall builders (pure: frames in, components out)."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.media_data import ACCOUNT_COLUMNS, ISSUE_COLUMNS
from layouts.media import held_for, issue_rows, media_age, media_kpi_items, platform_tiles


def test_an_empty_registry_is_unknown_never_green() -> None:
    items = media_kpi_items(pd.DataFrame(columns=list(ACCOUNT_COLUMNS)))
    assert [(i.key, i.value, i.status) for i in items] == [
        ("accounts", "0", "unknown"), ("vetoes", "0", "unknown"), ("at_risk", "0", "unknown"),
        ("uncollected", "0", "up")]
    assert platform_tiles(pd.DataFrame(columns=list(ACCOUNT_COLUMNS))).children == []
    (row,) = issue_rows(pd.DataFrame(columns=list(ISSUE_COLUMNS)))
    assert row.children.children == "暂无问题账号"


def test_rows_order_and_grey() -> None:
    base = {"key": "k", "platform_label": "微博", "organizer": "", "detail": "", "age_s": 60.0, "stale": False}
    issues = pd.DataFrame([
        {**base, "name": "乙", "rule": "no_update", "status": "warning", "days_left": 2},
        {**base, "name": "丙", "rule": "", "status": "not_collected", "days_left": None, "age_s": None},
        {**base, "name": "甲", "rule": "no_interaction", "status": "veto", "days_left": None,
         "stale": True, "age_s": 3 * 86400.0, "since_s": 6 * 86400.0 + 5},
        {**base, "name": "丁", "rule": "no_update", "status": "warning", "days_left": 1},
    ], columns=list(ISSUE_COLUMNS))
    rows = issue_rows(issues)
    assert [r.children[1].children for r in rows] == ["甲", "丁", "乙", "丙"]
    assert rows[0].className == "row-stale" and rows[0].children[-1].children == "数据已 3 天 未更新"
    assert rows[1].children[5].children == "1 天" and rows[3].children[-1].children == "—"
    assert rows[0].children[6].children == "6 天" and rows[1].children[6].children == "—"  # held since / none stored


@pytest.mark.parametrize(("seconds", "text"), [(None, "—"), (59, "0 分钟"), (3599, "59 分钟"), (3600, "1 小时"),
                                               (48 * 3600 - 1, "47 小时"), (48 * 3600, "2 天"), (9.5 * 86400, "9 天")])
def test_held_for_never_overstates(seconds: float | None, text: str) -> None:
    assert held_for(seconds) == text


@pytest.mark.parametrize(("seconds", "text"), [(None, "—"), (30, "30 秒前"), (600, "10 分钟前"),
                                               (7200, "2 小时前"), (3 * 86400, "3 天前")])
def test_media_age(seconds: float | None, text: str) -> None:
    assert media_age(seconds) == text
