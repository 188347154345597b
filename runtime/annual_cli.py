"""``app.py annual ...``: the yearly website report (政府网站工作年度报表, docs/annual-report.md).

- ``annual fill --year Y [--site CODE | --region CODE] [--no-crawl]``: fill every report in scope (progress);
- ``annual show --site CODE --year Y``: each field with its value and where it came from;
- ``annual set --site CODE --year Y FIELD VALUE``: enter a field by hand (validated by its type);
- ``annual submit|review|return|publish --site CODE --year Y [--reason TEXT]``: the review workflow;
- ``annual export --site CODE --year Y --out FILE.xlsx|FILE.pdf [--format xlsx|pdf]``: the national table
  layout, as an Excel workbook or a PDF (the format from the file's suffix; an unknown suffix is refused);
- ``annual rollup --year Y [--region CODE] --out FILE.xlsx``: every site's report in the region.

Every change is audited under ``--by`` (default: the operating-system user). Exit status 0, or 2 for a user
error (one Chinese line).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload, sessionmaker

from annual import gather
from annual.export import RollupRow, report_workbook, rollup_workbook
from annual.fill import counts, shown
from annual.pdf import head_of, save_report_pdf
from annual.template import DEFAULT_PATH, Template, TemplateError, load_template
from annual.workflow import TransitionError, fill_report, find, move, published_by, set_field
from core.cli import CliError, cli_time
from core.config import Config
from core.i18n import annual as T
from core.i18n.cli import COMMAND_HELP
from core.region import PROVINCE_CODE, scope_level
from db.models import Node, Site
from db.models_annual import AnnualReport
from db.session import transaction
from inspection.runner import site_target
from security.scope import Owner, covers
from traffic.report import UV_MODES

Clock = Callable[[], datetime]
EXPORT_FORMATS = ("xlsx", "pdf")
ZONE = "Asia/Shanghai"  # reports are a Chinese administration's: times in Beijing time


def _now() -> datetime:
    return datetime.now(UTC)


def add_arguments(sub: argparse._SubParsersAction) -> None:
    """Register ``annual`` and its operations on the top-level parser."""
    a = sub.add_parser("annual", help=COMMAND_HELP["annual"])
    asub = a.add_subparsers(dest="annual_cmd", required=True, metavar="操作")

    def common(p: argparse.ArgumentParser, site: bool = True, site_required: bool = True) -> None:
        if site:
            p.add_argument("--site", metavar="标识码", required=site_required, help="网站标识码")
        p.add_argument("--year", type=int, required=True, metavar="年份", help="报表年度，如 2026")
        p.add_argument("--template", metavar="文件", default=str(DEFAULT_PATH), help="报表模板（TOML）")
        p.add_argument("--by", metavar="用户", default=None, help="操作人（写入审计日志；默认为当前系统用户）")

    f = asub.add_parser("fill", help="按模板自动填报（保留已手工填报的字段）")
    common(f, site_required=False)
    f.add_argument("--region", metavar="区划代码", help="只填报该区域（省、市或县）的网站")
    f.add_argument("--no-crawl", action="store_true", help="不读取网站栏目（信息发布和留言数据记为未能取得）")
    f.add_argument("--timeout", type=float, default=120.0, metavar="秒", help="每个网站读取栏目的总时限")
    f.add_argument("--max-pages", type=int, default=50, metavar="页", help="每个栏目最多读取的列表页数")
    f.add_argument("--uv", choices=UV_MODES, default="daily-sum",
                   help="独立用户访问总量的口径：daily-sum 按日去重后相加（默认），distinct 全年去重")
    common(asub.add_parser("show", help="显示报表各字段的值和来源"))
    s = asub.add_parser("set", help="手工填报一个字段")
    common(s)
    s.add_argument("field", metavar="字段", help="字段键名（见 annual show）")
    s.add_argument("value", metavar="值", help="字段值（整数、是/否、YYYY-MM-DD、选项，多选用顿号分隔）")
    for name, text in (("submit", "提交审核"), ("review", "审核通过"), ("return", "退回修改"), ("publish", "发布")):
        p = asub.add_parser(name, help=text)
        common(p)
        if name == "return":
            p.add_argument("--reason", required=True, metavar="原因", help="退回原因")
    e = asub.add_parser("export", help="导出报表（Excel 或 PDF，全国统一表样）")
    common(e)
    e.add_argument("--out", required=True, metavar="文件", help="输出文件（.xlsx 或 .pdf）")
    e.add_argument("--format", choices=EXPORT_FORMATS, default=None,
                   help="导出格式（默认按输出文件后缀：.xlsx 为 Excel，.pdf 为 PDF）")
    e.add_argument("--font", metavar="字体文件", default=None,
                   help="PDF 嵌入的中文字体文件（默认配置项 reports.pdf_font，或系统的文泉驿微米黑）")
    r = asub.add_parser("rollup", help="导出区域内全部网站的年度报表汇总（Excel）")
    common(r, site=False)
    r.add_argument("--region", metavar="区划代码", default=PROVINCE_CODE, help="区域（默认全省 430000）")
    r.add_argument("--out", required=True, metavar="文件", help="输出文件（.xlsx）")


def run(config: Config, args: argparse.Namespace) -> int:
    from runtime.bootstrap import prepare_database

    if args.annual_cmd == "rollup" and Path(args.out).suffix.lower() != ".xlsx":
        raise CliError(T.OUT_SUFFIX.format(path=args.out))  # before anything is read or written
    fmt = export_format(Path(args.out), args.format) if args.annual_cmd == "export" else ""
    template = _template(args.template)
    sessions = prepare_database(config)
    actor = args.by or getpass.getuser()
    cmd = args.annual_cmd
    if cmd == "fill":
        return fill(sessions, template, args.year, site=args.site, region=args.region, actor=actor,
                    make_fetcher=None if args.no_crawl else (lambda: _fetcher(config)), timeout=args.timeout,
                    max_pages=args.max_pages, uv_mode=args.uv)
    if cmd == "show":
        return show(sessions, template, args.site, args.year)
    if cmd == "set":
        return set_value(sessions, template, args.site, args.year, args.field, args.value, actor)
    if cmd in ("submit", "review", "return", "publish"):
        return transition(sessions, template, args.site, args.year, cmd, actor, getattr(args, "reason", ""))
    if cmd == "export":
        return export(sessions, template, args.site, args.year, Path(args.out), fmt=fmt,
                      font=args.font or config.reports.pdf_font or None)
    return rollup(sessions, args.year, args.region, Path(args.out))


def export_format(path: Path, given: str | None) -> str:
    """The format to write ``path`` in: ``given`` or the file's suffix; CliError for an unknown suffix or a
    suffix that contradicts ``given``."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in EXPORT_FORMATS:
        raise CliError(T.OUT_SUFFIX_ANY.format(path=path))
    if given and given != suffix:
        raise CliError(T.FORMAT_SUFFIX.format(fmt=given, suffix=path.suffix, path=path))
    return suffix


