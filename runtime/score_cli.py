"""``app.py score explain --facts FILE --as-of YYYY-MM-DD [--format json|table]``: one site scored from a
facts file, every figure with its source (docs/scoring.md). ``score run|show|export --period P`` (a period
scored from the platform, its snapshots and exports) are runtime/score_run_cli.py, registered here.

Refused facts (a key of the wrong form, a manual entry the indicator table does not know) exit 1 after
listing every problem, each naming its key path; a bad ``--as-of`` or an unusable indicator table or
rules file exits 2 with one Chinese line (core.cli.CliError).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from core.cli import CliError
from core.config import Config
from core.i18n import media as M
from core.i18n import reports as R
from core.i18n import scoring as T
from core.i18n.cli import COMMAND_HELP
from core.i18n.common import PLATFORM
from inspection.facts import FactsError, load_facts
from inspection.indicators import DEFAULT_FILE, IndicatorError, IndicatorTable, load_indicators
from inspection.rules import RulesError, VetoRules, load_rules
from inspection.scoring import ScoreResult, number, score, to_dict
from newmedia.rules import MediaRules

RULES_FILE = DEFAULT_FILE.parent / "rules.toml"


def add_arguments(sub: argparse._SubParsersAction) -> None:
    """Register ``score`` and its operations on the top-level parser."""
    s = sub.add_parser("score", help=COMMAND_HELP["score"])
    ssub = s.add_subparsers(dest="score_cmd", required=True, metavar="操作")
    e = ssub.add_parser("explain", help=T.CLI["explain"])
    e.add_argument("--facts", required=True, metavar="文件", help=T.CLI["facts"])
    e.add_argument("--as-of", required=True, metavar="日期", help=T.CLI["as_of"])
    e.add_argument("--format", choices=("json", "table"), default="table", help=T.CLI["format"])
    e.add_argument("--indicators", metavar="文件", help=T.CLI["indicators"])
    e.add_argument("--rules", metavar="文件", help=T.CLI["rules"])
    e.add_argument("--export", metavar="文件", help=R.CLI["export"])
    e.add_argument("--font", metavar="文件", help=R.CLI["font"])
    e.add_argument("--site-name", metavar="名称", help=R.CLI["site_name"])
    e.add_argument("--site-code", metavar="标识码", default="", help=R.CLI["site_code"])
    e.add_argument("--city", metavar="市州", default="", help=R.CLI["city"])
    from runtime.score_run_cli import add_arguments as add_period_arguments

    add_period_arguments(ssub)


def run(config: Config, args: argparse.Namespace) -> int:
    from newmedia.settings import media_rules

    if args.score_cmd != "explain":  # run / show / export: a period from the platform (runtime/score_run_cli.py)
        from runtime.score_run_cli import run as run_period

        return run_period(config, args)

    export = None
    if args.export:
        export = Export(Path(args.export), args.font or config.reports.pdf_font or None, args.site_name,
                        args.site_code, args.city)
    return explain(Path(args.facts), args.as_of, args.format, media_rules(config),
                   indicators=args.indicators, rules_file=args.rules, export=export)


def _as_of(value: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(T.CLI["bad_date"].format(value=value)) from None


@dataclass(frozen=True)
class Export:
    """``--export``: the file (.xlsx or .pdf), the PDF font override and the site's identity on the sheet."""

    path: Path
    font: str | None = None
    name: str | None = None  # default: the facts file's name
    code: str = ""
    city: str = ""

    def check(self) -> None:
        """Refuse a bad target or a PDF without a usable font before anything is scored (CliError)."""
        if self.path.suffix.lower() not in (".xlsx", ".pdf"):
            raise CliError(R.BAD_EXPORT_SUFFIX.format(path=self.path))
        if self.path.is_dir():
            raise CliError(R.SAVE_IS_DIR.format(path=self.path))
        if not self.path.parent.is_dir():
            raise CliError(R.SAVE_DIR_MISSING.format(path=self.path, parent=self.path.parent))
        if self.path.suffix.lower() == ".pdf":
            from reports.pdf import FontError, find_font

            try:
                find_font(self.font)
            except FontError as exc:
                raise CliError(str(exc)) from None


def export_sheet(export: Export, facts_path: Path, result: dict[str, Any], err: TextIO) -> None:
    """Write the site's score sheet to ``export.path`` (all or nothing), telling ``err`` what it does."""
    from reports.excel import save_sheet
    from reports.files import ReportSaveError
    from reports.model import SiteIdentity, sheet_data
    from reports.pdf import FontError, save_sheet_pdf

    site = SiteIdentity(export.code or R.NOT_AVAILABLE, export.name or facts_path.stem,
                        T.SITE_TYPE[result["site"]["type"]], export.city or R.NOT_AVAILABLE)
    data = sheet_data(site, result)
    print(R.EXPORTING.format(path=export.path), file=err, flush=True)
    try:
        if export.path.suffix.lower() == ".pdf":
            save_sheet_pdf(export.path, data, export.font)
        else:
            save_sheet(export.path, data)
    except (FontError, ReportSaveError) as exc:
        raise CliError(str(exc)) from None
    print(R.EXPORTED.format(path=export.path, size=export.path.stat().st_size), file=err, flush=True)


