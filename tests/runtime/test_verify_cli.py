"""``app.py verify``: the queue, decisions, manual entries, sign-off and a notice's loop from the command line,
in Chinese, with ``--as`` applying a city user's scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import app as app_module
from core.config import load_config
from db.models import Site, SiteLevel
from db.models_security import AuditEntry
from db.session import transaction
from runtime.bootstrap import prepare_database
from security.users import create_user
from tests.operations.world import finding

NOW = datetime.now(UTC)


@pytest.fixture
def cfg(tmp_path: Path) -> str:
    path = tmp_path / "govops.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "g.db"}"\n', encoding="utf-8")
    return str(path)


def _run(cfg: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = app_module.main(["--config", cfg, "verify", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_verify_cli(cfg: str, capsys: pytest.CaptureFixture[str]) -> None:
    sessions = prepare_database(load_config(cfg))
    with transaction(sessions) as s:
        cs = Site(code="4301000001", name="长沙市人民政府", url="http://127.0.0.1:1/", level=SiteLevel.CITY_PORTAL,
                  node_code="430100", organizer="长沙市人民政府办公厅")
        zz = Site(code="4302000001", name="株洲市人民政府", url="http://127.0.0.1:3/", level=SiteLevel.CITY_PORTAL,
                  node_code="430200", organizer="株洲市人民政府办公室")
        s.add_all([cs, zz])
        s.flush()
        f1 = finding(s, cs.id, "http://127.0.0.1:1/news", at=NOW - timedelta(days=1)).id
        f2 = finding(s, zz.id, "http://127.0.0.1:3/news", at=NOW - timedelta(days=1)).id
        create_user(s, "cs_admin", "Str0ng-Passw0rd!x", "city_admin", "430100", actor="t", now=NOW)

    code, out, _ = _run(cfg, capsys, "--as", "cs_admin", "queue")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "编号\t站点\t问题\t位置\t核验状态\t最近结论"
    assert [ln.split("\t")[0] for ln in lines[1:]] == [str(f1)]  # the city sees its own site only
    assert lines[1].endswith("待核验\t—")

    code, _, err = _run(cfg, capsys, "--as", "cs_admin", "dismiss", str(f2), "--reason", "false_positive")
    assert code == 2 and "4302000001 不在您的管辖范围" in err
    code, _, err = _run(cfg, capsys, "dismiss", str(f1), "--reason", "other")
    assert code == 2 and "必须填写说明" in err
    code, out, _ = _run(cfg, capsys, "--as", "cs_admin", "dismiss", str(f1), "--reason", "exempt_column")
    assert (code, out.strip()) == (0, f"问题 #{f1}：已排除")
    code, out, _ = _run(cfg, capsys, "--as", "cs_admin", "queue")
    assert out.strip() == "没有待核验的问题"

    code, out, _ = _run(cfg, capsys, "entry", "add", "4301000001", "2026Q4", "--kind", "deduction", "--code", "4.2",
                        "--points", "2", "--note", "空白栏目", "--evidence", "http://127.0.0.1:1/x")
    assert code == 0 and "已添加人工扣分" in out and "4.2 2 分" in out
    code, _, err = _run(cfg, capsys, "entry", "add", "4301000001", "2026Q9", "--kind", "bonus", "--code", "b1",
                        "--points", "2", "--note", "x")
    assert code == 2 and "周期“2026Q9”格式不对" in err
    code, out, _ = _run(cfg, capsys, "entry", "list", "4301000001", "2026Q4")
    assert out.splitlines()[1].split("\t")[1:5] == ["人工扣分", "4.2", "2", "空白栏目"]
    code, out, _ = _run(cfg, capsys, "signoff", "4301000001", "2026Q4")
    assert code == 0 and "评分表已签核（cli" in out
    code, out, _ = _run(cfg, capsys, "sheet", "4301000001", "2026Q4")
    assert out.splitlines()[0] == "4301000001 2026Q4：已签核"

    deadline = (NOW + timedelta(days=10)).date().isoformat()
    code, out, _ = _run(cfg, capsys, "notice", "create", "4301000001", "--finding", str(f1), "--deadline", deadline)
    assert code == 0 and "致 长沙市人民政府办公厅" in out
    code, out, _ = _run(cfg, capsys, "notice", "issue", "1")
    assert out.strip() == "已下发整改通知 #1"
    code, out, _ = _run(cfg, capsys, "--as", "cs_admin", "notice", "answer", "1", "--finding", str(f1),
                        "--text", "已更新")
    assert code == 0 and "通知现为“已答复”" in out
    code, out, _ = _run(cfg, capsys, "notice", "list")
    assert out.splitlines()[1].split("\t")[3:] == ["已答复", deadline, "0/1"]
    code, out, _ = _run(cfg, capsys, "notice", "follow-up")
    assert out.strip() == "复查：0 个问题有新结论，0 份逾期通知已升级"
    with pytest.raises(SystemExit) as exit_:
        _run(cfg, capsys, "notice", "create", "4301000001", "--finding", str(f1), "--deadline", "明天")
    assert exit_.value.code == 2 and "日期“明天”格式不对" in capsys.readouterr().err

    with sessions() as s:
        actors = {(a, act) for a, act in s.execute(select(AuditEntry.actor, AuditEntry.action)
                                                    .where(AuditEntry.action.like("verify.%")
                                                           | AuditEntry.action.like("notice.%")))}
    assert ("cs_admin", "verify.dismiss") in actors and ("cs_admin", "verify.dismiss.denied") in actors
    assert {("cli", "verify.entry.add"), ("cli", "verify.signoff"), ("cli", "notice.issue"),
            ("cs_admin", "notice.answer")} <= actors
