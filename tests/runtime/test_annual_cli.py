"""``app.py annual``: a demo-like site end to end on SQLite and PostgreSQL — registry, an ingested access log,
the identity check's facts, security findings, a new-media account and pages served on loopback → fill → hand
entries → review → publish → export, read back with openpyxl; and the provincial roll-up."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from annual.template import load_template
from core.cli import CliError
from core.severity import Severity
from db.models import Column, ColumnKind, Finding, NewMediaAccount, Platform, RunStatus, Site
from db.session import transaction
from inspection.findings import fingerprint, record_run
from newmedia.base import AccountActivity
from newmedia.store import merge
from runtime.annual_cli import export, export_format, fill, rollup, set_value, show, transition
from runtime.cli import COMMANDS, build_parser
from runtime.traffic_cli import ingest
from tests.annual.support import consultation_page, daily, news_pages, serve
from tests.collectors.support import seed_registry
from webread.addresses import AddressPolicy
from webread.fetch import Fetcher

UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
T0 = datetime(2026, 12, 31, 2, 0, tzinfo=UTC)


def _clock() -> datetime:
    return T0


@pytest.fixture
def site(migrated_db: tuple[str, sessionmaker[Session]], tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], str]]:
    _, factory = migrated_db
    pages = {**news_pages(daily(date(2026, 12, 20), 12, step=28) + daily(date(2025, 12, 1), 5)),
             "/zx/": consultation_page([(date(2026, 3, 1), date(2026, 3, 3)), (date(2026, 6, 1), date(2026, 6, 5)),
                                        (date(2025, 11, 1), date(2025, 11, 2))]),
             "/": "<html><body>首页</body></html>"}
    with serve(pages) as base:
        with transaction(factory) as s:
            seed_registry(s, {"X1": base + "/", "C1": "https://c1.example.gov.cn/"})
            x1 = s.scalars(select(Site).where(Site.code == "X1")).one()
            x1.organizer = "芙蓉区人民政府办公室"
            s.add_all([Column(site_id=x1.id, name="政务动态", kind=ColumnKind.NEWS, url=base + "/news/"),
                       Column(site_id=x1.id, name="政务咨询", kind=ColumnKind.CONSULTATION, url=base + "/zx/")])
            s.flush()
            record_run(s, x1.id, "identity", as_of=T0, started_at=T0, finished_at=T0, status=RunStatus.OK,
                       facts={"site_code": "X1", "icp": "湘ICP备05001234号-1", "psb": "湘公网安备 43010202000123号",
                              "found_in": "footer"})
            record_run(s, x1.id, "defacement", as_of=T0, started_at=datetime(2026, 5, 1, tzinfo=UTC),
                       finished_at=datetime(2026, 5, 1, tzinfo=UTC), status=RunStatus.OK)
            for i, resolved in enumerate((datetime(2026, 5, 3, tzinfo=UTC), None, None)):
                s.add(Finding(site_id=x1.id, check="defacement", kind="defaced", location=f"{base}/p{i}",
                              fingerprint=fingerprint("defacement", "defaced", f"p{i}"), severity=Severity.CRITICAL,
                              detail="页面被篡改", evidence={}, first_seen=datetime(2026, 5, 1, tzinfo=UTC),
                              last_seen=datetime(2026, 5, 2, tzinfo=UTC), resolved_at=resolved))
            acct = NewMediaAccount(platform=Platform.WECHAT, account_id="gh_1", name="芙蓉发布", node_code="430102",
                                   site_id=x1.id)
            s.add(acct)
            s.flush()
            merge(s, acct.id, AccountActivity(as_of=T0, source="stats_import", followers=5321))
        log = tmp_path / "access.log"
        log.write_text("".join(f'10.0.0.{i} - - [{d:02d}/Mar/2026:10:00:00 +0800] "GET /news/ HTTP/1.1" 200 1 "-" '
                               f'"{UA}"\n' for d in (1, 2) for i in range(1, 4)))
        assert ingest(factory, [log], site="X1", out=io.StringIO(), err=io.StringIO()) == 0
        yield factory, base


def _fill(factory: sessionmaker[Session], base: str, **kw: object) -> str:
    out = io.StringIO()
    fill(factory, load_template(), 2026, actor="filler", out=out, clock=_clock,
         make_fetcher=lambda: Fetcher(timeout=5.0, policy=AddressPolicy(registered=[base])), **kw)  # type: ignore[arg-type]
    return out.getvalue()


def test_fill_review_publish_export(site: tuple[sessionmaker[Session], str], tmp_path: Path) -> None:
    factory, base = site
    t = load_template()
    text = _fill(factory, base, site="X1")
    assert "[1/1] 测试网站X1（X1）：自动 " in text and "2026 年年度报表：填报 1 个网站，跳过 0 个" in text
    out = io.StringIO()
    show(factory, t, "X1", 2026, out=out)
    shown = out.getvalue()
    assert "网站总访问量（pv）：6 次  [自动] 访问日志：2/365 天有日志数据" in shown
    assert "ICP备案号（icp）：湘ICP备05001234号-1  [自动] 网站标识检查 2026-12-31 在页面底部读到" in shown
    assert "政务动态信息更新量（info_news）：12 条  [自动] 栏目 政务动态 中日期在 2026 年的条目共 12 条" in shown
    assert "收到留言数量（msg_received）：2 条  [自动]" in shown
    assert "平均办理时间（msg_avg_days）：3 天  [自动]" in shown
    assert "发现问题数量（sec_found）：3 个  [自动]" in shown and "问题整改数量（sec_fixed）：1 个  [自动]" in shown
    assert "政务微信名称（nm_wechat_name）：芙蓉发布  [自动]" in shown
    assert "政务微信订阅数（nm_wechat_followers）：5321 个  [自动]" in shown
    assert "政务微博名称（nm_weibo_name）：（空）  [未能取得] 未登记本网站的 微博 账号" in shown
    assert "信息公开目录信息更新量（info_catalog）：（空）  [未能取得] 未登记 通知公告" in shown
    assert "单位负责人（unit_head）：（空）  [未能取得] 平台无此数据，须手工填报" in shown
    with pytest.raises(CliError, match="以下字段未能取得"):
        transition(factory, t, "X1", 2026, "submit", "filler", out=io.StringIO())
    with pytest.raises(CliError, match="应为非负整数"):
        set_value(factory, t, "X1", 2026, "info_overview", "三", "filler", out=io.StringIO())
    with factory() as s:
        from annual.workflow import find

        x1 = s.scalars(select(Site).where(Site.code == "X1")).one()
        report = find(s, x1.id, 2026)
        assert report is not None
        missing = [k for k, v in report.values.items() if v["value"] is None and t.field(k).source.kind != "sum"]
    for key in missing:
        f = t.field(key)
        value = {"int": "7", "bool": "是", "date": "2027-01-20", "text": f"填{key}"}.get(f.type) or f.choices[0]
        set_value(factory, t, "X1", 2026, key, value, "filler", clock=_clock, out=io.StringIO())
    set_value(factory, t, "X1", 2026, "unit_head", "张主任", "filler", clock=_clock, out=io.StringIO())
    transition(factory, t, "X1", 2026, "submit", "filler", clock=_clock, out=io.StringIO())
    again = _fill(factory, base, site="X1")
    assert "报表状态为“已提交”，未重新填报" in again
    transition(factory, t, "X1", 2026, "review", "boss", clock=_clock, out=io.StringIO())
    out = io.StringIO()
    transition(factory, t, "X1", 2026, "publish", "boss", clock=_clock, out=out)
    assert out.getvalue().strip() == "测试网站X1（X1）2026 年年度报表：已审核 → 已发布"

    xlsx = tmp_path / "x1.xlsx"
    export(factory, t, "X1", 2026, xlsx, out=io.StringIO())
    ws = load_workbook(xlsx).active
    assert ws is not None
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][0] == "政府网站工作年度报表（2026年度）"
    assert "芙蓉区人民政府办公室" in rows[1][0] and "已发布" in rows[1][0]
    by_label = {r[0]: r for r in rows if r[0]}
    assert by_label["网站总访问量（次）"][1] == 6 and by_label["网站总访问量（次）"][2].startswith("自动：访问日志")
    assert "（仅 2/365 天有数据）" in by_label["网站总访问量（次）"][2]
    assert by_label["公安机关备案号"][1] == "湘公网安备 43010202000123号"
    assert by_label["政务动态信息更新量（条）"][1] == 12
    assert by_label["信息发布总数（条）"][1] == 12 + 7 + 7  # news + overview and catalogue entered by hand
    assert by_label["概况类信息更新量（条）"][2].startswith("手工填报：filler 于")
    manual_row = next(r for r in ws.iter_rows() if r[0].value == "概况类信息更新量（条）")
    assert manual_row[1].fill.fgColor.rgb.endswith("FFF2CC")
    assert by_label["安全防护"] == ["安全防护", None, None]
    footer = next(r[0] for r in rows if r[0] and str(r[0]).startswith("单位负责人："))
    assert "单位负责人：张主任" in footer and "填报人：填preparer" in footer and "填报日期：2027-01-20" in footer
    assert rows[-1][0].startswith("手工填报：单位负责人、审核人、填报人")

    pdf = tmp_path / "x1.pdf"
    export(factory, t, "X1", 2026, pdf, out=io.StringIO(), fmt="pdf")
    text = "".join(re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(pdf).pages)
    assert "状态：已发布" in text and "提交：filler，2026-12-3110:00北京时间" in text
    assert "审核：boss，2026-12-3110:00北京时间" in text and "发布：boss，2026-12-3110:00北京时间" in text
    assert "网站总访问量（次）6自动：访问日志" in text
    assert "概况类信息更新量（条）7【手工】手工：filler，2026-12-3110:00北京时间" in text
    assert "信息发布总数（条）26自动" in text and "单位负责人：张主任【手工】" in text
    assert "未填报0项" in text and text.count("未填报") == 2  # every field filled: only the count and the legend

    roll = tmp_path / "roll.xlsx"
    rollup(factory, 2026, "430100", roll, out=io.StringIO())
    ws = load_workbook(roll).active
    assert ws is not None
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][0] == "2026 年政府网站工作年度报表汇总（长沙市 430100）"
    assert rows[2][:8] == ["C1", "测试网站C1", None, "政府门户网站", "未填报", None, None, None]
    assert rows[3][:10] == ["X1", "测试网站X1", "芙蓉区人民政府办公室", "政府门户网站", "已发布", 6, 6, 26, 2, 2]
    assert rows[3][12:14] == [0, "boss"]


def test_scoping_and_refusals(site: tuple[sessionmaker[Session], str], tmp_path: Path) -> None:
    factory, base = site
    t = load_template()
    assert "annual" in COMMANDS
    args = build_parser().parse_args(["annual", "fill", "--year", "2026", "--region", "430102", "--no-crawl"])
    assert (args.annual_cmd, args.year, args.region, args.no_crawl) == ("fill", 2026, "430102", True)
    args = build_parser().parse_args(["annual", "return", "--site", "X1", "--year", "2026", "--reason", "不全"])
    assert (args.annual_cmd, args.reason) == ("return", "不全")
    text = _fill(factory, base, region="430102")  # the county: its own site only
    assert "[1/1] 测试网站X1（X1）" in text
    with transaction(factory) as s:  # a second site whose column is read in the same run
        c1 = s.scalars(select(Site).where(Site.code == "C1")).one()
        s.add(Column(site_id=c1.id, name="要闻", kind=ColumnKind.NEWS, url=base + "/news/"))
    text = _fill(factory, base, region="430100")  # the city: its own sites and its counties'
    assert "[1/2] 测试网站C1（C1）：自动 5 项" in text and "[2/2] 测试网站X1（X1）：自动 17 项" in text
    out = io.StringIO()
    show(factory, t, "C1", 2026, out=out)
    assert "政务动态信息更新量（info_news）：12 条  [自动] 栏目 要闻 中日期在 2026 年的条目共 12 条" in out.getvalue()
    with pytest.raises(CliError, match="网站 C1 不在区域 430102 内"):
        _fill(factory, base, site="C1", region="430102")
    with pytest.raises(CliError, match="区域代码 43 无效"):
        _fill(factory, base, region="43")
    with pytest.raises(CliError, match="网站标识码 ZZ 未登记"):
        show(factory, t, "ZZ", 2026, out=io.StringIO())
    with pytest.raises(CliError, match="网站 C1 的 2025 年年度报表不存在"):
        export(factory, t, "C1", 2025, tmp_path / "c1.xlsx", out=io.StringIO())
    out = io.StringIO()
    fill(factory, t, 2026, site="X1", uv_mode="distinct", out=out, clock=_clock)
    show(factory, t, "X1", 2026, out=out)
    assert "独立用户访问总量（uv）：3 个  [自动] 访问日志：2/365 天有日志数据（独立访客口径：全期去重）" \
        in out.getvalue()
    fill(factory, t, 2026, site="C1", make_fetcher=None, out=out, clock=_clock)  # --no-crawl: said, not zero
    show(factory, t, "C1", 2026, out=out)
    assert "政务动态信息更新量（info_news）：（空）  [未能取得] 未读取栏目" in out.getvalue()
    assert "网站总访问量（pv）：（空）  [未能取得] 2026 年没有导入任何访问日志" in out.getvalue()
    assert "ICP备案号（icp）：（空）  [未能取得] 网站标识检查尚未成功运行过" in out.getvalue()
    assert "发现问题数量（sec_found）：（空）  [未能取得] 检查 defacement、page_tampering 在 2026 年没有成功运行过" \
        in out.getvalue()


def test_export_format_from_suffix_or_flag(tmp_path: Path) -> None:
    assert export_format(tmp_path / "a.PDF", None) == "pdf" and export_format(tmp_path / "a.xlsx", "xlsx") == "xlsx"
    with pytest.raises(CliError, match=r"导出文件应以 \.xlsx 或 \.pdf 结尾"):
        export_format(tmp_path / "a.docx", None)
    with pytest.raises(CliError, match=r"--format pdf 与文件后缀 \.xlsx 不符"):
        export_format(tmp_path / "a.xlsx", "pdf")
