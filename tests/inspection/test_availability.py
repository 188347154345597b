"""The availability check on the real SQLite metric store with written probe history."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import to_ns
from core.config import Config
from inspection.base import CheckContext, CheckError, SiteTarget, undeclared
from inspection.checks.availability import AvailabilityCheck, Settings
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore

AS_OF = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)
START = AS_OF - timedelta(days=7)
TARGET = SiteTarget(code="S1", name="测试网站", url="http://127.0.0.1:9/", level="county_portal",
                    node_code="430102", city_code="430100")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteMetricStore]:
    s = SQLiteMetricStore(tmp_path / "metrics.db")
    try:
        yield s
    finally:
        s.close()


def write_history(store: SQLiteMetricStore, code: str, failed_at: set[int], per_day: int = 24,
                  thin_day: int | None = None) -> int:
    """``per_day`` probes a day over the window (``thin_day`` gets 10); probe k fails when k in ``failed_at``."""
    points, k = [], 0
    step = timedelta(days=1) / per_day
    for day in range(7):
        n = 10 if day == thin_day else per_day
        for i in range(n):
            t = START + timedelta(days=day) + step * (i + 0.5)
            points.append(Point("site_probe", {"up": 0 if k in failed_at else 1}, to_ns(t),
                                {"site": code, "node": "430102", "city": "430100", "level": "county_portal"}))
            k += 1
    # outside the window: must not count
    for t in (START - timedelta(hours=2), AS_OF + timedelta(minutes=5)):
        points.append(Point("site_probe", {"up": 0}, to_ns(t), {"site": code, "node": "430102",
                                                                 "city": "430100", "level": "county_portal"}))
    store.write(points)
    return k


def run(store: SQLiteMetricStore | None, settings: Settings | None = None, target: SiteTarget = TARGET):  # type: ignore[no-untyped-def]
    check = AvailabilityCheck(CheckContext(config=Config(), settings=settings or Settings(), fetcher=None,
                                           store=store))
    result = asyncio.run(check.run(target, AS_OF, 10.0))
    assert not undeclared(check, result), undeclared(check, result)
    return result


@pytest.mark.parametrize(("failures", "kind_severity", "veto"), [
    (0, [], None),
    (6, [], None),  # 6/168 = 3.6 %
    (7, [("probe_failures", "high")], False),  # 4.2 %: early warning
    (9, [("probe_failures", "critical")], True),  # 5.4 %: veto
    (168, [("probe_failures", "critical")], True),
])
def test_failure_ratio(store: SQLiteMetricStore, failures: int, kind_severity: list[tuple[str, str]],
                       veto: bool | None) -> None:
    total = write_history(store, "S1", set(range(0, 168, 168 // failures)[:failures]) if failures else set())
    result = run(store)
    assert [(f.kind, f.severity.value) for f in result.findings] == kind_severity
    assert result.stats["probes"] == total == 168 and result.stats["failed"] == failures
    if veto is not None:
        f = result.findings[0]
        assert f.veto is veto and f.location == TARGET.url and f.evidence["failed"] == failures
        assert f.evidence["total"] == 168 and "失败率" in f.detail


def test_exactly_five_percent_is_a_veto(store: SQLiteMetricStore) -> None:
    write_history(store, "S1", set(range(7)), per_day=20)  # 7 of 140, the spec's example
    (finding,) = run(store).findings
    assert finding.kind == "probe_failures" and finding.veto and finding.evidence["ratio"] == 0.05


def test_thin_day_is_a_coverage_finding(store: SQLiteMetricStore) -> None:
    write_history(store, "S1", set(), thin_day=3)
    (finding,) = run(store).findings
    assert (finding.kind, finding.severity.value) == ("probe_coverage", "low")
    assert [d["probes"] for d in finding.evidence["short_days"]] == [10]
    assert finding.evidence["short_days"][0]["day_start"] == (START + timedelta(days=3)).isoformat()


def test_other_sites_and_no_data(store: SQLiteMetricStore) -> None:
    write_history(store, "OTHER", set(range(50)))
    with pytest.raises(CheckError, match="没有首页探测数据"):
        run(store)
    with pytest.raises(CheckError, match="指标库"):
        run(None)


def test_settings_change_the_window(store: SQLiteMetricStore) -> None:
    write_history(store, "S1", set(range(12)))  # all failures in the first half-day
    assert [f.kind for f in run(store).findings] == ["probe_failures"]
    # looking back 3 days only, the failures are out of the window
    assert run(store, Settings(window_days=3)).findings == ()


def write_recent(store: SQLiteMetricStore, code: str, n: int, every: timedelta, failed: int) -> None:
    """``n`` probes ending just before AS_OF, ``every`` apart; the newest ``failed`` of them fail."""
    tags = {"site": code, "node": "430102", "city": "430100", "level": "county_portal"}
    store.write([Point("site_probe", {"up": 0 if k < failed else 1}, to_ns(AS_OF - every * (k + 0.5)), tags)
                 for k in range(n)])


def test_five_failed_probes_claim_no_veto_and_say_how_much_data_there_is(store: SQLiteMetricStore) -> None:
    write_recent(store, "S1", 5, timedelta(minutes=1), failed=5)  # five minutes after start, site down
    result = run(store)
    by_kind = {f.kind: f for f in result.findings}
    assert set(by_kind) == {"probe_failures", "probe_coverage"}
    early, coverage = by_kind["probe_failures"], by_kind["probe_coverage"]
    assert not early.veto and early.severity.value == "medium"
    assert early.evidence["sufficient"] is False and early.evidence["ratio"] == 1.0
    assert "已有 5/140 次监测" in early.detail and "尚不能判定单项否决" in early.detail
    assert (coverage.evidence["probes_counted"], coverage.evidence["probes_needed"]) == (5, 140)
    assert coverage.evidence["days_covered"] == 0 and "已有 5/140 次" in coverage.detail
    assert not any(f.veto for f in result.findings)
    assert (result.stats["probes_counted"], result.stats["probes_needed"]) == (5, 140)


def test_many_probes_in_one_day_do_not_make_a_week(store: SQLiteMetricStore) -> None:
    # three hours at one probe a minute, all failed: 180 probes, yet only the newest day has any
    write_recent(store, "S1", 180, timedelta(minutes=1), failed=180)
    result = run(store)
    coverage = next(f for f in result.findings if f.kind == "probe_coverage")
    assert (coverage.evidence["probes_counted"], coverage.evidence["days_covered"]) == (20, 1)
    assert coverage.evidence["total"] == 180 and not any(f.veto for f in result.findings)


def test_a_covered_week_with_failures_is_a_veto_again(store: SQLiteMetricStore) -> None:
    write_history(store, "S1", set(range(20)), per_day=20)  # 20 of 140: every day has its 20 probes
    (finding,) = run(store).findings
    assert finding.veto and finding.severity.value == "critical"
    assert finding.evidence["sufficient"] is True and finding.evidence["probes_counted"] == 140


def test_one_thin_day_withholds_the_veto(store: SQLiteMetricStore) -> None:
    write_history(store, "S1", set(range(40)), thin_day=6)  # 40 failures, but the newest day has 10 probes
    findings = {f.kind: f for f in run(store).findings}
    assert not findings["probe_failures"].veto and findings["probe_failures"].severity.value == "medium"
    assert findings["probe_coverage"].evidence["probes_counted"] == 6 * 20 + 10


def test_no_alert_rule_fires_a_veto_on_insufficient_findings() -> None:
    """The shipped finding rules see what the check says from five failed probes: nothing veto-level."""
    from pathlib import Path as P

    from alerts.evaluate import evaluate_findings
    from alerts.rules import load_rule_files
    from inspection.base import Severity
    from inspection.checks.availability import ProbeTally, judge
    from inspection.findings import FindingView

    tally = ProbeTally(total=5, failed=5, days=((0, 0),) * 6 + ((5, 5),))
    drafts = judge(tally, Settings(), TARGET, START, AS_OF)
    assert drafts and not any(d.veto for d in drafts)
    views = [FindingView(id=i, site_code="S1", site_name="测试网站", node_code="430102", city_code="430100",
                         check=d.check, kind=d.kind, location=d.location, severity=Severity(d.severity),
                         detail=d.detail, evidence=d.evidence, deadline=d.deadline, veto=d.veto, first_seen=AS_OF,
                         last_seen=AS_OF, resolved_at=None, reopen_count=0) for i, d in enumerate(drafts)]
    rules = load_rule_files([P(__file__).parents[2] / "data" / "alerts" / "rules"])
    finding_rules = [r for r in rules.rules if r.kind == "finding"]
    assert finding_rules  # the rules directory was read
    fired = [i for r in finding_rules for i in evaluate_findings(r, views, AS_OF)]
    assert not [i for i in fired if i.rule.severity.value == "critical" or i.all_labels.get("veto") == "true"]
