"""The 运营中心 figure and component builders, pure: the map coloured by pass rate with each judged city's
rate written (grey and unwritten when nothing is judged), the trend (one period is a point, not a line),
the tables (a vetoed site shows — and 不合格, never 0), and a score sheet line naming its source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pandas as pd
import pytest

from dashboard.ops_data import CITY_COLUMNS, SITE_RANK_COLUMNS
from layouts import theme
from layouts.geo import cities
from layouts.ops import (
    MAP_VALUE_PX,
    closest_table,
    fmt,
    fmt_points,
    pass_rate_map,
    period_line,
    rate_status,
    site_rank_table,
    trend_figure,
)
from layouts.ops_sheet import basis_note, indicator_rows, source_parts
from operations.sheets import Change


def _cities() -> pd.DataFrame:
    return pd.DataFrame([{"code": "430100", "name": "长沙市", "sites": 2, "scored": 1, "passed": 1, "failed": 1,
                          "undetermined": 0, "pass_rate": 50.0, "average": 97.9},
                         {"code": "430200", "name": "株洲市", "sites": 1, "scored": 1, "passed": 1, "failed": 0,
                          "undetermined": 0, "pass_rate": 100.0, "average": 100.0},
                         {"code": "430300", "name": "湘潭市", "sites": 1, "scored": 0, "passed": 0, "failed": 0,
                          "undetermined": 1, "pass_rate": None, "average": None}], columns=list(CITY_COLUMNS))


def _texts(component: Any) -> list[str]:
    out: list[str] = []
    def walk(c: Any) -> None:
        if isinstance(c, str):
            out.append(c)
        elif isinstance(c, list | tuple):
            for x in c:
                walk(x)
        elif hasattr(c, "children"):
            walk(c.children)
    walk(component)
    return out


def test_map_colours_by_pass_rate_and_writes_only_judged_rates() -> None:
    fig = pass_rate_map(_cities())
    shapes = cities()
    by_code = {tr.meta["code"]: tr for tr in fig.data[:len(shapes)]}
    assert by_code["430100"].fillcolor == theme.fill_rgba(theme.RED, 0.55)  # 50 % < 60 %
    assert by_code["430200"].fillcolor == theme.fill_rgba(theme.GREEN, 0.55)
    assert by_code["430300"].fillcolor == theme.fill_rgba(theme.GREY, 0.55)  # nothing judged: grey, no value
    values = fig.data[-1]
    assert dict(zip(values.customdata, values.text, strict=True)) == {"430100": "50%", "430200": "100%"}
    assert values.textfont.size == MAP_VALUE_PX >= 28
    assert not any(tr.type in ("choropleth", "choroplethmap", "scattergeo") for tr in fig.data)  # offline
    with pytest.raises(ValueError, match="pass_rate"):
        pass_rate_map(_cities().drop(columns=["pass_rate"]))


def test_rate_status_boundaries() -> None:
    assert [rate_status(x) for x in (None, 59.9, 60, 89.9, 90)] == ["unknown", "down", "degraded", "degraded", "up"]
    assert fmt(None) == "—" and fmt(97.90) == "97.9" and fmt(100.0, "%") == "100%"


def test_trend_one_period_is_a_point_two_are_a_line() -> None:
    one = trend_figure(pd.DataFrame({"period": ["2026Q4"], "pass_rate": [71.4], "average": [99.6]}))
    assert one.data[1].mode == "markers+text" and list(one.data[0].text) == ["71.4"]
    two = trend_figure(pd.DataFrame({"period": ["2026Q3", "2026Q4"], "pass_rate": [100.0, None],
                                     "average": [100.0, 99.6]}))
    assert two.data[1].mode == "lines+markers+text" and list(two.data[0].text) == ["100", "—"]


def test_site_rank_table_shows_vetoed_as_fail_without_score() -> None:
    df = pd.DataFrame([{"rank": 1, "code": "A", "name": "甲", "city_name": "长沙市", "score": 90.0, "grade": "合格",
                        "passed": True, "vetoes": ""},
                       {"rank": None, "code": "D", "name": "丁", "city_name": "长沙市", "score": None,
                        "grade": "不合格", "passed": False, "vetoes": "站点无法访问"}], columns=list(SITE_RANK_COLUMNS))
    t = site_rank_table(df, "b", "2026Q4")
    rows = t.children[1].children
    assert _texts(rows[1]) == ["—", "丁", "长沙市", "—", "不合格"] and rows[1].className == "row-veto"
    assert rows[0].children[1].children.href == "/ops/site/A?period=2026Q4"
    assert len(site_rank_table(df, "b", None, with_city=False).children[0].children.children) == 4
    empty = closest_table(pd.DataFrame(columns=["code", "name", "city_name", "score", "risk"]), "c", None)
    assert _texts(empty.children[1]) == ["暂无"]


def test_period_line_says_age_open_or_frozen_and_stale() -> None:
    now = datetime(2026, 12, 10, 4, tzinfo=UTC)
    text = period_line("2026年第四季度", "2026Q4", now - timedelta(days=9), now, False, 9)
    assert "9 天前" in text and "未结束" in text and "已 9 天未更新" in text
    assert "已封存" in period_line("2026年第三季度", "2026Q3", now - timedelta(days=60), now, True, None)
    behind = period_line("2026年第四季度", "2026Q4", now, now, False, None, 2, now - timedelta(hours=30))
    assert "其中 2 个网站未在此次评分中更新，最早评分于 2026-12-08 22:00" in behind  # in now's zone (UTC here)


def test_sheet_lines_name_their_sources() -> None:
    parts = source_parts("finding:5,entry:2,entry:9", "C0100", {5: ("dead_links", "链接不可用", "u")},
                         {2: ("sheng", "错别字", False)})
    texts = _texts(parts)
    assert "问题 #5 链接不可用（dead_links）" in texts and "人工条目 #2（sheng：错别字）" in texts
    assert "人工条目 #9（已不存在）" in texts
    assert parts[0].href == "/site/C0100"
    result = {"indicators": [{"group": "发布解读", "name": "动态要闻", "points": 6, "deducted": 1.5,
                              "provisional": True,
                              "lines": [{"note": "错别字", "charged": 1.5, "status": "charged", "source": "entry:2"}]}]}
    row = indicator_rows(result, "C0100", {}, {2: ("sheng", "错别字", False)})[0]
    texts = _texts(row)
    assert "暂定" in texts and "错别字：扣 1.5 分（扣分）" in texts and "1.5" in texts


def test_scores_show_two_decimals_as_the_bulletin_prints_them_rates_one() -> None:
    assert [fmt_points(x) for x in (97.75, 99.87, 100.0, 97.4, None)] == ["97.75", "99.87", "100", "97.4", "—"]
    assert fmt(71.4286, "%") == "71.4%"  # rates keep one decimal
    df = pd.DataFrame([{"rank": 1, "code": "X0104", "name": "岳麓区", "city_name": "长沙市", "score": 97.75,
                        "grade": "合格", "passed": True}, {"rank": 2, "code": "X0103", "name": "天心区",
                                                          "city_name": "长沙市", "score": 97.7, "grade": "合格",
                                                          "passed": True}], columns=list(SITE_RANK_COLUMNS))
    rows = site_rank_table(df, "b", "2026Q4").children[1].children
    assert [_texts(r)[3] for r in rows] == ["97.75", "97.7"]  # ranked apart, shown apart


def test_sheet_basis_says_snapshot_and_lists_changes_after_it() -> None:
    at = datetime(2026, 11, 27, 6, tzinfo=UTC)
    tz = timezone(timedelta(hours=8))
    plain = basis_note(at, False, tz, [])
    assert _lines(plain) == ["得分、结论与扣分明细为 2026-11-27 14:00 的评分快照（本期未结束，每次评分更新）；"
                             "签核为当前状态。"]
    change = Change(at + timedelta(hours=1), "cs_admin", "排除问题 #13（误报）", "finding_decision", 1)
    frozen = _lines(basis_note(at, True, tz, [change]))
    assert frozen[0].startswith("得分、结论与扣分明细为 2026-11-27 14:00 封存的评分快照")
    assert frozen[1] == ("封存之后又有 1 项核验变更，未计入封存的分数（需重新评分）："
                         "11-27 15:00 cs_admin 排除问题 #13（误报）")


def _lines(div: Any) -> list[str]:
    return [str(c.children) for c in div.children]
