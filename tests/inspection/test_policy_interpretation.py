"""policy_interpretation (政策解读): matching interpretations to policies, links both ways, the ratio."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from aiohttp import web

from inspection.base import CheckContext, CheckError, ColumnTarget, SiteTarget
from inspection.checks.policy_interpretation import (
    Article,
    PolicyInterpretationCheck,
    Settings,
    article_links,
    links_back,
    match,
)
from inspection.items import Item
from tests.collectors.support import serve
from webread.addresses import AddressPolicy
from webread.fetch import Fetcher

AS_OF = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
DAY = date(2026, 12, 7)
P1 = Item("湖南省人民政府办公厅关于印发《乡村振兴实施方案》的通知", "http://x.gov.cn/zcwj/1.html", DAY)
P2 = Item("关于进一步加强安全生产工作的意见", "http://x.gov.cn/zcwj/2.html", DAY)


def test_match_by_url_or_by_title() -> None:
    by_url = Article("http://x.gov.cn/zcjd/1.html", "解读一", DAY, (("http://x.gov.cn/zcwj/1.html", "原文"),))
    by_title = Article("http://x.gov.cn/zcjd/2.html", "解读二", DAY,
                       (("http://x.gov.cn/other.html", "关于进一步加强安全生产工作的意见"),))
    none = Article("http://x.gov.cn/zcjd/3.html", "解读三", DAY, (("http://x.gov.cn/", "首页"),))
    assert match([P1, P2], [by_url, by_title, none]) == {P1.url: [by_url], P2.url: [by_title]}
    # a title two policies share names neither: it could be either
    twin = Item(P2.title, "http://x.gov.cn/zcwj/9.html", DAY)
    assert match([P1, P2, twin], [by_title]) == {}
    # a URL link decides even when the link text also names another policy
    both = Article("http://x.gov.cn/zcjd/4.html", "解读四", DAY, ((P1.url, P2.title),))
    assert match([P1, P2], [both]) == {P1.url: [both]}


def test_links_back() -> None:
    interp = Article("http://x.gov.cn/zcjd/1.html", "《乡村振兴实施方案》解读", DAY, ())
    back = Article(P1.url, P1.title, DAY, (("http://x.gov.cn/zcjd/1.html", "相关解读"),))
    named = Article(P1.url, P1.title, DAY, (("http://y.gov.cn/jd", "《乡村振兴实施方案》解读"),))
    alone = Article(P1.url, P1.title, DAY, (("http://x.gov.cn/", "首页"),))
    assert links_back(back, [interp]) and links_back(named, [interp]) and not links_back(alone, [interp])


def test_article_links_are_absolute_without_fragments() -> None:
    html = '<a href="../zcwj/1.html#p2">原文</a><a href="javascript:void(0)">打印</a><a href="#top">顶部</a>'
    assert article_links(html, "http://x.gov.cn/zcjd/2.html") == (("http://x.gov.cn/zcwj/1.html", "原文"),)


def _list(prefix: str, n: int, age0: int = 1) -> str:
    rows = "".join(f'<li><a href="{prefix}/{i}.html">第{i}号政策文件关于加强工作的通知</a>'
                   f"<span>{(DAY - timedelta(days=age0 + 10 * i)).isoformat()}</span></li>" for i in range(1, n + 1))
    return f"<html><body><ul>{rows}</ul></body></html>"


def _site(pages: dict[str, str]) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        body = pages.get(request.path)
        return web.Response(status=404 if body is None else 200, text=body or "无", content_type="text/html")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    return app


async def _run(pages: dict[str, str], settings: Settings, cols: tuple[tuple[str, str], ...]) -> tuple[set, dict]:
    async with serve(_site(pages)) as base:
        fetcher = Fetcher(timeout=5.0, policy=AddressPolicy(registered=[base + "/"]))
        check = PolicyInterpretationCheck(CheckContext(config=None, settings=settings, fetcher=fetcher))
        columns = tuple(ColumnTarget(name, kind, base + path) for kind, path, name in
                        ((k, p, k) for k, p in cols))
        target = SiteTarget("4301000001", "长沙市人民政府", base + "/", "city_portal", "430100", "430100", columns)
        try:
            result = await check.run(target, AS_OF, 10.0)
        finally:
            await fetcher.aclose()
    return {(f.kind, f.location.replace(base, "")) for f in result.findings}, dict(result.facts)


PAGES = {
    "/zcwj/": _list("/zcwj", 4),
    "/zcjd/": _list("/zcjd", 2, age0=0),
    # interpretation 1 links policy 1, interpretation 2 links policy 2 (which does not link back)
    "/zcjd/1.html": '<a href="/zcwj/1.html">原文</a>', "/zcjd/2.html": '<a href="/zcwj/2.html">原文</a>',
    "/zcwj/1.html": '<a href="/zcjd/1.html">相关解读</a>', "/zcwj/2.html": "<p>正文</p>",
}
COLS = (("policy", "/zcwj/"), ("interpretation", "/zcjd/"))


@pytest.mark.parametrize(("min_ratio", "ratio_finding"), [(0.5, False), (0.51, True)])
def test_two_way_links_and_the_ratio_at_its_boundary(min_ratio: float, ratio_finding: bool) -> None:
    found, facts = asyncio.run(_run(PAGES, Settings(min_ratio=min_ratio), COLS))
    expected = {("policy_unlinked", "/zcwj/2.html")} | ({("interpretation_ratio_low", "/zcwj/")} if ratio_finding
                                                        else set())
    assert found == expected
    assert facts == {"policies": 4, "interpretations": 2, "interpretations_read": 2, "interpreted": 2, "ratio": 0.5}


def test_no_ratio_verdict_while_an_interpretation_is_unread() -> None:
    pages = {**PAGES, "/zcjd/": _list("/zcjd", 3, age0=0)}  # the third interpretation answers 404
    found, facts = asyncio.run(_run(pages, Settings(min_ratio=0.9), COLS))
    assert found == {("policy_unlinked", "/zcwj/2.html")}
    assert "ratio" not in facts and facts["interpretations_read"] == 2 and facts["interpretations"] == 3


def test_entries_older_than_the_lookback_do_not_count() -> None:
    found, facts = asyncio.run(_run(PAGES, Settings(lookback_days=20), COLS))
    # policies 11, 21, 31, 41 days old: one inside; interpretations 10 and 20 days old: both inside, and the
    # one explaining the 21-day-old policy is linked (no false "unlinked"), its policy still checked both ways
    assert (facts["policies"], facts["interpretations"], facts["interpreted"]) == (1, 2, 1)
    assert found == {("policy_unlinked", "/zcwj/2.html")}


def test_without_an_interpretation_column_nothing_is_judged() -> None:
    with pytest.raises(CheckError, match="未登记政策解读栏目"):
        asyncio.run(_run(PAGES, Settings(), (("policy", "/zcwj/"),)))
