"""URL space of one demo site: path -> (status, content type, body). Pure; the server adds faults.

Paths follow a TRS-style CMS: ``/`` homepage, ``/<slug>/index.html`` and ``/<slug>/index_N.html``
column pages, ``/<slug>/YYYYMM/tYYYYMMDD_ID.html`` articles, ``P0...pdf|docx`` attachments and
``/static/...`` assets. Anything else is a 404 page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.i18n import demo as text
from demo import assets, guides, html, inject
from demo.entries import Entry, entries
from demo.fleet import ColumnSpec, FleetSpec, SiteSpec

HTML = "text/html; charset=utf-8"
HTML_NO_CHARSET = "text/html"  # what the gbk_no_charset fault sends: no charset anywhere
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_PAGE = re.compile(r"^/([a-z]+)/(?:index(?:_(\d+))?\.html)?$")

_STATIC: dict[str, tuple[str, bytes]] = {
    "/static/css/main.css": ("text/css; charset=utf-8", assets.CSS.encode()),
    "/static/js/main.js": ("application/javascript; charset=utf-8", assets.JS.encode()),
    "/static/img/logo.png": ("image/png", assets.png(60, 60, (180, 0, 0))),
    "/static/img/banner.png": ("image/png", assets.png(96, 12, (150, 20, 20))),
    "/static/img/photo.png": ("image/png", assets.png(32, 20, (40, 90, 150))),
}


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes


def _index(spec: FleetSpec, site: SiteSpec) -> dict[str, tuple[ColumnSpec, Entry, str]]:
    """Article and attachment paths of a site -> (column, entry, what); cached on the spec."""
    key = ("paths", site.code)
    if key not in spec._cache:
        index: dict[str, tuple[ColumnSpec, Entry, str]] = {}
        for col in site.columns:
            for e in entries(spec, site, col.kind):
                index[e.path] = (col, e, "article")
                for _label, p in e.attachments:
                    index[p] = (col, e, p.rsplit(".", 1)[1])
        spec._cache[key] = index
    return spec._cache[key]


def not_found(site: SiteSpec | None) -> Response:
    return Response(404, HTML, html.error_page(site, 404).encode())


def resolve(spec: FleetSpec, site: SiteSpec, path: str, active: frozenset[str] = frozenset()) -> Response:
    """The response for ``path`` on ``site``, content faults applied (``active``: activated fault kinds).

    Transport faults (down, error status, delays, redirect loops, huge streamed pages) are the server's.
    """
    resp = _resolve(spec, site, path, active)
    gbk = inject.gbk_paths(spec, site)
    if gbk and resp.content_type == HTML and (path in HOMEPAGE or path == f"/{gbk[1]}/"
                                                        or path.startswith(f"/{gbk[1]}/index")):
        doc = resp.body.decode().replace(html.CHARSET_META, "", 1)
        return Response(resp.status, HTML_NO_CHARSET, doc.encode("gbk", errors="xmlcharrefreplace"))
    return resp


HOMEPAGE = ("/", "/index.html", "/index.htm")


def special(spec: FleetSpec, site: SiteSpec, path: str) -> str | None:
    """The robustness fault kind (huge_page / redirect_loop) served at ``path``, if any."""
    return next((kind for kind, p, _label in inject.special_pages(spec, site) if p == path), None)


def huge_parts(site: SiteSpec, mb: int) -> tuple[bytes, bytes, int, bytes]:
    """(head, chunk, repeats, tail) of the huge page: head + chunk * repeats + tail is ``mb`` MiB or more.

    Served by streaming the same chunk, so a 12 MiB page costs one 64 KiB buffer.
    """
    label = text.SPECIAL_PAGES["huge_page"][1]
    head = (f"<!DOCTYPE html>\n<html lang=\"zh-CN\"><head>{html.CHARSET_META}<title>{label} - {site.name}</title>"
            f"</head><body><h1>{label}</h1>").encode()
    para = "".join(f"<p>{p}</p>" for p in text.BODY_PARAGRAPHS).encode()
    chunk = para * (64 * 1024 // len(para) + 1)
    repeats = -(-mb * 1024 * 1024 // len(chunk))
    return head, chunk, repeats, b"</body></html>"


def _resolve(spec: FleetSpec, site: SiteSpec, path: str, active: frozenset[str]) -> Response:
    if spec.fault(site.code, "no_consultation") and path.startswith(f"/{site.column('consultation').slug}/"):
        return not_found(site)  # the channel is gone: list pages, messages and all
    if path in HOMEPAGE:
        return Response(200, HTML, html.homepage(spec, site, active).encode())
    if path in _STATIC:
        ctype, body = _STATIC[path]
        return Response(200, ctype, body)
    functions = _functions(spec, site, path)
    if functions is not None:
        return functions
    m = _PAGE.match(path)
    if m and path.endswith("/index.html"):
        doc = html.channel_page(spec, site, m.group(1))
        if doc is not None:
            return Response(200, HTML, doc.encode())
    if m:
        col = next((c for c in site.columns if c.slug == m.group(1)), None)
        page = int(m.group(2) or 1)
        if col is not None and (m.group(2) is None or page >= 2):
            doc = html.column_page(spec, site, col, page)
            return Response(200, HTML, doc.encode()) if doc is not None else not_found(site)
        return not_found(site)
    hit = _index(spec, site).get(path)
    if hit is None:
        return not_found(site)
    col, e, what = hit
    if what == "article":
        return Response(200, HTML, html.article(spec, site, col, e).encode())
    lines = [f"{site.organizer}", f"发布日期：{e.published:%Y-%m-%d}", f"信息来源：{site.name}"]
    lines += [p.sentence for p in inject.planted_at(spec, site, path)]
    if what == "pdf":
        return Response(200, PDF, assets.pdf(e.title, lines))
    return Response(200, DOCX, assets.docx(e.title, lines))


def _functions(spec: FleetSpec, site: SiteSpec, path: str) -> Response | None:
    """The service guides, their online systems, search results and the 我要纠错 page (demo/guides.py);
    None for any other path. ``path`` carries the query string on the search path only."""
    F = text.FUNCTION_LABEL
    col = guides.service_column()
    if path in (col.path, f"/{col.slug}/"):
        meta = (("ColumnName", col.name), ("ColumnType", col.name))
        body = f"<h2>{col.name}</h2>{guides.guide_list_body(spec, site)}"
        return Response(200, HTML, html.function_page(spec, site, col.name, body, meta).encode())
    guide = guides.guide_at(spec, site, path)
    if guide is not None:
        return Response(200, HTML, html.function_page(spec, site, guide.matter,
                                                      guides.guide_body(spec, site, guide)).encode())
    system = guides.online_at(spec, site, path)
    if system is not None:
        if system.online_down:
            return Response(503, HTML, html.error_page(site, 503).encode())
        page = html.function_page(spec, site, F["online_apply"], guides.online_body(system))
        return Response(200, HTML, page.encode())
    if path.split("?", 1)[0] == guides.SEARCH_PATH:
        if spec.fault(site.code, "no_search"):
            return not_found(site)
        if spec.fault(site.code, "search_broken"):
            return Response(500, HTML, html.error_page(site, 500).encode())
        body = guides.search_body(spec, site, guides.search_term(path))
        return Response(200, HTML, html.function_page(spec, site, F["search_results"], body).encode())
    if path == guides.CORRECTION_PATH:
        return Response(200, HTML, html.function_page(spec, site, F["correction"], guides.correction_body()).encode())
    return None
