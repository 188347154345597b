"""URL space of one demo site: path -> (status, content type, body). Pure; the server adds faults.

Paths follow a TRS-style CMS: ``/`` homepage, ``/<slug>/index.html`` and ``/<slug>/index_N.html``
column pages, ``/<slug>/YYYYMM/tYYYYMMDD_ID.html`` articles, ``P0...pdf|docx`` attachments and
``/static/...`` assets. Anything else is a 404 page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from demo import assets, html
from demo.entries import Entry, entries
from demo.fleet import ColumnSpec, FleetSpec, SiteSpec

HTML = "text/html; charset=utf-8"
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


def resolve(spec: FleetSpec, site: SiteSpec, path: str) -> Response:
    """The response for ``path`` on ``site`` with no fault applied."""
    if path in ("/", "/index.html", "/index.htm"):
        return Response(200, HTML, html.homepage(spec, site).encode())
    if path in _STATIC:
        ctype, body = _STATIC[path]
        return Response(200, ctype, body)
    m = _PAGE.match(path)
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
    if what == "pdf":
        return Response(200, PDF, assets.pdf(e.title, lines))
    return Response(200, DOCX, assets.docx(e.title, lines))
