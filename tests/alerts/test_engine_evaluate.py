"""Pure evaluation: fingerprints, city derivation, series, absence and finding instances."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from alerts.coverage import coverage_of, slices
from alerts.evaluate import derive_city, evaluate_absence, evaluate_findings, evaluate_series, fingerprint
from alerts.rules import Rule, load_rule_files
from core.config import PROJECT_ROOT
from core.severity import Severity

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
RULES = load_rule_files([PROJECT_ROOT / "data" / "alerts" / "rules"]).by_name()


def test_fingerprint_is_order_independent_and_rule_specific() -> None:
    a = fingerprint("r", {"site": "1", "city": "430100"})
    assert a == fingerprint("r", {"city": "430100", "site": "1"})
    assert a != fingerprint("r2", {"site": "1", "city": "430100"})
    assert a != fingerprint("r", {"site": "2", "city": "430100"})


@pytest.mark.parametrize("labels,city", [({"city": "430300", "node": "430102"}, "430300"),
                                         ({"node": "430102"}, "430100"), ({"node": "430100"}, "430100"),
                                         ({"node": "430000"}, "430000"), ({"host": "x"}, "430000"),
                                         ({"city": "", "node": "431121"}, "431100")])
def test_derive_city(labels: dict[str, str], city: str) -> None:
    assert derive_city(labels) == city


def test_threshold_series_skip_missing_values() -> None:
    rule = RULES["tls_expiring"]
    frame = pd.DataFrame({"site": ["a", "b", "c"], "node": ["430102"] * 3, "city": ["430100"] * 3,
                          "level": ["county_portal"] * 3, "value": [12.0, 45.0, float("nan")]})
    got = {i.labels["site"]: (i.active, i.value) for i in evaluate_series(rule, frame)}
    assert got == {"a": (True, 12.0), "b": (False, 45.0)}


def _week(rule: Rule, per_day: dict[str, list[int]]) -> dict:
    """Coverage as seven daily count frames would give it: site -> probes per day, newest day first."""
    frames = [pd.DataFrame({"site": list(per_day), "node": ["430102"] * len(per_day),
                            "city": ["430100"] * len(per_day), "level": ["x"] * len(per_day),
                            "value": [float(n[d]) for n in per_day.values()]}) for d in range(7)]
    return coverage_of(rule, frames)


def test_ratio_inverts_availability_into_failure_ratio() -> None:
    warn, veto = RULES["availability_ratio_warning"], RULES["availability_ratio_veto"]
    frame = pd.DataFrame({"site": ["a", "b", "c"], "node": ["430102"] * 3, "city": ["430100"] * 3,
                          "level": ["x"] * 3, "value": [0.955, 0.95, 0.99]})
    full = _week(veto, {s: [144] * 7 for s in "abc"})
    assert [i.active for i in evaluate_series(warn, frame, full)] == [True, True, False]
    assert [i.active for i in evaluate_series(veto, frame, full)] == [False, True, False]
    assert evaluate_series(veto, frame, full)[1].labels == {"site": "b", "node": "430102", "city": "430100",
                                                            "level": "x"}


def test_no_veto_before_the_week_holds_twenty_probes_a_day() -> None:
    veto = RULES["availability_ratio_veto"]  # min_samples 20 per 1d over 7d
    frame = pd.DataFrame({"site": ["new", "gap", "full"], "node": ["430102"] * 3, "city": ["430100"] * 3,
                          "level": ["x"] * 3, "value": [0.0, 0.5, 0.5]})  # all failing / half failing
    cov = _week(veto, {"new": [5, 0, 0, 0, 0, 0, 0], "gap": [144, 144, 19, 144, 144, 144, 144],
                       "full": [20] * 7})
    got = {i.labels["site"]: (i.active, dict(i.facts)) for i in evaluate_series(veto, frame, cov)}
    assert got["new"] == (False, {"samples": 5, "slices_ok": 0, "slices": 7, "counted": 5, "need": 140,
                                  "sufficient": False, "coverage": "数据不足（已有 5/140 次监测）"})  # 100 %, 5 probes
    assert got["gap"][0] is False and got["gap"][1]["slices_ok"] == 6  # one day short of 20 probes
    assert got["gap"][1]["coverage"] == "数据不足（已有 139/140 次监测）"  # at most 20 a day count toward it
    assert got["full"] == (True, {"samples": 140, "slices_ok": 7, "slices": 7, "counted": 140, "need": 140,
                                  "sufficient": True, "coverage": "数据充足（共 140 次监测）"})
    assert cov[(("city", "430100"), ("level", "x"), ("node", "430102"), ("site", "new"))].text() == (
        "数据不足（已有 5/140 次监测）")
    assert cov[(("city", "430100"), ("level", "x"), ("node", "430102"), ("site", "full"))].text() == (
        "数据充足（共 140 次监测）")
    # A series with no count at all is empty, not sufficient.
    (lone,) = evaluate_series(veto, frame.iloc[:1], {})
    assert lone.active is False and lone.facts["samples"] == 0
    (i,) = [x for x in evaluate_series(veto, frame, cov) if x.labels["site"] == "full"]
    assert i.partial_summary == "网站 full 近 7 天首页访问失败率 50.0%（共探测 140 次），已达单项否决线（5%）"


def test_coverage_slices_count_back_from_now() -> None:
    veto = RULES["availability_ratio_veto"]
    got = slices(veto, NOW)
    assert len(got) == 7 and got[0] == (NOW - timedelta(days=1), NOW) and got[-1][0] == NOW - timedelta(days=7)
    slow = replace(RULES["site_slow"], min_samples=5)  # 5 samples over the whole 10-minute window
    assert slices(slow, NOW) == [(NOW - timedelta(minutes=10), NOW)]
    frame = pd.DataFrame({"site": ["a"], "node": ["1"], "city": ["430100"], "level": ["x"], "value": [3.0]})
    assert coverage_of(slow, [frame])[(("city", "430100"), ("level", "x"), ("node", "1"), ("site", "a"))].text() == (
        "数据不足（已有 3/5 次监测）")


def _runs(*rows: tuple[str, float]) -> pd.DataFrame:
    """A ``latest`` frame of collector_run: (collector, minutes since its newest run) on node 430102."""
    return pd.DataFrame({"time": [NOW - timedelta(minutes=m) for _, m in rows], "collector": [c for c, _ in rows],
                         "node": ["430102"] * len(rows), "value": [1.0] * len(rows)})


def _intervals(**seconds: float) -> pd.DataFrame:
    return pd.DataFrame({"time": [NOW] * len(seconds), "collector": list(seconds), "node": ["430102"] * len(seconds),
                         "value": list(seconds.values())})


def test_absence_takes_the_newest_point_of_each_group() -> None:
    rule = RULES["collector_silent"]
    frame = _runs(("host", 30), ("host", 2), ("site_probe", 11))
    got = {i.labels["collector"]: (i.active, i.value, i.city_code)
           for i in evaluate_absence(rule, frame, NOW, _intervals(host=15, site_probe=60))}
    assert got == {"host": (False, 120.0, "430100"), "site_probe": (True, 660.0, "430100")}
    assert evaluate_absence(rule, frame.iloc[0:0], NOW) == []


def test_absence_limit_is_a_multiple_of_each_series_interval_with_a_floor() -> None:
    rule = RULES["collector_silent"]  # 2 intervals, at least 10 minutes
    frame = _runs(("inspection_columns", 50), ("inspection_daily", 150), ("site_probe", 11), ("host", 9))
    intervals = _intervals(inspection_columns=3600, inspection_daily=60, site_probe=60, host=600)
    got = {i.labels["collector"]: (i.active, i.facts["limit_s"], i.facts["interval_s"])
           for i in evaluate_absence(rule, frame, NOW, intervals)}
    assert got == {"inspection_columns": (False, 7200.0, 3600.0),  # hourly: 50 minutes of quiet is normal
                   "inspection_daily": (True, 600.0, 60.0), "site_probe": (True, 600.0, 60.0),  # the floor
                   "host": (False, 1200.0, 600.0)}
    # The text says the real silence and limit, not a fixed "10 分钟".
    (cols,) = [i for i in evaluate_absence(rule, frame, NOW, intervals)
               if i.labels["collector"] == "inspection_columns"]
    # Evaluated alone, without the engine's names: a label reads as its value.
    assert cols.partial_summary == ("节点 430102 的采集器“inspection_columns”已 {silence} 没有运行"
                                    "（采集间隔 1 小时，允许中断 2 小时）")


def test_absence_without_a_known_interval_gives_no_verdict() -> None:
    rule = RULES["collector_silent"]
    (i,) = evaluate_absence(rule, _runs(("inspection_columns", 50)), NOW, _intervals(site_probe=60))
    assert (i.active, i.value, i.facts["limit_s"]) == (False, 3000.0, None)
    (j,) = evaluate_absence(rule, _runs(("inspection_columns", 50)), NOW, None)
    assert j.active is False


def test_absence_interval_of_a_collector_matches_the_node_else_the_longest() -> None:
    rule = RULES["host_silent"]  # the host collector's interval, 3 of them, at least 5 minutes
    hosts = pd.DataFrame({"time": [NOW - timedelta(minutes=40), NOW - timedelta(minutes=61)], "host": ["web1", "db1"],
                          "node": ["430102", "431000"], "city": ["430100", "431000"], "value": [1.0, 1.0]})
    runs = pd.DataFrame({"time": [NOW] * 2, "collector": ["host"] * 2, "node": ["430102", "430300"],
                         "value": [900.0, 1200.0]})
    got = {i.labels["host"]: (i.active, i.facts["limit_s"]) for i in evaluate_absence(rule, hosts, NOW, runs)}
    assert got == {"web1": (False, 2700.0), "db1": (True, 3600.0)}  # 431000 has no record: the longest, 1200 s
    assert {i.active for i in evaluate_absence(rule, hosts, NOW, runs.iloc[0:0])} == {False}


@dataclass(frozen=True)
class F:
    site_code: str
    check: str
    kind: str
    severity: Severity
    deadline: date | None = None
    node_code: str = "430102"
    city_code: str = "430100"
    location: str = "http://127.0.0.1/x"


def test_finding_filters_and_counts() -> None:
    fs = [F("s1", "column_freshness", "column_due", Severity.HIGH, date(2026, 11, 30)),
          F("s1", "column_freshness", "column_due", Severity.HIGH, date(2026, 11, 29)),
          F("s1", "column_freshness", "column_due", Severity.HIGH, date(2026, 12, 1)),
          F("s2", "column_freshness", "column_stale", Severity.HIGH),
          F("s3", "content_errors", "wrong_name", Severity.MEDIUM),
          F("s3", "content_errors", "wrong_leader", Severity.CRITICAL)]
    due = evaluate_findings(RULES["column_breach_soon"], fs, NOW)
    assert [(i.labels["site"], i.value) for i in due] == [("s1", 2.0)]
    errs = evaluate_findings(RULES["content_errors_severe"], fs, NOW)
    assert [(i.labels["site"], i.value, i.active) for i in errs] == [("s3", 1.0, True)]
    assert errs[0].facts["kinds"] == ["wrong_leader"]  # the medium wrong_name does not count
    assert errs[0].partial_summary.startswith("网站 s3 发现 1 处严重表述错误：")


def test_summary_renders_labels_and_value() -> None:
    rule: Rule = RULES["site_slow"]
    frame = pd.DataFrame({"site": ["a"], "node": ["430102"], "city": ["430100"], "level": ["x"], "value": [9123.4]})
    (i,) = evaluate_series(rule, frame)
    assert i.partial_summary == "网站 a 首页加载缓慢，近 10 分钟平均 9123 毫秒"
    assert i.group_key == "site_slow|city=430100"


def test_missing_tags_become_missing_labels() -> None:
    rule = RULES["collector_silent"]
    frame = pd.DataFrame({"time": [NOW - timedelta(hours=1)], "collector": ["host"], "node": [None], "value": [1.0]})
    (i,) = evaluate_absence(rule, frame, NOW, _intervals(host=15))
    assert i.labels == {"collector": "host"} and i.city_code == "430000"
