"""PV/UV rules on parsed lines: pages vs assets, bots, statuses, visitors per day, bad lines' day."""

from __future__ import annotations

from datetime import date

import pytest

from traffic.aggregate import Tally, is_page, visitor_key
from traffic.bots import BotFilter, list_size
from traffic.parse import LogLine

BROWSER = b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
D1, D2 = date(2026, 12, 7), date(2026, 12, 8)


@pytest.mark.parametrize(("target", "page"), [
    (b"/", True), (b"/index.html", True), (b"/a/b/", True), (b"/zwgk/xxgk", True), (b"/art/2026/12/7/art_1.html", True),
    (b"/x.HTM", True), (b"/list.jsp?id=3", True), (b"/search.do?q=a.b", True), (b"/p.shtml#top", True),
    (b"/css/site.css", False), (b"/js/app.js?v=2", False), (b"/img/logo.PNG", False), (b"/favicon.ico", False),
    (b"/robots.txt", False), (b"/files/notice.pdf", False), (b"/f/a.docx", False), (b"/font.woff2", False),
    (b"/x.map", False), (b"", True),
])
def test_page_rule(target: bytes, page: bool) -> None:
    assert is_page(target) is page


@pytest.mark.parametrize(("ua", "bot"), [
    (b"Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", True),
    (b"Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)", True),
    (b"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
    (b"Mozilla/5.0 (compatible; Bytespider; spider-feedback@bytedance.com)", True),
    (b"360Spider", True), (b"curl/8.5.0", True), (b"python-requests/2.32", True), (b"-", True), (b"", True),
    (BROWSER, False),
    (b"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     b"Mobile/15E148 MicroMessenger/8.0.47", False),
    (None, False),  # the common format has no user agent: it cannot be judged
])
def test_bot_filter(ua: bytes | None, bot: bool) -> None:
    f = BotFilter()
    assert f.is_bot(ua) is bot
    assert f.is_bot(ua) is bot  # memoised, same verdict
    assert list_size() > 1000


def _line(ip: bytes = b"1.1.1.1", day: date = D1, method: bytes = b"GET", target: bytes = b"/", status: int = 200,
          ua: bytes | None = BROWSER) -> LogLine:
    return LogLine(None, ip, day, method, target, status, b"-", ua, b"")


def test_tally_counts_pages_of_people_and_visitors_per_day() -> None:
    t = Tally(lambda _line: "S1", BotFilter())
    t.add_bad()  # before any good line: goes to the first day
    for line in [
        _line(), _line(target=b"/a.html"), _line(status=304),  # 3 PV, 1 visitor
        _line(ip=b"2.2.2.2"), _line(ip=b"2.2.2.2", ua=b"Mozilla/5.0 (Macintosh) Safari/605"),  # 2 PV, 2 visitors
        _line(target=b"/s.css"), _line(status=404), _line(status=500), _line(status=301), _line(method=b"POST"),
        _line(method=b"HEAD"),  # none of these is a PV
        _line(ua=b"Baiduspider"), _line(ua=b"Baiduspider", target=b"/x.js"),  # 2 bot hits
    ]:
        t.add(line)
    t.add_bad()
    t.add(_line(day=D2))  # the same visitor on the next day counts again there
    t.add_bad()
    d1, d2 = t.days[("S1", D1)], t.days[("S1", D2)]
    assert (d1.pv, len(d1.visitors), d1.bot_hits, d1.bad_lines) == (5, 3, 2, 2)
    assert (d2.pv, len(d2.visitors), d2.bot_hits, d2.bad_lines) == (1, 1, 0, 1)
    assert d2.visitors <= d1.visitors


def test_lines_of_no_site_are_unattributed() -> None:
    t = Tally(lambda line: "S1" if line.vhost == b"a" else None, BotFilter())
    t.add(_line())
    assert t.unattributed == 1 and t.days == {}


def test_visitor_key_is_stable_and_separates_ip_from_ua() -> None:
    assert visitor_key(b"1.1.1.1", b"x") == visitor_key(b"1.1.1.1", b"x")
    assert visitor_key(b"1.1.1.1", b"x") != visitor_key(b"1.1.1.1x", b"")
    assert 0 <= visitor_key(b"::1", None) < 2**64
