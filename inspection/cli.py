"""``python app.py inspect``: run the inspection checks over the registry now and print the findings.

Findings go to stdout (JSON: a list of objects; or a table); progress and the summary go to stderr,
so ``--format json`` output can be piped. Exit status: 0 done, 2 bad arguments (unknown site code,
unknown check, bad date, bad rules file).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, TextIO

from inspection.text import CHECK_LABEL, CLI, FINDING_KIND, RUN_STATUS, SEVERITY

CHINA = timezone(timedelta(hours=8), "CST")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--site", action="append", metavar="CODE",
                   help="只检查这个网站（标识码，可重复）；默认检查全部已启用网站")
    p.add_argument("--checks", help="逗号分隔的检查项名称，如 availability,dead_links；默认全部")
    p.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD",
                   help="监测时间点（该日北京时间 24 时）；默认为现在")
    p.add_argument("--format", choices=("json", "table"), default="table", help="输出格式（默认 table）")
    p.add_argument("--rules", metavar="FILE", help="检查规则文件（默认取配置 inspection.rules_file）")
    p.add_argument("--demo", action="store_true", help="先在本进程启动演示网站集群并载入其登记表")


def parse_as_of(value: str | None, now: datetime) -> datetime:
    """The reference time: the end of the given day in Beijing time (as UTC), or ``now``; ValueError if malformed."""
    if value is None:
        return now
    day = date.fromisoformat(value.strip())
    if len(value.strip()) != 10:
        raise ValueError(value)
    return (datetime(day.year, day.month, day.day, tzinfo=CHINA) + timedelta(days=1)).astimezone(UTC)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


def _cut(s: str, limit: int) -> str:
    out, w = "", 0
    for ch in s:
        w += _width(ch)
        if w > limit - 1:
            return out + "…"
        out += ch
    return out


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """Findings as an aligned plain-text table with Chinese headers (wide characters count double)."""
    if not rows:
        return CLI["no_findings"]
    limits = (14, 14, 22, 6, 60, 70, 10, 4, 19)
    body = [[r["site_code"], CHECK_LABEL.get(r["check"], r["check"]), FINDING_KIND.get(r["kind"], r["kind"]),
             SEVERITY.get(r["severity"], r["severity"]), r["location"], r["detail"], r["deadline"] or "",
             CLI["yes"] if r["veto"] else CLI["no"], r["first_seen"][:19].replace("T", " ")] for r in rows]
    table = [list(CLI["header"]), *[[_cut(str(v), lim) for v, lim in zip(row, limits, strict=True)] for row in body]]
    widths = [max(_width(row[i]) for row in table) for i in range(len(limits))]
    return "\n".join("  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip()
                     for row in table)


def run_inspect(config: Any, args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """The ``inspect`` command; returns the exit status."""
    from core.bootstrap import load_registry, open_metric_store, prepare_database, start_demo_fleet
    from inspection.findings import open_findings
    from inspection.rules import RulesError, load_rules
    from inspection.runner import InspectionError, InspectionRunner

    out, err = out or sys.stdout, err or sys.stderr

    def fail(msg: str) -> int:
        print(msg, file=err, flush=True)
        return 2

    try:
        as_of = parse_as_of(args.as_of, datetime.now(UTC))
    except ValueError:
        return fail(CLI["bad_date"].format(value=args.as_of))
    checks = [c.strip() for c in args.checks.split(",") if c.strip()] if args.checks else None
    try:
        rules = load_rules(args.rules or config.resolve_path(config.inspection.rules_file))
    except RulesError as exc:
        return fail(CLI["rules_error"].format(error=exc))
    sessions = prepare_database(config)
    handle = None
    if args.demo:
        spec, handle, config = start_demo_fleet(config)
        load_registry(config, sessions, spec)
        print(CLI["demo_started"].format(n=len(spec.sites)), file=err, flush=True)
    store = open_metric_store(config)
    try:
        try:
            runner = InspectionRunner(config, sessions, store, checks=checks, rules=rules)
            targets = runner.targets(args.site)
        except InspectionError as exc:
            return fail(str(exc))
        if not targets:
            print(CLI["no_sites"], file=err, flush=True)
            return 1
        outcomes = asyncio.run(_run(runner, [t.code for t in targets], as_of, err))
        with sessions() as s:
            rows = [v.as_dict() for v in open_findings(s, [t.code for t in targets], runner.check_names)]
    finally:
        store.close()
        if handle is not None:
            handle.stop()
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2), file=out, flush=True)
    else:
        print(format_table(rows), file=out, flush=True)
    status = Counter(o.status for o in outcomes)
    for o in outcomes:
        if o.status != "ok":
            print(CLI["run_failed"].format(site=o.site_code, check=o.check, status=RUN_STATUS[o.status],
                                           error=o.error or ""), file=err)
    print(CLI["summary"].format(sites=len(targets), runs=len(outcomes), ok=status["ok"], error=status["error"],
                                timeout=status["timeout"], findings=len(rows)), file=err, flush=True)
    return 0


async def _run(runner: Any, codes: list[str], as_of: datetime, err: TextIO) -> list[Any]:
    from tqdm import tqdm

    bar = tqdm(total=len(codes) * len(runner.check_names), desc=CLI["progress"], file=err, unit="项",
               disable=not err.isatty())
    try:
        return await runner.run(codes, as_of, progress=lambda done, total, outcome: bar.update(1))
    finally:
        bar.close()
        await runner.aclose()
