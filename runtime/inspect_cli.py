"""``python app.py inspect``: run the inspection checks over the registry now and print the findings.

stdout: the open findings (a table, or with ``--format json`` one JSON document), then in the table
form the monitoring hints (one line per kind) and the veto verdicts. stderr: a start line, progress
(a bar on a terminal; without one, plain lines every tenth of the sites or every 10 s), the runs that
could not judge (one line per check and reason) and a one-line summary, so the JSON can be piped.
Times are shown in ``web.timezone`` with the zone named; JSON keeps UTC ISO 8601.

Exit status: 0 done, 1 nothing to inspect or the demo fleet could not start, 2 bad arguments
(unknown or empty site code, unknown or empty check list, bad date, bad rules file: a Chinese message
naming the value, no traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from core.cli import zone_label  # every command names the zone the same way
from core.i18n.cli import COMMAND_HELP
from core.i18n.inspection import CLI
from inspection.progress import SiteTracker, progress_for
from inspection.report import (
    coverage_dicts,
    coverage_lines,
    failure_lines,
    format_table,
    hint_lines,
    json_document,
    split_hints,
    summary_line,
    verdict_lines,
)

CHINA = ZoneInfo("Asia/Shanghai")


def add_arguments(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("inspect", help=COMMAND_HELP["inspect"])
    p.add_argument("--site", action="append", metavar="CODE",
                   help="只检查这个网站（标识码，可重复）；默认检查全部已启用网站")
    p.add_argument("--checks", help="逗号分隔的检查项名称，如 availability,dead_links；默认全部")
    p.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD",
                   help="监测时间点：该日 24 时（按 web.timezone，默认北京时间）；默认为现在")
    p.add_argument("--format", choices=("json", "table"), default="table", help="输出格式（默认 table）")
    p.add_argument("--rules", metavar="FILE", help="检查规则文件（默认取配置 inspection.rules_file）")
    p.add_argument("--demo", action="store_true", help="先在本进程启动演示网站集群并载入其登记表")
    # --verbose comes from app.py's parser, on every command (core.cli)


def parse_as_of(value: str | None, now: datetime, tz: tzinfo = CHINA) -> datetime:
    """The reference time: the end of the given day in ``tz`` (as UTC), or ``now``; ValueError if malformed."""
    if value is None:
        return now
    day = date.fromisoformat(value.strip())
    if len(value.strip()) != 10:
        raise ValueError(value)
    return (datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(days=1)).astimezone(UTC)


@contextlib.contextmanager
def _quiet_logs(verbose: bool) -> Iterator[None]:
    """Warnings and errors only on stderr while the command runs, unless ``verbose``."""
    root = logging.getLogger()
    before = root.level
    if not verbose and before < logging.WARNING:
        root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        root.setLevel(before)


def run(config: Any, args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """The ``inspect`` command; returns the exit status."""
    out, err = out or sys.stdout, err or sys.stderr
    with _quiet_logs(bool(getattr(args, "verbose", False))):
        try:
            return _inspect(config, args, out, err)
        except KeyboardInterrupt:
            print(CLI["interrupted"], file=err, flush=True)
            return 130


def _inspect(config: Any, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from inspection.catalog import load_checks
    from inspection.rules import RulesError, load_rules
    from inspection.runner import InspectionError, InspectionRunner
    from runtime.bootstrap import load_registry, open_metric_store, prepare_database, start_demo_fleet

    def fail(msg: str) -> int:
        print(msg, file=err, flush=True)
        return 2

    tz, zone = config.web.tz, zone_label(config.web.timezone)
    try:
        as_of = parse_as_of(args.as_of, datetime.now(UTC), tz)
    except ValueError:
        return fail(CLI["bad_date"].format(value=args.as_of))
    checks = None
    if args.checks is not None:
        checks = [c.strip() for c in args.checks.split(",") if c.strip()]
        if not checks:
            return fail(CLI["no_checks"].format(value=args.checks, known=", ".join(load_checks())))
    blank = [c for c in args.site or () if not c.strip()]
    if blank:
        return fail(CLI["empty_site"].format(value=blank[0]))
    sites = [c.strip() for c in args.site] if args.site else None
    try:
        rules = load_rules(args.rules or config.resolve_path(config.inspection.rules_file))
    except RulesError as exc:
        return fail(CLI["rules_error"].format(error=exc))
    sessions = prepare_database(config)
    handle = None
    if args.demo:
        try:
            spec, handle, config = start_demo_fleet(config)
        except OSError as exc:
            print(CLI["demo_failed"].format(error=exc), file=err, flush=True)
            return 1
        load_registry(config, sessions, spec)
        print(CLI["demo_started"].format(n=len(spec.sites)), file=err, flush=True)
    store = open_metric_store(config)
    try:
        try:
            runner = InspectionRunner(config, sessions, store, checks=checks, rules=rules)
            targets = runner.targets(sites)
        except InspectionError as exc:
            return fail(str(exc))
        if not targets:
            print(CLI["no_sites"], file=err, flush=True)
            return 1
        as_of_text = as_of.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        print(CLI["start"].format(sites=len(targets), checks=len(runner.check_names), as_of=as_of_text, zone=zone),
              file=err, flush=True)
        started = time.monotonic()
        names = {t.code: t.name for t in targets}
        outcomes = asyncio.run(_run(runner, names, as_of, err))
        elapsed = time.monotonic() - started
        rows, verdicts = _read(sessions, [t.code for t in targets], runner.check_names, rules.veto, as_of, names)
        coverage = coverage_dicts(_coverage_stats(sessions, [t.code for t in targets]), names)
    finally:
        store.close()
        if handle is not None:
            handle.stop()
    if args.format == "json":
        print(json.dumps(json_document(as_of, rows, verdicts, names, outcomes, coverage), ensure_ascii=False,
                         indent=2), file=out, flush=True)
    else:
        _print_table(rows, verdicts, names, tz, zone, as_of_text, out)
        lines = coverage_lines(coverage)
        if lines:
            print("\n" + CLI["coverage_title"].format(days=f"{rules.settings_for('dead_links').cycle_days:g}"),
                  *lines, sep="\n", file=out, flush=True)
    for line in failure_lines(outcomes):
        print(line, file=err)
    print(summary_line(len(targets), outcomes, rows, verdicts, elapsed), file=err, flush=True)
    return 0


def _print_table(rows: list[dict[str, Any]], verdicts: list[Any], names: dict[str, str], tz: tzinfo, zone: str,
                 as_of_text: str, out: TextIO) -> None:
    found, hints = split_hints(rows)
    if found or not hints:
        print(format_table(found, tz, zone), file=out)
    lines = hint_lines(hints)
    if lines:
        print("\n" + CLI["hints_title"], *lines, sep="\n", file=out)
    print("\n" + CLI["verdicts_title"].format(as_of=as_of_text, zone=zone), file=out)
    print("\n".join(verdict_lines(verdicts, names)) or CLI["verdicts_none"], file=out, flush=True)


def _read(sessions: Any, codes: list[str], checks: list[str], veto_rules: Any, as_of: datetime,
          names: dict[str, str]) -> tuple[list[dict[str, Any]], list[Any]]:
    """(open findings of ``checks`` on the sites, as dicts; every site's veto verdict from all its open
    findings and the checks whose newest run succeeded, as the wall judges it)."""
    from db.models import RunStatus
    from inspection.findings import latest_runs, open_findings
    from inspection.listpages import china_day
    from inspection.veto import judge_site

    with sessions() as s:
        every = open_findings(s, codes)
        runs = latest_runs(s, codes)
    judged: dict[str, set[str]] = {c: set() for c in codes}
    for r in runs:
        if r.status is RunStatus.OK:
            judged[r.site_code].add(r.check)
    by_site: dict[str, list[Any]] = {c: [] for c in codes}
    for v in every:
        by_site[v.site_code].append(v)
    verdicts = [judge_site(c, by_site[c], veto_rules, china_day(as_of), judged_checks=judged[c]) for c in codes]
    rows = [v.as_dict() for v in every if v.check in checks]
    return rows, verdicts


def _coverage_stats(sessions: Any, codes: list[str]) -> dict[str, dict[str, Any]]:
    """code -> stats of the site's newest successful dead_links run (which carries the crawl's coverage)."""
    from sqlalchemy import func, select

    from db.models import CheckRun, RunStatus, Site

    newest = (select(func.max(CheckRun.id)).where(CheckRun.check == "dead_links", CheckRun.status == RunStatus.OK)
              .group_by(CheckRun.site_id))
    with sessions() as s:
        rows = s.execute(select(Site.code, CheckRun.stats).join(Site, Site.id == CheckRun.site_id)
                         .where(CheckRun.id.in_(newest), Site.code.in_(codes))).all()
    return {code: dict(stats or {}) for code, stats in rows}


async def _run(runner: Any, names: dict[str, str], as_of: datetime, err: TextIO) -> list[Any]:
    tracker = SiteTracker(names, len(runner.check_names))
    progress = progress_for(tracker.total, err)

    def on_outcome(_done: int, _total: int, outcome: Any) -> None:
        current = names.get(outcome.site_code, outcome.site_code)
        if tracker.feed(outcome.site_code):
            progress.advance(tracker.done, current)
        else:
            progress.show(current)

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(1.0)
            progress.tick()

    beat = asyncio.create_task(heartbeat())
    try:
        return await runner.run(list(names), as_of, progress=on_outcome)
    finally:
        beat.cancel()
        progress.close()
        await runner.aclose()
