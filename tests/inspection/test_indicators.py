"""The indicator table: the shipped file, and refusals naming file, line and key (all or nothing)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from inspection.indicators import DEFAULT_FILE, IndicatorError, load_indicators
from tests.inspection.scoring_support import TABLE_TEXT


def test_shipped_table() -> None:
    t = load_indicators(DEFAULT_FILE)
    assert t.version == "2026.2"
    assert (t.full_score, t.pass_score, t.bonus_above, t.bonus_max, t.department_max) == (100, 60, 80, 30, 75)
    assert [g.name for g in t.groups] == ["发布解读", "办事服务", "互动交流", "功能设计"]
    assert sum(i.points for i in t.indicators) == 100
    assert sum(i.points for i in t.indicators if i.services) == 25
    assert t.deduction("policy_column_stale").points == 5 and t.deduction("policy_column_stale").window_days == 183
    assert t.deduction("service_statistics_stale").points == 2 and t.deduction("message_replies_stale").points == 3
    assert (t.deduction("dead_link_homepage").points, t.deduction("dead_link_page").points) == (1, Fraction(1, 10))
    assert t.bonus_item("survey_activities") is not None and t.bonus_item("survey_activities").min_activities == 6
    prov = t.provisional()
    # spec [configurable] values are provisional; the firm ones are not
    assert {"scoring.department_max", "scoring.dedup_problems", "veto.effective_channels",
            "deduction.policy_column_stale", "bonus.survey_activities", "indicator.links"} <= set(prov)
    assert not any(k in prov for k in ("scoring.pass_score", "scoring.bonus_above", "veto.probe_seconds"))


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "indicators.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _edit(old: str, new: str, count: int = 1) -> str:
    assert old in TABLE_TEXT
    return TABLE_TEXT.replace(old, new, count)


def _line(text: str, needle: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


@pytest.mark.parametrize(("text", "needles"), [
    (_edit('version = "2026.2"\n', ""), ["缺少 version"]),
    (_edit('version = "2026.2"', "version = 3"), [":14: version", "应为非空文本"]),
    (_edit("pass_score = 60 ", "pass_score = 'sixty' "), ["[scoring] pass_score", "应为有限的数"]),
    (_edit("bonus_above = 80 ", "bonus_above = 50 "), ["[scoring]", "pass_score < bonus_above < full_score"]),
    (_edit("bonus_max = 30 ", "bonus_maxx = 30 "), ["[scoring] bonus_maxx", "没有这个设置项"]),
    (_edit('effective_channels = { value = ["consultation", "suggestion"]',
           'effective_channels = { value = ["consultation", "petition"]'), ["[veto] effective_channels", "信访"]),
    (_edit("department_max = { value = 75,", "department_max = { value = 70,"),
     ["[[indicator]]", "department_max 70"]),
    (_edit('code = "search"\ngroup = "function"\nname = "搜索"\npoints = 4',
           'code = "search"\ngroup = "function"\nname = "搜索"\npoints = 5'), ["适用于 portal 的指标分值合计为 101"]),
    (_edit('group = "function"\nname = "搜索"', 'group = "functions"\nname = "搜索"'),
     ["[[indicator]] 第 17 项 group", "没有这个一级指标"]),
    (_edit('code = "ipv6"', 'code = "search"'), ["[[indicator]] 第 18 项 code", "代码 search 重复"]),
    (_edit('sites = ["portal", "department"]', 'sites = ["portal", "county"]'), ["第 1 项 sites", "county"]),
    (_edit("points = 0.1", "points = -0.1"), ["[[deduction]] 第 5 项 points", "应为大于 0 的数"]),
    (_edit('code = "dead_link_page"', 'code = "dead_links"'), ["[[deduction]] 第 5 项 code", "不认识这个扣分规则"]),
    (_edit("window_days = 60\n", ""), ["[[deduction]] 第 3 项", "缺少键 window_days"]),
    (_edit("min_activities = 6\n", ""), ["[[bonus]] 第 1 项", "缺少键 min_activities"]),
    (_edit("[new_media]", "[newmedia]"), ["newmedia", "没有这个键"]),
    (_edit("[scoring]", "[scoring\n"), ["TOML 格式错误"]),
])
def test_refusals_name_file_line_and_key(tmp_path: Path, text: str, needles: list[str]) -> None:
    with pytest.raises(IndicatorError) as exc:
        load_indicators(_write(tmp_path, text))
    message = str(exc.value)
    assert message.startswith(str(tmp_path / "indicators.toml"))
    for needle in needles:
        assert needle in message, message


def test_lines_point_at_the_entry_key(tmp_path: Path) -> None:
    text = _edit("points = 0.1", "points = -0.1")
    with pytest.raises(IndicatorError) as exc:
        load_indicators(_write(tmp_path, text))
    assert f"indicators.toml:{_line(text, 'points = -0.1')}: [[deduction]] 第 5 项 points" in str(exc.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IndicatorError, match="指标表文件不存在"):
        load_indicators(tmp_path / "nope.toml")
