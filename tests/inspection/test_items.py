"""Item lists from real-world-style list pages (tests/inspection/fragments) and the demo's own pages."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from inspection.items import extract_items
from webread.fetch import decode

FRAG = Path(__file__).parent / "fragments"
AS_OF = date(2026, 3, 10)
A, C = "http://a.gov.cn/tzgg/", "http://c.gov.cn/zwgk/tzgg/"


def _load(name: str) -> str:
    return decode((FRAG / name).read_bytes(), None)[0]


@pytest.mark.parametrize(("name", "base", "expect"), [
    ("table_list.html", "http://a.gov.cn/tzgg/index.html", [
        ("关于做好2026年春季森林防火工作的通知", A + "202603/t20260305_881.html", date(2026, 3, 5)),
        ("关于公布第二批省级乡村振兴示范村名单的通知", A + "202602/t20260227_880.html", date(2026, 2, 27)),
        ("湘政发〔2026〕12号 关于印发实施方案的通知", A + "202602/t20260203_879.html", date(2026, 2, 3))]),
    ("ul_bracket.html", "http://b.gov.cn/", [  # full-width [MM-DD] under a 2025 heading, date before title
        ("市长主持召开政府常务会议", "http://b.gov.cn/art/2025/12/28/art_1_1.html", date(2025, 12, 28)),
        ("全市安全生产工作会议召开", "http://b.gov.cn/art/2025/12/3/art_1_2.html", date(2025, 12, 3)),
        ("联系电话0731-88888888 咨询热线开通", "http://b.gov.cn/art/2025/11/19/art_1_3.html", date(2025, 11, 19))]),
    ("dl_list.html", "http://c.gov.cn/zwgk/tzgg/", [  # dt title, date in the following dd
        ("关于2026年度公开招聘事业单位工作人员的公告", C + "202603/t20260308_1.html", date(2026, 3, 8)),
        ("关于春节期间值班安排的通知", "http://c.gov.cn/zwgk/tzgg/202601/t20260120_2.html", date(2026, 1, 20))]),
    ("broken.html", "http://d.gov.cn/xw/", [  # unclosed tags, stray cells
        ("全县防汛抗旱工作部署会召开", "http://d.gov.cn/xw/a1.html", date(2026, 3, 2)),
        ("县长带队调研重点项目建设", "http://d.gov.cn/xw/a2.html", date(2026, 2, 28)),
        ("县政府召开第12次常务会议", "http://d.gov.cn/xw/a3.html", date(2026, 2, 20))]),
    ("gbk_no_charset.html", "http://e.gov.cn/", [  # GBK bytes, no charset anywhere
        ("关于开展安全生产大检查的通知", "http://e.gov.cn/t1.html", date(2026, 3, 1)),
        ("关于调整办公时间的公告", "http://e.gov.cn/t2.html", date(2026, 2, 11))]),
])
def test_fragments(name: str, base: str, expect: list[tuple[str, str, date]]) -> None:
    got = extract_items(_load(name), base, AS_OF)
    assert [(i.title, i.url, i.day) for i in got.dated] == expect
    assert not got.empty_marker


def test_pagination_forms() -> None:
    table = extract_items(_load("table_list.html"), "http://a.gov.cn/tzgg/index.html", AS_OF).pagination
    assert table.next_url == "http://a.gov.cn/tzgg/index_1.html" and table.total_pages == 3
    trs = extract_items(_load("dl_list.html"), "http://c.gov.cn/zwgk/tzgg/", AS_OF).pagination
    assert trs.total_pages == 4 and trs.next_url == "http://c.gov.cn/zwgk/tzgg/index_1.html"
    assert trs.page_urls[-1] == "http://c.gov.cn/zwgk/tzgg/index_3.html"
    numbered = extract_items('<div class="pagination"><a href="?page=2">2</a><a href="list_3.html">第3页</a></div>',
                             "http://f.gov.cn/l/", AS_OF).pagination
    assert numbered.page_urls == ("http://f.gov.cn/l/?page=2", "http://f.gov.cn/l/list_3.html")


def test_empty_column_and_selector_hints() -> None:
    empty = extract_items(_load("empty_column.html"), "http://g.gov.cn/ghjh/", AS_OF)
    assert empty.empty_marker and empty.dated == [] and empty.meta["ColumnName"] == "规划计划"
    html = ('<div class="r"><p class="t"><a href="/1.html">甲通知全文</a></p><i class="d">2026年02月03日</i></div>'
            '<div class="r"><p class="t"><a href="/2.html">乙通知全文</a></p><i class="d">03-01</i></div>')
    hinted = extract_items(html, "http://h.gov.cn/", AS_OF, item_selector="div.r", date_selector="i.d")
    assert [(i.title, i.day) for i in hinted.items] == [("甲通知全文", date(2026, 2, 3)),
                                                         ("乙通知全文", date(2026, 3, 1))]
    with pytest.raises(ValueError, match="item_selector"):
        extract_items(html, "http://h.gov.cn/", AS_OF, item_selector="div[[")


def test_article_page_meta_and_url_year() -> None:
    art = ('<html><head><meta name="ArticleTitle" content="某某通知"><meta name="PubDate" content="2025-12-01 10:00">'
           '</head><body><h1>某某通知</h1></body></html>')
    (item,) = extract_items(art, "http://i.gov.cn/a/1.html", AS_OF).items
    assert (item.title, item.day) == ("某某通知", date(2025, 12, 1))
    # A year-less date whose article URL names another year takes the URL's year.
    li = '<ul><li><a href="/rsxx/202502/t20250203_9.html">任前公示名单公布</a><span>[02-03]</span></li></ul>'
    (old,) = extract_items(li, "http://i.gov.cn/", AS_OF).items
    assert old.day == date(2025, 2, 3) and not old.inferred


def test_future_dates_in_titles_are_not_publish_dates() -> None:
    html = '<ul><li><a href="/1.html">关于2026年12月1日起施行新规的公告</a><span>2026-03-02</span></li></ul>'
    (item,) = extract_items(html, "http://j.gov.cn/", AS_OF).items
    assert item.day == date(2026, 3, 2)


def test_ten_megabyte_page_is_bounded() -> None:
    row = '<li><a href="/p/{i}.html">第{i}条政务信息标题示例</a><span>2026-03-01</span></li>'
    html = "<ul>" + "".join(row.format(i=i) for i in range(120_000)) + "</ul>"
    assert len(html.encode()) > 10 * 1024 * 1024
    t0 = time.monotonic()
    got = extract_items(html, "http://k.gov.cn/", AS_OF)
    assert 0 < len(got.items) <= 3000 and got.newest() is not None
    assert time.monotonic() - t0 < 60  # a sanity bound, not a speed target


def test_demo_pages_match_their_entries() -> None:
    from core.config import load_config
    from demo import html as demo_html
    from demo.entries import entries
    from demo.fleet import build_fleet

    as_of = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
    spec = build_fleet(load_config(env={"GOVOPS_DEMO__BIND_PREFIX": "127.0.81"}), as_of)
    for site in spec.sites[::20]:
        for col in site.columns:
            page = demo_html.column_page(spec, site, col, 1)
            if page is None:
                continue
            got = extract_items(page, site.abs_url(col.path), as_of.date())
            want = entries(spec, site, col.kind)[:15]
            assert [(i.url, i.day) for i in got.dated] == [(site.abs_url(e.path), e.day) for e in want]
