"""``app.py walls list`` and ``app.py walls kiosk create|revoke --playlist NAME``: wall playlists and their
kiosk URLs from the command line (walls/store.py). Only a hash of a kiosk token is stored, so the URL is
printed once, at creation; ``list`` shows each URL's state and when a wall last used it. Every create and
revoke is audited (actor ``cli``)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, tzinfo

from core.cli import CliError
from core.config import Config
from core.i18n.cli import COMMAND_HELP
from core.i18n.playlists import TP
from db.session import transaction
from walls.playlist import VIEWS, PlaylistError, expansion_label
from walls.store import KioskState, PlaylistInfo, issue_kiosk, list_playlists, revoke_kiosk

CLI_ACTOR = "cli"
CLI_ORIGIN = "本机命令行"


def add_arguments(sub: argparse._SubParsersAction) -> None:
    """Register ``walls ...`` on the top-level parser."""
    w = sub.add_parser("walls", help=COMMAND_HELP["walls"])
    wsub = w.add_subparsers(dest="walls_cmd", required=True, metavar="操作")
    wsub.add_parser("list", help="列出每个轮播：范围、各项、大屏地址状态与最近使用时间")
    k = wsub.add_parser("kiosk", help="轮播的大屏地址：生成（只显示一次）或吊销")
    ksub = k.add_subparsers(dest="walls_kiosk_cmd", required=True, metavar="操作")
    c = ksub.add_parser("create", help="为轮播生成大屏地址（只显示这一次，库中只存令牌的哈希）")
    c.add_argument("--playlist", required=True, metavar="名称", help="轮播名称（见 walls list）")
    c.add_argument("--base-url", metavar="地址", help="大屏访问本服务的地址（默认 http://[web] host:port）")
    r = ksub.add_parser("revoke", help="吊销轮播的大屏地址（使用它的大屏在下一次请求时停止）")
    r.add_argument("--playlist", required=True, metavar="名称", help="轮播名称")


def kiosk_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/?kiosk={token}"


def _when(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value is not None else TP.CLI_NEVER


def playlist_line(p: PlaylistInfo, tz: tzinfo) -> str:
    """One playlist as ``walls list`` prints it (tab-separated, the columns of :attr:`TP.CLI_HEADER`)."""
    items = "，".join(TP.CLI_ITEM.format(view=VIEWS[i.view].label if i.view in VIEWS else i.view,
                                         expansion=expansion_label(i.expansion) if not i.city else i.city,
                                         dwell=i.dwell) for i in p.items)
    state = {KioskState.NONE: TP.CLI_URL_NONE, KioskState.REVOKED: TP.CLI_URL_REVOKED,
             KioskState.LIVE: TP.CLI_URL_LIVE.format(at=_when(p.kiosk_created_at, tz))}[p.kiosk]
    used = _when(p.kiosk_last_used_at, tz) if p.kiosk is not KioskState.NONE else "—"
    name = f"{TP.CLI_DEFAULT_MARK}{p.name}" if p.default else p.name
    return "\t".join((name, p.scope, items, state, used))


def run(config: Config, args: argparse.Namespace) -> int:
    from runtime.bootstrap import prepare_database

    sessions = prepare_database(config)
    now = datetime.now(UTC)
    try:
        if args.walls_cmd == "list":
            with sessions() as s:
                rows = list_playlists(s)
            print(TP.CLI_HEADER, flush=True)
            for p in rows:
                print(playlist_line(p, config.web.tz), flush=True)
            print(TP.CLI_DEFAULT_NOTE, flush=True)
            return 0
        if args.walls_kiosk_cmd == "create":
            with transaction(sessions) as s:
                token = issue_kiosk(s, args.playlist, actor=CLI_ACTOR, now=now, remote_addr=CLI_ORIGIN)
            base = args.base_url or f"http://{config.web.host}:{config.web.port}"
            print(TP.CLI_KIOSK_CREATED.format(name=args.playlist.strip(), url=kiosk_url(base, token)), flush=True)
            return 0
        with transaction(sessions) as s:
            revoke_kiosk(s, args.playlist, actor=CLI_ACTOR, now=now, remote_addr=CLI_ORIGIN)
        print(TP.CLI_KIOSK_REVOKED.format(name=args.playlist.strip()), flush=True)
        return 0
    except PlaylistError as exc:
        raise CliError(str(exc)) from None