def _template(path: str) -> Template:
    try:
        return load_template(Path(path))
    except TemplateError as exc:
        raise CliError(str(exc)) from None


def _fetcher(config: Config) -> Any:
    from inspection.runner import default_ca_file
    from webread.addresses import AddressPolicy
    from webread.fetch import Fetcher

    return Fetcher(timeout=config.collectors.probe_timeout, max_bytes=config.collectors.probe_max_bytes,
                   ca_file=default_ca_file(config), resolve_path=config.resolve_path,
                   verify_tls=config.collectors.probe_verify_tls, user_agent=config.inspection.user_agent,
                   policy=AddressPolicy.from_config(config.fetch))


def _region(code: str) -> str:
    try:
        scope_level(code)
    except ValueError:
        raise CliError(T.BAD_REGION.format(code=code)) from None
    return code


def _site(s: Session, code: str) -> Site:
    site = s.scalars(select(Site).options(joinedload(Site.node), selectinload(Site.columns))
                     .where(Site.code == code)).one_or_none()
    if site is None:
        raise CliError(T.UNKNOWN_SITE.format(code=code))
    return site


def _sites(s: Session, site: str | None, region: str | None) -> list[Site]:
    if site:
        one = _site(s, site)
        if region and not covers(_region(region), Owner(one.node.city_code, one.node_code)):
            raise CliError(T.OUT_OF_SCOPE.format(code=site, region=region))
        return [one]
    scope = _region(region or PROVINCE_CODE)
    rows = s.scalars(select(Site).options(joinedload(Site.node), selectinload(Site.columns))
                     .where(Site.enabled.is_(True)).order_by(Site.code)).unique()
    return [x for x in rows if covers(scope, Owner(x.node.city_code, x.node_code))]


