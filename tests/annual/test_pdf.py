"""The yearly report's PDF read back with pypdf: the national template's sections and fields in the Excel export's
order, values with their origin, 【手工】 on hand-entered values, 未填报 (never blank, never 0) on missing ones, the
state and the workflow's who and when, the footer on every page; the CJK font embedded."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from annual.export import FOOTER, report_workbook
from annual.fill import Figure, ManualEntry, fill
from annual.pdf import ReportHead, head_lines, save_report_pdf, value_text
from annual.template import Template, load_template
from reports.pdfkit import FONT_CANDIDATES

pytestmark = pytest.mark.skipif(not FONT_CANDIDATES[0].is_file(), reason="fonts-wqy-microhei is not installed")


def _text(path: Path) -> tuple[list[str], str]:
    pages = [re.sub(r"\s+", "", p.extract_text()) for p in PdfReader(path).pages]
    return pages, "".join(pages)


def _values(t: Template) -> dict[str, dict[str, Any]]:
    figures = {src.text: Figure(None, "未登记") for src in t.sources}
    figures |= {"registry.name": Figure("芙蓉区人民政府门户网站", "网站登记信息：网站名称"),
                "registry.code": Figure("4301020001", "网站登记信息：标识码"),
                "traffic.pv": Figure(123456, "访问日志：200/365 天有日志数据", "200/365"),
                "columns:news": Figure(0, "栏目 政务动态 中日期在 2026 年的条目共 0 条")}
    manual = {"info_overview": ManualEntry(17, "editor1", "2026-12-20T10:00:00+08:00"),
              "svc_catalogue": ManualEntry(True, "editor1", "2026-12-20T10:05:00+08:00"),
              "unit_head": ManualEntry("张主任", "editor1", "2026-12-20T10:06:00+08:00")}
    return fill(t, figures, manual)


HEAD = ReportHead("芙蓉区人民政府门户网站", "4301020001", "芙蓉区人民政府办公室", 2026, "published", "2026.1",
                  submitted=("editor1", "2026-12-21 09:00 北京时间"),
                  reviewed=("reviewer1", "2026-12-22 15:30 北京时间"),
                  published=("reviewer1", "2026-12-23 08:00 北京时间"))


def test_pdf_has_every_field_in_the_excel_order(tmp_path: Path) -> None:
    t = load_template()
    values = _values(t)
    path = save_report_pdf(tmp_path / "年报.pdf", t, values, HEAD)
    _, text = _text(path)
    assert text.startswith("政府网站工作年度报表（2026年度）")
    wb = report_workbook(t, values, year=2026, organizer=HEAD.organizer, state=HEAD.state, version=HEAD.version)
    ws = wb.active
    assert ws is not None
    labels = [str(r[0].value) for r in ws.iter_rows(min_row=4) if r[0].value and not str(r[0].value)
              .startswith(("单位负责人：", "手工填报："))]
    at = 0
    for label in labels:  # every section and field of the workbook, in the same order
        found = text.find(re.sub(r"\s+", "", label), at)
        assert found >= 0, label
        at = found
    for f in t.in_section(FOOTER):
        assert f.label + "：" in text


def test_values_marks_and_missing(tmp_path: Path) -> None:
    t = load_template()
    path = save_report_pdf(tmp_path / "r.pdf", t, _values(t), HEAD)
    _, text = _text(path)
    assert "网站总访问量（次）123456自动：访问日志：200/365天有日志数据（仅200/365天有数据）" in text
    assert "概况类信息更新量（条）17【手工】手工填报：editor1于2026-12-20T10:00:00+08:00手工填报" in text
    assert "是否发布服务事项目录是【手工】" in text
    assert "政务动态信息更新量（条）0自动：" in text  # a true zero stays a zero …
    assert "政务微博名称未填报未能取得：未登记" in text  # … a missing value is never blank nor 0
    assert "信息发布总数（条）未填报未能取得：由" in text
    assert "单位负责人：张主任【手工】" in text and "填报人：未填报" in text
    assert "状态：已发布" in text and "提交：editor1，2026-12-2109:00北京时间" in text
    assert "审核：reviewer1，2026-12-2215:30北京时间" in text and "发布：reviewer1，2026-12-2308:00北京时间" in text
    assert "共61项：自动取得4项，手工填报3项，未填报54项" in text


def test_footer_pages_and_embedded_font(tmp_path: Path) -> None:
    t = load_template()
    path = save_report_pdf(tmp_path / "r.pdf", t, _values(t), HEAD)
    pages, _ = _text(path)
    assert len(pages) >= 2
    for n, page in enumerate(pages, 1):
        assert f"芙蓉区人民政府门户网站（4301020001）模板版本2026.1第{n}页" in page
        assert page.count("项目内容来源") == 1  # the header repeats on every page the table breaks to
    fonts = [ref.get_object() for p in PdfReader(path).pages for ref in p["/Resources"]["/Font"].values()]
    assert any("/FontFile2" in f["/FontDescriptor"].get_object() for f in fonts if "/FontDescriptor" in f)


def test_head_lines_say_only_what_happened() -> None:
    draft = ReportHead("站", "C1", "", 2026, "draft", "2026.1")
    assert head_lines(draft) == ["网站：站（C1）    填报单位：站", "状态：草稿    模板版本：2026.1"]
    back = ReportHead("站", "C1", "办", 2026, "returned", "2026.1", submitted=("a", "t1"),
                      returned=("b", "t2", "缺数据"))
    assert head_lines(back)[2:] == ["提交：a，t1", "退回：b，t2；原因：缺数据"]
    assert value_text({"status": "missing", "value": None}) == "未填报"
    assert value_text({"status": "auto", "value": 0}, "条") == "0 条"
    assert value_text({"status": "manual", "value": ["a", "b"]}, "个") == "a、b【手工】"


def test_hand_entries_never_become_formulas(tmp_path: Path) -> None:
    import zipfile

    t = load_template()
    values = _values(t)
    values["innovation"] = {"status": "manual", "value": '=HYPERLINK("http://x","点")', "by": "e", "at": "t",
                            "note": "e 于 t 手工填报"}
    values["unit_head"] = {"status": "manual", "value": "=1+1", "by": "e", "at": "t", "note": ""}
    wb = report_workbook(t, values, year=2026, organizer="办", state="draft", version="2026.1")
    wb.save(tmp_path / "r.xlsx")
    with zipfile.ZipFile(tmp_path / "r.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    path = save_report_pdf(tmp_path / "r.pdf", t, values, HEAD)
    assert '=HYPERLINK("http://x","点")【手工】' in _text(path)[1]
