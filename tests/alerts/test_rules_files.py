"""Rule files: the shipped rules load; every error kind is reported with file and line; rules check."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import app
from alerts.rules import RuleFileError, check_rule_file, load_rule_files, parse_duration
from core.config import PROJECT_ROOT
from core.severity import Severity

SHIPPED = PROJECT_ROOT / "data" / "alerts" / "rules"

GOOD = """\
version: 1
groups:
  - name: g
    rules:
      - name: site_down
        kind: threshold
        severity: critical
        measurement: site_probe
        field: up
        agg: last
        window: 5m
        op: "=="
        value: 0
        for: 3m
        keep_firing_for: 2m
        group_by: [site, city]
        summary: "网站 {labels[site]} 无法访问"
"""


def write(tmp_path: Path, text: str, name: str = "r.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_rules_cover_every_kind() -> None:
    rs = load_rule_files([SHIPPED])
    kinds = {r.kind for r in rs.rules}
    assert kinds == {"threshold", "absence", "ratio", "finding", "forecast"}
    by = rs.by_name()
    assert by["site_down"].for_ == timedelta(minutes=3) and by["site_down"].severity is Severity.CRITICAL
    assert (by["availability_ratio_warning"].value, by["availability_ratio_veto"].value) == (0.04, 0.05)
    assert by["column_breach_soon"].deadline_within_days == 3
    assert by["notice_overdue"].severity_from_findings and by["notice_overdue"].severity is Severity.HIGH
    assert by["notice_overdue"].group_by == ("notice", "site", "node", "city", "check")


def test_the_7_day_rules_apply_the_inspection_rules_values() -> None:
    """One national rule, two files: the 7-day alert rules and the site page / inspect (data/inspection/
    rules.toml [veto]) must judge with the same values. An operator changing one file must change the other;
    this test says so. The texts take the threshold from the rule ({threshold}), never as a literal."""
    import re
    from dataclasses import replace

    from alerts.evaluate import Instance
    from inspection.rules import load_rules

    veto_rules = load_rules(PROJECT_ROOT / "data" / "inspection" / "rules.toml").veto
    by = load_rule_files([SHIPPED]).by_name()
    warning, veto = by["availability_ratio_warning"], by["availability_ratio_veto"]
    assert warning.value == veto_rules.unreachable_warning_ratio, "sites.yaml ≠ rules.toml unreachable_warning_ratio"
    assert veto.value == veto_rules.unreachable_ratio, "sites.yaml ≠ rules.toml unreachable_ratio"
    for rule in (warning, veto):
        assert rule.window == timedelta(days=veto_rules.window_days), f"{rule.name}: window ≠ window_days"
        assert rule.min_samples_per == timedelta(days=1), rule.name
        assert rule.min_samples == veto_rules.probes_per_day, f"{rule.name}: min_samples ≠ probes_per_day"
        literal = re.search(r"(?<![.{:\w])\d+(\.\d+)?\s*%", rule.summary)  # "5%", not the spec {value:.1%}
        assert "{threshold}" in rule.summary and literal is None, rule.summary
    labels = {"site": "S1", "city": "430100"}
    text = Instance(veto, "f", labels, 0.07, True, "430100", {"samples": 140}).partial_summary
    assert text == "网站 S1 近 7 天首页访问失败率 7.0%（共探测 140 次），已达单项否决线（5%）"
    moved = Instance(replace(veto, value=0.045), "f", labels, 0.07, True, "430100", {"samples": 140})
    assert moved.partial_summary.endswith("已达单项否决线（4.5%）")  # follows the rule's value, whatever it is
    warned = Instance(warning, "f", labels, 0.041, True, "430100", {"samples": 140}).partial_summary
    assert warned.endswith("已达 4% 的预警线，接近单项否决线")


def test_every_shipped_rule_has_a_chinese_title() -> None:
    """Screens name a rule by its title (never its code); each shipped rule has one, each its own."""
    rules = load_rule_files([SHIPPED]).rules
    titles = [r.title for r in rules]
    assert all(t and not t.isascii() for t in titles) and len(set(titles)) == len(titles), titles
    assert load_rule_files([SHIPPED]).by_name()["site_down"].title == "网站首页无法访问"


def test_detail_fields_parse_and_fill_their_placeholder(tmp_path: Path) -> None:
    from alerts.evaluate import Instance

    text = GOOD.replace("        summary:", "        detail_fields: [reason, status]\n        summary:").replace(
        "无法访问", "无法访问（{reason}，{status}）")
    (r,) = load_rule_files([write(tmp_path, text)]).rules
    assert r.detail_fields == ("reason", "status")
    inst = Instance(r, "f", {"site": "S1"}, 0.0, True, "430100", {"details": {"reason": "连接被拒绝", "status": None}})
    assert inst.partial_summary == "网站 S1 无法访问（连接被拒绝，未记录）"


def test_good_file_parses(tmp_path: Path) -> None:
    rs = load_rule_files([write(tmp_path, GOOD)])
    (r,) = rs.rules
    assert (r.name, r.op, r.value, r.window, r.group_by, r.line) == (
        "site_down", "==", 0.0, timedelta(minutes=5), ("site", "city"), 5)


ERRORS = [
    ("yaml_syntax", GOOD.replace("kind: threshold", "kind: [threshold"), 7, "YAML 语法错误"),
    ("version", GOOD.replace("version: 1", "version: 9"), 1, "不支持的规则文件版本"),
    ("top_key", GOOD + "extra: 1\n", 18, "未知的顶层键"),
    ("kind", GOOD.replace("kind: threshold", "kind: magic"), 6, "kind 的取值 'magic' 无效"),
    ("severity", GOOD.replace("severity: critical", "severity: urgent"), 7, "severity 的取值"),
    ("missing_key", GOOD.replace("        field: up\n", ""), 5, "缺少 field"),
    ("unknown_key", GOOD.replace("agg: last", "agg: last\n        colour: red"), 11, "不支持键 'colour'"),
    ("duration", GOOD.replace("for: 3m", "for: 3 minutes"), 14, "不是有效的时长"),
    ("op", GOOD.replace('op: "=="', 'op: "=>"'), 12, "op 的取值"),
    ("agg", GOOD.replace("agg: last", "agg: median"), 10, "agg 的取值"),
    ("value_type", GOOD.replace("value: 0", "value: zero"), 13, "应为数值"),
    ("template", GOOD.replace("{labels[site]}", "{labels[site]"), 17, "summary 模板无效"),
    ("no_region", GOOD.replace("[site, city]", "[site]"), 16, "必须包含 city 或 node"),
    ("dup_key", GOOD.replace("agg: last", "agg: last\n        agg: max"), 11, "重复"),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_each_error_kind_names_file_and_line(tmp_path: Path, case: tuple) -> None:
    _, text, line, reason = case
    p = write(tmp_path, text)
    rules, errors = check_rule_file(p)
    assert rules == []
    assert any(f == str(p) and n == line and reason in r for f, n, r in errors), errors


RATIO = GOOD.replace("kind: threshold", "kind: ratio").replace("        agg: last\n", "").replace(
    "window: 5m", "window: 7d\n        min_samples: 20\n        min_samples_per: 1d").replace(
    "无法访问", "失败率 {value:.1%}（共 {samples} 次）")

DATA_ERRORS = [
    ("per_without_min", RATIO.replace("        min_samples: 20\n", ""), 11, "min_samples_per 需要 min_samples"),
    ("not_a_multiple", RATIO.replace("min_samples_per: 1d", "min_samples_per: 5d"), 12, "整数倍"),
    ("too_many_slices", RATIO.replace("min_samples_per: 1d", "min_samples_per: 1h"), 12, "最多分为 31 段"),
    ("min_not_int", RATIO.replace("min_samples: 20", "min_samples: 2.5"), 11, "min_samples 应为正整数"),
    ("samples_without_min", GOOD.replace("无法访问", "共 {samples} 次"), 17, "占位符 samples 需要 min_samples"),
    ("absence_has_no_minimum", GOOD.replace("kind: threshold", "kind: absence").replace(
        "        agg: last\n", "").replace("window: 5m", "absent_for: 5m\n        min_samples: 3").replace(
        '        op: "=="\n', "").replace("        value: 0\n", ""), 11, "不支持键 'min_samples'"),
]


@pytest.mark.parametrize("case", DATA_ERRORS, ids=[c[0] for c in DATA_ERRORS])
def test_data_minimum_keys_are_checked(tmp_path: Path, case: tuple) -> None:
    _, text, line, reason = case
    p = write(tmp_path, text)
    rules, errors = check_rule_file(p)
    assert rules == []
    assert any(f == str(p) and n == line and reason in r for f, n, r in errors), errors


def test_data_minimum_parses(tmp_path: Path) -> None:
    (r,) = load_rule_files([write(tmp_path, RATIO)]).rules
    assert (r.kind, r.min_samples, r.min_samples_per, r.window) == ("ratio", 20, timedelta(days=1), timedelta(days=7))


ABSENCE = """\
version: 1
groups:
  - name: g
    rules:
      - name: collector_silent
        kind: absence
        severity: high
        measurement: collector_run
        field: last_run
        interval_field: interval_s
        absent_intervals: 2
        absent_for: 10m
        group_by: [collector, node]
        summary: "采集器 {labels[collector]} 已 {silence} 没有运行（间隔 {interval}，上限 {limit}）"