def _report(s: Session, site: Site, year: int) -> AnnualReport:
    report = find(s, site.id, year)
    if report is None:
        raise CliError(T.NOT_FOUND.format(site=site.code, year=year))
    return report


def fill(sessions: sessionmaker[Session], template: Template, year: int, *, site: str | None = None,
         region: str | None = None, actor: str = "system", make_fetcher: Callable[[], Any] | None = None,
         timeout: float = 120.0, max_pages: int = 50, uv_mode: str = "daily-sum", out: TextIO = sys.stdout,
         clock: Clock = _now) -> int:
    """Fill the reports of the sites in scope, one transaction per site; a line per site as it goes.
    ``make_fetcher``: builds the HTTP fetcher that reads the columns (None: columns not read)."""
    with sessions() as s:
        codes = [x.code for x in _sites(s, site, region)]
    return asyncio.run(_fill(sessions, template, year, codes, actor, make_fetcher,
                             _Limits(timeout, max_pages, uv_mode), out, clock))


@dataclass(frozen=True)
class _Limits:
    timeout: float
    max_pages: int
    uv_mode: str


async def _fill(sessions: sessionmaker[Session], template: Template, year: int, codes: list[str], actor: str,
                make_fetcher: Callable[[], Any] | None, limits: _Limits, out: TextIO, clock: Clock) -> int:
    # One event loop for the whole run: the fetcher's HTTP session belongs to it. The database work between
    # sites is short and sequential, done in place.
    fetcher = make_fetcher() if make_fetcher is not None else None
    try:
        return await _fill_sites(sessions, template, year, codes, actor, fetcher, limits, out, clock)
    finally:
        if fetcher is not None:
            await fetcher.aclose()


async def _fill_sites(sessions: sessionmaker[Session], template: Template, year: int, codes: list[str], actor: str,
                      fetcher: Any, limits: _Limits, out: TextIO, clock: Clock) -> int:
    done = skipped = 0
    if fetcher is not None and getattr(fetcher, "policy", None) is not None:
        with sessions() as s:  # the address policy lets the fetcher reach the registered sites (as the runner's)
            fetcher.policy.register([x.url for x in _sites(s, None, None)] + [_site(s, c).url for c in codes])
    for i, code in enumerate(codes, start=1):
        now = clock()
        with sessions() as s:
            target = site_target(_site(s, code))
        if fetcher is not None:
            web = await gather.column_figures(fetcher, target, year, template, now, timeout=limits.timeout,
                                              max_pages=limits.max_pages)
        else:
            web = gather.not_read(template)
        with transaction(sessions) as s:
            one = _site(s, code)
            figures = gather.merged(gather.database_figures(s, one, year, template, limits.uv_mode), web)
            try:
                report = fill_report(s, one, year, template, figures, actor, now)
            except TransitionError:
                report = _report(s, one, year)
                print(T.FILL_SKIPPED.format(i=i, n=len(codes), name=one.name, code=code,
                                            state=T.STATE[report.state.value]), file=out, flush=True)
                skipped += 1
                continue
            c = counts(report.values)
            print(T.FILL_PROGRESS.format(i=i, n=len(codes), name=one.name, code=code, **c), file=out, flush=True)
            done += 1
    print(T.FILL_DONE.format(year=year, done=done, skipped=skipped), file=out, flush=True)
    return 0


