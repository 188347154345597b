"""Where the inspection faults put their evidence: which page, which attachment, which markup.

Pure functions of (spec, site): the page builders, the routes and the ground truth all read
these, so what a site serves and what the truth says it serves cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from core.i18n import demo as text
from demo.entries import Entry, entries
from demo.faults import Fault
from demo.fleet import FleetSpec, SiteSpec

# Columns an article-borne content error may land in, in order of preference (a blank column has none).
_ARTICLE_COLUMNS = ("news", "notice", "policy", "personnel", "planning")
_ATTACHMENT_COLUMNS = ("policy", "notice", "planning")


@dataclass(frozen=True)
class PlantedError:
    """A content_error fault's wrong text, planted in an article or in one of its attachments."""

    fault: Fault
    column: str  # column kind of the article
    article: str  # path of the article page
    location: str  # path where the text is: the article, or the attachment it links
    sentence: str  # the sentence carrying the wrong text

    @property
    def error(self) -> str:
        return str(self.fault.params["error"])

    @property
    def text(self) -> str:
        return str(self.fault.params["text"])


def content_errors(spec: FleetSpec, site: SiteSpec) -> list[PlantedError]:
    """The site's planted content errors; the n-th fault of a site uses the n-th suitable entry."""
    key = ("planted", site.code)
    if key in spec._cache:
        return spec._cache[key]
    out: list[PlantedError] = []
    used: set[str] = set()
    for fault in (f for f in spec.faults_for(site.code) if f.kind == "content_error"):
        where = fault.params["where"]
        sentence = text.CONTENT_ERROR_SENTENCES[fault.params["error"]].format(text=fault.params["text"])
        found = _pick(spec, site, where, used)
        if found is None:
            continue  # every candidate column is blank: nothing to plant in (the truth then expects nothing)
        column, e = found
        used.add(e.path)
        location = e.path if where == "article" else next(p for _l, p in e.attachments if p.endswith("." + where))
        out.append(PlantedError(fault, column, e.path, location, sentence))
    spec._cache[key] = out
    return out


def _pick(spec: FleetSpec, site: SiteSpec, where: str, used: set[str]) -> tuple[str, Entry] | None:
    for kind in _ARTICLE_COLUMNS if where == "article" else _ATTACHMENT_COLUMNS:
        for e in entries(spec, site, kind):
            if e.path not in used and (where == "article" or e.attachments):
                return kind, e
    return None


def planted_at(spec: FleetSpec, site: SiteSpec, path: str) -> list[PlantedError]:
    """Errors whose text sits at ``path`` (an article page or an attachment)."""
    return [p for p in content_errors(spec, site) if p.location == path]


def external_scripts(spec: FleetSpec, site: SiteSpec, active: frozenset[str]) -> list[str]:
    """Absolute URLs of foreign scripts on the homepage; defacement's only once activated."""
    urls = []
    ext = spec.fault(site.code, "external_script")
    if ext:
        urls.append(f"https://{ext.params['domain']}/js/tj.js")
    deface = spec.fault(site.code, "defacement")
    if deface and "defacement" in active:
        urls.append(f"https://{deface.params['domain']}/hm.js")
    return urls


def hidden_links(spec: FleetSpec, site: SiteSpec) -> list[tuple[str, str, str]]:
    """(url, anchor text, style) of links hidden on the homepage."""
    fault = spec.fault(site.code, "hidden_link")
    if not fault:
        return []
    domain = fault.params["domain"]
    return [(f"http://{domain}/", anchor, fault.params["style"]) for anchor in text.HIDDEN_LINK_TEXTS[:1]]


def hidden_markup(links: list[tuple[str, str, str]]) -> str:
    """The block real 暗链 use: inline CSS takes it out of sight, crawlers still follow it."""
    out = []
    for url, anchor, style in links:
        css = "display:none" if style == "display_none" else "position:absolute;left:-9999px;top:-9999px"
        out.append(f'<div style="{css}"><a href="{escape(url)}" target="_blank">{escape(anchor)}</a></div>')
    return "".join(out)


def defacement_markup(spec: FleetSpec, site: SiteSpec, active: frozenset[str]) -> str:
    """The banner a defacement injects at the top of the homepage ("" until activated)."""
    if not (spec.fault(site.code, "defacement") and "defacement" in active):
        return ""
    return ('<div id="hk" style="background:#000;color:#0f0;font-size:40px;text-align:center;padding:60px 0">'
            f'<marquee>{escape(text.DEFACEMENT_BANNER)}</marquee><p>{escape(text.DEFACEMENT_BANNER)}</p></div>')


def special_pages(spec: FleetSpec, site: SiteSpec) -> list[tuple[str, str, str]]:
    """(fault kind, path, link label) of the malformed inner pages the homepage links to."""
    return [(kind, *text.SPECIAL_PAGES[kind]) for kind in text.SPECIAL_PAGES if spec.fault(site.code, kind)]


def missing_identity(spec: FleetSpec, site: SiteSpec) -> frozenset[str]:
    """Footer items (site_code / icp / psb) the site's pages leave out."""
    return frozenset(f.params["which"] for f in spec.faults_for(site.code) if f.kind == "identity_missing")


def gbk_paths(spec: FleetSpec, site: SiteSpec) -> tuple[str, str] | None:
    """(homepage, column slug) served GBK-encoded without any charset, or None."""
    fault = spec.fault(site.code, "gbk_no_charset")
    return ("/", site.column(fault.params["column"]).slug) if fault else None
