"""Chinese date extraction: table-driven over real-world forms and look-alikes that are not dates."""

from __future__ import annotations

from datetime import date, time

import pytest

from inspection.dates import date_from_url, find_dates, infer_year, month_from_url, parse_date, year_heading

AS_OF = date(2026, 3, 10)


@pytest.mark.parametrize(("text", "expect"), [
    ("2026-03-05", date(2026, 3, 5)),
    ("发布日期：2026/03/05", date(2026, 3, 5)),
    ("2026.3.5", date(2026, 3, 5)),
    ("2026年3月5日", date(2026, 3, 5)),
    ("2026 年 03 月 05 日", date(2026, 3, 5)),
    ("发布时间：2026-03-05 09:30:12", date(2026, 3, 5)),
    ("［２０２６－０３－０５］", date(2026, 3, 5)),
    ("（2026-03-05）", date(2026, 3, 5)),
    ("[03-05]", date(2026, 3, 5)),
    ("【03-05】", date(2026, 3, 5)),
    ("03-05", date(2026, 3, 5)),  # a bare date cell
    ("03/05", date(2026, 3, 5)),
    ("3月5日", date(2026, 3, 5)),
    ("12-28", date(2025, 12, 28)),  # after as_of in this year: last year
    ("［１２－２８］", date(2025, 12, 28)),
    ("2026年2月", date(2026, 2, 1)),
    ("02-29", date(2024, 2, 29)),  # the latest 29 February not after as_of
    ("2026-11-27", None),  # in the future: not a publish date
    ("电话：0731-88888888", None),
    ("湘政发〔2026〕12号", None),
    ("湘政办函〔2025〕3号", None),
    ("版本 v2.11.27", None),
    ("2026.01.27.1", None),
    ("编号2026-01-27-0001", None),
    ("t20260305_123456", None),
    ("2026-02-30", None),
    ("2026-13-01", None),
    ("1-3月经济运行情况", None),  # a range in running text, no bracket: not a date
    ("身份证号430102199001011234", None),
    ("第3.5条", None),
])
def test_first_date(text: str, expect: date | None) -> None:
    assert parse_date(text, AS_OF) == expect


def test_hits_carry_precision_inference_and_time() -> None:
    (hit,) = find_dates("更新时间：2026-03-05 09:30", AS_OF)
    assert (hit.day, hit.at, hit.inferred, hit.precision) == (date(2026, 3, 5), time(9, 30), False, "day")
    (short,) = find_dates("[03-05]", AS_OF)
    assert short.inferred and short.precision == "day"
    (month,) = find_dates("2026年2月", AS_OF)
    assert month.precision == "month"
    text = "留言时间：2026-01-05 答复时间：2026-01-08"
    assert [h.day for h in find_dates(text, AS_OF)] == [date(2026, 1, 5), date(2026, 1, 8)]
    assert text[find_dates(text, AS_OF)[1].start:find_dates(text, AS_OF)[1].end] == "2026-01-08"


def test_short_forms_need_context_unless_loose() -> None:
    assert find_dates("会议于03-05召开", AS_OF) == []
    assert [h.day for h in find_dates("会议于03-05召开", AS_OF, loose=True)] == [date(2026, 3, 5)]
    assert parse_date("11-27", AS_OF, year_hint=2024) == date(2024, 11, 27)
    assert parse_date("2026-03-11", AS_OF, max_future_days=1) == date(2026, 3, 11)


@pytest.mark.parametrize(("url", "expect"), [
    ("http://a.gov.cn/ywdt/202603/t20260305_1234.html", date(2026, 3, 5)),
    ("http://a.gov.cn/art/2025/12/28/art_1_1.html", date(2025, 12, 28)),
    ("http://a.gov.cn/news/2026-03-05/88.html", date(2026, 3, 5)),
    ("http://a.gov.cn/content/1234567890.html", None),
    ("http://a.gov.cn/x?id=20260305", None),
])
def test_date_from_url(url: str, expect: date | None) -> None:
    assert date_from_url(url) == expect


def test_year_helpers() -> None:
    assert month_from_url("http://a.gov.cn/ywdt/202512/x.html") == (2025, 12)
    assert year_heading("２０２５年") == 2025 and year_heading("2025年工作") is None
    assert infer_year(3, 11, AS_OF) == date(2025, 3, 11) and infer_year(3, 10, AS_OF) == date(2026, 3, 10)
