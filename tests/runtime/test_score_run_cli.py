"""``app.py score run|show|export`` on a small seeded registry: Chinese progress and summary, the stored
snapshots shown as a table and as JSON with each line's finding id, a closed period frozen and refused,
exports read back, and ``--as`` applying a city user's scope."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

import app as app_module
from core.config import load_config
from db.models import Site, SiteLevel
from db.session import transaction
from operations.periods import PeriodKind, of_date
from runtime.bootstrap import prepare_database
from security.users import create_user
from tests.operations.world import finding

NOW = datetime.now(UTC)
OPEN = of_date((NOW + timedelta(hours=8)).date(), PeriodKind.QUARTER)
CLOSED = of_date(OPEN.start - timedelta(days=1), PeriodKind.QUARTER)


@pytest.fixture
def cfg(tmp_path: Path) -> str:
    path = tmp_path / "govops.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "g.db"}"\n', encoding="utf-8")
    return str(path)


def _run(cfg: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = app_module.main(["--config", cfg, "score", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_score_run_show_export(cfg: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sessions = prepare_database(load_config(cfg))
    with transaction(sessions) as s:
        cs = Site(code="4301000001", name="长沙市人民政府", url="http://127.0.0.1:1/", level=SiteLevel.CITY_PORTAL,
                  node_code="430100", organizer="长沙市人民政府办公厅")
        zz = Site(code="4302000001", name="株洲市人民政府", url="http://127.0.0.1:3/", level=SiteLevel.CITY_PORTAL,
                  node_code="430200", organizer="株洲市人民政府办公室")
        s.add_all([cs, zz])
        s.flush()
        f = finding(s, cs.id, "http://127.0.0.1:1/search", {}, kind="search_missing",
                    at=datetime.combine(CLOSED.start, datetime.min.time(), UTC))
        f.check = "site_functions"
        fid = f.id
        create_user(s, "cs_admin", "Str0ng-Passw0rd!x", "city_admin", "430100", actor="t", now=NOW)

    code, out, _ = _run(cfg, capsys, "run", "--period", OPEN.code)
    assert code == 0
    assert f"评分 {OPEN.code}（{OPEN.label}）" in out and "周期未结束" in out
    assert "已评分 2/2" in out and "完成：2 个网站" in out and "无法判定 2" in out  # no check has run yet

    code, out, _ = _run(cfg, capsys, "show", "--period", OPEN.code)
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("网站\t周期\t修订")
    assert lines[1].split("\t")[:4] == ["4301000001 长沙市人民政府", OPEN.code, "1", lines[1].split("\t")[3]]
    assert lines[1].split("\t")[4:6] == ["96", "无法判定"]

    code, out, _ = _run(cfg, capsys, "run", "--period", CLOSED.code)
    assert code == 0 and "本次结果将冻结" in out and f"监测时间点 {CLOSED.end}" in out
    code, _, err = _run(cfg, capsys, "run", "--period", CLOSED.code)
    assert code == 2 and "已冻结" in err and "--rescore" in err
    code, out, _ = _run(cfg, capsys, "run", "--period", CLOSED.code, "--rescore", "--site", "4301000001")
    assert code == 0 and "完成：1 个网站" in out

    code, out, _ = _run(cfg, capsys, "show", "--site", "4301000001", "--format", "json")
    doc = json.loads(out)
    assert [(d["period"], d["revision"], d["current"], d["frozen"]) for d in doc] == [
        (CLOSED.code, 1, False, True), (CLOSED.code, 2, True, True), (OPEN.code, 1, True, False)]
    sources = {ln["source"] for i in doc[-1]["result"]["indicators"] for ln in i["lines"]}
    assert sources == {f"finding:{fid}"}

    code, out, _ = _run(cfg, capsys, "show", "--as", "cs_admin", "--period", OPEN.code)
    assert code == 0 and "4301000001" in out and "4302000001" not in out

    book = tmp_path / "通报.xlsx"
    code, out, _ = _run(cfg, capsys, "export", "--period", OPEN.code, "--out", str(book))
    assert code == 0 and "已导出" in out
    ws = load_workbook(book)["检查情况"]
    names = [r[1] for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert sorted(names) == ["株洲市人民政府", "长沙市人民政府"]
    sheet = tmp_path / "评分表.xlsx"
    code, _, _ = _run(cfg, capsys, "export", "--period", OPEN.code, "--site", "4301000001", "--out", str(sheet))
    assert code == 0 and sheet.stat().st_size > 0
    pdf = tmp_path / "通报.pdf"
    code, _, _ = _run(cfg, capsys, "export", "--period", CLOSED.code, "--out", str(pdf))
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF")
    code, _, err = _run(cfg, capsys, "export", "--period", OPEN.code, "--out", str(tmp_path / "x.csv"))
    assert code == 2 and ".xlsx 或 .pdf" in err
    code, _, err = _run(cfg, capsys, "run", "--period", "2026Q5")
    assert code == 2 and "格式不对" in err