def explain(facts_path: Path, as_of_text: str, fmt: str, media: MediaRules | None = None, *,
            indicators: str | None = None, rules_file: str | None = None, out: TextIO | None = None,
            export: Export | None = None, err: TextIO | None = None) -> int:
    """Score the facts file, printing to ``out`` (default: the current stdout) and exporting the score sheet
    when asked (progress on ``err``, default stderr); its exit status (0, or 1 for refused facts — then
    nothing is exported)."""
    out = out or sys.stdout
    as_of = _as_of(as_of_text)
    if export is not None:
        export.check()
    try:
        table = load_indicators(indicators or DEFAULT_FILE)
    except IndicatorError as exc:
        raise CliError(T.CLI["table_error"].format(error=exc)) from None
    try:
        veto: VetoRules = load_rules(rules_file or RULES_FILE).veto
    except RulesError as exc:
        raise CliError(T.CLI["rules_error"].format(error=exc)) from None
    try:
        facts = load_facts(facts_path, as_of)
        result = score(facts, table, veto, as_of, media, source=str(facts_path))
    except FactsError as exc:
        print(T.CLI["facts_error"].format(n=len(exc.errors)), file=out)
        for line in exc.errors:
            print(f"{exc.source}: {line}", file=out)
        out.flush()
        return 1
    doc = to_dict(result, table)
    if fmt == "json":
        print(json.dumps(doc, ensure_ascii=False, indent=2), file=out, flush=True)
    else:
        print(render_table(result, table), file=out, flush=True)
    if export is not None:
        export_sheet(export, facts_path, doc, err or sys.stderr)
    return 0


def _n(x: Any) -> str:
    value = number(x)
    return "—" if value is None else f"{value:g}"


def render_table(r: ScoreResult, table: IndicatorTable) -> str:
    """The result as Chinese text, one line per veto item, indicator, deduction, bonus and account."""
    t = T.TABLE
    services = ("" if not (r.site_type == "department" and not r.external_services)
                else t["no_services"].format(max=_n(r.deduction_max), scale="4/3" if r.scale * 3 == 4 else _n(r.scale)))
    lines = [t["title"].format(as_of=r.as_of, version=r.indicator_version),
             t["site"].format(site=T.SITE_TYPE[r.site_type], services=services),
             t["grade"].format(grade=T.GRADE[r.grade], score=_n(r.score) if r.score is not None else t["score_none"]),
             "", t["veto_head"]]
    for v in r.veto_items:
        src = f"〔来源：{'、'.join(v.evidence)}〕" if v.evidence else ""
        lines.append(f"  [{T.STATUS[v.status]}] {v.name}：{v.reason}{src}")
    lines.append("")
    if r.deduction_total is None:
        lines.append(t["deduction_not_scored"])
    else:
        lines.append(t["deduction_head"].format(total=_n(r.deduction_total), part=_n(r.deduction_part)))
        for i in r.indicators:
            group = table.group_name(i.group)
            if not i.assessed:
                lines.append(t["indicator_na"].format(group=group, name=i.name))
                continue
            if not i.lines:
                continue
            lines.append(t["indicator"].format(group=group, name=i.name, points=_n(i.points), deducted=_n(i.deducted)))
            for ln in i.lines:
                status = T.LINE_STATUS[ln.status].format(other=ln.duplicate_of)
                lines.append(t["line"].format(note=ln.note, status=status, charged=_n(ln.charged), source=ln.source))
        status = T.BONUS_STATUS[r.bonus_status].format(part=_n(r.deduction_part), limit=_n(table.bonus_above))
        lines += ["", t["bonus_head"].format(total=_n(r.bonus_total), status=status)]
        for ln in r.bonus_lines:
            item = table.bonus_item(ln.code)
            lines.append(t["bonus_line"].format(name=item.name if item else ln.code, charged=_n(ln.charged),
                                                note=ln.note, source=ln.source))
    if r.new_media:
        lines += ["", t["media_head"]]
        for m in r.new_media:
            verdict = T.GRADE["pass"] if m.passed else M.VERDICT["veto"]
            lines.append(t["media_line"].format(platform=PLATFORM.get(m.platform, m.platform), index=m.index,
                                                verdict=verdict))
            lines += [t["media_veto"].format(rule=M.RULE[k], reason=why) for k, why in m.vetoes]
            if m.not_judged:
                lines.append(t["media_veto"].format(rule=M.RULE["unanswered"], reason=T.MEDIA_NOT_JUDGED))
    if r.undetermined:
        lines += ["", t["undetermined"].format(items="；".join(f"{v.name}（{v.reason}）" for v in r.undetermined))]
    lines += ["", t["provisional"].format(n=len(r.provisional))]
    return "\n".join(lines)
