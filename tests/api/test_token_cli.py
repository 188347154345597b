"""`app.py nodes token create|list|revoke` end to end through app.py's main, on SQLite and PostgreSQL: the
token is printed once and only its hash stored, every change audited, a revoked token no longer
authenticates, a bad node or id refused in Chinese with nothing written."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

import app as app_module
from core.config import load_config
from db.models_security import ApiToken, AuditEntry
from runtime.bootstrap import prepare_database
from security.api_tokens import authenticate


@pytest.fixture
def cfg(db_url: str, tmp_path: Path) -> str:
    path = tmp_path / "govops.toml"
    path.write_text(f"[database]\nurl = {json.dumps(db_url)}\n", encoding="utf-8")
    return str(path)


def _run(cfg: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = app_module.main(["--config", cfg, "nodes", "token", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_create_list_revoke(cfg: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(cfg, capsys, "create", "--node", "430100", "--name", "telegraf-长沙")
    assert code == 0 and "已创建开放接口令牌 #1（telegraf-长沙，节点 430100）" in out
    token = out.strip().splitlines()[-1]
    assert token.startswith("govops_1_") and len(token) > 40
    code, out, _ = _run(cfg, capsys, "create", "--node", "430102")
    assert code == 0 and "node-430102" in out
    sessions = prepare_database(load_config(cfg))
    now = datetime.now(UTC)
    with sessions() as s:
        rows = list(s.scalars(select(ApiToken).order_by(ApiToken.id)))
        assert [r.node_code for r in rows] == ["430100", "430102"]
        assert all(token not in r.token_hash and len(r.token_hash) == 64 for r in rows)
        holder = authenticate(s, token, now)
        assert holder is not None and holder.node_code == "430100" and holder.name == "telegraf-长沙"
    code, out, _ = _run(cfg, capsys, "list")
    assert code == 0 and "telegraf-长沙\t430100" in out and "有效" in out and token not in out
    code, out, _ = _run(cfg, capsys, "revoke", "1")
    assert code == 0 and "已吊销开放接口令牌 #1" in out
    with sessions() as s:
        assert authenticate(s, token, now) is None
        audit = [(e.action, e.object_id, e.actor) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert audit == [("api_token.create", "1", "cli"), ("api_token.create", "2", "cli"),
                     ("api_token.revoke", "1", "cli")]
    code, out, _ = _run(cfg, capsys, "list")
    assert "已吊销" in out
    sessions.kw["bind"].dispose()


def test_bad_input_is_refused_and_nothing_written(cfg: str, capsys: pytest.CaptureFixture[str]) -> None:
    for argv, named in ((("create", "--node", "999999"), "999999"), (("create", "--node", "430100", "--name", " "),
                        "令牌名称"), (("revoke", "7"), "令牌 7"), (("revoke", "abc"), "abc")):
        code, out, err = _run(cfg, capsys, *argv)
        assert code == 2 and named in err and "Traceback" not in err, (argv, err)
    sessions = prepare_database(load_config(cfg))
    with sessions() as s:
        assert s.scalars(select(ApiToken)).all() == [] and s.scalars(select(AuditEntry)).all() == []
    sessions.kw["bind"].dispose()
    code, out, _ = _run(cfg, capsys, "list")
    assert code == 0 and "暂无" in out
