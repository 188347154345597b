"""``app.py media ...``: the government new-media account registry and its statistics (docs/new-media.md).

- ``media import FILE [--dry-run]``: import accounts (CSV/XLSX), validated row by row, all or nothing;
- ``media stats FILE``: import exported account statistics (any platform, no API needed), all or nothing;
- ``media list``: every account with its latest activity, its verdict under the national rules and, for each
  veto or early warning already stored as a finding, since when it holds.

A refused file exits 1 after listing every error; a user error exits 2 with one Chinese line.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.orm import Session, sessionmaker

from core.cli import cli_time
from core.config import Config
from core.i18n import media as M
from core.i18n.cli import COMMAND_HELP
from core.i18n.common import PLATFORM
from db.media_io import import_accounts, list_accounts
from db.registry_io import RegistryImportError
from db.scope import accounts_served
from db.session import transaction
from newmedia.findings import open_media_findings, reconcile_all
from newmedia.rules import evaluate, overall, soonest
from newmedia.settings import media_rules
from newmedia.stats_import import import_stats
from newmedia.store import observed, state_points


def add_arguments(sub: argparse._SubParsersAction) -> None:
    """Register ``media`` and its operations on the top-level parser."""
    m = sub.add_parser("media", help=COMMAND_HELP["media"])
    msub = m.add_subparsers(dest="media_cmd", required=True, metavar="操作")
    i = msub.add_parser("import", help="导入新媒体账号（逐行校验，任何一行有误则全部不导入）")
    i.add_argument("file", metavar="文件", help="账号文件（.csv 或 .xlsx）：platform,account_id,name,node_code …")
    i.add_argument("--dry-run", action="store_true", help="只校验不写入")
    s = msub.add_parser("stats", help="导入各平台导出的账号统计数据（逐行校验，任何一行有误则全部不导入）")
    s.add_argument("file", metavar="文件", help="统计文件（.csv 或 .xlsx）：platform,account_id,date,posts …")
    msub.add_parser("list", help="列出新媒体账号、最近发布时间和判定结果")


def run(config: Config, args: argparse.Namespace) -> int:
    from runtime.bootstrap import prepare_database

    sessions = prepare_database(config)
    if args.media_cmd == "import":
        return import_file(sessions, Path(args.file), dry_run=args.dry_run)
    if args.media_cmd == "stats":
        return import_stats_file(sessions, config, Path(args.file), datetime.now(UTC))
    return list_all(sessions, config, datetime.now(UTC))


def import_file(sessions: sessionmaker[Session], path: Path, *, dry_run: bool = False,
                out: TextIO = sys.stdout) -> int:
    try:
        with transaction(sessions) as s:
            report = import_accounts(s, path, dry_run=dry_run)
    except RegistryImportError as exc:
        print(str(exc), file=out, flush=True)
        return 1
    print(M.IMPORT_REPORT.format(report=report), file=out, flush=True)
    return 0


def import_stats_file(sessions: sessionmaker[Session], config: Config, path: Path, now: datetime,
                      out: TextIO = sys.stdout, store: Any = None) -> int:
    """Import a statistics file; the imported accounts' states also go to the metric store (``store``, or the
    configured one) as ``new_media`` points."""
    try:
        with transaction(sessions) as s:
            report, acts = import_stats(s, path, now, config.web.tz)
            pts = state_points(s, acts, now)
            # The findings follow the imported states in the same transaction (all or nothing).
            reconcile_all(s, now, media_rules(config), config.web.tz, accounts_served(config.node))
    except RegistryImportError as exc:
        print(str(exc), file=out, flush=True)
        return 1
    if pts:
        from runtime.bootstrap import open_metric_store

        own = store is None
        store = store if store is not None else open_metric_store(config)
        try:
            store.write(pts)
        finally:
            if own and hasattr(store, "close"):
                store.close()
    print(str(report), file=out, flush=True)
    return 0


def _since(first_seen: datetime | None, now: datetime, config: Config, template: str = M.LIST_SINCE) -> str:
    """"（自 2026-12-01 10:00 起，已 6 天）" (``template``) for a stored finding; "" when none is stored yet."""
    if first_seen is None:
        return ""
    return template.format(at=cli_time(first_seen, config.web.tz),
                           days=max(0, int((now - first_seen).total_seconds() // 86400)))


def list_all(sessions: sessionmaker[Session], config: Config, now: datetime, out: TextIO = sys.stdout) -> int:
    rules = media_rules(config)
    with sessions() as s:
        accounts = list_accounts(s)
        # Since when each veto / early warning holds: its stored finding (newmedia/findings.py).
        held = {(f.account, f.rule, f.veto): f.first_seen for f in open_media_findings(s)}
    if not accounts:
        print(M.LIST_EMPTY, file=out, flush=True)
        return 0
    print(M.LIST_HEADER, file=out)
    for a in accounts:
        verdicts = evaluate(observed(a.state), now, rules)
        verdict = M.VERDICT.get(overall(verdicts), "数据不足")
        key = f"{a.platform.value}:{a.account_id}"
        vetoes = [M.RULE[v.rule] + _since(held.get((key, v.rule, True)), now, config)
                  for v in verdicts if v.status == "veto"]
        warn = soonest(verdicts)
        warned = (_since(held.get((key, warn.rule, False)), now, config, M.LIST_WARN_SINCE)
                  if warn is not None else "")
        note = ("：" + "、".join(vetoes) if vetoes else
                f"（{M.RULE[warn.rule]} 剩 {warn.days_left} 天{warned}）" if warn is not None else "")
        last = cli_time(a.state.last_post_at if a.state else None, config.web.tz)
        status = "启用" if a.enabled else "停用"
        print(f"{PLATFORM[a.platform.value]}\t{a.account_id}\t{a.name}\t{a.node_code}\t{a.organizer or '-'}\t"
              f"{status}\t{last}\t{verdict}{note}", file=out)
    out.flush()
    return 0
