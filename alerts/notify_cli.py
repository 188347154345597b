"""`python app.py notify check|test|send-due`: operator commands for notifications (messages in Chinese).

``add_arguments(subparsers)`` adds the ``notify`` command; ``run(config, args) -> exit code``
(0 ok, 1 invalid file or failed delivery).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from pathlib import Path

from alerts.dispatch import Dispatcher
from alerts.notifiers import Message
from alerts.receivers import ReceiversError, load_receivers
from core.clock import SystemClock, ZonedClock
from core.config import Config
from core.i18n import notifiers as T
from core.i18n.cli import COMMAND_HELP


def add_arguments(sub: argparse._SubParsersAction) -> None:  # any parser class: app.py's is Chinese
    p = sub.add_parser("notify", help=COMMAND_HELP["notify"])
    nsub = p.add_subparsers(dest="notify_cmd", required=True, metavar="操作")
    c = nsub.add_parser("check", help=T.CLI_CHECK_HELP)
    c.add_argument("file", nargs="?", metavar="文件", help=T.CLI_FILE_HELP)
    t = nsub.add_parser("test", help=T.CLI_TEST_HELP)
    t.add_argument("receiver", metavar="接收方", help=T.CLI_RECEIVER_HELP)
    t.add_argument("--to", action="append", default=[], metavar="地址", help=T.CLI_TEST_TO_HELP)
    t.add_argument("--file", metavar="文件", help=T.CLI_FILE_HELP)
    s = nsub.add_parser("send-due", help=T.CLI_SEND_HELP)
    s.add_argument("--file", metavar="文件", help=T.CLI_FILE_HELP)
    s.add_argument("--lease", type=_seconds, default=60.0, metavar="秒", help=T.CLI_LEASE_HELP)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= 86400):
        raise argparse.ArgumentTypeError(T.CLI_LEASE_BAD.format(value=text))
    return value


def _say(msg: str, err: bool = False) -> None:
    print(msg, file=sys.stderr if err else sys.stdout, flush=True)


def run(config: Config, args: argparse.Namespace) -> int:
    path = args.file or config.resolve_path(config.alerts.receivers_file)
    if not Path(path).is_file():
        _say(T.CLI_INVALID.format(error=f"文件 {path} 不存在" if not Path(path).exists() else f"{path} 不是文件"),
             err=True)
        return 1
    try:
        receivers = load_receivers(path)
    except ReceiversError as exc:
        _say(T.CLI_INVALID.format(error=exc), err=True)
        return 1
    if args.notify_cmd == "check":
        rs = receivers.receivers.values()
        _say(T.CLI_VALID.format(count=len(rs), enabled=sum(r.enabled for r in rs), routes=len(receivers.routes)))
        return 0
    if args.notify_cmd == "test":
        if args.receiver not in receivers.receivers:
            _say(T.CLI_UNKNOWN_RECEIVER.format(name=args.receiver, known="、".join(receivers.receivers) or "无"),
                 err=True)
            return 1
        r = receivers.get(args.receiver)
        # a key of its own: a receiver deduplicating on keys would drop a second test with the same one
        msg = Message(title=T.TEST_TITLE, text=T.TEST_TEXT.format(name=r.name), severity="low",
                      to=tuple(args.to), idem_key=f"test-{r.name}-{time.time_ns()}")
        d = asyncio.run(r.build().notify(msg))
        if d.ok:
            _say(T.CLI_TEST_OK.format(name=r.name, detail=d.detail))
            return 0
        _say(T.CLI_TEST_FAILED.format(kind=T.KIND_RETRYABLE[d.retryable], detail=d.detail), err=True)
        return 1
    from db.session import make_engine, make_session_factory

    engine = make_engine(config.database_url)
    try:
        dispatcher = Dispatcher(make_session_factory(engine), receivers, ZonedClock(SystemClock(), config.web.tz),
                                lease_s=args.lease)  # message times in web.timezone, as the service sends them
        report = asyncio.run(dispatcher.send_due())
    finally:
        engine.dispose()
    _say(T.CLI_SENT.format(sent=report.sent, retrying=report.retrying, failed=report.failed,
                           rate_limited=report.rate_limited, unknown=report.unknown))
    return 0
