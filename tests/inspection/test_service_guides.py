"""service_guides (服务不实用): guide elements, guide and online links, the veto item, on a real loopback site."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from aiohttp import web

from inspection.base import CheckContext, CheckError, ColumnTarget, FindingDraft, Severity, SiteTarget
from inspection.checks.service_guides import (
    ELEMENTS,
    ServiceGuidesCheck,
    Settings,
    guide_elements,
    guide_links,
    incomplete_finding,
    online_links,
)
from inspection.rules import VetoRules
from inspection.veto import BREACHED, OK, UNKNOWN, judge_site
from tests.collectors.support import serve
from webread.addresses import AddressPolicy
from webread.fetch import Fetcher

AS_OF = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
ALL = set(ELEMENTS)


def guide(title: str, filled: dict[str, str], online: str = "") -> str:
    """A guide page in the usual table layout: one row per element label, the value cell maybe empty."""
    rows = "".join(f"<tr><td>{label}</td><td>{value}</td></tr>" for label, value in filled.items())
    link = f'<a href="{online}">在线办理</a>' if online else ""
    nav = "<div class='nav'><a href='/'>首页</a></div>"
    return f"<html><body>{nav}<h1>{title}</h1><table>{rows}</table>{link}</body></html>"


FULL = {"事项名称": "居民身份证申领", "设定依据": "《中华人民共和国居民身份证法》", "申请条件": "年满十六周岁",
        "申请材料": "户口簿", "办理地点": "各派出所户籍窗口", "实施机构": "县公安局", "收费标准": "工本费20元",
        "办理时间": "工作日 9:00-17:00", "咨询电话": "0731-12345678", "办理流程": "受理、审核、制证、发证"}


@pytest.mark.parametrize(("page", "filled"), [
    (guide("居民身份证申领", FULL), ALL),
    # a label with nothing after it is missing; synonyms count (申请材料 for 办理材料, 实施机构 for 办理机构)
    (guide("x", {**FULL, "收费标准": "", "办理时间": "  "}), ALL - {"fees", "hours"}),
    # definition-list layout with colons
    ("<body><dl><dt>事项名称：</dt><dd>婚姻登记</dd><dt>办理地点：</dt><dd>民政局</dd><dt>联系电话：</dt><dd></dd></dl></body>",
     {"name", "place"}),
    ("<body><p>本页暂无内容</p></body>", set()),
])
def test_guide_elements(page: str, filled: set[str]) -> None:
    assert guide_elements(page)[0] == filled


@pytest.mark.parametrize(("missing", "finding"), [(3, False), (4, True), (10, True)])
def test_incomplete_at_the_threshold(missing: int, finding: bool) -> None:
    filled = set(list(ELEMENTS)[missing:])
    f = incomplete_finding("http://x.gov.cn/bs/1.html", "婚姻登记", filled, 4)
    assert (f is not None) is finding
    if f is not None:
        assert f.evidence["missing_count"] == missing and f.evidence["missing"][0] == "事项名称"
        assert f"缺少 {missing} 项要素" in f.detail


def test_guide_links_skip_navigation_other_hosts_and_short_titles() -> None:
    html = ("<body><div class='nav'><a href='/bs/nav.html'>办事服务导航</a></div>"
            "<ul><li><a href='/bs/1.html'>居民身份证申领</a></li><li><a href='/bs/1.html#top'>居民身份证申领</a></li>"
            "<li><a href='http://other.gov.cn/bs/2.html'>外站的办事指南</a></li><li><a href='/bs/3.html'>更多</a></li>"
            "<li><a href='/bs/4.html'>婚姻登记（内地居民）</a></li></ul>"
            "<div class='footer'><a href='/bs/f.html'>网站地图说明</a></div>"
            "</body>")
    links = guide_links(html, "http://www.x.gov.cn/bs/")
    assert [(g.url, g.title) for g in links] == [("http://www.x.gov.cn/bs/1.html", "居民身份证申领"),
                                                 ("http://www.x.gov.cn/bs/4.html", "婚姻登记（内地居民）")]
    # the registry's selector wins over the heuristic
    assert [g.url for g in guide_links(html, "http://www.x.gov.cn/bs/", ".footer a")] == ["http://www.x.gov.cn/bs/f.html"]


def test_online_links() -> None:
    html = '<a href="https://zwfw.x.gov.cn/apply?id=1">在线办理</a><a href="/q">办件查询</a><a href="/y">下载表格</a>'
    assert online_links(html, "http://www.x.gov.cn/bs/1.html") == ["https://zwfw.x.gov.cn/apply?id=1",
                                                                   "http://www.x.gov.cn/q"]


def _drafts(kind: str, n: int) -> list[FindingDraft]:
    return [FindingDraft("service_guides", kind, f"http://x.gov.cn/{kind}/{i}", Severity.HIGH, "x") for i in range(n)]


@pytest.mark.parametrize(("incomplete", "broken", "empty", "status"), [
    (4, 2, 0, OK), (5, 0, 0, BREACHED), (0, 3, 0, BREACHED), (0, 0, 1, BREACHED), (0, 0, 0, OK),
])
def test_veto_item_thresholds(incomplete: int, broken: int, empty: int, status: str) -> None:
    found = (_drafts("guide_incomplete", incomplete) + _drafts("online_service_broken", broken)
             + _drafts("no_service_guides", empty))
    verdict = judge_site("S", found, VetoRules(), date(2026, 12, 7), judged_checks={"service_guides"})
    (item,) = [i for i in verdict.items if i.item_code == "services"]
    assert (item.status, item.count) == (status, incomplete)
    assert verdict.vetoed is (status == BREACHED)


def test_veto_item_unknown_until_the_check_ran() -> None:
    verdict = judge_site("S", [], VetoRules(), date(2026, 12, 7), judged_checks=set())
    assert [i.status for i in verdict.items if i.item_code == "services"] == [UNKNOWN]


def _site(pages: dict[str, tuple[int, str]]) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        status, body = pages.get(request.path, (404, "<p>页面不存在</p>"))
        return web.Response(status=status, text=body, content_type="text/html")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    return app


async def _run(pages: dict[str, tuple[int, str]], columns: tuple[tuple[str, str], ...]) -> set[tuple[str, str]]:
    async with serve(_site(pages)) as base:
        fetcher = Fetcher(timeout=5.0, policy=AddressPolicy(registered=[base + "/"]))
        check = ServiceGuidesCheck(CheckContext(config=None, settings=Settings(), fetcher=fetcher))
        cols = tuple(ColumnTarget(name, "service", base + path) for name, path in columns)
        target = SiteTarget("4301000001", "长沙市人民政府", base + "/", "city_portal", "430100", "430100", cols)
        try:
            result = await check.run(target, AS_OF, 10.0)
        finally:
            await fetcher.aclose()
    return {(f.kind, f.location.replace(base, "")) for f in result.findings}


def test_a_service_column_read_end_to_end() -> None:
    sparse = {k: v for k, v in list(FULL.items())[:5]}  # five of ten elements: incomplete
    pages = {
        "/bszn/": (200, "<body><ul>" + "".join(f"<li><a href='/bszn/{i}.html'>第{i}项行政许可事项</a></li>"
                                               for i in range(1, 4)) + "</ul></body>"),
        "/bszn/1.html": (200, guide("第1项", FULL, online="/apply/ok")),
        "/bszn/2.html": (200, guide("第2项", sparse, online="/apply/down")),
        "/bszn/3.html": (200, guide("第3项", {**FULL, "办理流程": ""}, online="/apply/down")),
        "/apply/ok": (200, "<p>在线申报系统</p>"),
        "/apply/down": (502, "<p>Bad Gateway</p>"),
        "/kong/": (200, "<body><div class='nav'><a href='/'>首页</a></div><p>暂无信息</p></body>"),
    }
    found = asyncio.run(_run(pages, (("办事指南", "/bszn/"), ("便民服务", "/kong/"))))
    assert found == {("guide_incomplete", "/bszn/2.html"), ("online_service_broken", "/apply/down"),
                     ("no_service_guides", "/kong/")}


def test_no_service_column_cannot_be_judged() -> None:
    with pytest.raises(CheckError, match="未登记办事指南栏目"):
        asyncio.run(_run({"/": (200, "<p>首页</p>")}, ()))