"""

FINDING_RULE = """\
version: 1
groups:
  - name: g
    rules:
      - name: defaced
        kind: finding
        severity: critical
        check: defacement
        detail_fields: [reason]
        group_by: [site, city]
        summary: "网站 {labels[site]} 被篡改"
"""

ABSENCE_ERRORS = [
    ("both_sources", ABSENCE.replace("interval_field: interval_s",
                                     "interval_field: interval_s\n        interval_of: host"), 11, "只能设置其一"),
    ("no_source", ABSENCE.replace("        interval_field: interval_s\n", ""), 10, "absent_intervals 需要"),
    ("no_count", ABSENCE.replace("        absent_intervals: 2\n", ""), 10, "还需 absent_intervals"),
    ("count_zero", ABSENCE.replace("absent_intervals: 2", "absent_intervals: 0"), 11, "absent_intervals 应大于 0"),
    ("interval_text_fixed", ABSENCE.replace("        interval_field: interval_s\n", "").replace(
        "        absent_intervals: 2\n", ""), 12, "占位符 interval 需要"),
    ("limit_on_threshold", GOOD.replace("无法访问", "已 {silence} 无法访问"), 17, "只适用于 absence"),
    ("unknown_placeholder", GOOD.replace("无法访问", "{colour}"), 17, "未知的占位符 colour"),
    ("display_spec", GOOD.replace("无法访问", "{duration:.0f}"), 17, "在显示时计算"),
    ("threshold_on_absence", ABSENCE.replace("没有运行", "超过 {threshold}"), 14, "threshold 只适用于"),
    ("detail_not_declared", GOOD.replace("无法访问", "无法访问（{reason}）"), 17, "未知的占位符 reason"),
    ("detail_bad_name", GOOD.replace("        summary:", "        detail_fields: [Reason]\n        summary:"), 17,
     "detail_fields 的字段名 'Reason' 无效"),
    ("detail_reserved", GOOD.replace("        summary:", "        detail_fields: [value]\n        summary:"), 17,
     "不能是"),
    ("detail_on_finding", FINDING_RULE, 9, "不支持键 'detail_fields'"),
    ("title_in_english", GOOD.replace("        summary:", "        title: site down\n        summary:"), 17,
     "title 应为不超过 40 字的中文名称"),
    ("overdue_on_threshold", GOOD.replace("无法访问", "{overdue}"), 17, "占位符 overdue 只适用于 finding"),
    ("severity_from_findings_not_bool", FINDING_RULE.replace("detail_fields: [reason]", "severity_from_findings: 1"),
     9, "severity_from_findings 应为 true 或 false"),
    ("severity_from_findings_on_threshold", GOOD.replace("        summary:", "        severity_from_findings: true\n"
                                                         "        summary:"), 17, "不支持键 'severity_from_findings'"),
]


@pytest.mark.parametrize("case", ABSENCE_ERRORS, ids=[c[0] for c in ABSENCE_ERRORS])
def test_interval_keys_and_placeholders_are_checked(tmp_path: Path, case: tuple) -> None:
    _, text, line, reason = case
    p = write(tmp_path, text)
    rules, errors = check_rule_file(p)
    assert rules == []
    assert any(f == str(p) and n == line and reason in r for f, n, r in errors), errors


def test_interval_absence_rule_parses(tmp_path: Path) -> None:
    (r,) = load_rule_files([write(tmp_path, ABSENCE)]).rules
    assert (r.interval_field, r.interval_of, r.absent_intervals, r.absent_for) == (
        "interval_s", "", 2.0, timedelta(minutes=10))
    assert (r.absence_limit(60), r.absence_limit(3600), r.absence_limit(None)) == (600, 7200, None)


INHIBIT = """\
version: 1
inhibit_rules:
  - name: down_explains_site
    source_matchers: ['alertname="site_down"']
    target_matchers: ['site=~".+"', 'alertname!="site_down"']
    equal: [site]
