"""``app.py users ...`` and ``app.py kiosk ...``: accounts and wall tokens from the command line,
plus the demo bootstrap ``app.py run`` uses. Messages to operators are Chinese (security.text).

Account changes (``users disable|enable|passwd|set-role``) exit 0 when done (or already so) and 2
with a Chinese message naming the field when refused; a refusal writes nothing."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.config import Config
from db.models_security import Role, User
from db.session import transaction
from security import audit
from security.kiosk import DEMO_WALL, KioskError, create_token, list_tokens, replace_demo_token, revoke_token
from security.passwords import PasswordError
from security.scope import PROVINCE_CODE
from security.text import ROLE_LABELS, S
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


def add_arguments(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the ``users`` and ``kiosk`` subcommands on the top-level parser."""
    u = sub.add_parser("users", help="用户管理：创建首个管理员、添加、列出、停用/启用、改密码、调整角色")
    usub = u.add_subparsers(dest="users_cmd", required=True, metavar="操作")
    ca = usub.add_parser("create-admin", help="创建省级管理员（已有管理员时拒绝，除非加 --force）")
    ca.add_argument("--username", required=True, help="用户名")
    ca.add_argument("--display-name", help="姓名（默认同用户名）")
    ca.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（第一行）")
    ca.add_argument("--force", action="store_true", help="已有管理员时仍然创建")
    ad = usub.add_parser("add", help="添加用户")
    ad.add_argument("--username", required=True, help="用户名")
    ad.add_argument("--display-name", help="姓名（默认同用户名）")
    ad.add_argument("--role", required=True, choices=[r.value for r in Role], help="角色")
    ad.add_argument("--scope", required=True, help="范围：430000（全省）或市州编码")
    ad.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（第一行）")
    usub.add_parser("list", help="列出用户")
    for name, text in (("disable", "停用用户（其已登录的会话在下一次请求时失效；不能停用唯一的省级管理员）"),
                       ("enable", "重新启用已停用的用户")):
        usub.add_parser(name, help=text).add_argument("username", metavar="用户名", help="用户名")
    pw = usub.add_parser("passwd", help="修改用户密码（其已登录的会话在下一次请求时失效）")
    pw.add_argument("username", metavar="用户名", help="用户名")
    pw.add_argument("--password-stdin", action="store_true", help="从标准输入读取新密码（第一行）；否则提示输入两次")
    sr = usub.add_parser("set-role", help="调整用户的角色和范围（下一次请求起生效）")
    sr.add_argument("username", metavar="用户名", help="用户名")
    sr.add_argument("--role", required=True, help=f"角色：{', '.join(r.value for r in Role)}")
    sr.add_argument("--scope", required=True, help="范围：430000（全省）或市州编码")
    k = sub.add_parser("kiosk", help="大屏令牌：创建、吊销、列出（只读、可吊销）")
    ksub = k.add_subparsers(dest="kiosk_cmd", required=True, metavar="操作")
    kc = ksub.add_parser("create", help="创建令牌（只显示一次）")
    kc.add_argument("name", help="令牌名称，如 省中心大屏")
    kc.add_argument("--scope", default=PROVINCE_CODE, help="范围：430000（全省，默认）或市州编码")
    kr = ksub.add_parser("revoke", help="吊销令牌（下一次请求起生效）")
    kr.add_argument("name", help="令牌名称")
    ksub.add_parser("list", help="列出令牌")


def read_password(from_stdin: bool, stdin: TextIO | None = None,
                  prompt: Callable[[str], str] | None = None) -> str:
    """The new password from the first line of stdin, or typed twice at a prompt (getpass by default);
    raises ``PasswordError`` when the two differ."""
    if from_stdin:
        return (stdin or sys.stdin).readline().rstrip("\r\n")
    ask = prompt or getpass.getpass  # looked up per call, so a test can stand in for the terminal
    first = ask(S.PASSWORD_PROMPT)
    if first != ask(S.PASSWORD_AGAIN):
        raise PasswordError(S.PASSWORD_MISMATCH)
    return first


