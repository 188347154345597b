"""Readable text of pages and attachments, bounded in size: HTML (selectolax), PDF (pypdf), DOCX (python-docx),
XLSX (openpyxl, read-only).

Pure functions of bytes/str. Each raises :class:`ExtractError` (naming the document and why) for
a document it cannot read, never a library-specific exception, so one broken attachment is a clear
error for that attachment and not a crash of the run. Limits cap pages and characters; run the
PDF/DOCX extractors in a worker thread with a timeout (they are CPU-bound).
"""

from __future__ import annotations

import io
import zipfile
from urllib.parse import urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

MAX_CHARS = 200_000
MAX_PDF_PAGES = 50
_SKIP_TAGS = ("script", "style", "noscript", "template", "svg")
_ATTACHMENT_SUFFIX = {".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx"}
_ATTACHMENT_TYPE = {"application/pdf": "pdf",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"}


class ExtractError(ValueError):
    """A document could not be read; the message says which and why."""


def parse_html(html: str) -> HTMLParser:
    return HTMLParser(html)


def html_text(html: str | HTMLParser, max_chars: int = MAX_CHARS, *, in_place: bool = False) -> str:
    """Visible text of a page: title and body, without scripts, styles and markup; blocks separated by newlines.

    A tree passed in is left as it was, unless ``in_place`` (the caller has no further use for it: its
    scripts and styles are stripped, and no copy is made)."""
    if isinstance(html, str):
        html = parse_html(html)
    elif not in_place:  # work on a copy: callers reuse the tree for links and fingerprints
        html = parse_html(html.html or "")
    tree = html
    tree.strip_tags(list(_SKIP_TAGS))
    parts: list[str] = []
    title = tree.css_first("title")
    if title is not None:
        parts.append(title.text(strip=True))
    body = tree.body or tree.root
    if body is not None:
        parts.append(body.text(separator="\n", strip=True))
    return "\n".join(p for p in parts if p)[:max_chars]


def normalise_url(url: str) -> str:
    """``url`` without its fragment (links to the same document differ only by #anchor)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def page_links(html: str | HTMLParser, base_url: str) -> list[str]:
    """Absolute http(s) targets of ``<a href>`` in document order, fragments dropped, each once."""
    tree = parse_html(html) if isinstance(html, str) else html
    base = tree.css_first("base[href]")
    base_url = urljoin(base_url, base.attributes.get("href") or "") if base is not None else base_url
    seen: dict[str, None] = {}
    for a in tree.css("a[href]"):
        href = (a.attributes.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        url = urljoin(base_url, href)
        if urlsplit(url).scheme in ("http", "https"):
            seen.setdefault(normalise_url(url))
    return list(seen)


def same_site(url: str, site_url: str) -> bool:
    """True when ``url`` is served by the site's own host and port."""
    a, b = urlsplit(url), urlsplit(site_url)
    return a.scheme in ("http", "https") and (a.hostname, a.port) == (b.hostname, b.port)


def attachment_type(url: str, content_type: str = "") -> str | None:
    """"pdf", "docx" or "xlsx" by content type, else by the URL's suffix; None for anything else."""
    by_type = _ATTACHMENT_TYPE.get(content_type.split(";")[0].strip().lower())
    if by_type:
        return by_type
    path = urlsplit(url).path.lower()
    for suffix, kind in _ATTACHMENT_SUFFIX.items():
        if path.endswith(suffix):
            return kind
    return None


def pdf_text(data: bytes, name: str = "PDF", max_pages: int = MAX_PDF_PAGES, max_chars: int = MAX_CHARS) -> str:
    """Text of the first ``max_pages`` pages; raises :class:`ExtractError` for an unreadable or encrypted file."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ExtractError(f"{name}: encrypted PDF")
        parts: list[str] = []
        size = 0
        for page in reader.pages[:max_pages]:
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
            if size >= max_chars:
                break
    except ExtractError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise ExtractError(f"{name}: unreadable PDF: {type(exc).__name__}: {exc}"[:300]) from None
    return "\n".join(parts)[:max_chars]


def docx_text(data: bytes, name: str = "DOCX", max_chars: int = MAX_CHARS) -> str:
    """Paragraph and table text of a .docx; raises :class:`ExtractError` for an unreadable file."""
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        doc = Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ExtractError(f"{name}: unreadable DOCX: {type(exc).__name__}: {exc}"[:300]) from None
    parts: list[str] = []
    size = 0
    for p in doc.paragraphs:
        parts.append(p.text)
        size += len(p.text)
        if size >= max_chars:
            return "\n".join(parts)[:max_chars]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
                size += len(cell.text)
            if size >= max_chars:
                return "\n".join(parts)[:max_chars]
    return "\n".join(parts)[:max_chars]


def xlsx_text(data: bytes, name: str = "XLSX", max_chars: int = MAX_CHARS) -> str:
    """Text cells of every sheet of a .xlsx, row by row (cells joined by tabs), read in streaming mode and
    stopped at ``max_chars``; raises :class:`ExtractError` for an unreadable file."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    parts: list[str] = []
    size = 0
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            for sheet in book.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    line = "\t".join(str(v) for v in row if isinstance(v, str) and v)
                    if line:
                        parts.append(line)
                        size += len(line) + 1
                    if size >= max_chars:
                        return "\n".join(parts)[:max_chars]
        finally:
            book.close()
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise ExtractError(f"{name}: unreadable XLSX: {type(exc).__name__}: {exc}"[:300]) from None
    return "\n".join(parts)[:max_chars]


def attachment_text(kind: str, data: bytes, name: str, max_chars: int = MAX_CHARS,
                    max_pages: int = MAX_PDF_PAGES) -> str:
    """Text of an attachment of ``kind`` ("pdf"/"docx"/"xlsx"); raises :class:`ExtractError`."""
    if kind == "pdf":
        return pdf_text(data, name, max_pages, max_chars)
    if kind == "docx":
        return docx_text(data, name, max_chars)
    if kind == "xlsx":
        return xlsx_text(data, name, max_chars)
    raise ExtractError(f"{name}: unsupported attachment type {kind!r}")
