"""The gatherers' pure counting, and the column reading over HTTP against a real server on loopback."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from annual import gather
from annual.template import load_template
from inspection.base import ColumnTarget, SiteTarget
from inspection.checks.interaction import Message
from inspection.items import ItemList, Pagination
from inspection.listpages import ListRead
from tests.annual.support import consultation_page, daily, news_pages, serve
from webread.addresses import AddressPolicy
from webread.fetch import Fetcher


def test_message_figures_of_the_year() -> None:
    msgs = [Message("u1", "a", date(2026, 3, 1), date(2026, 3, 5), True),
            Message("u2", "b", date(2026, 4, 1), date(2026, 4, 11), True),
            Message("u3", "c", date(2026, 5, 1), None, False),
            Message("u4", "d", date(2025, 12, 30), date(2026, 1, 2), True)]  # asked the year before
    got = gather.message_figures(["政务咨询"], msgs, 2026)
    assert got["messages.received"].value == 3
    assert got["messages.answered"].value == 2
    assert got["messages.avg_days"].value == 7  # (4 + 10) / 2
    assert "平均 7.0 天" in got["messages.avg_days"].note
    unknown = gather.message_figures(["政务咨询"], [*msgs, Message("u5", "e", date(2026, 6, 1), None, None)], 2026)
    assert unknown["messages.received"].value == 4
    assert unknown["messages.answered"].value is None
    assert "1 条留言读不出是否已答复" in unknown["messages.answered"].note
    none = gather.message_figures([], [], 2026, failed="未登记 政务咨询 类栏目")
    assert all(f.value is None and f.note == "未登记 政务咨询 类栏目" for f in none.values())
    no_dates = gather.message_figures(["x"], [Message("u", "t", date(2026, 2, 2), None, True)], 2026)
    assert no_dates["messages.avg_days"].value is None


def test_columns_figure_refuses_a_floor_as_the_years_count() -> None:
    lst = ItemList("u", (), Pagination("u2"))
    bounded = gather.Tally("要闻", n=120, pages=5, bounded=True)
    assert gather.columns_figure(("news",), [bounded], 2026, 5).value is None
    assert "至少 120 条" in gather.columns_figure(("news",), [bounded], 2026, 5).note
    assert gather.columns_figure(("news",), [], 2026, 5).note == "未登记 政务动态 类栏目"
    broken = gather.tally("要闻", ListRead("u", error="http_status", detail="HTTP 404"), 2026, 5)
    assert gather.columns_figure(("news",), [broken], 2026, 5).note == "栏目 要闻 无法读取：HTTP 404"
    assert gather.tally("要闻", ListRead("u", pages=[lst]), 2026, 5) == gather.Tally("要闻", 0, 0, 1, False)
    ok = gather.columns_figure(("news", "notice"), [gather.Tally("要闻", 3, 1, 1), gather.Tally("通知", 2, 0, 1)],
                               2026, 5)
    assert ok.value == 5 and "另有 1 条无日期未计入" in ok.note


def _target(base: str, cols: list[tuple[str, str, str]]) -> SiteTarget:
    return SiteTarget("S1", "测试网站", base + "/", "county_portal", "430102", "430100",
                      tuple(ColumnTarget(n, k, base + p) for n, k, p in cols))


@pytest.mark.parametrize(("max_pages", "expect"), [(10, 25), (2, None)])
def test_column_reading_follows_pages_while_in_the_year(max_pages: int, expect: int | None) -> None:
    # 25 entries of 2026 (every 14 days back from 20 Dec), then 8 of 2025: 4 pages of 10; page 3 reaches
    # into 2025, so page 4 is not read
    dates = daily(date(2026, 12, 20), 25, step=14) + daily(date(2025, 12, 20), 8, step=7)
    zx = consultation_page([(date(2026, 3, 1), date(2026, 3, 4)), (date(2026, 8, 1), None)])
    zx = zx.replace("</ul>", '<li><a href="/zx/9.html">关于公交线路调整的建议</a> 2026-09-01</li></ul>')
    pages = {**news_pages(dates), "/zx/": zx,
             "/zx/9.html": "<html><body><h1>关于公交线路调整的建议</h1><p>留言时间：2026-09-01</p>"
                           "<p>回复时间：2026-09-06</p><p>办理状态：已回复</p></body></html>"}
    with serve(pages) as base:
        target = _target(base, [("要闻动态", "news", "/news/"), ("政务咨询", "consultation", "/zx/"),
                                ("政策解读", "interpretation", "/missing/")])
        fetcher = Fetcher(timeout=5.0, policy=AddressPolicy(registered=[base]))

        async def go() -> dict[str, gather.Figure]:
            try:
                return await gather.column_figures(fetcher, target, 2026, load_template(),
                                                   datetime(2026, 12, 31, 4, tzinfo=UTC), timeout=30,
                                                   max_pages=max_pages)
            finally:
                await fetcher.aclose()

        got = asyncio.run(go())
    news = got["columns:news"]
    assert news.value == expect
    if expect is not None:
        assert "日期在 2026 年的条目共 25 条（读取 3 页）" in news.note
    else:
        assert "翻页上限 2 页" in news.note
    assert got["columns:interpretation"].value is None and "HTTP 404" in got["columns:interpretation"].note
    assert got["columns:notice,policy,personnel,planning,data_release"].note.startswith("未登记 通知公告")
    # the third message's row gives no state: its own page says it was answered after 5 days
    assert (got["messages.received"].value, got["messages.answered"].value, got["messages.avg_days"].value) == (3, 2, 4)
