"""``app.py traffic ...``: site traffic (PV/UV) from web access logs (docs/traffic.md).

- ``traffic ingest PATH... [--site CODE] [--format combined|common|vhost_combined]``: read access logs
  (files, rotated sets, gzip, directories), each file all or nothing and never counted twice;
- ``traffic show --site CODE --year YYYY [--uv daily-sum|distinct]``: the year's PV/UV per month.

Exit status: 0 when every file was read (bad lines are reported, not fatal), 1 when a file failed, 2 for a
user error (one Chinese line).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.cli import CliError
from core.config import Config
from core.i18n import traffic as T
from core.i18n.cli import COMMAND_HELP
from db.models import Site
from traffic.bots import LIST_NAME, list_size
from traffic.ingest import FileOutcome, Ingestor, UnknownSite
from traffic.logfiles import log_files
from traffic.parse import FORMATS
from traffic.report import UV_MODES, year_traffic

PROGRESS_EVERY_S = 2.0


def add_arguments(sub: argparse._SubParsersAction) -> None:
    """Register ``traffic`` and its operations on the top-level parser."""
    t = sub.add_parser("traffic", help=COMMAND_HELP["traffic"])
    tsub = t.add_subparsers(dest="traffic_cmd", required=True, metavar="操作")
    i = tsub.add_parser("ingest", help="导入 nginx/Apache 访问日志（含轮转文件和 .gz；"
                                       "每个文件全部导入或全不导入，不重复计数）")
    i.add_argument("paths", nargs="+", metavar="路径", help="日志文件或目录（目录下文件名含 .log 且不含 error 的文件）")
    i.add_argument("--site", metavar="标识码", help="日志所属网站；不指定则按文件名中的域名或日志行中的主机名确定")
    i.add_argument("--format", choices=FORMATS, default="combined", help="日志格式（默认 combined）")
    s = tsub.add_parser("show", help="某网站某年的访问量（按月）")
    s.add_argument("--site", metavar="标识码", required=True, help="网站标识码")
    s.add_argument("--year", type=int, required=True, metavar="年份", help="年份，如 2026")
    s.add_argument("--uv", choices=UV_MODES, default="daily-sum",
                   help="独立访客的统计口径：daily-sum 按日去重后相加（默认），distinct 全期去重")


def run(config: Config, args: argparse.Namespace) -> int:
    from runtime.bootstrap import prepare_database

    sessions = prepare_database(config)
    if args.traffic_cmd == "ingest":
        return ingest(sessions, [Path(p) for p in args.paths], args.format, args.site)
    return show(sessions, args.site, args.year, args.uv)


class ProgressLine:
    """A line on ``err`` at most every ``every_s`` seconds: bytes read of the total and lines per second."""

    def __init__(self, total_bytes: int, err: TextIO, clock: Callable[[], float] = time.monotonic,
                 every_s: float = PROGRESS_EVERY_S) -> None:
        self.total, self.err, self.clock, self.every_s = total_bytes, err, clock, every_s
        self.start = self.last = clock()

    def __call__(self, done_bytes: int, lines: int) -> None:
        now = self.clock()
        if now - self.last < self.every_s:
            return
        self.last = now
        pct = done_bytes * 100 // self.total if self.total else 100
        rate = round(lines / (now - self.start)) if now > self.start else 0
        print(T.PROGRESS.format(done=_size_text(done_bytes), total=_size_text(self.total), pct=pct, lines=lines,
                                rate=rate), file=self.err, flush=True)


def _size_text(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def ingest(sessions: sessionmaker[Session], paths: list[Path], fmt: str = "combined", site: str | None = None,
           out: TextIO = sys.stdout, err: TextIO = sys.stderr, clock: Callable[[], float] = time.monotonic) -> int:
    try:
        files = log_files(paths)
    except FileNotFoundError as exc:
        raise CliError(T.NOT_FOUND.format(path=exc.args[0])) from None
    if not files:
        raise CliError(T.NO_FILES.format(paths=" ".join(map(str, paths))))
    start = clock()
    progress = ProgressLine(sum(p.stat().st_size for p in files), err, clock)
    try:
        ingestor = Ingestor(sessions, fmt, site, progress)
    except UnknownSite as exc:
        raise CliError(str(exc)) from None
    print(T.BOT_LIST.format(name=LIST_NAME, n=list_size()), file=out, flush=True)
    outcomes: list[FileOutcome] = []
    for path in files:
        o = ingestor.ingest_file(path)
        outcomes.append(o)
        for m in o.messages:
            print(m, file=err if o.state == "failed" else out, flush=True)
        if o.state == "done":
            print(T.FILE_DONE.format(path=path, lines=o.lines, pv=o.pv, bots=o.bot_hits, bad=o.bad_lines,
                                     unattributed=o.unattributed, days=o.days), file=out, flush=True)
    failed = sum(o.state == "failed" for o in outcomes)
    print(T.SUMMARY.format(files=len(outcomes), done=sum(o.state == "done" for o in outcomes),
                           same=sum(o.state in ("unchanged", "empty") for o in outcomes), failed=failed,
                           lines=sum(o.lines for o in outcomes), seconds=clock() - start), file=out, flush=True)
    return 1 if failed else 0


def show(sessions: sessionmaker[Session], code: str, year: int, uv_mode: str = "daily-sum",
         out: TextIO = sys.stdout) -> int:
    with sessions() as s:
        site = s.scalars(select(Site).where(Site.code == code)).one_or_none()
        if site is None:
            raise CliError(T.UNKNOWN_SITE.format(code=code))
        periods = year_traffic(s, site.id, year, uv_mode)
        name = site.name
    total = periods[-1]
    if total.days_with_data == 0:
        print(T.SHOW_EMPTY.format(name=name, code=code, year=year), file=out, flush=True)
        return 0
    print(T.SHOW_TITLE.format(name=name, code=code, year=year, uv_rule=T.UV_RULE[uv_mode]), file=out)
    print(T.SHOW_HEADER, file=out)
    for p in periods[:-1]:
        print(T.SHOW_ROW.format(month=f"{p.month} 月", days=p.days_with_data, days_in=p.days_in_period, pv=p.pv,
                                uv=p.uv, bots=p.bot_hits, bad=p.bad_lines), file=out)
    print(T.SHOW_TOTAL.format(days=total.days_with_data, days_in=total.days_in_period, pv=total.pv, uv=total.uv,
                              bots=total.bot_hits, bad=total.bad_lines), file=out)
    if total.days_with_data < total.days_in_period:
        print(T.SHOW_PARTIAL.format(days=total.days_with_data, days_in=total.days_in_period), file=out)
    out.flush()
    return 0
