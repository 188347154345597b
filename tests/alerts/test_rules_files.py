"""Rule files: the shipped rules load; every error kind is reported with file and line; rules check."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import app
from alerts.rules import RuleFileError, check_rule_file, load_rule_files, parse_duration
from core.config import PROJECT_ROOT
from inspection.base import Severity

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
    assert kinds == {"threshold", "absence", "ratio", "finding"}
    by = rs.by_name()
    assert by["site_down"].for_ == timedelta(minutes=3) and by["site_down"].severity is Severity.CRITICAL
    assert (by["availability_ratio_warning"].value, by["availability_ratio_veto"].value) == (0.04, 0.05)
    assert by["column_breach_soon"].deadline_within_days == 3


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
