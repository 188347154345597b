"""The duty screen's pure builders (layouts/oncall.py): gaps and fallbacks on 当前值班, row buttons only
where the viewer may act, times in the wall's zone, missing columns named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pandas as pd
import pytest

from dashboard import oncall_data as od
from layouts import oncall as lo

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CST_NOW = NOW.astimezone(timezone(timedelta(hours=8)))


def _walk(c: Any) -> list[Any]:
    out = [c]
    kids = getattr(c, "children", None)
    for k in kids if isinstance(kids, list) else [kids] if kids is not None else []:
        out.extend(_walk(k))
    return out


def _text(c: Any) -> str:
    return "".join(x for x in _walk(c) if isinstance(x, str))


def test_duty_table_marks_gaps_and_fallbacks() -> None:
    duty = pd.DataFrame([
        {"scope_code": "430100", "scope_name": "长沙市", "tier": 1, "users": "a、b", "until": NOW + timedelta(hours=7),
         "fallback": False},
        {"scope_code": "430100", "scope_name": "长沙市", "tier": 2, "users": "", "until": None, "fallback": True},
        {"scope_code": "430200", "scope_name": "株洲市", "tier": 1, "users": "", "until": None, "fallback": False},
        {"scope_code": "430200", "scope_name": "株洲市", "tier": 2, "users": "", "until": None, "fallback": False},
    ], columns=od.DUTY_COLUMNS)
    table = lo.duty_table(duty, CST_NOW)
    cells = {getattr(c, "className", None): _text(c) for c in _walk(table) if getattr(c, "className", None)}
    assert cells["duty-on"] == "a、b至 11-28 00:00"  # 16:00 UTC is midnight in 北京时间
    assert cells["duty-fallback"] == "无人（由省本级兜底）"
    assert cells["duty-gap duty-gap-first"] == "无人值班"  # 株洲 tier 1: red
    assert cells["duty-gap"] == "无人值班"
    assert [_text(th) for th in table.children[0].children.children] == ["地区", "第 1 级", "第 2 级"]


def test_row_buttons_only_where_the_viewer_may_act() -> None:
    shifts = pd.DataFrame([
        {"id": 1, "scope_code": "430100", "scope_name": "长沙市", "tier": 1, "username": "a", "starts_at": NOW,
         "ends_at": NOW + timedelta(hours=8), "status": "on"},
        {"id": 2, "scope_code": "430100", "scope_name": "长沙市", "tier": 1, "username": "b",
         "starts_at": NOW - timedelta(hours=9), "ends_at": NOW - timedelta(hours=1), "status": "over"},
    ], columns=od.SHIFT_COLUMNS)
    ids = [getattr(c, "id", None) for r in lo.shift_rows(shifts, NOW, True) for c in _walk(r)]
    assert {"type": lo.REMOVE, "id": 1} in ids and {"type": lo.REMOVE, "id": 2} not in ids
    assert not [c for r in lo.shift_rows(shifts, NOW, False) for c in _walk(r) if isinstance(getattr(c, "id", None),
                                                                                                  dict)]
    sil = pd.DataFrame([
        {"id": 5, "kind": "maintenance", "state": "active", "matchers": 'rule="x"', "starts_at": NOW,
         "ends_at": NOW + timedelta(hours=1), "created_by": "a", "reason": "r", "scope_code": "430000",
         "scope_name": "省本级"},
        {"id": 6, "kind": "silence", "state": "expired", "matchers": 'rule="y"', "starts_at": NOW,
         "ends_at": NOW, "created_by": "a", "reason": "r", "scope_code": "430000", "scope_name": "省本级"},
    ], columns=od.SILENCE_COLUMNS)
    rows = lo.silence_rows(sil, NOW, True)
    assert {"type": lo.EXPIRE, "id": 5} in [getattr(c, "id", None) for c in _walk(rows[0])]
    assert "维护窗口" in _text(rows[0]) and "生效中" in _text(rows[0]) and "已失效" in _text(rows[1])
    assert not [c for c in _walk(rows[1]) if isinstance(getattr(c, "id", None), dict)]


def test_empty_frames_and_missing_columns() -> None:
    assert "没有排班" in _text(lo.shift_rows(pd.DataFrame(columns=od.SHIFT_COLUMNS), NOW, True)[0])
    assert "暂无交接记录" in _text(lo.handover_rows(pd.DataFrame(columns=od.HANDOVER_COLUMNS), NOW)[0])
    assert "没有未关闭告警" in _text(lo.pass_on_list(pd.DataFrame(columns=od.OPEN_ALERT_COLUMNS)))
    with pytest.raises(ValueError, match=r"silence_rows: frame lacks column.*matchers"):
        lo.silence_rows(pd.DataFrame(columns=["id", "kind", "state"]), NOW, True)
    assert lo.fmt_when(None, NOW) == "—" and lo.fmt_when(NOW, CST_NOW, with_date=False) == "17:00"