def show(sessions: sessionmaker[Session], template: Template, code: str, year: int,
         out: TextIO = sys.stdout) -> int:
    with sessions() as s:
        site = _site(s, code)
        report = _report(s, site, year)
        print(T.SHOW_TITLE.format(name=site.name, code=code, year=year, title=template.title,
                                  state=T.STATE[report.state.value], version=report.template_version), file=out)
        if report.return_reason:
            print(f"退回原因：{report.return_reason}", file=out)
        for sec in template.sections:
            print(f"【{sec.label}】", file=out)
            for f in template.in_section(sec.key):
                v = report.values.get(f.key) or {"status": "missing", "value": None, "note": ""}
                value = shown(v["value"])
                print(T.SHOW_ROW.format(label=f"{f.label}（{f.key}）", value=value or T.EMPTY,
                                        unit=f" {f.unit}" if value and f.unit else "", status=T.STATUS[v["status"]],
                                        note=v.get("note", "")), file=out)
    out.flush()
    return 0


def set_value(sessions: sessionmaker[Session], template: Template, code: str, year: int, key: str, text: str,
              actor: str, clock: Clock = _now, out: TextIO = sys.stdout) -> int:
    with transaction(sessions) as s:
        site = _site(s, code)
        report = _report(s, site, year)
        try:
            value = set_field(s, report, site, template, key, text, actor, clock())
        except ValueError as exc:  # TransitionError included
            raise CliError(str(exc)) from None
        label = template.field(key).label
    print(T.SET_DONE.format(label=label, key=key, value=shown(value)), file=out, flush=True)
    return 0


def transition(sessions: sessionmaker[Session], template: Template, code: str, year: int, action: str,
               actor: str, reason: str = "", clock: Clock = _now, out: TextIO = sys.stdout) -> int:
    with transaction(sessions) as s:
        site = _site(s, code)
        report = _report(s, site, year)
        old = report.state
        try:
            move(s, report, site, action, actor, clock(), template, reason)
        except TransitionError as exc:
            raise CliError(str(exc)) from None
        print(T.MOVED.format(name=site.name, code=code, year=year, old=T.STATE[old.value],
                             new=T.STATE[report.state.value]), file=out, flush=True)
    return 0


def export(sessions: sessionmaker[Session], template: Template, code: str, year: int, path: Path,
           out: TextIO = sys.stdout, *, fmt: str = "xlsx", font: str | None = None) -> int:
    """Write the site's report of ``year`` to ``path`` as ``fmt`` (xlsx | pdf), all or nothing."""
    from reports.files import ReportSaveError, save_atomic
    from reports.pdfkit import FontError

    with sessions() as s:
        site = _site(s, code)
        report = _report(s, site, year)
        if report.template_version != template.version:
            raise CliError(T.TEMPLATE_CHANGED.format(old=report.template_version, new=template.version))
        values = dict(report.values)
        def when(t: datetime | None) -> str:
            return cli_time(t, ZONE) if t is not None else ""
        head = head_of(site.name, site.code, site.organizer or site.name, report, published_by(s, report), when)
    try:
        if fmt == "pdf":
            save_report_pdf(path, template, values, head, font, when)
        else:
            wb = report_workbook(template, values, year=year, organizer=head.organizer, state=head.state,
                                 version=head.version)
            save_atomic(path, lambda tmp: wb.save(tmp))
    except (FontError, ReportSaveError, OSError) as exc:
        raise CliError(str(exc)) from None
    print(T.EXPORTED.format(path=path), file=out, flush=True)
    return 0


def rollup(sessions: sessionmaker[Session], year: int, region: str, path: Path, out: TextIO = sys.stdout) -> int:
    with sessions() as s:
        sites = _sites(s, None, region)
        reports = {r.site_id: r for r in s.scalars(select(AnnualReport).where(AnnualReport.year == year))}
        rows = []
        for site in sites:
            r = reports.get(site.id)
            rows.append(RollupRow(site.code, site.name, site.organizer or "", T.LEVEL_TYPE[site.level.value],
                                  r.state.value if r else "", r.values if r else {},
                                  (r.reviewer or "") if r else "",
                                  cli_time(r.updated_at, ZONE) if r else ""))
        node = s.get(Node, region)
        label = f"{node.name} {region}" if node is not None else region
    rollup_workbook(rows, year=year, region=label).save(path)
    print(T.EXPORTED.format(path=path), file=out, flush=True)
    return 0
