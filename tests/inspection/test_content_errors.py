"""content_errors: finding building, visible text, PDF/DOCX/XLSX extraction, and the check on a loopback site."""

from __future__ import annotations

import asyncio
import io
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from inspection.base import CHECKS, CheckContext, CheckError, Severity, SiteTarget
from inspection.checks.content_errors import ContentErrors, Settings, findings_for, visible_text
from inspection.dictionary import Entry, Hit, load_dictionary
from inspection.fingerprint import PLATFORM_DOMAINS
from inspection.lexicon import load_lexicon
from inspection.nearmiss import NearMiss, Substitution, Term
from inspection.textextract import (
    ExtractError,
    attachment_type,
    docx_text,
    html_text,
    page_links,
    pdf_text,
    xlsx_text,
)
from webread.addresses import AddressPolicy
from webread.fetch import Fetcher

ROOT = Path(__file__).resolve().parents[2]
DICTIONARY = ROOT / "data" / "inspection" / "dictionary.toml"
AS_OF = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def cjk_pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` with a Type0 font whose ToUnicode map makes it extractable."""
    chars = list(dict.fromkeys(text))
    cid = {c: i + 1 for i, c in enumerate(chars)}
    content = f"BT /F1 12 Tf 10 100 Td <{''.join(f'{cid[c]:04X}' for c in text)}> Tj ET".encode()
    bf = "".join(f"<{cid[c]:04X}> <{ord(c):04X}>\n" for c in chars)
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /U def /CMapType 2 def\n"
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"{len(chars)} beginbfchar\n{bf}endbfchar endcmap CMapName currentdict /CMap defineresource pop end end"
            ).encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 200] /Resources << /Font << /F1 4 0 R >> >> "
            b"/Contents 5 0 R >>",
            b"<< /Type /Font /Subtype /Type0 /BaseFont /Demo /Encoding /Identity-H /DescendantFonts [6 0 R] "
            b"/ToUnicode 7 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Demo /CIDSystemInfo << /Registry (Adobe) "
            b"/Ordering (Identity) /Supplement 0 >> >>",
            b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def docx_bytes(*paragraphs: str, cell: str = "") -> bytes:
    from docx import Document

    doc = Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    if cell:
        doc.add_table(rows=1, cols=1).cell(0, 0).text = cell
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def xlsx_bytes(*rows: tuple[object, ...]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_xlsx_text() -> None:
    assert xlsx_text(xlsx_bytes(("序号", "单位"), (1, "国务院办公听"))) == "序号\t单位\n国务院办公听"
    assert len(xlsx_text(xlsx_bytes(*[("字" * 100,)] * 50), max_chars=1000)) == 1000
    with pytest.raises(ExtractError, match=r"a\.xlsx: unreadable XLSX"):
        xlsx_text(b"PK not a zip", "a.xlsx")


def test_pdf_and_docx_text() -> None:
    assert pdf_text(cjk_pdf("会议要求推进一路一带建设")) == "会议要求推进一路一带建设"
    assert "国务院总里" in docx_text(docx_bytes("第一段", cell="据报道，国务院总里主持会议"))
    with pytest.raises(ExtractError, match=r"附件\.pdf: unreadable PDF"):
        pdf_text(b"%PDF-1.4 garbage", "附件.pdf")
    with pytest.raises(ExtractError, match=r"a\.docx: unreadable DOCX"):
        docx_text(b"PK not a zip", "a.docx")


@pytest.mark.parametrize(("url", "ctype", "kind"), [
    ("http://a.gov.cn/P0201.pdf", "", "pdf"), ("http://a.gov.cn/x/附件.DOCX", "", "docx"),
    ("http://a.gov.cn/down?id=3", "application/pdf", "pdf"), ("http://a.gov.cn/a.doc", "", None),
    ("http://a.gov.cn/t/表.xlsx", "", "xlsx"),
    ("http://a.gov.cn/a.html", "text/html", None),
])
def test_attachment_type(url: str, ctype: str, kind: str | None) -> None:
    assert attachment_type(url, ctype) == kind


def test_html_text_and_links_skip_scripts_and_fragments() -> None:
    html = ('<html><head><title>标题</title><script>var a="六合彩";</script><style>p{}</style></head><body>'
            '<p>正文一</p><a href="/b.html#top">链接</a><a href="javascript:void(0)">x</a><a href="b.html">重复</a>'
            "</body></html>")
    assert html_text(html) == "标题\n正文一\n链接\nx\n重复"
    assert page_links(html, "http://a.gov.cn/") == ["http://a.gov.cn/b.html"]


def test_visible_text_leaves_out_hidden_offsite_links_only() -> None:
    html = ('<body><p>要闻</p><div style="display:none"><a href="http://hg.example/">皇冠娱乐城</a></div>'
            '<ul style="display:none"><li><a href="/t1.html">打击娱乐城赌博专项行动</a></li></ul></body>')
    text = visible_text(html, "http://a.gov.cn/", "http://a.gov.cn/", PLATFORM_DOMAINS)
    assert "皇冠娱乐城" not in text and "打击娱乐城赌博专项行动" in text


def test_findings_one_per_kind_and_document() -> None:
    e1 = Entry("wrong_formulation", "一路一带", "一带一路", "critical")
    e2 = Entry("wrong_formulation", "不忘出心", "不忘初心", "high")
    e3 = Entry("banned_word", "六合彩", "", "medium")
    hits = {("wrong_formulation", "http://a/1.html"): [Hit(e2, "不忘出心", 0, 4, "…不忘出心…"),
                                                       Hit(e1, "一路 一带", 9, 14, "…一路 一带…")],
            ("banned_word", "http://a/f.pdf"): [Hit(e3, "六合彩", 3, 6, "最新六合彩开奖")]}
    a, b = findings_for(hits, "v9", {"http://a/f.pdf": "http://a/1.html"})
    assert (a.kind, a.location, a.severity, a.veto) == ("banned_word", "http://a/f.pdf", Severity.MEDIUM, False)
    assert a.evidence["linked_from"] == "http://a/1.html" and a.evidence["dictionary_version"] == "v9"
    assert a.detail == "出现敏感词：“六合彩”"
    assert (b.kind, b.severity, b.veto, b.evidence["count"]) == ("wrong_formulation", Severity.CRITICAL, True, 2)
    assert b.evidence["matched"] == "不忘出心" and b.evidence["expected"] == "不忘初心"
    assert b.detail == "规范表述错误：“不忘出心”应为“不忘初心”（本页共 2 处）"


def test_near_miss_findings_say_what_it_should_read() -> None:
    term = Term("湘潭市", "division", "high")
    miss = NearMiss(term, "湘谭市", 3, 6, "近日，湘谭市召开",
                    (Substitution(1, "谭", "潭", ("homophone", "lookalike")),))
    name = NearMiss(Term("国务院办公厅", "state_organ"), "国务院办公听", 0, 6, "国务院办公听印发",
                    (Substitution(5, "听", "厅", ("homophone",)),))
    a, b = findings_for({("misspelt_place", "http://a/1.html"): [miss, miss],
                         ("misspelt_name", "http://a/t.xlsx"): [name]}, "d1", {"http://a/t.xlsx": "http://a/2.html"},
                        lexicon_version="2026.1+abcd1234")
    assert (a.kind, a.severity, a.veto) == ("misspelt_name", Severity.CRITICAL, True)
    assert a.detail == "疑似名称错别字：“国务院办公听”应为“国务院办公厅”（“听”与“厅”同音）"
    assert a.evidence["linked_from"] == "http://a/2.html" and a.evidence["term_class"] == "state_organ"
    assert (b.kind, b.severity, b.veto, b.evidence["count"]) == ("misspelt_place", Severity.HIGH, False, 2)
    assert b.detail == "疑似行政区划名称错别字：“湘谭市”应为“湘潭市”（“谭”与“潭”同音且形近）（本页共 2 处）"
    assert b.evidence["confusion"] == ["homophone", "lookalike"] and b.evidence["expected"] == "湘潭市"
    assert b.evidence["lexicon_version"] == "2026.1+abcd1234" and "dictionary_version" not in b.evidence


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PAGES = {
    "/": '<html><body><a href="/ywdt/index.html">要闻动态</a><a href="/a1.html">文章一</a>'
         '<a href="/gone.html">失效</a><a href="http://127.0.0.9:9/x.html">站外</a></body></html>',
    "/ywdt/index.html": '<html><body><ul><li><a href="/a2.html">文章二</a></li></ul></body></html>',
    "/a1.html": '<html><body><p>各地要坚定不移推进一路一带建设。</p><a href="/f/1.pdf">附件1</a>'
                '<a href="/f/2.docx">附件2</a><a href="/f/bad.pdf">附件3</a><a href="/f/big.pdf">附件4</a>'
                "</body></html>",
    "/a2.html": "<html><body><p>深入学习贯彻党的二十大精神，严厉打击六合彩赌博。</p>"
                '<a href="/f/3.xlsx">附件5</a><p>近日，湘谭市召开会议，国务院总里出席。</p></body></html>',
}


@pytest.fixture
def site() -> str:
    port = _free_port()
    app = web.Application()

    async def handle(request: web.Request) -> web.StreamResponse:
        path = request.path
        if path in PAGES:
            return web.Response(text=PAGES[path], content_type="text/html", charset="utf-8")
        if path == "/f/1.pdf":
            return web.Response(body=cjk_pdf("据报道国务院总里出席会议"), content_type="application/pdf")
        if path == "/f/3.xlsx":
            return web.Response(body=xlsx_bytes(("单位", "国务院办公听")), content_type="application/octet-stream")
        if path == "/f/2.docx":
            return web.Response(body=docx_bytes("最新六合彩开奖结果"), content_type="application/octet-stream")
        if path == "/f/bad.pdf":
            return web.Response(body=b"%PDF-1.4 broken", content_type="application/pdf")
        if path == "/f/big.pdf":
            return web.Response(body=b"%PDF-1.4 " + b"0" * 300_000, content_type="application/pdf")
        return web.Response(status=404, text="not found")

    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    import threading

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def _run(url: str, settings: Settings) -> object:
    async def main() -> object:
        fetcher = Fetcher(timeout=5.0, policy=AddressPolicy(registered=[url]))
        try:
            check = ContentErrors(CheckContext(config=None, settings=settings, fetcher=fetcher))
            return await check.run(SiteTarget("4300000099", "测试站", url, "county_portal", "430100", "430100"),
                                   AS_OF, timeout=20.0)
        except CheckError as exc:
            return exc
        finally:
            await fetcher.aclose()
    return asyncio.run(main())


def test_check_scans_pages_and_attachments(site: str) -> None:
    assert CHECKS.get("content_errors") is ContentErrors
    result = _run(site, Settings(max_attachment_bytes=200_000))
    got = {(f.kind, f.location.removeprefix(site)) for f in result.findings}  # type: ignore[attr-defined]
    # a2.html: "党的二十大" is right and "打击六合彩" is on the allow-list; 湘谭市 and the XLSX's 国务院办公听
    # are slips of lexicon terms no dictionary lists; 国务院总里 is listed, so it is not reported twice.
    assert got == {("wrong_formulation", "a1.html"), ("wrong_name", "f/1.pdf"), ("banned_word", "f/2.docx"),
                   ("misspelt_place", "a2.html"), ("wrong_name", "a2.html"), ("misspelt_name", "f/3.xlsx")}
    stats = result.stats  # type: ignore[attr-defined]
    assert stats["pages"] == 4 and stats["pages_failed"] == 1
    assert stats["attachments"] == 3 and stats["attachments_failed"] == 2  # broken and oversized PDFs
    version = load_dictionary(DICTIONARY).version
    lexicon = load_lexicon(ROOT / "data" / "inspection" / "lexicon", ROOT).version
    for f in result.findings:  # type: ignore[attr-defined]
        key = "lexicon_version" if f.kind.startswith("misspelt_") else "dictionary_version"
        assert f.evidence[key] == (lexicon if key == "lexicon_version" else version)
    [xlsx] = [f for f in result.findings if f.kind == "misspelt_name"]  # type: ignore[attr-defined]
    assert xlsx.evidence["matched"] == "国务院办公听" and xlsx.evidence["linked_from"] == site + "a2.html"


def test_near_miss_can_be_switched_off(site: str) -> None:
    result = _run(site, Settings(max_attachment_bytes=200_000, near_miss=False))
    assert not [f for f in result.findings if f.kind.startswith("misspelt_")]  # type: ignore[attr-defined]


def test_check_respects_page_budget(site: str) -> None:
    result = _run(site, Settings(max_pages=2, max_attachments=0))
    assert result.stats["pages"] == 2  # type: ignore[attr-defined]


def test_unreachable_homepage_is_check_error() -> None:
    result = _run(f"http://127.0.0.1:{_free_port()}/", Settings())
    assert isinstance(result, CheckError) and "连接被拒绝" in str(result)
