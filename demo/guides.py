"""Services and site functions of the demo sites: the 办事指南 column and its guides, the online systems the
guides link, the homepage search and the 我要纠错 page. Pure functions of (spec, site, …) → data or HTML body.

Every site registers a service column (kind ``service``, ``/bszn/index.html``) with
:data:`GUIDES_PER_SITE` guides, each filling the ten key elements and linking its online system
(``/zxbl/gNN.html``). Faults: ``incomplete_guides`` empties the last ``missing`` elements of the first
``guides`` guides; ``online_service_down`` makes the first ``systems`` online systems answer 503;
``no_search`` drops the search form (and ``/search/`` is a 404); ``search_broken`` makes ``/search/``
answer 500; ``no_correction_entry`` drops the 我要纠错 link (its page stays, unlinked).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from html import escape
from urllib.parse import parse_qs, urlsplit

from core.i18n import demo as text
from demo.entries import Entry, entries
from demo.fleet import ColumnSpec, FleetSpec, SiteSpec

GUIDES_PER_SITE = 6
GUIDE_SLUG = "bszn"
ONLINE_SLUG = "zxbl"
SEARCH_PATH = "/search/"
CORRECTION_PATH = "/jiucuo/index.html"
SEARCH_TERM = "通知"  # what the site_functions check asks by default (data/inspection/rules.toml)
F = text.FUNCTION_LABEL


@dataclass(frozen=True)
class Guide:
    index: int  # 1-based
    matter: str
    missing: tuple[str, ...]  # labels of the elements left empty
    online_down: bool

    @property
    def path(self) -> str:
        return f"/{GUIDE_SLUG}/g{self.index:02d}.html"

    @property
    def online_path(self) -> str:
        return f"/{ONLINE_SLUG}/g{self.index:02d}.html"


def service_column() -> ColumnSpec:
    return ColumnSpec("service", text.SERVICE_COLUMN, GUIDE_SLUG)


def guides(spec: FleetSpec, site: SiteSpec) -> list[Guide]:
    """The site's guides, faults applied; cached on the spec."""
    key = ("guides", site.code)
    if key not in spec._cache:
        rng = random.Random(f"{spec.seed}:{site.code}:guides")
        matters = rng.sample(text.SERVICE_MATTERS, GUIDES_PER_SITE)
        inc = spec.fault(site.code, "incomplete_guides")
        down = spec.fault(site.code, "online_service_down")
        labels = [label for label, _ in text.GUIDE_ELEMENTS]
        out = []
        for i, matter in enumerate(matters, 1):
            missing = tuple(labels[-inc.params["missing"]:]) if inc and i <= inc.params["guides"] else ()
            out.append(Guide(i, matter, missing, bool(down and i <= down.params["systems"])))
        spec._cache[key] = out
    return spec._cache[key]


def guide_list_body(spec: FleetSpec, site: SiteSpec) -> str:
    rows = "".join(f'<li><a href="{g.path}">{escape(g.matter)}</a></li>' for g in guides(spec, site))
    return f'<ul class="list guides">{rows}</ul>'


def guide_body(spec: FleetSpec, site: SiteSpec, guide: Guide) -> str:
    """A guide in the usual table layout: one row per key element; a missing element's cell is empty."""
    rows = []
    for n, (label, value) in enumerate(text.GUIDE_ELEMENTS):
        cell = "" if label in guide.missing else escape(value.format(matter=guide.matter, place=site.place,
                                                                     org=site.organizer, n=guide.index * 10 + n))
        rows.append(f"<tr><th>{label}</th><td>{cell}</td></tr>")
    return (f'<h1 class="title">{escape(guide.matter)}</h1><table class="guide">{"".join(rows)}</table>'
            f'<p><a class="apply" href="{guide.online_path}">{F["online_apply"]}</a></p>')


def guide_at(spec: FleetSpec, site: SiteSpec, path: str) -> Guide | None:
    return next((g for g in guides(spec, site) if g.path == path), None)


def online_at(spec: FleetSpec, site: SiteSpec, path: str) -> Guide | None:
    return next((g for g in guides(spec, site) if g.online_path == path), None)


def online_body(guide: Guide) -> str:
    return f'<h1>{escape(F["online_system"].format(matter=guide.matter))}</h1><p>{F["online_ready"]}</p>'


def search_form(spec: FleetSpec, site: SiteSpec) -> str:
    """The homepage's search form ("" under a no_search fault)."""
    if spec.fault(site.code, "no_search"):
        return ""
    return (f'<form class="search" action="{SEARCH_PATH}" method="get">'
            f'<input type="text" name="q" placeholder="{F["search_placeholder"]}">'
            f'<input type="submit" value="{F["search_button"]}"></form>')


def correction_link(spec: FleetSpec, site: SiteSpec) -> str:
    if spec.fault(site.code, "no_correction_entry"):
        return ""
    return f'<p><a class="jiucuo" href="{CORRECTION_PATH}">{F["correction"]}</a></p>'


def search_results(spec: FleetSpec, site: SiteSpec, term: str) -> list[Entry]:
    """Entries of every column whose title holds ``term``, newest first, at most ``SEARCH_MAX``."""
    if not term:
        return []
    hits = [e for col in site.columns for e in entries(spec, site, col.kind) if term in e.title]
    return sorted(hits, key=lambda e: e.published, reverse=True)[: text.SEARCH_MAX]


def search_term(path_qs: str) -> str:
    return (parse_qs(urlsplit(path_qs).query).get("q") or [""])[0].strip()


def search_body(spec: FleetSpec, site: SiteSpec, term: str) -> str:
    hits = search_results(spec, site, term)
    if not hits:
        return f'<h2>{F["search_results"]}</h2><p class="empty">{F["search_none"]}</p>'
    rows = "".join(f'<li><a href="{e.path}">{escape(e.title)}</a><span class="date">{e.published:%Y-%m-%d}</span>'
                   "</li>" for e in hits)
    return (f'<h2>{F["search_results"]}</h2><p>{F["search_count"].format(n=len(hits))}</p>'
            f'<ul class="list">{rows}</ul>')


def correction_body() -> str:
    return (f'<h2>{F["correction"]}</h2><p>{F["correction_intro"]}</p>'
            '<form class="jiucuo" action="/jiucuo/index.html" method="post"><textarea name="content"></textarea>'
            "</form>")
