"""column_freshness: pure judging rules, then the real demo fleet on loopback (127.0.81.N)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from inspection.base import CHECKS, CheckError, CheckResult, ColumnTarget, Severity
from inspection.checks.column_freshness import ColumnFreshness, Settings, judge_column, window
from inspection.items import Item, ItemList
from inspection.listpages import ListRead
from tests.inspection.pages_fleet import compare, run_check, sample

pytestmark = pytest.mark.e2e
DAY = date(2026, 3, 10)
S = Settings()


def _read(*days: date | None, empty: bool = False) -> ListRead:
    items = tuple(Item(f"标题{i}号文件", f"http://a.gov.cn/x/{i}.html", d) for i, d in enumerate(days))
    return ListRead("http://a.gov.cn/x/", [ItemList("http://a.gov.cn/x/", items, empty_marker=empty)])


@pytest.mark.parametrize(("kind", "first", "newest", "expect"), [
    ("news", True, date(2026, 2, 24), "column_due"),  # exactly 14 days: last day inside the window
    ("news", True, date(2026, 2, 23), "column_stale"),
    ("news", True, date(2026, 3, 1), "column_due"),  # 5 days left
    ("news", True, date(2026, 3, 4), None),  # 8 days left
    ("notice", True, date(2025, 9, 1), "column_stale"),
    ("notice", False, date(2025, 9, 1), None),  # not first-level: the long window applies
    ("policy", True, date(2025, 9, 15), "column_due"),
    ("personnel", True, date(2025, 3, 9), "column_stale"),
    ("planning", True, date(2025, 6, 1), None),
    ("consultation", True, date(2025, 1, 1), "column_stale"),
    ("other", True, date(2020, 1, 1), None),  # not judged
    # deduction windows (no veto, no early warning): 办事统计 3 months, 留言答复公开 2 months
    ("service_stats", True, date(2025, 12, 8), None),  # 92 days: the last day inside
    ("service_stats", True, date(2025, 12, 7), "column_overdue"),
    ("message_replies", True, date(2026, 1, 8), None),  # 61 days
    ("message_replies", True, date(2026, 1, 7), "column_overdue"),
    ("service", True, date(2020, 1, 1), None),  # guides are judged by service_guides
    ("interpretation", True, date(2020, 1, 1), None),
    ("data_release", True, date(2020, 1, 1), None),
])
def test_windows(kind: str, first: bool, newest: date, expect: str | None) -> None:
    col = ColumnTarget("栏目", kind, "http://a.gov.cn/x/", first_level=first)
    f = judge_column(col, _read(newest, date(2019, 1, 1)), DAY, S)
    assert (f.kind if f else None) == expect
    if f is not None:
        assert f.location == col.url and f.evidence["newest_date"] == newest.isoformat()
        assert f.deadline is not None and f.evidence["window_days"] == window(col, S)[0]  # type: ignore[index]


def test_blank_unreadable_and_fetch_errors() -> None:
    col = ColumnTarget("通知公告", "notice", "http://a.gov.cn/tzgg/")
    blank = judge_column(col, _read(empty=True), DAY, S)
    assert blank and (blank.kind, blank.veto, blank.evidence["group"]) == ("column_blank", True, "c")
    undated = judge_column(col, _read(None, None), DAY, S)
    assert undated and undated.kind == "column_unreadable" and undated.evidence["error"] == "no_dates"
    nothing = judge_column(col, _read(), DAY, S)  # no list and no 暂无信息: unreadable, never blank
    assert nothing and nothing.kind == "column_unreadable" and nothing.evidence["error"] == "no_items"
    failed = judge_column(col, ListRead(col.url, error="http_status", status=404, detail="HTTP 404"), DAY, S)
    assert failed and failed.kind == "column_unreadable" and failed.evidence["status"] == 404
    stale = judge_column(ColumnTarget("要闻", "news", "u"), _read(date(2026, 1, 1)), DAY, S)
    assert stale and stale.severity is Severity.HIGH and stale.veto and stale.evidence["group"] == "a"


def test_registered() -> None:
    assert CHECKS.get("column_freshness") is ColumnFreshness
    assert Settings.__dataclass_fields__["long_days"].metadata["provisional"] is True


def test_demo_fleet(page_fleet: dict[str, Any]) -> None:
    truth = page_fleet["truth"]
    results = run_check(page_fleet, ColumnFreshness, sample(truth))
    compare(truth, "column_freshness", results)
    by_site = {f["site_code"]: f for f in truth["faults"]}
    for code, r in results.items():
        fault = by_site.get(code)
        if fault and fault["kind"] in ("down", "error_status"):
            assert isinstance(r, CheckError)  # unreachable: not judged, no findings
        else:
            assert isinstance(r, CheckResult), (code, r)
    stale = [f for f in truth["faults"] if f["kind"] == "stale_column" and f["params"]["days"] > 14]
    for f in stale:
        r = results[f["site_code"]]
        assert isinstance(r, CheckResult)
        hit = next(x for x in r.findings if x.kind == "column_stale")
        assert hit.evidence["newest_date"] == f["expect"]["newest_date"]  # exact, even for [MM-DD] lists
    due = next(f for f in truth["faults"] if f["kind"] == "stale_column" and f["params"]["days"] == 10)
    r = results[due["site_code"]]
    assert isinstance(r, CheckResult) and [x.kind for x in r.findings] == ["column_due"]
    assert r.findings[0].deadline == date.fromisoformat(due["expect"]["newest_date"]).fromordinal(
        date.fromisoformat(due["expect"]["newest_date"]).toordinal() + 14)
