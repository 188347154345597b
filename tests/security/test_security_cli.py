"""`app.py users ...` / `app.py kiosk ...` end to end on a real SQLite file, and the demo bootstrap."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

import app as app_module
from core.config import load_config
from db.models_security import AuditEntry, KioskToken, Role, User
from db.session import transaction
from runtime.bootstrap import prepare_database
from runtime.security_cli import demo_bootstrap
from security.kiosk import resolve_token, revoke_token
from security.passwords import verify_password


@pytest.fixture
def cfg(tmp_path: Path) -> str:
    path = tmp_path / "govops.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "g.db"}"\n', encoding="utf-8")
    return str(path)


class _Terminal(io.StringIO):
    """A stdin that says it is a terminal (the password prompt needs one)."""

    def isatty(self) -> bool:
        return True


def _run(cfg: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str,
         stdin: str = "", tty: bool = False) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", _Terminal(stdin) if tty else io.StringIO(stdin))
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


def test_demo_wall_token_survives_restarts_until_revoked(cfg: str, tmp_path: Path) -> None:
    sessions = prepare_database(load_config(cfg))
    now = datetime(2026, 11, 27, tzinfo=UTC)
    kept = tmp_path / "var" / "demo_wall_token"
    token1, _ = demo_bootstrap(sessions, now, kept)
    assert kept.read_text(encoding="ascii").strip() == token1 and kept.stat().st_mode & 0o777 == 0o600
    token2, _ = demo_bootstrap(sessions, now, kept)  # a restart: the open walls keep their token
    assert token2 == token1
    with sessions() as s:
        assert resolve_token(s, token1) is not None
    with transaction(sessions) as s:  # revoked by an operator: the next start keys a new one
        revoke_token(s, "demo-wall", actor="root", now=now)
    token3, _ = demo_bootstrap(sessions, now, kept)
    assert token3 != token1 and kept.read_text(encoding="ascii").strip() == token3
    kept.unlink()  # the plain token is lost: the live row is replaced, never left dangling
    token4, _ = demo_bootstrap(sessions, now, kept)
    with sessions() as s:
        assert resolve_token(s, token3) is None and resolve_token(s, token4) is not None
    kept.write_text("not-a-token\n", encoding="ascii")  # garbage in the file: replaced as well
    token5, _ = demo_bootstrap(sessions, now, kept)
    with sessions() as s:
        assert resolve_token(s, token4) is None and resolve_token(s, token5) is not None
        names = [t.name for t in s.scalars(select(KioskToken).order_by(KioskToken.id))]
    assert names[-1] == "demo-wall" and names.count("demo-wall") == 1


@pytest.fixture
def any_db_cfg(db_url: str, tmp_path: Path) -> str:
    """A config file on the parametrized database (SQLite file, or the PostgreSQL test schema)."""
    path = tmp_path / "govops-db.toml"
    path.write_text(f"[database]\nurl = {json.dumps(db_url)}\n", encoding="utf-8")
    return str(path)


def test_account_lifecycle_commands(any_db_cfg: str, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    run = lambda *a, stdin="": _run(any_db_cfg, capsys, monkeypatch, *a, stdin=stdin)  # noqa: E731
    assert run("users", "create-admin", "--username", "root", "--password-stdin", stdin="root-password\n")[0] == 0
    assert run("users", "add", "--username", "op", "--role", "oncall", "--scope", "430100", "--password-stdin",
               stdin="op-password\n")[0] == 0
    sessions = prepare_database(load_config(any_db_cfg))

    def op() -> User:
        with sessions() as s:
            user = s.scalar(select(User).where(User.username == "op"))
            assert user is not None
            s.expunge(user)
            return user

    def audit_actions() -> list[tuple[str, str, str | None]]:
        with sessions() as s:
            return [(e.actor, e.action, e.remote_addr) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]

    before = audit_actions()
    # Refusals: exit 2, a Chinese message naming the field, nothing written.
    assert run("users", "disable", "ghost") == (2, "用户 ghost：不存在\n")
    assert run("users", "disable", "root") == (
        2, "用户 root：是唯一启用的省级管理员，不能停用（请先启用或创建另一名省级管理员）\n")
    assert run("users", "passwd", "op", "--password-stdin", stdin="short\n") == (2, "密码至少需要 8 个字符\n")
    assert run("users", "passwd", "ghost", "--password-stdin", stdin="long-enough-1\n") == (2, "用户 ghost：不存在\n")
    code, out = run("users", "set-role", "op", "--role", "king", "--scope", "430100")
    assert code == 2 and out.startswith("角色 'king'：未知，可选 province_admin")
    assert run("users", "set-role", "op", "--role", "oncall", "--scope", "999999") == (
        2, "范围 999999：未知的地区编码（请先初始化地区数据）\n")
    assert run("users", "set-role", "root", "--role", "oncall", "--scope", "430000")[0] == 2
    assert audit_actions() == before
    assert (op().active, op().role, op().scope_code) == (True, Role.ONCALL, "430100")

    # Changes: exit 0, one audit entry each, by the command line.
    assert run("users", "disable", "op") == (0, "已停用用户 op；其已登录的会话在下一次请求时失效\n")
    assert run("users", "disable", "op") == (0, "用户 op 已是停用状态，未做修改\n")
    code, out = run("users", "list")
    assert re.search(r"op\top\t值班员\t430100\t停用", out)
    assert run("users", "enable", "op") == (0, "已启用用户 op\n")
    assert run("users", "passwd", "op", "--password-stdin", stdin="op-new-password\n") == (
        0, "已修改用户 op 的密码；其已登录的会话在下一次请求时失效\n")
    assert verify_password(op().password_hash, "op-new-password")
    assert run("users", "set-role", "op", "--role", "city_admin", "--scope", "430200") == (
        0, "已将用户 op 调整为 市州管理员（范围 430200），下一次请求起生效\n")
    assert run("users", "set-role", "op", "--role", "city_admin", "--scope", "430200") == (
        0, "用户 op 已是 市州管理员（范围 430200），未做修改\n")
    assert (op().active, op().role, op().scope_code) == (True, Role.CITY_ADMIN, "430200")
    assert audit_actions()[len(before):] == [("cli", a, "本机命令行") for a in (
        "user.disable", "user.enable", "user.password", "user.role")]


def test_passwd_prompts_twice(any_db_cfg: str, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    run = lambda *a, stdin="": _run(any_db_cfg, capsys, monkeypatch, *a, stdin=stdin)  # noqa: E731
    assert run("users", "create-admin", "--username", "root", "--password-stdin", stdin="root-password\n")[0] == 0
    typed = iter(["first-password", "other-password", "good-password", "good-password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(typed))
    assert _run(any_db_cfg, capsys, monkeypatch, "users", "passwd", "root", tty=True) == (2, "两次输入的密码不一致\n")
    assert _run(any_db_cfg, capsys, monkeypatch, "users", "passwd", "root", tty=True)[0] == 0
    with prepare_database(load_config(any_db_cfg))() as s:
        root = s.scalar(select(User).where(User.username == "root"))
        assert root is not None and verify_password(root.password_hash, "good-password")


def test_password_without_a_terminal_says_how(cfg: str, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No terminal: no prompt (and no traceback), but the two ways that work; both of them work."""
    run = lambda *a, stdin="": _run(cfg, capsys, monkeypatch, *a, stdin=stdin)  # noqa: E731
    monkeypatch.setattr("getpass.getpass", lambda prompt: pytest.fail("prompted without a terminal"))
    code, out = run("users", "add", "--username", "op", "--role", "oncall", "--scope", "430100")
    assert code == 1 and "--password-stdin" in out and "--password-file" in out
    code, out = run("users", "add", "--username", "op", "--role", "oncall", "--scope", "430100", "--password-stdin")
    assert code == 1 and "标准输入中没有读到密码" in out
    secret = tmp_path / "pw.txt"
    secret.write_text("file-password\nignored second line\n", encoding="utf-8")
    assert run("users", "add", "--username", "op", "--role", "oncall", "--scope", "430100",
               "--password-file", str(secret))[0] == 0
    code, out = run("users", "passwd", "op", "--password-file", str(tmp_path / "missing.txt"))
    assert code == 2 and out == f"--password-file：文件 {tmp_path / 'missing.txt'} 不存在\n"
    code, out = run("users", "add", "--username", "op2", "--role", "king", "--scope", "430100")
    assert code == 1 and out.startswith("角色 'king'：未知")  # refused before any password is asked for
    with prepare_database(load_config(cfg))() as s:
        op = s.scalar(select(User).where(User.username == "op"))
        assert op is not None and verify_password(op.password_hash, "file-password")


def test_lists_show_times_in_the_display_zone_with_its_name(cfg: str, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from db.session import transaction

    run = lambda *a, stdin="": _run(cfg, capsys, monkeypatch, *a, stdin=stdin)  # noqa: E731
    assert run("users", "create-admin", "--username", "root", "--password-stdin", stdin="root-password\n")[0] == 0
    assert run("kiosk", "create", "墙")[0] == 0
    sessions = prepare_database(load_config(cfg))
    with transaction(sessions) as s:
        s.scalars(select(User)).one().last_login_at = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
        s.scalars(select(KioskToken)).one().created_at = datetime(2026, 12, 5, 16, 30, tzinfo=UTC)
    assert "\t2026-12-06 10:00 北京时间" in run("users", "list")[1]
    assert "\t2026-12-06 00:30 北京时间\t从未\t有效" in run("kiosk", "list")[1]
