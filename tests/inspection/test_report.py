"""What inspect prints, from plain data: table times in the configured zone, hints and failures folded
into one line each, verdicts with their data sufficiency, the summary line, the JSON document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.cli import zone_label
from inspection.base import FindingDraft, Severity
from inspection.report import (
    coverage_dicts,
    coverage_lines,
    duration_text,
    failure_lines,
    format_table,
    hint_lines,
    json_document,
    split_hints,
    summary_line,
    verdict_lines,
)
from inspection.rules import VetoRules
from inspection.veto import judge_site

AS_OF = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
CN = ZoneInfo("Asia/Shanghai")


def row(code: str, kind: str, severity: str = "low", **evidence: object) -> dict[str, object]:
    return {"site_code": code, "check": "availability", "kind": kind, "location": "http://s/", "severity": severity,
            "detail": "说明", "deadline": None, "veto": False, "first_seen": "2026-11-27T07:00:00+00:00",
            "evidence": evidence}


@dataclass
class Outcome:
    site_code: str
    check: str
    status: str
    error: str | None = None


def test_zone_durations_and_table_times() -> None:
    # inspect names the zone as every other command does (core.cli.zone_label; runtime/inspect_cli.py uses it).
    assert zone_label("Asia/Shanghai") == "北京时间" and zone_label("Europe/Berlin") == "Europe/Berlin 时间"
    assert zone_label("UTC") == zone_label(ZoneInfo("UTC")) == "UTC 时间"
    import runtime.inspect_cli

    assert runtime.inspect_cli.zone_label is zone_label
    assert [duration_text(s) for s in (4.4, 192, 3900)] == ["4 秒", "3 分 12 秒", "1 小时 5 分"]
    table = format_table([row("S1", "probe_failures", "medium")], CN, "北京时间").splitlines()
    assert table[0].endswith("首次发现（北京时间）") and table[1].endswith("2026-11-27 15:00")
    assert "首页无法访问比例超标" in table[1] and "一般" in table[1]
    utc = format_table([row("S1", "probe_failures")], ZoneInfo("UTC"), "UTC 时间")
    assert utc.splitlines()[1].endswith("2026-11-27 07:00")


def test_hints_fold_into_one_line_per_kind() -> None:
    rows = [row(f"S{i}", "probe_coverage", probes_counted=5 + i, probes_needed=140) for i in range(132)]
    rows.append(row("S0", "probe_failures", "medium"))
    found, hints = split_hints(rows)
    assert [r["kind"] for r in found] == ["probe_failures"]
    assert hint_lines(hints) == ["监测次数不足：132 个网站（已有 5–136/140 次监测）"]
    same = split_hints([row("A", "probe_coverage", probes_counted=5, probes_needed=140)])[1]
    assert hint_lines(same) == ["监测次数不足：1 个网站（已有 5/140 次监测）"]
    assert hint_lines(split_hints([row("A", "probe_coverage")])[1]) == ["监测次数不足：1 个网站"]


def test_failures_fold_by_check_outcome_and_reason() -> None:
    outcomes = [Outcome(f"S{i}", "availability", "error", "近 7 天没有首页探测数据") for i in range(5)]
    outcomes += [Outcome("S9", "dead_links", "timeout", "超过 60 秒未完成"), Outcome("S1", "identity", "ok")]
    assert failure_lines(outcomes) == [
        "首页可用性无法判定：5 个网站（S0、S1、S2 等 5 个）：近 7 天没有首页探测数据",
        "链接可用性超时：1 个网站（S9）：超过 60 秒未完成"]


def _probe(failed: int, counted: int) -> list[FindingDraft]:
    ev = {"failed": failed, "total": counted, "ratio": failed / counted, "probes_counted": counted,
          "probes_needed": 140, "sufficient": counted >= 140}
    out = [FindingDraft("availability", "probe_failures", "http://s/", Severity.MEDIUM, "d", ev,
                        veto=counted >= 140)]
    if counted < 140:
        out.append(FindingDraft("availability", "probe_coverage", "http://s/", Severity.LOW, "d", ev))
    return out


def test_verdicts_list_breaches_and_fold_items_short_of_data() -> None:
    rules, day = VetoRules(), date(2026, 11, 27)
    due = FindingDraft("homepage_update", "homepage_due", "http://s/", Severity.LOW, "d",
                       deadline=day + timedelta(days=3))
    verdicts = [judge_site("A", _probe(70, 140), rules, day), judge_site("B", _probe(5, 5), rules, day),
                judge_site("C", _probe(3, 20), rules, day), judge_site("D", [due], rules, day)]
    names = {"A": "甲", "B": "乙", "C": "丙", "D": "丁"}
    assert verdict_lines(verdicts, names) == [
        "A 甲：站点无法访问 已触发", "D 丁：首页不更新 临近触发（距触发 3 天）",
        "站点无法访问 数据不足：2 个网站（已有 5–20/140 次监测）"]
    rows = [row("A", "probe_failures", "critical"), row("B", "probe_coverage")]
    line = summary_line(4, [Outcome("A", "availability", "ok")] * 4, rows, verdicts, 75)
    # B's coverage hint is folded apart in the table, not a problem of the site: not counted.
    assert line == ("检查完成：4 个网站、4 项次（完成 4，无法判定 0，超时 0），用时 1 分 15 秒；未解决问题 1 个"
                    "（紧急 1，严重 0，一般 0，提示 0）；单项否决：已触发 1 个网站，临近触发 1 个，数据不足 2 个")
    doc = json_document(AS_OF, rows, verdicts, names, [Outcome("A", "availability", "ok")])
    assert doc["as_of"] == "2026-11-27T16:00:00+00:00" and doc["findings"] == rows
    b = next(v for v in doc["verdicts"] if v["site_code"] == "B")
    item = next(i for i in b["items"] if i["item_code"] == "unreachable")
    assert (b["vetoed"], b["insufficient"], item["status"], item["status_label"]) == (False, True, "insufficient",
                                                                                       "数据不足")
    assert (item["have"], item["need"], item["unit"], item["sufficient"]) == (5, 140, "probes", False)
    assert doc["runs"] == [{"site_code": "A", "check": "availability", "status": "ok", "error": None}]
    assert doc["coverage"] == []


def test_one_rule_one_measure_of_progress_on_every_screen() -> None:
    """The 7-day availability rule's progress reads the same on the alert console (alerts/coverage.py), the
    site page's veto item (layouts/inspection.py) and inspect's table: probes counted toward the minimum
    (at most 20 a day), of the 140 needed — never 天 on one screen and 次监测 on another."""
    import pandas as pd

    from alerts.coverage import coverage_of
    from alerts.rules import load_rule_files
    from core.config import PROJECT_ROOT
    from layouts.inspection import sufficiency_label

    veto = load_rule_files([PROJECT_ROOT / "data" / "alerts" / "rules"]).by_name()["availability_ratio_veto"]
    probes_a_day = [30, 2, 0, 0, 0, 0, 0]  # newest day first: 20 + 2 count toward the minimum
    frames = [pd.DataFrame({"site": ["S"], "city": ["430100"], "value": [float(n)]}) for n in probes_a_day]
    (cov,) = coverage_of(veto, frames).values()
    verdict = judge_site("S", _probe(1, 22), VetoRules(), date(2026, 11, 27))
    item = next(i for i in verdict.items if i.item_code == "unreachable")
    hints = split_hints([row("S", "probe_coverage", probes_counted=22, probes_needed=140)])[1]
    assert cov.progress() == sufficiency_label(item.sufficiency.have, item.sufficiency.need,
                                               item.sufficiency.unit) == "已有 22/140 次监测"
    assert cov.text() == "数据不足（已有 22/140 次监测）"
    assert verdict_lines([verdict], {"S": "甲"}) == ["站点无法访问 数据不足：1 个网站（已有 22/140 次监测）"]
    assert hint_lines(hints) == ["监测次数不足：1 个网站（已有 22/140 次监测）"]


def test_coverage_lines_read_thousands_and_percent() -> None:
    stats = {"A": {"coverage_known": 5012.0, "coverage_checked": 3200.0, "coverage_pct": 63.8}, "B": {"pages": 3.0}}
    coverage = coverage_dicts(stats, {"A": "湖南省人民政府门户网站"})
    assert [c["site_code"] for c in coverage] == ["A"]  # B's run carries no coverage
    assert coverage_lines(coverage) == ["覆盖：湖南省人民政府门户网站 已知 5,012 页，本周期已检查 3,200 页（63.8%）"]
