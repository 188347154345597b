"""``app.py score run|show|export --period P``: a period scored from what the platform collected, the stored
snapshots, and their exports (operations/score_store.py, docs/scoring.md).

The command line acts as the province unless ``--as USER`` names a registered user, whose region scope then
applies. Errors are one Chinese line (exit 2, core.cli.CliError).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.orm import Session

from core.cli import CliError, cli_time
from core.config import Config
from core.i18n import scoring as T
from core.region import PROVINCE_CODE
from inspection.indicators import DEFAULT_FILE, IndicatorError, load_indicators
from inspection.rules import RulesError, load_rules
from operations import score_rows, score_store
from operations.access import CLI_ORIGIN, Actor, actor_of_user
from operations.errors import VerifyError
from operations.periods import Period, parse
from reports.model import sheet_data


def add_arguments(ssub: argparse._SubParsersAction) -> None:
    """``run``, ``show`` and ``export`` under ``score``."""
    r = ssub.add_parser("run", help="按周期为范围内每个网站评分（依据巡检问题、人工核验与人工条目），保存快照")
    r.add_argument("--period", required=True, metavar="周期", help="季度如 2026Q4，半年如 2026H2")
    r.add_argument("--region", metavar="区划代码", help="只评该市州或县市区的网站")
    r.add_argument("--site", metavar="标识码", help="只评一个网站")
    r.add_argument("--rescore", action="store_true", help="周期已冻结时重新评分（新增修订，保留历史）")
    r.add_argument("--as", dest="as_user", metavar="用户名", help="以该用户的管辖范围操作（默认：全省）")
    r.add_argument("--indicators", metavar="文件", help="指标表文件")
    r.add_argument("--rules", metavar="文件",
                   help="规则文件（单项否决阈值；默认取配置 inspection.rules_file，与定时评分相同）")
    s = ssub.add_parser("show", help="查看评分快照；加 --site 看该网站各周期的历史")
    s.add_argument("--period", metavar="周期")
    s.add_argument("--site", metavar="标识码")
    s.add_argument("--region", metavar="区划代码")
    s.add_argument("--format", choices=("table", "json"), default="table")
    s.add_argument("--as", dest="as_user", metavar="用户名")
    x = ssub.add_parser("export", help="由快照导出检查情况通报（或 --site 一个网站的评分表），.xlsx 或 .pdf")
    x.add_argument("--period", required=True, metavar="周期")
    x.add_argument("--region", metavar="区划代码")
    x.add_argument("--site", metavar="标识码")
    x.add_argument("--out", required=True, metavar="文件")
    x.add_argument("--font", metavar="文件", help="PDF 中文字体文件")
    x.add_argument("--as", dest="as_user", metavar="用户名")


def _actor(s: Session, args: argparse.Namespace) -> Actor:
    if getattr(args, "as_user", None):
        return actor_of_user(s, args.as_user, CLI_ORIGIN)
    return Actor("cli", PROVINCE_CODE, CLI_ORIGIN)


def _period(text: str) -> Period:
    try:
        return parse(text)
    except VerifyError as exc:
        raise CliError(str(exc)) from None


def run(config: Config, args: argparse.Namespace, out: TextIO | None = None,
        now: datetime | None = None) -> int:
    """Dispatch ``score run|show|export``; 0 done, 1 nothing to show / refused, CliError otherwise."""
    from runtime.bootstrap import prepare_database

    out = out or sys.stdout
    sessions = prepare_database(config)
    now = now or datetime.now(UTC)
    try:
        with sessions() as s:
            actor = _actor(s, args)
            if args.score_cmd == "run":
                return _run(s, actor, args, now, config, out)
            if args.score_cmd == "show":
                return _show(s, actor, args, out, config)
            return _export(s, actor, args, out, config)
    except VerifyError as exc:
        raise CliError(str(exc)) from None


def _run(s: Session, actor: Actor, args: argparse.Namespace, now: datetime, config: Config, out: TextIO) -> int:
    from newmedia.settings import media_rules

    period = _period(args.period)
    try:
        table = load_indicators(args.indicators or DEFAULT_FILE)
    except IndicatorError as exc:
        raise CliError(T.CLI["table_error"].format(error=exc)) from None
    try:
        # the node's configured file by default, as the scheduled scoring (collectors/kinds/scoring.py) reads it
        rules = load_rules(args.rules or config.resolve_path(config.inspection.rules_file)).veto
    except RulesError as exc:
        raise CliError(T.CLI["rules_error"].format(error=exc)) from None
    as_of, closed = score_store.reference_date(period, now)
    print(T.RUN["start"].format(period=period.code, label=period.label, as_of=as_of,
                                state=T.RUN["closed" if closed else "open"], version=table.version), file=out,
          flush=True)

    def progress(done: int, total: int, secs: float) -> None:
        print(T.RUN["progress"].format(done=done, total=total, rate=done / secs if secs > 0 else 0.0), file=out,
              flush=True)

    summary = score_store.run_period(s, actor, period, now, table, rules, media_rules(config), region=args.region,
                                     site_code=args.site, rescore=args.rescore, progress=progress)
    if not summary.sites:
        print(T.RUN["no_sites"], file=out, flush=True)
        return 1
    for line in summary.refused:
        print(line, file=out)
    print(T.RUN["done"].format(n=summary.sites, passed=summary.passed, failed=summary.failed,
                               undetermined=summary.undetermined, refused=len(summary.refused),
                               secs=summary.seconds), file=out, flush=True)
    return 0


def _show(s: Session, actor: Actor, args: argparse.Namespace, out: TextIO, config: Config) -> int:
    period = _period(args.period).code if args.period else None
    if period is None and not args.site:
        raise CliError("请给出 --period 或 --site")
    views = score_store.snapshots(s, actor, period=period, site_code=args.site, region=args.region,
                                  history=bool(args.site))
    if not views:
        print(T.RUN["no_snapshot"].format(period=period or "…"), file=out, flush=True)
        return 1
    if args.format == "json":
        doc = [{"site": v.site_code, "name": v.site_name, "period": v.period, "revision": v.revision,
                "current": v.current, "as_of": v.as_of.isoformat(), "indicator_version": v.indicator_version,
                "frozen": v.frozen, "computed_at": v.computed_at.isoformat(), "result": v.result,
                "sources": v.sources} for v in views]
        print(json.dumps(doc, ensure_ascii=False, indent=2), file=out, flush=True)
        return 0
    print("网站\t" + T.RUN["show_header"], file=out)
    for v in views:
        vetoes = "、".join(x.get("name", x["item"]) for x in v.result.get("vetoes", ())) or "—"
        score = v.result.get("score")
        frozen = f"是（{cli_time(v.frozen_at, config.web.tz)}）" if v.frozen else "否"
        rev = f"{v.revision}" + ("" if v.current else "（历史）")
        print("\t".join((f"{v.site_code} {v.site_name}", v.period, rev, v.as_of.isoformat(),
                         "—" if score is None else f"{score:g}", str(v.result.get("grade", "—")), vetoes, frozen,
                         v.indicator_version)), file=out)
    out.flush()
    return 0


def _export(s: Session, actor: Actor, args: argparse.Namespace, out: TextIO, config: Config) -> int:
    from reports.excel import save_bulletin, save_sheet
    from reports.files import ReportSaveError
    from reports.pdf import FontError, save_bulletin_pdf, save_sheet_pdf

    period = _period(args.period)
    path = Path(args.out)
    if path.suffix.lower() not in (".xlsx", ".pdf"):
        raise CliError(T.RUN["export_kind"].format(path=path))
    pdf = path.suffix.lower() == ".pdf"
    font = args.font or config.reports.pdf_font or None
    cities = score_rows.city_names(s)
    views = score_store.snapshots(s, actor, period=period.code, site_code=args.site, region=args.region)
    if not views:
        print(T.RUN["no_snapshot"].format(period=period.code), file=out, flush=True)
        return 1
    save: Callable[[], Any]
    if args.site:
        v = views[0]
        if "refused" in v.result:
            raise CliError(T.RUN["refused_site"].format(site=v.site_code, errors="；".join(v.result["refused"])))
        history = [(h.period, h.result.get("score"), str(h.result.get("grade", "")))
                   for h in score_store.snapshots(s, actor, site_code=args.site)]
        data = sheet_data(score_rows.identity(v, cities), v.result, period.label, sorted(history))
        save = (lambda: save_sheet_pdf(path, data, font)) if pdf else (lambda: save_sheet(path, data))
    else:
        rows = [score_rows.snapshot_row(v, cities) for v in views]  # the wall's rows (operations/score_rows.py)
        save = (lambda: save_bulletin_pdf(path, period.label, rows, font)) if pdf else \
            (lambda: save_bulletin(path, period.label, rows))
    try:
        save()
    except (FontError, ReportSaveError) as exc:
        raise CliError(str(exc)) from None
    print(T.RUN["exported"].format(path=path), file=out, flush=True)
    return 0
