"""Forecast rules: validation (errors naming file, line and key) and evaluation by the engine from a real
embedded store, on a real database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.engine import AlertEngine
from alerts.forecast import evidence_text
from alerts.rules import check_rule_file, load_rule_files
from alerts.states import AlertState
from alerts.summary import forecast_days
from core.clock import to_ns
from core.config import PROJECT_ROOT
from db.models_alerts import Alert
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
HOST = {"host": "web-01", "mount": "/data", "node": "430100", "city": "430100"}

RULE = """\
version: 1
groups:
  - name: capacity
    rules:
      - name: disk_fill
        kind: forecast
        severity: high
        measurement: host_disk
        field: used_percent
        window: 7d
        limit: 100
        within: 7d
        min_points: 24
        min_span: 2d
        group_by: [host, mount, node, city]
        summary: "主机 {labels[host]} 的磁盘 {labels[mount]} {days}后写满（上限 {target}）"
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "r.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_rule_parses(tmp_path: Path) -> None:
    (r,) = load_rule_files([write(tmp_path, RULE)]).rules
    assert (r.kind, r.limit, r.limit_field, r.within, r.min_points, r.min_span, r.direction) == (
        "forecast", 100.0, "", timedelta(days=7), 24, timedelta(days=2), "up")
    assert r.bucket() == timedelta(hours=1, minutes=24)  # 7 days in 120 buckets


def test_shipped_capacity_rules_load() -> None:
    by = load_rule_files([PROJECT_ROOT / "data" / "alerts" / "rules"]).by_name()
    disk = by["host_disk_fill_forecast"]
    assert (disk.kind, disk.measurement, disk.field, disk.limit, disk.within) == (
        "forecast", "host_disk", "used_percent", 100.0, timedelta(days=7))
    assert by["host_mem_growth_forecast"].field == "mem_percent"


