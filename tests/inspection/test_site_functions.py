"""site_functions (功能设计): search form and verdicts, the 我要纠错 entry, IPv6, on real loopback sites."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from aiohttp import web

from inspection.base import CHECKS, CheckContext, CheckError, SiteTarget
from inspection.checks.site_functions import (
    SearchForm,
    Settings,
    SiteFunctionsCheck,
    find_search_form,
    has_correction_entry,
    ipv6_addresses,
    search_has_results,
)
from tests.collectors.support import serve
from webread.addresses import AddressPolicy
from webread.fetch import Fetcher

AS_OF = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
BASE = "http://www.example.gov.cn/"
TRS_FORM = ('<form action="/jsearchfront/search.do" method="get" target="_blank">'
            '<input type="hidden" name="websiteid" value="430000000000000">'
            '<input type="text" name="q" placeholder="请输入关键字"><input type="submit" value="搜索"></form>')


@pytest.mark.parametrize(("html", "expected"), [
    (TRS_FORM, SearchForm("http://www.example.gov.cn/jsearchfront/search.do", "get", "q",
                          (("websiteid", "430000000000000"),))),
    # no hint in the action: the button says 检索, the field has an unusual name
    ('<form action="/s.jsp"><input name="sousuoci"><button>站内检索</button></form>',
     SearchForm("http://www.example.gov.cn/s.jsp", "get", "sousuoci")),
    # a login form beside the search form is not taken for it
    ('<form action="/login"><input name="user"><input type="password" name="pw"><input type="submit" value="登录">'
     '</form><form action="https://search.example.gov.cn/search" method="POST"><input name="keyword"></form>',
     SearchForm("https://search.example.gov.cn/search", "post", "keyword")),
    ('<div class="search"><input id="searchInput" placeholder="搜索"><a onclick="go()">搜</a></div>', "script_only"),
    ('<form action="/login"><input name="user"><input type="submit" value="登录"></form>', None),
    ("<p>没有搜索功能的页面</p>", None),
])
def test_find_search_form(html: str, expected: SearchForm | str | None) -> None:
    assert find_search_form(html, BASE) == expected


def test_search_url_keeps_hidden_fields_and_the_actions_query() -> None:
    form = SearchForm("http://x.gov.cn/s.do?channel=1", "get", "q", (("siteid", "7"),))
    assert form.url("通知") == "http://x.gov.cn/s.do?channel=1&siteid=7&q=%E9%80%9A%E7%9F%A5"


@pytest.mark.parametrize(("html", "ok"), [
    ('<ul><li><a href="/a/1.html">关于开展安全检查的通知</a></li></ul>', True),
    # the term echoed only in the search box is not a result
    ('<input name="q" value="通知"><p>请输入关键字</p>', False),
    ('<p>共0条</p><a href="/">首页通知</a>', False),  # the page says it found nothing
    ('<p>没有找到相关结果</p>', False),
])
def test_search_has_results(html: str, ok: bool) -> None:
    assert search_has_results(html, "通知") is ok


@pytest.mark.parametrize(("html", "present"), [
    ('<a href="https://zfwzzc.www.gov.cn/check_web/errorInfo_querySiteId.action?sitecode=4300000001">'
     '<img src="/jc.png"></a>', True),
    ('<a href="/jiucuo/"><img src="/jc.png" alt="我要纠错"></a>', True),
    ('<a href="/x" title="网站找错">报错</a>', True),
    ('<a href="/about/">关于我们</a><p>欢迎纠错</p>', False),  # words outside a link are not an entry
])
def test_correction_entry(html: str, present: bool) -> None:
    assert has_correction_entry(html) is present


def test_ipv6_addresses_of_literals() -> None:
    assert asyncio.run(ipv6_addresses("127.0.0.1", 80)) == []
    assert asyncio.run(ipv6_addresses("::1", 80)) == ["::1"]


def _site(pages: dict[str, tuple[int, str]]) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        key = request.path + (("?" + request.query_string) if request.query_string else "")
        status, body = pages.get(key, pages.get(request.path, (404, "<p>页面不存在</p>")))
        return web.Response(status=status, text=f"<html><body>{body}</body></html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    return app


async def _run(pages: dict[str, tuple[int, str]], settings: Settings | None = None) -> tuple[set[str], dict]:
    async with serve(_site(pages)) as base:
        fetcher = Fetcher(timeout=5.0, policy=AddressPolicy(registered=[base + "/"]))
        check = SiteFunctionsCheck(CheckContext(config=None, settings=settings, fetcher=fetcher))
        target = SiteTarget("4301000001", "长沙市人民政府", base + "/", "city_portal", "430100", "430100")
        try:
            result = await check.run(target, AS_OF, 5.0)
        finally:
            await fetcher.aclose()
    return {f.kind for f in result.findings}, {"facts": dict(result.facts), "stats": dict(result.stats),
                                                "findings": {f.kind: f for f in result.findings}}


HOME = TRS_FORM + '<a href="https://zfwzzc.www.gov.cn/check_web/errorInfo_querySiteId.action">我要纠错</a>'


def test_a_site_with_working_search_and_entry_has_no_finding() -> None:
    kinds, seen = asyncio.run(_run({
        "/": (200, HOME),
        "/jsearchfront/search.do": (200, '<a href="/art/1.html">关于做好冬季安全生产工作的通知</a>'),
    }))
    assert kinds == set()
    # registered by an IPv4 address: there is no name whose AAAA record could be looked up
    assert seen["facts"] == {"search": "ok", "ipv6": "ipv4_literal"}
    assert seen["stats"] == {"search_ok": 1.0, "correction_entry": 1.0}


@pytest.mark.parametrize(("result", "reason"), [
    ((500, "<p>服务器错误</p>"), "http_error"),
    ((200, "<p>没有找到相关结果</p>"), "no_results"),
])
def test_broken_search_is_a_finding_with_its_evidence(result: tuple[int, str], reason: str) -> None:
    kinds, seen = asyncio.run(_run({"/": (200, HOME), "/jsearchfront/search.do": result},
                                   Settings(check_ipv6=False)))
    assert kinds == {"search_broken"}
    ev = seen["findings"]["search_broken"].evidence
    assert ev["reason"] == reason and ev["search_term"] == "通知"
    assert "websiteid=430000000000000" in ev["search_url"] and ev["search_url"].endswith("q=%E9%80%9A%E7%9F%A5")
    assert seen["stats"]["search_ok"] == 0.0


def test_missing_search_and_entry() -> None:
    kinds, seen = asyncio.run(_run({"/": (200, "<p>首页</p>")}, Settings(check_ipv6=False)))
    assert kinds == {"search_missing", "correction_missing"}
    assert seen["stats"] == {"search_ok": 0.0, "correction_entry": 0.0}


@pytest.mark.parametrize(("home", "why"), [
    ('<div id="search"><input placeholder="搜索本站"></div>', "script_only"),
    ('<form action="/s" method="post"><input name="q"><input type="submit" value="搜索"></form>', "post_form"),
    # a search service on a host the policy was not told about is not fetched, so not judged
    ('<form action="http://127.0.0.9:9/search"><input name="q"></form>', "blocked"),
])
def test_search_that_cannot_be_judged_gives_no_finding(home: str, why: str) -> None:
    kinds, seen = asyncio.run(_run({"/": (200, home)}, Settings(check_ipv6=False, check_correction=False)))
    assert kinds == set() and seen["facts"]["search"] == why and "search_ok" not in seen["stats"]


def test_unreadable_homepage_is_not_judged() -> None:
    with pytest.raises(CheckError, match="HTTP 503"):
        asyncio.run(_run({"/": (503, "维护中")}))


def test_registered() -> None:
    assert CHECKS.get("site_functions") is SiteFunctionsCheck
