"""``app.py nodes token create|revoke|list``: open API tokens (security/api_tokens.py) from the command line.
The plain token is printed once at creation; every create and revoke is audited (actor ``cli``)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from core.cli import CliError
from core.config import Config
from core.i18n import api as text
from core.i18n.cli import COMMAND_HELP
from db.session import transaction
from security.api_tokens import ApiTokenError, create_token, list_tokens, revoke_token

CLI_ACTOR = "cli"
CLI_ORIGIN = "本机命令行"


def add_arguments(sub: argparse._SubParsersAction) -> None:
    """Register ``nodes token ...`` on the top-level parser."""
    n = sub.add_parser("nodes", help=COMMAND_HELP["nodes"])
    nsub = n.add_subparsers(dest="nodes_cmd", required=True, metavar="操作")
    t = nsub.add_parser("token", help="开放接口令牌：创建、吊销、列出")
    tsub = t.add_subparsers(dest="token_cmd", required=True, metavar="操作")
    c = tsub.add_parser("create", help="为节点创建令牌（只显示一次，库中只存其哈希）")
    c.add_argument("--node", required=True, metavar="编码", help="节点编码：430000（全省）、市州或区县编码")
    c.add_argument("--name", metavar="名称", help="令牌名称，如 telegraf-长沙（默认 node-编码）")
    r = tsub.add_parser("revoke", help="吊销令牌（下一次请求起失效）")
    r.add_argument("id", metavar="编号", help="令牌编号（见 nodes token list）")
    tsub.add_parser("list", help="列出令牌（不显示令牌本身）")


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value is not None else text.NEVER


def run(config: Config, args: argparse.Namespace) -> int:
    from runtime.bootstrap import prepare_database

    sessions = prepare_database(config)
    now = datetime.now(UTC)
    try:
        if args.token_cmd == "create":
            with transaction(sessions) as s:
                row, token = create_token(s, args.node, name=args.name, actor=CLI_ACTOR, now=now,
                                          remote_addr=CLI_ORIGIN)
                ident, name, node = row.id, row.name, row.node_code
            print(text.CLI_TOKEN_CREATED.format(id=ident, name=name, node=node), flush=True)
            print(token, flush=True)
            return 0
        if args.token_cmd == "revoke":
            if not args.id.isdigit():
                raise CliError(text.TOKEN_ID_BAD.format(value=args.id))
            with transaction(sessions) as s:
                row = revoke_token(s, int(args.id), actor=CLI_ACTOR, now=now, remote_addr=CLI_ORIGIN)
                ident, name = row.id, row.name
            print(text.CLI_TOKEN_REVOKED.format(id=ident, name=name), flush=True)
            return 0
    except ApiTokenError as exc:
        raise CliError(str(exc)) from None
    with sessions() as s:
        rows = list_tokens(s)
        if not rows:
            print(text.CLI_TOKEN_NONE, flush=True)
            return 0
        print(text.CLI_TOKEN_HEADER, flush=True)
        for t in rows:
            status = text.TOKEN_LIVE if t.revoked_at is None else text.TOKEN_REVOKED.format(at=_when(t.revoked_at))
            print(f"{t.id}\t{t.name}\t{t.node_code}\t{_when(t.created_at)}\t{_when(t.last_used_at)}\t{status}",
                  flush=True)
    return 0
