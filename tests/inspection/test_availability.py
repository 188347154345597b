"""The availability check on the real SQLite metric store with written probe history."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import to_ns
from core.config import Config
from inspection.base import CheckContext, CheckError, SiteTarget
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
    return asyncio.run(check.run(target, AS_OF, 10.0))


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
