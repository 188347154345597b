"""homepage_update: pure judging and snapshots, then the real demo fleet on loopback (127.0.81.N)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.config import load_config
from db.session import transaction
from inspection.base import CHECKS, CheckResult, Severity
from inspection.checks.homepage_update import HomepageUpdate, Settings, judge, merge_snapshot, second_level_urls
from inspection.items import Item
from tests.inspection.pages_fleet import compare, run_check, sample

pytestmark = pytest.mark.e2e
DAY = date(2026, 3, 10)


@pytest.mark.parametrize(("newest", "kind", "left"), [
    (date(2026, 3, 9), None, 13),
    (date(2026, 3, 1), "homepage_due", 5),
    (date(2026, 2, 24), "homepage_due", 0),
    (date(2026, 2, 23), "homepage_stale", -1),
    (None, "homepage_stale", None),
])
def test_judge(newest: date | None, kind: str | None, left: int | None) -> None:
    got, days_left, _deadline = judge(newest, DAY, Settings())
    assert (got, days_left) == (kind, left)
    assert judge(None, DAY, Settings(undated_counts_as_stale=False))[0] is None


def test_snapshot_counts_new_undated_entries_not_rotation() -> None:
    a, b, c = (Item(t, f"http://a.gov.cn/{t}.html", None) for t in ("头条一", "头条二", "头条三"))
    snap, newest = merge_snapshot(None, [a, b], date(2026, 3, 1))
    assert newest is None and snap == {a.url: None, b.url: None}  # the baseline proves nothing
    snap, newest = merge_snapshot(snap, [b, a], date(2026, 3, 5))  # rotated banner: no update
    assert newest is None
    snap, newest = merge_snapshot(snap, [c, a], date(2026, 3, 8))
    assert newest == date(2026, 3, 8)
    _snap, newest = merge_snapshot(snap, [a, c], date(2026, 3, 20))
    assert newest == date(2026, 3, 8)  # first seen on the 8th, not "now"


def test_second_level_urls() -> None:
    html = ('<nav><a href="/">首页</a><a href="/xwzx/index.html">新闻中心</a><a href="/a.pdf">文件</a>'
            '<a href="http://other.gov.cn/">外站</a><a href="/zwgk/index.html">政务公开</a>'
            '<a href="/xwzx/index.html">新闻中心</a></nav>')
    assert second_level_urls(html, "http://a.gov.cn/", 5) == ["http://a.gov.cn/xwzx/index.html",
                                                               "http://a.gov.cn/zwgk/index.html"]


def test_registered() -> None:
    assert CHECKS.get("homepage_update") is HomepageUpdate


def test_demo_fleet(page_fleet: dict[str, Any]) -> None:
    truth = page_fleet["truth"]
    results = run_check(page_fleet, HomepageUpdate, sample(truth))
    compare(truth, "homepage_update", results)
    for f in truth["faults"]:
        r = results[f["site_code"]]
        if f["kind"] == "homepage_stale" and f["params"]["days"] > 14:
            assert isinstance(r, CheckResult)
            hit = r.findings[0]
            assert (hit.severity, hit.veto) == (Severity.CRITICAL, True)
            assert hit.evidence["newest_date"] == f["expect"]["homepage_newest_date"] if "homepage_newest_date" in \
                f["expect"] else True
        if f["kind"] == "homepage_stale" and f["params"]["days"] == 12:
            assert isinstance(r, CheckResult) and [x.kind for x in r.findings] == ["homepage_due"]
            assert r.findings[0].deadline is not None
        if f["kind"] == "navigation_homepage":
            assert isinstance(r, CheckResult) and r.stats["navigation"] == 1.0 and r.stats["second_level_pages"] >= 3
            assert bool(r.findings) == (f["params"]["second_level"] == "stale")


def test_snapshot_kept_in_page_baseline(page_fleet: dict[str, Any], tmp_path: Any) -> None:
    from db.models import PageBaseline, Site
    from runtime.bootstrap import prepare_database

    config = load_config(env={"GOVOPS_DATABASE__URL": f"sqlite:///{tmp_path / 'g.db'}"})
    sessions = prepare_database(config)
    site = next(s for s in page_fleet["truth"]["sites"] if s["clean"])
    with transaction(sessions) as db:
        db.add(Site(code=site["code"], name=site["name"], url=site["url"], level=site["level"],
                    node_code=site["node_code"]))
    for _ in range(2):
        r = run_check(page_fleet, HomepageUpdate, [site], sessions=sessions)[site["code"]]
        assert isinstance(r, CheckResult) and not r.findings
    with transaction(sessions) as db:
        rows = db.query(PageBaseline).all()
        assert len(rows) == 1 and rows[0].check == "homepage_update" and len(rows[0].data["items"]) >= 10
