"""`app.py users ...` / `app.py kiosk ...` end to end on a real SQLite file, and the demo bootstrap."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

import app as app_module
from core.bootstrap import prepare_database
from core.config import load_config
from db.models_security import KioskToken, User
from security.cli import demo_bootstrap
from security.kiosk import resolve_token
from security.passwords import verify_password


@pytest.fixture
def cfg(tmp_path: Path) -> str:
    path = tmp_path / "govops.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "g.db"}"\n', encoding="utf-8")
    return str(path)


def _run(cfg: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str,
         stdin: str = "") -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = app_module.main(["--config", cfg, *argv])
    return code, capsys.readouterr().out


def test_users_and_kiosk_commands(cfg: str, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    run = lambda *a, stdin="": _run(cfg, capsys, monkeypatch, *a, stdin=stdin)  # noqa: E731
    assert run("users", "create-admin", "--username", "root", "--password-stdin", stdin="s3cret-pass\n") == (
        0, "已创建用户 root（省级管理员，范围 430000）\n")
    code, out = run("users", "create-admin", "--username", "root2", "--password-stdin", stdin="s3cret-pass\n")
    assert code == 1 and "已存在省级管理员" in out
    code, out = run("users", "add", "--username", "op", "--role", "oncall", "--scope", "430100",
                    "--password-stdin", stdin="short\n")
    assert code == 1 and "至少需要 8 个字符" in out
    assert run("users", "add", "--username", "op", "--role", "oncall", "--scope", "430100", "--password-stdin",
               stdin="op-password\n")[0] == 0
    code, out = run("users", "list")
    assert code == 0 and re.search(r"op\top\t值班员\t430100\t启用\t从未", out) and "root" in out
    code, out = run("kiosk", "create", "省中心大屏")
    assert code == 0 and "只显示这一次" in out
    token = out.strip().splitlines()[-1]
    assert run("kiosk", "create", "省中心大屏")[0] == 1
    assert run("kiosk", "revoke", "省中心大屏") == (0, "已吊销大屏令牌 省中心大屏\n")
    code, out = run("kiosk", "list")
    assert code == 0 and "省中心大屏\t430000" in out and "已吊销" in out
    assert run("kiosk", "revoke", "nope")[0] == 1
    sessions = prepare_database(load_config(cfg))
    with sessions() as s:
        root = s.scalar(select(User).where(User.username == "root"))
        assert root is not None and verify_password(root.password_hash, "s3cret-pass")
        assert resolve_token(s, token) is None and s.scalar(select(KioskToken)) is not None


def test_demo_bootstrap_creates_admin_once_and_a_fresh_wall_token(cfg: str) -> None:
    sessions = prepare_database(load_config(cfg))
    now = datetime(2026, 11, 27, tzinfo=UTC)
    token1, admin = demo_bootstrap(sessions, now)
    assert admin is not None and admin[0] == "admin"
    token2, again = demo_bootstrap(sessions, now)
    assert again is None  # a user exists: no second demo admin, no password printed
    with sessions() as s:
        assert resolve_token(s, token1) is None and resolve_token(s, token2) is not None
        user = s.scalar(select(User))
        assert user is not None and verify_password(user.password_hash, admin[1])