"""

INHIBIT_ERRORS = [
    ("bad_matcher", INHIBIT.replace("'site=~\".+\"'", "'site=~\"(\"'"), 5, "匹配条件 'site=~\"(\"' 无效"),
    ("not_a_matcher", INHIBIT.replace('alertname="site_down"\']', 'site_down\']'), 4, "匹配条件 'site_down' 无效"),
    ("missing_equal", INHIBIT.replace("    equal: [site]\n", ""), 3, "缺少 equal"),
    ("empty_equal", INHIBIT.replace("equal: [site]", "equal: []"), 6, "equal 至少需要一项"),
    ("unknown_key", INHIBIT.replace("    equal: [site]", "    equal: [site]\n    colour: red"), 7, "未知的键 'colour'"),
    ("no_name", INHIBIT.replace("  - name: down_explains_site\n    source", "  - source"), 3, "抑制规则缺少 name"),
    ("not_a_list", "version: 1\ninhibit_rules: {a: 1}\n", 2, "inhibit_rules 应为抑制规则列表"),
]


@pytest.mark.parametrize("case", INHIBIT_ERRORS, ids=[c[0] for c in INHIBIT_ERRORS])
def test_inhibit_rule_errors_name_file_and_line(tmp_path: Path, case: tuple) -> None:
    _, text, line, reason = case
    p = write(tmp_path, text)
    with pytest.raises(RuleFileError) as ei:
        load_rule_files([p])
    assert any(f == str(p) and n == line and reason in r for f, n, r in ei.value.errors), ei.value.errors


def test_inhibit_rules_load_beside_rules_and_names_are_unique(tmp_path: Path) -> None:
    both = write(tmp_path, GOOD + INHIBIT.split("version: 1\n", 1)[1], "a.yaml")
    rs = load_rule_files([both])
    (ir,) = rs.inhibit_rules
    assert (ir.name, ir.equal, ir.file, ir.line) == ("down_explains_site", ("site",), str(both), 19)
    assert [str(m) for m in ir.target] == ['site=~".+"', 'alertname!="site_down"']
    again = write(tmp_path, INHIBIT, "b.yaml")
    with pytest.raises(RuleFileError) as ei:
        load_rule_files([both, again])
    assert ei.value.errors == [(str(again), 3, f"抑制规则名 down_explains_site 重复（已在 {both}:19 定义）")]
    shipped = load_rule_files([SHIPPED])
    assert {r.name for r in shipped.inhibit_rules} >= {"site_down_explains_the_site", "veto_explains_its_warning"}


def test_one_error_rejects_the_whole_file(tmp_path: Path) -> None:
    two = GOOD + GOOD.split("    rules:\n", 1)[1].replace("site_down", "other").replace("severity: critical",
                                                                                       "severity: bad")
    with pytest.raises(RuleFileError) as ei:
        load_rule_files([write(tmp_path, two)])
    assert len(ei.value.errors) == 1 and "severity" in ei.value.errors[0][2]


def test_duplicate_rule_names_across_files(tmp_path: Path) -> None:
    a, b = write(tmp_path, GOOD, "a.yaml"), write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(RuleFileError) as ei:
        load_rule_files([a, b])
    assert ei.value.errors == [(str(b), 5, f"规则名 site_down 重复（已在 {a}:5 定义）")]


def test_durations() -> None:
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("7d") == timedelta(days=7)
    assert parse_duration("0") == timedelta(0)
    for bad in ("", "m", "5x", "-3m"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_rules_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["rules", "check", str(SHIPPED / "sites.yaml"), str(SHIPPED / "hosts.yaml")]) == 0
    assert "规则校验通过" in capsys.readouterr().out
    bad = write(tmp_path, GOOD.replace("for: 3m", "for: soon").replace("version: 1", "version: 3"))
    assert app.main(["rules", "check", str(bad)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{bad}:1: ") and err[1].startswith(f"{bad}:14: ")
    assert app.main(["rules", "check", str(tmp_path / "missing.yaml")]) == 1
    assert "无法读取规则文件" in capsys.readouterr().err
