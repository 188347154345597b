"""The PDF exports read back with pypdf: Chinese text extracts (site names, grades, numbers), the header repeats
on every page the table breaks to, the footer carries page, version and 暂定值; the CJK font is embedded."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from reports.model import site_row, summarize
from reports.pdf import (
    FONT_CANDIDATES,
    FontError,
    city_chart,
    deduction_chart,
    find_font,
    save_bulletin_pdf,
    save_sheet_pdf,
)
from tests.reports.period_support import RESULTS, period, sheet

WQY = FONT_CANDIDATES[0]


def _pages(path: Path) -> list[str]:
    return [re.sub(r"\s+", "", p.extract_text()) for p in PdfReader(path).pages]


def _fonts(path: Path) -> list[dict[str, Any]]:
    out = []
    for page in PdfReader(path).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            desc = font.get("/FontDescriptor")
            out.append({"base": str(font["/BaseFont"]), "subtype": str(font["/Subtype"]),
                        "file": bool(desc is not None and "/FontFile2" in desc.get_object())})
    return out


def test_bulletin_text_pages_and_footer(tmp_path: Path) -> None:
    sites = period(60)
    path = save_bulletin_pdf(tmp_path / "通报.pdf", "2026Q4", [site_row(i, r) for i, r in sites])
    pages = _pages(path)
    assert len(pages) >= 3
    text = "".join(pages)
    assert "2026Q4政府网站检查情况通报" in pages[0]
    for ident, _ in sites:
        assert ident.name in text
    for n, page in enumerate(pages, 1):
        assert f"第{n}页" in page and "指标表版本2026.2" in page and "含暂定值44项" in page
    table_pages = [p for p in pages if "测试网站" in p]
    head = "序号网站名称网站类型所属市州得分等级单项否决主要问题"
    assert len(table_pages) >= 2 and all(head in p for p in table_pages)
    assert "93.2合格" in text and "不计分不合格首页不更新" in text and "100无法判定" in text
    assert "无法判定：数据不足（已有100/140次监测），暂不判定" in text
    assert "各市州合格率与平均分" in text and "暂定值清单" in text and "veto.effective_channels" in pages[-1]


def test_bulletin_summary_figures(tmp_path: Path) -> None:
    sites = period(25)
    text = "".join(_pages(save_bulletin_pdf(tmp_path / "b.pdf", "2026Q4", [site_row(i, r) for i, r in sites])))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for ident, res in sites:
        c = counts[ident.city]
        c[0] += 1
        c[1 if res["passed"] is True else 2 if res["passed"] is False else 3] += 1
    for city, (n, ok, bad, und) in counts.items():
        rate = f"{ok / (ok + bad) * 100:.1f}%" if ok + bad else "—"
        assert f"{city}{n}{ok}{bad}{und}{rate}" in text, city


def test_font_is_embedded(tmp_path: Path) -> None:
    path = save_sheet_pdf(tmp_path / "s.pdf", sheet("deducted"))
    cjk = [f for f in _fonts(path) if "WenQuanYi" in f["base"]]
    assert cjk and all(f["file"] and f["subtype"] == "/TrueType" for f in cjk)
    # the only other font is the PDF's standard Helvetica (built into every reader), never a CJK font by reference
    assert {f["base"] for f in _fonts(path) if not f["file"]} <= {"/Helvetica"}


def test_score_sheet_text(tmp_path: Path) -> None:
    text = "".join(_pages(save_sheet_pdf(tmp_path / "s.pdf", sheet("deducted"))))
    assert "湖南省人民政府门户网站评分表（2026Q4）" in text
    assert "等级合格得分93.2扣分合计6.8" in text
    assert "deductions[0]" in text and "columns[3]" in text and "各指标扣分" in text
    assert "2026Q296.5合格2026Q3不计分不合格" in text
    assert "人工扣分搜索1.51.5人工扣分0deductions[0]" in text


def test_vetoed_sheet(tmp_path: Path) -> None:
    text = "".join(_pages(save_sheet_pdf(tmp_path / "v.pdf", sheet("vetoed"))))
    assert "等级不合格得分不计分" in text and "首页不更新单项否决" in text
    assert "存在单项否决，扣分指标不计分" in text and "得分0" not in text


def test_city_chart_bars_match_the_summary() -> None:
    rows = [site_row(i, r) for i, r in period(12)]
    per_city, _ = summarize(rows)
    chart = city_chart(find_font(), per_city, 700).contents[0]
    rates, averages = chart.data
    for s, rate, avg in zip(per_city, rates, averages, strict=True):
        judged = [r for r in rows if r.city == s.city and r.passed is not None]
        expect = round(sum(r.passed is True for r in judged) / len(judged) * 100, 1) if judged else None
        assert rate == expect and avg == s.average
    assert list(chart.categoryAxis.categoryNames) == [s.city for s in per_city]


def test_deduction_chart_bars() -> None:
    chart = deduction_chart(find_font(), RESULTS["deducted"], 500).contents[0]
    deducted, points = chart.data
    names = list(chart.categoryAxis.categoryNames)
    assert dict(zip(names, deducted, strict=True))["搜索"] == 1.5 and dict(zip(names, points, strict=True))["搜索"] == 4
    assert names[-1] == "概况信息"  # drawn from the top: the table's first indicator is the last category


def test_missing_font_names_every_path_tried(tmp_path: Path) -> None:
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font")
    with pytest.raises(FontError) as exc:
        find_font(candidates=[tmp_path / "none.ttc", junk])
    msg = str(exc.value)
    assert "找不到可嵌入 PDF 的中文字体" in msg and f"{tmp_path / 'none.ttc'}（文件不存在）" in msg
    assert f"{junk}（无法使用：" in msg and "fonts-wqy-microhei" in msg
    # an explicit path is the only one tried: a typo never falls back silently
    with pytest.raises(FontError, match=r"已尝试：/nope\.ttf（文件不存在）。"):
        find_font("/nope.ttf")
    out = tmp_path / "x.pdf"
    with pytest.raises(FontError):
        save_sheet_pdf(out, sheet(), font_path=junk)
    assert not out.exists() and list(tmp_path.iterdir()) == [junk]


@pytest.mark.skipif(not Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").is_file(),
                    reason="fonts-noto-cjk not installed")
def test_noto_cff_is_refused_with_its_reason() -> None:
    with pytest.raises(FontError, match="postscript outlines are not supported"):
        find_font("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def test_explicit_font(tmp_path: Path) -> None:
    path = save_sheet_pdf(tmp_path / "s.pdf", sheet("clean"), font_path=str(WQY))
    assert any("WenQuanYi" in f["base"] and f["file"] for f in _fonts(path))


def test_200_sites(tmp_path: Path) -> None:
    path = save_bulletin_pdf(tmp_path / "p.pdf", "2026Q4", [site_row(i, r) for i, r in period(200)])
    pages = _pages(path)
    assert "娄底市测试网站199" in "".join(pages) and f"第{len(pages)}页" in pages[-1]


def test_empty_and_all_vetoed_periods(tmp_path: Path) -> None:
    assert "本期暂无网站评分结果" in "".join(_pages(save_bulletin_pdf(tmp_path / "e.pdf", "2026Q4", [])))
    rows = [site_row(ident, RESULTS["vetoed"]) for ident, _ in period(3)]
    text = "".join(_pages(save_bulletin_pdf(tmp_path / "v.pdf", "2026Q4", rows)))
    assert "合计303" in text and "0.0%—0" in text  # judged and failed: 0 %, and no average (not 0)
    chart = city_chart(find_font(), summarize(rows)[0], 700).contents[0]
    assert chart.data[1] == [None, None, None]
