"""``app.py score explain``: a good facts file in both formats, bad files and arguments with their exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import app as app_module
from tests.inspection.scoring_support import ago, clean


@pytest.fixture(autouse=True)
def _no_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVOPS_CONFIG", raising=False)


def _facts(tmp_path: Path, **extra: object) -> Path:
    doc = clean() | {"new_media": [{"platform": "wechat", "last_post": ago(15), "comments_open": True}],
                     "deductions": [{"indicator": "search", "points": 1.5, "note": "站内搜索无结果"}],
                     "bonus": [{"item": "smart_qa", "points": 2, "note": "智能问答上线"}]} | extra
    p = tmp_path / "facts.yaml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return p


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = app_module.main(["score", "explain", *argv])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--facts", str(_facts(tmp_path)), "--as-of", "2026-12-31", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["vetoes"], doc["deduction_total"], doc["bonus_total"], doc["score"], doc["grade"], doc["passed"]) == (
        [], 1.5, 2, 100.5, "合格", True)
    assert doc["indicator_version"] == "2026.2"
    assert doc["new_media"][0]["passed"] is False and doc["new_media"][0]["vetoes"][0]["rule"] == "no_update"
    search = next(i for i in doc["indicators"] if i["code"] == "search")
    assert search["lines"][0]["source"] == "deductions[0]" and search["group"] == "功能设计"


def test_table_is_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--facts", str(_facts(tmp_path)), "--as-of", "2026-12-31")
    assert code == 0
    assert "等级：合格　得分：100.5" in out and "指标表版本 2026.2" in out
    assert "功能设计／搜索（4 分）：扣 1.5 分" in out and "〔来源：deductions[0]〕" in out
    assert "微信（new_media[0]）：不合格（单项否决）" in out


def test_veto_in_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = _facts(tmp_path, probes={"total": 140, "failed": 7})
    code, out, _ = _run(capsys, "--facts", str(facts), "--as-of", "2026-12-31", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["grade"] == "不合格" and doc["passed"] is False and doc["score"] is None
    assert doc["vetoes"] == [{"item": "unreachable", "name": "站点无法访问", "reason": doc["vetoes"][0]["reason"],
                              "rule": doc["vetoes"][0]["rule"], "evidence": ["probes"]}]
    assert "失败 7 次（5.00%）" in doc["vetoes"][0]["reason"]
    code, out, _ = _run(capsys, "--facts", str(facts), "--as-of", "2026-12-31")
    assert "等级：不合格　得分：不计分" in out and "[单项否决] 站点无法访问" in out


def test_bad_facts_exit_1_listing_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = clean()
    doc["columns"].append({"name": "公示", "kind": "notice", "first_level": True, "newest": "2026/1/1"})
    doc["deductions"] = [{"indicator": "seach", "points": 1, "note": "x"}]
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, _ = _run(capsys, "--facts", str(p), "--as-of", "2026-12-31")
    assert code == 1
    assert "事实文件有 1 处错误，未评分" in out
    assert f"{p}: columns[3].newest：日期格式应为 YYYY-MM-DD，而不是 '2026/1/1'" in out
    doc["columns"].pop()
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, _ = _run(capsys, "--facts", str(p), "--as-of", "2026-12-31")
    assert code == 1 and f"{p}: deductions[0].indicator：没有这个扣分指标 'seach'（指标表 2026.2）" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["--as-of", "2026-12-3"], "日期格式错误：--as-of '2026-12-3'"),
    (["--as-of", "2026-12-31", "--indicators", "/nonexistent/indicators.toml"], "指标表错误"),
    (["--as-of", "2026-12-31", "--rules", "/nonexistent/rules.toml"], "检查规则文件错误"),
])
def test_bad_arguments_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                              message: str) -> None:
    code, _, err = _run(capsys, "--facts", str(_facts(tmp_path)), *argv)
    assert code == 2 and message in err


def test_new_media_rules_come_from_the_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "govops.toml"
    cfg.write_text("[newmedia]\nstale_days = 20\nlookback_days = 30\n", encoding="utf-8")
    code = app_module.main(["--config", str(cfg), "score", "explain", "--facts", str(_facts(tmp_path)),
                            "--as-of", "2026-12-31", "--format", "json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["new_media"][0]["passed"] is True


def test_the_example_facts_file_scores(capsys: pytest.CaptureFixture[str]) -> None:
    example = Path(app_module.__file__).resolve().parent / "data" / "inspection" / "facts.example.yaml"
    code, out, _ = _run(capsys, "--facts", str(example), "--as-of", "2026-12-31", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and (doc["grade"], doc["deduction_total"], doc["bonus_total"], doc["score"]) == (
        "合格", 8.2, 8, 99.8)
    assert [m["passed"] for m in doc["new_media"]] == [True, False]


def test_table_of_an_undetermined_department(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = _facts(tmp_path, site={"type": "department", "external_services": False},
                   probes={"total": 120, "failed": 0}, bonus=[], service_statistics_newest=ago(200))
    code, out, _ = _run(capsys, "--facts", str(facts), "--as-of", "2026-12-31")
    assert code == 0
    assert "网站类型：部门网站（无对外服务：扣分部分满分 75 分，折算 ×4/3）" in out
    assert "等级：无法判定　得分：98" in out  # (75 − 1.5) × 4/3
    assert "[数据不足] 站点无法访问：数据不足（已有 120/140 次监测），暂不判定" in out
    assert "办事服务／办事统计：不考核" in out and "加分项（加分合计 0）：加分项只适用于门户网站" in out
    code, out, _ = _run(capsys, "--facts", str(facts), "--as-of", "2026-12-31", "--format", "json")
    doc = json.loads(out)
    assert (doc["passed"], doc["grade"], doc["score"]) == (None, "无法判定", 98)
    assert doc["undetermined"][0]["item"] == "unreachable"


def test_export_xlsx_and_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    facts = _facts(tmp_path)
    xlsx = tmp_path / "评分表.xlsx"
    code, out, err = _run(capsys, "--facts", str(facts), "--as-of", "2026-12-31", "--format", "json",
                          "--export", str(xlsx), "--site-name", "长沙市人民政府门户网站", "--site-code", "4301000001",
                          "--city", "长沙市")
    assert code == 0 and json.loads(out)["score"] == 100.5  # stdout stays the JSON document
    assert f"正在导出 {xlsx} …" in err and f"已导出 {xlsx}（" in err
    ws = load_workbook(xlsx)["评分表"]
    fields = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0]}
    assert (fields["网站名称"], fields["网站标识码"], fields["所属市州"], fields["得分"], fields["网站类型"]) == (
        "长沙市人民政府门户网站", "4301000001", "长沙市", 100.5, "门户网站")
    pdf = tmp_path / "评分表.pdf"
    code, _, err = _run(capsys, "--facts", str(facts), "--as-of", "2026-12-31", "--export", str(pdf))
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages).replace(" ", "")
    assert code == 0 and "facts评分表（监测时间点2026-12-31）" in text and "100.5" in text


@pytest.mark.parametrize(("target", "message"), [
    ("report.docx", "扩展名应为 .xlsx 或 .pdf"),
    ("missing/report.xlsx", "不存在"),
    ("folder.xlsx", "这是一个目录"),
])
def test_export_bad_target_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str,
                                  message: str) -> None:
    path = tmp_path / target
    if target == "folder.xlsx":
        path.mkdir()
    code, out, err = _run(capsys, "--facts", str(_facts(tmp_path)), "--as-of", "2026-12-31", "--export", str(path))
    assert code == 2 and message in err and out == ""  # refused before scoring


def test_export_nothing_when_facts_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = _facts(tmp_path, deductions=[{"indicator": "seach", "points": 1, "note": "x"}])
    target = tmp_path / "s.xlsx"
    code, _, _ = _run(capsys, "--facts", str(facts), "--as-of", "2026-12-31", "--export", str(target))
    assert code == 1 and not target.exists()


def test_export_font_from_the_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "govops.toml"
    cfg.write_text('[reports]\npdf_font = "/nonexistent/font.ttf"\n', encoding="utf-8")
    target = tmp_path / "s.pdf"
    code = app_module.main(["--config", str(cfg), "score", "explain", "--facts", str(_facts(tmp_path)),
                            "--as-of", "2026-12-31", "--export", str(target)])
    cap = capsys.readouterr()
    assert code == 2 and "已尝试：/nonexistent/font.ttf（文件不存在）" in cap.err and not target.exists()
    assert cap.out == ""  # refused before scoring