ERRORS = [
    ("no_limit", RULE.replace("        limit: 100\n", ""), 5, "需要 limit"),
    ("both_limits", RULE.replace("limit: 100", "limit: 100\n        limit_field: size_limit"), 12, "只能设置其一"),
    ("no_within", RULE.replace("        within: 7d\n", ""), 5, "缺少 within"),
    ("bad_within", RULE.replace("within: 7d", "within: soon"), 12, "within 不是有效的时长"),
    ("bad_direction", RULE.replace("within: 7d", "within: 7d\n        direction: sideways"), 13,
     "direction 的取值 'sideways' 无效"),
    ("min_points_one", RULE.replace("min_points: 24", "min_points: 1"), 13, "min_points 应为不小于 2 的整数"),
    ("span_over_window", RULE.replace("min_span: 2d", "min_span: 8d"), 14, "min_span 不能超过 window"),
    ("too_fine_step", RULE.replace("min_span: 2d", "min_span: 2d\n        step: 1m"), 15, "最多分为 600 段"),
    ("days_elsewhere", RULE.replace("kind: forecast", "kind: threshold").replace(
        "        limit: 100\n        within: 7d\n        min_points: 24\n        min_span: 2d\n",
        '        op: ">"\n        value: 90\n'), 14, "占位符 days、target 只适用于 forecast 类规则"),
    ("threshold_key", RULE.replace("within: 7d", "within: 7d\n        op: \">\""), 13, "forecast 类规则不支持键 'op'"),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_name_file_line_and_key(tmp_path: Path, case: tuple) -> None:
    _, text, line, reason = case
    p = write(tmp_path, text)
    rules, errors = check_rule_file(p)
    assert rules == []
    assert any(f == str(p) and n == line and reason in r for f, n, r in errors), errors


@pytest.fixture
def env(migrated_db: tuple[str, sessionmaker[Session]], tmp_path: Path) -> Iterator[tuple]:
    _, sessions = migrated_db
    store = SQLiteMetricStore(tmp_path / "m.db")
    try:
        yield sessions, store, tmp_path
    finally:
        store.close()


def fill(store: SQLiteMetricStore, hours: int, per_day: float, now_value: float, tags: dict[str, str] = HOST,
         spike_at: int | None = None) -> None:
    """Hourly disk samples back from NOW rising ``per_day``; ``spike_at`` hours ago it reads 100 %."""
    points = []
    for h in range(hours):
        t = NOW - timedelta(hours=h, minutes=5)
        v = 100.0 if h == spike_at else now_value - per_day * h / 24
        points.append(Point("host_disk", {"used_percent": v, "size_limit": 100.0}, to_ns(t), tags))
    store.write(points)


def one_alert(sessions: sessionmaker[Session]) -> Alert | None:
    with sessions() as s:
        got = list(s.scalars(select(Alert)))
    assert len(got) <= 1
    return got[0] if got else None


def test_engine_fires_with_the_days_left_and_the_fit_as_evidence(env: tuple) -> None:
    sessions, store, tmp = env
    fill(store, 7 * 24, per_day=4, now_value=80, spike_at=30)  # 80 %, +4 a day: full in ~5 days
    eng = AlertEngine(sessions, store, load_rule_files([write(tmp, RULE)]))
    report = eng.evaluate(NOW)
    assert report.errors == {} and report.instances == 1
    a = one_alert(sessions)
    assert a is not None and a.state == AlertState.FIRING
    assert a.value is not None and 4.5 < a.value < 5.5
    assert a.summary == f"主机 web-01 的磁盘 /data {forecast_days('reaching', a.value)}后写满（上限 100）"
    assert a.summary.startswith("主机 web-01 的磁盘 /data 约 ")
    facts = a.facts or {}
    assert facts["forecast"] == "reaching" and 3.5 < facts["slope_per_day"] < 4.5
    assert facts["samples"] >= 100 and facts["window_s"] == 7 * 86400
    assert "趋势 +" in evidence_text(facts) and "上限 100" in evidence_text(facts)


def test_engine_decides_nothing_on_too_little_data(env: tuple) -> None:
    sessions, store, tmp = env
    fill(store, 20, per_day=40, now_value=95)  # steep, but only 20 hours of a 7-day window
    eng = AlertEngine(sessions, store, load_rule_files([write(tmp, RULE)]))
    eng.evaluate(NOW)
    assert one_alert(sessions) is None


def test_a_slow_trend_or_a_limit_field(env: tuple) -> None:
    sessions, store, tmp = env
    fill(store, 7 * 24, per_day=0.5, now_value=60)  # 80 days away: no alert
    eng = AlertEngine(sessions, store, load_rule_files([write(tmp, RULE)]))
    eng.evaluate(NOW)
    assert one_alert(sessions) is None
    # The limit from a field of the same series: 61 % is half a day away at +0.5 a day... within 7 days.
    store.write([Point("host_disk", {"used_percent": 60.0, "size_limit": 61.0}, to_ns(NOW - timedelta(minutes=1)),
                       HOST)])
    by_field = RULE.replace("limit: 100", "limit_field: size_limit")
    eng = AlertEngine(sessions, store, load_rule_files([write(tmp, by_field)]))
    eng.evaluate(NOW)
    a = one_alert(sessions)
    assert a is not None and a.value is not None and a.value < 7 and (a.facts or {})["forecast_limit"] == 61.0


@pytest.mark.parametrize("status,days,text", [
    ("reaching", 0.4, "不到 1 天"), ("reaching", 3.57, "约 3.5 天"), ("reaching", 12.9, "约 12 天"),
    ("reached", 0.0, "已达到上限"), ("not_reaching", None, "按当前趋势不会达到"), ("insufficient", None, "—"),
])
def test_days_wording_never_overstates(status: str, days: float | None, text: str) -> None:
    assert forecast_days(status, days) == text


def test_an_open_forecast_alert_keeps_its_state_when_the_data_falls_short(env: tuple) -> None:
    sessions, store, tmp = env
    fill(store, 7 * 24, per_day=4, now_value=80)
    eng = AlertEngine(sessions, store, load_rule_files([write(tmp, RULE)]))
    eng.evaluate(NOW)
    fired = one_alert(sessions)
    assert fired is not None and fired.state == AlertState.FIRING
    # Six days on, no new samples: one day of the window holds data, short of the two days required.
    eng.evaluate(NOW + timedelta(days=6))
    later = one_alert(sessions)
    assert later is not None and later.state == AlertState.FIRING and later.summary == fired.summary
    assert (later.facts or {})["undecided"] is True and (later.facts or {})["forecast"] == "insufficient"
    assert evidence_text(later.facts or {}).startswith("数据不足（已有 ")
