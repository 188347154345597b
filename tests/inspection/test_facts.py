"""The facts file: every problem named by its key path, all of them at once, nothing scored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from inspection.facts import FactsError, ProbeTotals, load_facts, parse_facts
from tests.inspection.scoring_support import AS_OF, ago, clean, facts


def _errors(change: Any) -> list[str]:
    with pytest.raises(FactsError) as exc:
        facts(change)
    return exc.value.errors


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["columns"].append({"name": "x", "kind": "news", "first_level": True, "newest": "2026/01/01"}),
     "columns[3].newest：日期格式应为 YYYY-MM-DD"),
    (lambda d: d["columns"][0].update(newest="2026-02-30"), "columns[0].newest：日期不存在"),
    (lambda d: d["columns"][1].update(kind="notices"), "columns[1].kind：应为 news、notice、policy"),
    (lambda d: d["columns"][2].pop("first_level"), "columns[2].first_level：缺少此项"),
    (lambda d: d["columns"][2].update(first_level="yes"), "columns[2].first_level：应为 true 或 false"),
    (lambda d: d.update(homepage_newest_item="2027-01-01"), "homepage_newest_item：日期 2027-01-01 晚于监测时间点"),
    (lambda d: d.pop("messages"), "messages：缺少此项"),
    (lambda d: d.update(colums=[]), "colums：未知的键"),
    (lambda d: d.update(site={"type": "county"}), "site.type：应为 portal、department 之一"),
    (lambda d: d.update(probes={"total": 10, "failed": 11}), "probes.failed：失败次数 11 大于总次数 10"),
    (lambda d: d.update(probes={"total": -1, "failed": 0}), "probes.total：应为非负整数"),
    (lambda d: d.update(probes="all good"), "probes：应为 {total, failed} 或探测记录列表"),
    (lambda d: d.update(probes=[{"at": "yesterday", "seconds": 1, "ok": True}]), "probes[0].at：时间格式应为"),
    (lambda d: d.update(probes=[{"at": "2026-12-30T10:00", "seconds": None, "ok": True}]),
     "probes[0].seconds：成功的探测应给出加载秒数"),
    (lambda d: d.update(messages=[{"asked": ago(5), "answered": ago(9)}]), "messages[0].answered：答复日期"),
    (lambda d: d.update(consultation_channels=[{"kind": "email"}]), "consultation_channels[0].kind：应为"),
    (lambda d: d.update(new_media=[{"platform": "myspace", "last_post": ago(1), "comments_open": True}]),
     "new_media[0].platform：应为 wechat"),
    (lambda d: d.update(deductions=[{"indicator": "search", "points": 0, "note": "x"}]),
     "deductions[0].points：应为大于 0"),
    (lambda d: d.update(deductions=[{"indicator": "search", "points": 1, "note": " "}]),
     "deductions[0].note：应为非空文本"),
    (lambda d: d.update(veto_entries=[{"item": "unreachable", "note": "x"}]),
     "veto_entries[0].item：应为 serious_errors"),
    (lambda d: d.update(dead_links={"homepage": 1}), "dead_links.other：缺少此项"),
])
def test_errors_name_the_key_path(change: Any, expected: str) -> None:
    errors = _errors(change)
    assert any(e.startswith(expected) for e in errors), errors


def test_every_problem_is_listed() -> None:
    def change(d: dict[str, Any]) -> None:
        d["columns"][0]["newest"] = "soon"
        d["messages"][0]["asked"] = None
        d["site"]["external_services"] = "no"
    errors = _errors(change)
    assert [e.split("：")[0] for e in errors] == ["site.external_services", "columns[0].newest", "messages[0].asked"]


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(FactsError, match="应为映射"):
        parse_facts(["site"], AS_OF)


def test_shapes_and_defaults() -> None:
    f = facts(lambda d: d["site"].pop("external_services"))
    assert f.external_services is True and f.probes == ProbeTotals(140, 0) and f.new_media == ()
    assert f.dead_links is None and not f.service_statistics_known


def test_yaml_and_json_files_read_the_same(tmp_path: Path) -> None:
    doc = clean()
    (tmp_path / "f.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    yaml_text = (f"site: {{type: portal, external_services: true}}\nprobes: {{total: 140, failed: 0}}\n"
                 f"homepage_newest_item: {ago(1)}\ncolumns:\n"
                 + "".join(f"  - {{name: {c['name']}, kind: {c['kind']}, first_level: true, newest: {c['newest']}}}\n"
                           for c in doc["columns"])
                 + f"consultation_channels: [{{kind: consultation}}]\nmessages: [{{asked: {ago(10)}, "
                   f"answered: {ago(5)}}}]\n")
    (tmp_path / "f.yaml").write_text(yaml_text, encoding="utf-8")
    assert load_facts(tmp_path / "f.json", AS_OF) == load_facts(tmp_path / "f.yaml", AS_OF)


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("bad.json", '{"site": ', "bad.json: 第 1 行：JSON 格式错误"),
    ("bad.yaml", "site: [\n  - x\n", "bad.yaml: 第 2 行：YAML 格式错误"),
    ("bad.yaml", "\ufffesite", "bad.yaml"),
    ("deep.yaml", "[" * 100_000 + "]" * 100_000, "deep.yaml: 嵌套过深"),
    ("deep.json", "[" * 100_000 + "]" * 100_000, "deep.json: 嵌套过深"),
])
def test_unreadable_files(tmp_path: Path, name: str, text: str, expected: str) -> None:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    with pytest.raises(FactsError) as exc:
        load_facts(p, AS_OF)
    assert str(exc.value).startswith(str(tmp_path / expected))
    with pytest.raises(FactsError, match="文件不存在"):
        load_facts(tmp_path / "missing.yaml", AS_OF)


def test_a_missing_key_is_one_problem() -> None:
    assert _errors(lambda d: d.pop("probes")) == ["probes：缺少此项"]
