"""``app.py users ...`` and ``app.py kiosk ...``: accounts and wall tokens from the command line,
plus the demo bootstrap ``app.py run`` uses. Messages to operators are Chinese (core.i18n.security).

Account changes (``users disable|enable|passwd|set-role``) exit 0 when done (or already so) and 2
with a Chinese message naming the field when refused; a refusal writes nothing."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TextIO, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.cli import cli_time
from core.config import Config
from core.i18n.cli import COMMAND_HELP
from core.i18n.security import ROLE_LABELS, S
from db.models_security import Role, User
from db.session import transaction
from security import audit
from security.kiosk import DEMO_WALL, KioskError, create_token, demo_token, list_tokens, revoke_token
from security.passwords import PasswordError
from security.scope import PROVINCE_CODE
from security.users import (
    UserError,
    admin_exists,
    change_role,
    create_user,
    generate_password,
    list_users,
    set_active,
    set_password,
)

CLI_ACTOR = "cli"
CLI_ORIGIN = "本机命令行"  # the audit's "from where" for changes made with app.py
BAD_INPUT = 2  # exit code of an account change refused for its input (nothing written)
DEMO_TOKEN_FILE = "demo_wall_token"  # the demo wall token, kept beside the secret key (var/) for restarts


class _Who(TypedDict):
    """Who makes a change, as the security.users functions take it (keywords)."""

    actor: str
    now: datetime
    remote_addr: str | None


ROLE_CHOICES = "、".join(f"{r.value}（{ROLE_LABELS[r]}）" for r in Role)


def _password_options(p: argparse.ArgumentParser) -> None:
    """Where the password comes from: a prompt (typed twice, needs a terminal), stdin or a file."""
    src = p.add_mutually_exclusive_group()
    src.add_argument("--password-stdin", action="store_true",
                     help="从标准输入读取密码（第一行），如 echo 密码 | app.py …；不加此项时在终端提示输入两次")
    src.add_argument("--password-file", metavar="文件", help="从文件读取密码（第一行），文件应只有本人可读")


def add_arguments(sub: argparse._SubParsersAction) -> None:
    """Register the ``users`` and ``kiosk`` subcommands on the top-level parser."""
    u = sub.add_parser("users", help=COMMAND_HELP["users"])
    usub = u.add_subparsers(dest="users_cmd", required=True, metavar="操作")
    ca = usub.add_parser("create-admin", help="创建省级管理员（已有管理员时拒绝，除非加 --force）")
    ca.add_argument("--username", required=True, metavar="用户名", help="用户名")
    ca.add_argument("--display-name", metavar="姓名", help="姓名（默认同用户名）")
    _password_options(ca)
    ca.add_argument("--force", action="store_true", help="已有管理员时仍然创建")
    ad = usub.add_parser("add", help="添加用户")
    ad.add_argument("--username", required=True, metavar="用户名", help="用户名")
    ad.add_argument("--display-name", metavar="姓名", help="姓名（默认同用户名）")
    ad.add_argument("--role", required=True, metavar="角色", help=f"角色：{ROLE_CHOICES}")
    ad.add_argument("--scope", required=True, metavar="范围", help="范围：430000（全省）、市州或区县编码")
    _password_options(ad)
    usub.add_parser("list", help="列出用户")
    for name, text in (("disable", "停用用户（其已登录的会话在下一次请求时失效；不能停用唯一的省级管理员）"),
                       ("enable", "重新启用已停用的用户")):
        usub.add_parser(name, help=text).add_argument("username", metavar="用户名", help="用户名")
    pw = usub.add_parser("passwd", help="修改用户密码（其已登录的会话在下一次请求时失效）")
    pw.add_argument("username", metavar="用户名", help="用户名")
    _password_options(pw)
    sr = usub.add_parser("set-role", help="调整用户的角色和范围（下一次请求起生效）")
    sr.add_argument("username", metavar="用户名", help="用户名")
    sr.add_argument("--role", required=True, metavar="角色", help=f"角色：{ROLE_CHOICES}")
    sr.add_argument("--scope", required=True, metavar="范围", help="范围：430000（全省）、市州或区县编码")
    k = sub.add_parser("kiosk", help=COMMAND_HELP["kiosk"])
    ksub = k.add_subparsers(dest="kiosk_cmd", required=True, metavar="操作")
    kc = ksub.add_parser("create", help="创建令牌（只显示一次）")
    kc.add_argument("name", metavar="名称", help="令牌名称，如 省中心大屏")
    kc.add_argument("--scope", default=PROVINCE_CODE, metavar="范围", help="范围：430000（全省，默认）、市州或区县编码")
    kr = ksub.add_parser("revoke", help="吊销令牌（下一次请求起生效）")
    kr.add_argument("name", metavar="名称", help="令牌名称")
    ksub.add_parser("list", help="列出令牌")


def read_password(from_stdin: bool, stdin: TextIO | None = None,
                  prompt: Callable[[str], str] | None = None, password_file: str | None = None) -> str:
    """The new password: the first line of ``password_file`` or of stdin, or typed twice at a prompt
    (getpass by default, which needs a terminal). Raises ``PasswordError`` (Chinese) when the two typed
    differ, nothing could be read, or there is no terminal to type on."""
    if password_file:
        path = Path(password_file)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()[:1]
        except FileNotFoundError:
            raise PasswordError(S.PASSWORD_FILE_MISSING.format(path=path)) from None
        except (OSError, UnicodeDecodeError):
            raise PasswordError(S.PASSWORD_FILE_UNREADABLE.format(path=path)) from None
        return lines[0] if lines else ""
    stream = stdin or sys.stdin
    if from_stdin:
        line = stream.readline()
        if not line:
            raise PasswordError(S.PASSWORD_STDIN_EMPTY)
        return line.rstrip("\r\n")
    if prompt is None and not _is_terminal(stream):
        raise PasswordError(S.PASSWORD_NO_TTY)
    ask = prompt or getpass.getpass  # looked up per call, so a test can stand in for the terminal
    try:
        first = ask(S.PASSWORD_PROMPT)
        again = ask(S.PASSWORD_AGAIN)
    except EOFError:
        raise PasswordError(S.PASSWORD_NO_TTY) from None
    if first != again:
        raise PasswordError(S.PASSWORD_MISMATCH)
    return first


def parse_role(value: str) -> Role:
    """``--role`` as a :class:`Role`; raises ``UserError`` naming the choices (checked before a password is asked)."""
    try:
        return Role(value.strip())
    except ValueError:
        raise UserError(S.ROLE_UNKNOWN.format(role=value, choices=", ".join(r.value for r in Role))) from None


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or exotic stdin
        return False


def _fmt(t: datetime | None, tz: tzinfo | str) -> str:
    return cli_time(t, tz, none=S.NEVER)


def _change(sessions: sessionmaker[Session], args: argparse.Namespace, now: datetime,
            out: Callable[[str], None]) -> int:
    """``users disable|enable|passwd|set-role``: one transaction each; on a refusal nothing is written."""
    name = args.username.strip()
    who: _Who = {"actor": CLI_ACTOR, "now": now, "remote_addr": CLI_ORIGIN}
    try:
        if args.users_cmd == "passwd":
            with sessions() as s:  # an unknown user is refused before the password is asked for
                if s.scalar(select(User.id).where(User.username == name)) is None:
                    raise UserError(S.USER_UNKNOWN.format(user=name))
            password = read_password(args.password_stdin, password_file=args.password_file)
            with transaction(sessions) as s:
                set_password(s, name, password, **who)
            out(S.USER_PASSWORD_SET.format(user=name))
        elif args.users_cmd == "set-role":
            with transaction(sessions) as s:
                changed = change_role(s, name, args.role, args.scope, **who)
            role = ROLE_LABELS[Role(args.role)]
            out((S.USER_ROLE_SET if changed else S.USER_ROLE_SAME).format(user=name, role=role,
                                                                           scope=args.scope.strip()))
        else:
            active = args.users_cmd == "enable"
            with transaction(sessions) as s:
                changed = set_active(s, name, active, **who)
            done, same = (S.USER_ENABLED, S.USER_ALREADY_ENABLED) if active else (
                S.USER_DISABLED, S.USER_ALREADY_DISABLED)
            out((done if changed else same).format(user=name))
    except (UserError, PasswordError) as exc:
        out(str(exc))
        return BAD_INPUT
    return 0


def run_users(sessions: sessionmaker[Session], args: argparse.Namespace, now: datetime,
              out: Callable[[str], None], tz: tzinfo | str = "Asia/Shanghai") -> int:
    if args.users_cmd in ("disable", "enable", "passwd", "set-role"):
        return _change(sessions, args, now, out)
    if args.users_cmd == "list":
        with sessions() as s:
            out(S.USER_LIST_HEADER)
            for u in list_users(s):
                out("\t".join((u.username, u.display_name, ROLE_LABELS[u.role], u.scope_code,
                               S.ACTIVE if u.active else S.INACTIVE, _fmt(u.last_login_at, tz))))
        return 0
    admin = args.users_cmd == "create-admin"
    try:
        role, scope = (Role.PROVINCE_ADMIN, PROVINCE_CODE) if admin else (parse_role(args.role), args.scope.strip())
        with transaction(sessions) as s:
            if admin and admin_exists(s) and not args.force:
                out(S.ADMIN_EXISTS)
                return 1
            password = read_password(args.password_stdin, password_file=args.password_file)
            create_user(s, args.username, password, role, scope, actor=CLI_ACTOR, now=now,
                        display_name=args.display_name, remote_addr=CLI_ORIGIN)
    except (UserError, PasswordError) as exc:
        out(str(exc))
        return 1
    out(S.USER_CREATED.format(user=args.username.strip(), role=ROLE_LABELS[role], scope=scope))
    return 0


def run_kiosk(sessions: sessionmaker[Session], args: argparse.Namespace, now: datetime,
              out: Callable[[str], None], tz: tzinfo | str = "Asia/Shanghai") -> int:
    try:
        if args.kiosk_cmd == "create":
            with transaction(sessions) as s:
                token = create_token(s, args.name, args.scope, actor=CLI_ACTOR, now=now)
            out(S.KIOSK_CREATED.format(name=args.name.strip(), scope=args.scope, token=token))
        elif args.kiosk_cmd == "revoke":
            with transaction(sessions) as s:
                revoke_token(s, args.name, actor=CLI_ACTOR, now=now)
            out(S.KIOSK_REVOKED.format(name=args.name))
        else:
            with sessions() as s:
                out(S.KIOSK_LIST_HEADER)
                for t in list_tokens(s):
                    out("\t".join((t.name, t.scope_code, _fmt(t.created_at, tz), _fmt(t.last_used_at, tz),
                                   S.REVOKED if t.revoked_at else S.VALID)))
    except KioskError as exc:
        out(str(exc))
        return 1
    return 0


def run(config: Config, args: argparse.Namespace) -> int:
    """Entry point for ``app.py users|kiosk``."""
    from runtime.bootstrap import prepare_database

    sessions = prepare_database(config)
    now = datetime.now(UTC)
    out: Callable[[str], None] = lambda msg: print(msg, flush=True)  # noqa: E731
    if args.cmd == "users":
        return run_users(sessions, args, now, out, config.web.tz)
    return run_kiosk(sessions, args, now, out, config.web.tz)


def read_demo_token(path: Path) -> str | None:
    """The demo wall token kept at ``path`` by an earlier start, or None when there is none."""
    try:
        return path.read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def write_demo_token(path: Path, token: str) -> None:
    """Keep the plain demo token at ``path`` (mode 0600, replaced atomically) for the next start."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def demo_bootstrap(sessions: sessionmaker[Session], now: datetime,
                   token_file: Path | None = None) -> tuple[str, tuple[str, str] | None]:
    """For demo mode: the province-wide wall token and, only when no user exists at all, a demo admin with
    a generated password. Returns (token, (username, password) or None).

    The token kept in ``token_file`` (0600) is reused while it is the live ``demo-wall`` token, so walls
    opened with it survive restarts; a new one is created (and saved) only when the file is missing or
    its token was revoked. Without ``token_file`` every call creates a new token.
    """
    kept = read_demo_token(token_file) if token_file is not None else None
    with transaction(sessions) as s:
        token, created_token = demo_token(s, PROVINCE_CODE, now=now, kept=kept)
        created = None
        if not s.scalar(select(func.count()).select_from(User)):
            password = generate_password()
            create_user(s, "admin", password, Role.PROVINCE_ADMIN, PROVINCE_CODE, actor=audit.SYSTEM, now=now,
                        display_name="演示管理员")
            created = ("admin", password)
    if token_file is not None and created_token:
        write_demo_token(token_file, token)
    return token, created


__all__ = ["DEMO_TOKEN_FILE", "DEMO_WALL", "add_arguments", "demo_bootstrap", "read_demo_token", "read_password",
           "run", "run_kiosk", "run_users", "write_demo_token"]
