"""The reportlab machinery every PDF of the product shares: the embedded CJK font, paragraph styles, wrapped
tables that break across pages with their header repeated, and the page footer; written all or nothing.

- :func:`find_font` — the CJK font file to embed: an explicit path (argument or config ``reports.pdf_font``)
  or the first usable of :data:`FONT_CANDIDATES` (Debian's fonts-wqy-microhei, then fonts-noto-cjk).
  reportlab embeds TrueType outlines only: Noto CJK's collections carry CFF (PostScript) outlines and are
  refused with that reason. Raises :class:`FontError` (Chinese, naming every path tried and why).
- :func:`table` — a table of wrapped paragraphs; :func:`build` — the document with a footer on every page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle
from reportlab.platypus.doctemplate import BaseDocTemplate

from core.i18n import reports as T
from reports.files import save_atomic

FONT_CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),  # fonts-wqy-microhei: TrueType outlines
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),  # fonts-wqy-zenhei
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),  # fonts-noto-cjk: CFF, refused by reportlab
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
)
HEAD_BG = colors.HexColor("#DDE5F0")
FAIL_RED = colors.HexColor("#B00020")
GRID = colors.HexColor("#999999")
_REGISTERED: dict[Path, str] = {}


class FontError(RuntimeError):
    """No usable CJK font; the message is Chinese and names every path tried."""


def _register(path: Path) -> str:
    """The reportlab font name of ``path`` (registered once per process); raises TTFError/OSError."""
    path = path.resolve()
    if path not in _REGISTERED:
        name = "GovOpsCJK-" + hashlib.sha1(str(path).encode()).hexdigest()[:8]
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
        _REGISTERED[path] = name
    return _REGISTERED[path]


def find_font(explicit: str | Path | None = None, candidates: Sequence[Path] = FONT_CANDIDATES) -> str:
    """Register and return the font to embed: ``explicit`` alone when given, else the first usable candidate."""
    tried: list[str] = []
    for path in [Path(explicit)] if explicit else list(candidates):
        if not path.is_file():
            tried.append(T.FONT_TRIED.format(path=path, why=T.FONT_NOT_FOUND))
            continue
        try:
            return _register(path)
        except (TTFError, OSError, ValueError, KeyError) as exc:
            tried.append(T.FONT_TRIED.format(path=path, why=T.FONT_UNUSABLE.format(error=exc)))
    raise FontError(T.FONT_MISSING.format(tried="；".join(tried)))


class Styles:
    """The paragraph styles of a document in ``font``."""

    def __init__(self, font: str) -> None:
        self.font = font
        self.title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1, spaceAfter=6)
        self.h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
        self.body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
        self.cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10.5, wordWrap="CJK")
        self.fail = ParagraphStyle("fail", parent=self.cell, textColor=FAIL_RED)
        self.note = ParagraphStyle("note", fontName=font, fontSize=8, leading=11, wordWrap="CJK",
                                   textColor=colors.HexColor("#444444"))


def esc(text: Any) -> str:
    """``text`` as reportlab paragraph markup (escaped, line breaks kept)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")


def cell(value: Any, style: ParagraphStyle) -> Paragraph | list[Paragraph]:
    """One paragraph per line: a <br/> after a CJK line that wrapped flush left a blank line."""
    text = str(value)
    if "\n" not in text:
        return Paragraph(esc(text), style)
    return [Paragraph(esc(part), style) for part in text.split("\n")]


def table(st: Styles, head: Sequence[str] | None, rows: Iterable[Sequence[Any]], widths: Sequence[float],
          fail_cells: Iterable[tuple[int, int]] = (), extra: Sequence[tuple[Any, ...]] = ()) -> Table:
    """A table of wrapped paragraphs; it splits across pages and repeats its header (``head`` None: no
    header row). ``fail_cells`` (row, column; the header is row 0) are set in red; ``extra`` adds
    TableStyle commands (spans, backgrounds)."""
    fails = set(fail_cells)
    data: list[list[Any]] = [[Paragraph(esc(h), st.cell) for h in head]] if head is not None else []
    first = 1 if head is not None else 0
    for r, row in enumerate(rows, first):
        data.append([cell(v, st.fail if (r, c) in fails else st.cell) for c, v in enumerate(row)])
    t = Table(data, colWidths=list(widths), repeatRows=first)
    style: list[tuple[Any, ...]] = [("GRID", (0, 0), (-1, -1), 0.4, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                    ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    if head is not None:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_BG))
    t.setStyle(TableStyle([*style, *extra]))
    return t


def footer(font: str, text: Callable[[int], str]) -> Callable[[Canvas, BaseDocTemplate], None]:
    """A page decoration writing ``text(page number)`` centred at the bottom."""

    def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.drawCentredString(doc.pagesize[0] / 2, 10 * mm, text(canvas.getPageNumber()))
        canvas.restoreState()
    return draw


def build(path: Path, story: list[Flowable], font: str, title: str, footer_text: Callable[[int], str],
          pagesize: tuple[float, float]) -> Path:
    """Write ``story`` to ``path`` (atomically) with ``footer_text(page)`` on every page."""
    def write(tmp: Path) -> None:
        doc = SimpleDocTemplate(str(tmp), pagesize=pagesize, leftMargin=12 * mm, rightMargin=12 * mm,
                                topMargin=12 * mm, bottomMargin=16 * mm, title=title, author="GovOps")
        draw = footer(font, footer_text)
        doc.build(story, onFirstPage=draw, onLaterPages=draw)
    return save_atomic(path, write)