def _fmt(t: datetime | None) -> str:
    return S.NEVER if t is None else t.strftime("%Y-%m-%d %H:%M")


def _change(sessions: sessionmaker[Session], args: argparse.Namespace, now: datetime,
            out: Callable[[str], None]) -> int:
    """``users disable|enable|passwd|set-role``: one transaction each; on a refusal nothing is written."""
    name = args.username.strip()
    who = {"actor": CLI_ACTOR, "now": now, "remote_addr": CLI_ORIGIN}
    try:
        if args.users_cmd == "passwd":
            with sessions() as s:  # an unknown user is refused before the password is asked for
                if s.scalar(select(User.id).where(User.username == name)) is None:
                    raise UserError(S.USER_UNKNOWN.format(user=name))
            password = read_password(args.password_stdin)
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
              out: Callable[[str], None]) -> int:
    if args.users_cmd in ("disable", "enable", "passwd", "set-role"):
        return _change(sessions, args, now, out)
    if args.users_cmd == "list":
        with sessions() as s:
            out(S.USER_LIST_HEADER)
            for u in list_users(s):
                out("\t".join((u.username, u.display_name, ROLE_LABELS[u.role], u.scope_code,
                               S.ACTIVE if u.active else S.INACTIVE, _fmt(u.last_login_at))))
        return 0
    admin = args.users_cmd == "create-admin"
    role, scope = (Role.PROVINCE_ADMIN, PROVINCE_CODE) if admin else (Role(args.role), args.scope)
    try:
        with transaction(sessions) as s:
            if admin and admin_exists(s) and not args.force:
                out(S.ADMIN_EXISTS)
                return 1
            password = read_password(args.password_stdin)
            create_user(s, args.username, password, role, scope, actor=CLI_ACTOR, now=now,
                        display_name=args.display_name, remote_addr=CLI_ORIGIN)
    except (UserError, PasswordError) as exc:
        out(str(exc))
        return 1
    out(S.USER_CREATED.format(user=args.username.strip(), role=ROLE_LABELS[role], scope=scope))
    return 0


def run_kiosk(sessions: sessionmaker[Session], args: argparse.Namespace, now: datetime,
              out: Callable[[str], None]) -> int:
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
                    out("\t".join((t.name, t.scope_code, _fmt(t.created_at), _fmt(t.last_used_at),
                                   S.REVOKED if t.revoked_at else S.VALID)))
    except KioskError as exc:
        out(str(exc))
        return 1
    return 0


def run(config: Config, args: argparse.Namespace) -> int:
    """Entry point for ``app.py users|kiosk``."""
    from core.bootstrap import prepare_database

    sessions = prepare_database(config)
    now = datetime.now(UTC)
    out: Callable[[str], None] = lambda msg: print(msg, flush=True)  # noqa: E731
    if args.cmd == "users":
        return run_users(sessions, args, now, out)
    return run_kiosk(sessions, args, now, out)


def demo_bootstrap(sessions: sessionmaker[Session], now: datetime) -> tuple[str, tuple[str, str] | None]:
    """For demo mode: a fresh province-wide wall token (the previous demo token is revoked, since only
    its hash was kept) and, only when no user exists at all, a demo admin with a generated password.
    Returns (token, (username, password) or None)."""
    with transaction(sessions) as s:
        token = replace_demo_token(s, PROVINCE_CODE, now=now)
        created = None
        if not s.scalar(select(func.count()).select_from(User)):
            password = generate_password()
            create_user(s, "admin", password, Role.PROVINCE_ADMIN, PROVINCE_CODE, actor=audit.SYSTEM, now=now,
                        display_name="演示管理员")
            created = ("admin", password)
    return token, created


__all__ = ["DEMO_WALL", "add_arguments", "demo_bootstrap", "read_password", "run", "run_kiosk", "run_users"]
