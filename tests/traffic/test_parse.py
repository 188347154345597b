"""The access-log line parser, table-driven: every format, escapes, appended fields and malformed lines."""

from __future__ import annotations

from datetime import date

import pytest

from traffic.parse import (
    BAD_TIME,
    NO_USER_AGENT,
    NO_VHOST,
    NOT_A_LOG_LINE,
    BadLine,
    DayCache,
    LogLine,
    loose_status,
    parse_line,
)

UA = b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
COMBINED = (b'10.1.2.3 - - [07/Dec/2026:08:00:00 +0800] "GET /index.html?a=1 HTTP/1.1" 200 5120 "https://x.cn/" "'
            + UA + b'"')

GOOD = [
    # (id, line, format, expected: (vhost, ip, day, method, target, status, referer, ua, extra))
    ("nginx combined", COMBINED, "combined",
     (None, b"10.1.2.3", date(2026, 12, 7), b"GET", b"/index.html?a=1", 200, b"https://x.cn/", UA, b"")),
    ("request_time appended", COMBINED + b" 0.004", "combined",
     (None, b"10.1.2.3", date(2026, 12, 7), b"GET", b"/index.html?a=1", 200, b"https://x.cn/", UA, b" 0.004")),
    ("x-forwarded-for appended", COMBINED + b' "1.1.1.1, 2.2.2.2"', "combined",
     (None, b"10.1.2.3", date(2026, 12, 7), b"GET", b"/index.html?a=1", 200, b"https://x.cn/", UA,
      b' "1.1.1.1, 2.2.2.2"')),
    ("common", b'127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326', "common",
     (None, b"127.0.0.1", date(2000, 10, 10), b"GET", b"/apache_pb.gif", 200, None, None, b"")),
    ("common format reads a combined line", COMBINED, "common",
     (None, b"10.1.2.3", date(2026, 12, 7), b"GET", b"/index.html?a=1", 200, b"https://x.cn/", UA, b"")),
    ("bytes '-' and 304", b'::1 - - [01/Jan/2026:00:00:00 +0800] "GET / HTTP/2.0" 304 - "-" "curl/8.5"', "combined",
     (None, b"::1", date(2026, 1, 1), b"GET", b"/", 304, b"-", b"curl/8.5", b"")),
    ("Apache escaped quote in UA",
     b'1.2.3.4 - - [29/Feb/2028:23:59:59 +0000] "GET /a HTTP/1.1" 200 1 "-" "x \\"y\\" z"',
     "combined", (None, b"1.2.3.4", date(2028, 2, 29), b"GET", b"/a", 200, b"-", b'x \\"y\\" z', b"")),
    ("nginx \\x escapes in request", b'1.2.3.4 - - [07/Dec/2026:08:00:00 +0800] "\\x16\\x03\\x01" 400 157 "-" "-"',
     "combined", (None, b"1.2.3.4", date(2026, 12, 7), b"", b"", 400, b"-", b"-", b"")),
    ("empty request", b'1.2.3.4 - - [07/Dec/2026:08:00:00 +0800] "" 400 0 "-" "-"', "combined",
     (None, b"1.2.3.4", date(2026, 12, 7), b"", b"", 400, b"-", b"-", b"")),
    ("CRLF line end", COMBINED + b"\r", "combined",
     (None, b"10.1.2.3", date(2026, 12, 7), b"GET", b"/index.html?a=1", 200, b"https://x.cn/", UA, b"")),
    ("vhost_combined", b"www.hunan.gov.cn:443 " + COMBINED, "vhost_combined",
     (b"www.hunan.gov.cn:443", b"10.1.2.3", date(2026, 12, 7), b"GET", b"/index.html?a=1", 200, b"https://x.cn/",
      UA, b"")),
    ("non-UTF-8 bytes in UA", b'1.2.3.4 - - [07/Dec/2026:08:00:00 +0800] "GET /a HTTP/1.1" 200 1 "-" "\xff\xfe"',
     "combined", (None, b"1.2.3.4", date(2026, 12, 7), b"GET", b"/a", 200, b"-", b"\xff\xfe", b"")),
]

BAD = [
    ("garbage", b"garbage that is no access-log line", "combined", NOT_A_LOG_LINE),
    ("empty", b"", "combined", NOT_A_LOG_LINE),
    ("truncated mid-request", b'1.2.3.4 - - [07/Dec/2026:08:00:00 +0800] "GET /a HT', "combined", NOT_A_LOG_LINE),
    ("status not 3 digits", b'1.2.3.4 - - [07/Dec/2026:08:00:00 +0800] "GET /a HTTP/1.1" 20 1 "-" "x"', "combined",
     NOT_A_LOG_LINE),
    ("no brackets", b'1.2.3.4 - - 07/Dec/2026:08:00:00 "GET /a HTTP/1.1" 200 1 "-" "x"', "combined", NOT_A_LOG_LINE),
    ("common line as combined", b'1.2.3.4 - - [07/Dec/2026:08:00:00 +0800] "GET /a HTTP/1.1" 200 1', "combined",
     NO_USER_AGENT),
    ("UA cut off", b'1.2.3.4 - - [07/Dec/2026:08:00:00 +0800] "GET /a HTTP/1.1" 200 1 "-" "Mozil', "combined",
     NO_USER_AGENT),
    ("month name", b'1.2.3.4 - - [07/Dez/2026:08:00:00 +0800] "GET /a HTTP/1.1" 200 1 "-" "x"', "combined", BAD_TIME),
    ("31 November", b'1.2.3.4 - - [31/Nov/2026:08:00:00 +0800] "GET /a HTTP/1.1" 200 1 "-" "x"', "combined", BAD_TIME),
    ("ISO time", b'1.2.3.4 - - [2026-12-07T08:00:00+08:00] "GET /a HTTP/1.1" 200 1 "-" "x"', "combined", BAD_TIME),
    ("vhost line as combined", b"www.hunan.gov.cn:443 " + COMBINED, "combined", NOT_A_LOG_LINE),
    ("combined line as vhost_combined", COMBINED, "vhost_combined", NO_VHOST),
    ("NUL bytes", b"\x00" * 40, "combined", NOT_A_LOG_LINE),
]


@pytest.mark.parametrize(("line", "fmt", "expected"), [c[1:] for c in GOOD], ids=[c[0] for c in GOOD])
def test_good_lines(line: bytes, fmt: str, expected: tuple[object, ...]) -> None:
    got = parse_line(line, fmt, DayCache())
    assert isinstance(got, LogLine), got
    assert (got.vhost, got.ip, got.day, got.method, got.target, got.status, got.referer, got.ua,
            got.extra) == expected


@pytest.mark.parametrize(("line", "fmt", "reason"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_lines_say_why(line: bytes, fmt: str, reason: str) -> None:
    assert parse_line(line, fmt) == BadLine(reason)


def test_day_cache_remembers_and_refuses() -> None:
    days = DayCache()
    assert days.day(b"07/Dec/2026:08:00:00 +0800") == date(2026, 12, 7)
    assert days.day(b"07/Dec/2026:23:59:59 +0800") == date(2026, 12, 7)
    assert days.day(b"7/Dec/2026:08:00:00 +0800") is None
    assert days.day(b"00/Dec/2026:08:00:00 +0800") is None


def test_loose_status_of_the_nginx_log_tail() -> None:
    assert loose_status(COMBINED + b" 0.004") == (200, b" 0.004")
    assert loose_status(b'1.2.3.4 - - [07/Dec/2026:08:00:00 +0800] "GET /a HTTP/1.1" 503 1') == (503, b"")
    assert loose_status(b"garbage") is None
