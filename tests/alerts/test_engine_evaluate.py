"""Pure evaluation: fingerprints, city derivation, series, absence and finding instances."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from alerts.evaluate import derive_city, evaluate_absence, evaluate_findings, evaluate_series, fingerprint
from alerts.rules import Rule, load_rule_files
from core.config import PROJECT_ROOT
from inspection.base import Severity

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


def test_ratio_inverts_availability_into_failure_ratio() -> None:
    warn, veto = RULES["availability_ratio_warning"], RULES["availability_ratio_veto"]
    frame = pd.DataFrame({"site": ["a", "b", "c"], "node": ["430102"] * 3, "city": ["430100"] * 3,
                          "level": ["x"] * 3, "value": [0.955, 0.95, 0.99]})
    assert [i.active for i in evaluate_series(warn, frame)] == [True, True, False]
    assert [i.active for i in evaluate_series(veto, frame)] == [False, True, False]
    assert evaluate_series(veto, frame)[1].labels == {"site": "b", "node": "430102", "city": "430100", "level": "x"}


def test_absence_takes_the_newest_point_of_each_group() -> None:
    rule = RULES["collector_silent"]
    frame = pd.DataFrame({"time": [NOW - timedelta(minutes=30), NOW - timedelta(minutes=2),
                                   NOW - timedelta(minutes=11)],
                          "collector": ["host", "host", "site_probe"], "node": ["430102"] * 3, "value": [1.0] * 3})
    got = {i.labels["collector"]: (i.active, i.value, i.city_code) for i in evaluate_absence(rule, frame, NOW)}
    assert got == {"host": (False, 120.0, "430100"), "site_probe": (True, 660.0, "430100")}
    assert evaluate_absence(rule, frame.iloc[0:0], NOW) == []


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


def test_summary_renders_labels_and_value() -> None:
    rule: Rule = RULES["site_slow"]
    frame = pd.DataFrame({"site": ["a"], "node": ["430102"], "city": ["430100"], "level": ["x"], "value": [9123.4]})
    (i,) = evaluate_series(rule, frame)
    assert i.summary == "网站 a 首页加载缓慢，近 10 分钟平均 9123 毫秒"
    assert i.group_key == "site_slow|city=430100"


def test_missing_tags_become_missing_labels() -> None:
    rule = RULES["collector_silent"]
    frame = pd.DataFrame({"time": [NOW - timedelta(hours=1)], "collector": ["host"], "node": [None], "value": [1.0]})
    (i,) = evaluate_absence(rule, frame, NOW)
    assert i.labels == {"collector": "host"} and i.city_code == "430000"
