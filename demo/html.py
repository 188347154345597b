"""HTML of the demo sites: homepage, column list pages, article pages, error pages.

Pure functions of (spec, site, ...) -> str, in Simplified Chinese, carrying the meta tags
the national website guidelines require (SiteName, SiteDomain, SiteIDCode; ColumnName,
ColumnType on column pages; ArticleTitle, PubDate on articles).
"""

from __future__ import annotations

import random
from html import escape
from urllib.parse import urlsplit

from core.i18n import demo as text
from demo import guides, inject
from demo.entries import (
    HOMEPAGE_BLOCKS,
    PER_PAGE,
    Entry,
    channel_items,
    date_format,
    dead_links,
    entries,
    homepage_items,
    interpretation_of,
    page_count,
    page_path,
)
from demo.fleet import ColumnSpec, FleetSpec, SiteSpec

L = text.LABEL
CHARSET_META = '<meta charset="utf-8">'  # the gbk_no_charset fault strips exactly this


def _meta(name: str, content: str) -> str:
    return f'<meta name="{name}" content="{escape(content)}">'


def _head(site: SiteSpec, title: str, extra: list[tuple[str, str]] = ()) -> str:  # type: ignore[assignment]
    metas = [("SiteName", site.name), ("SiteDomain", urlsplit(site.url).netloc), ("SiteIDCode", site.code),
             *extra]
    return (f"<!DOCTYPE html>\n<html lang=\"zh-CN\"><head>{CHARSET_META}"
            f"<title>{escape(title)}</title>" + "".join(_meta(k, v) for k, v in metas)
            + '<link rel="stylesheet" href="/static/css/main.css"><script src="/static/js/main.js" defer></script>'
            "</head><body>")


def _columns(spec: FleetSpec, site: SiteSpec) -> list[ColumnSpec]:
    """Columns the site links to: a site without a working consultation channel shows none."""
    gone = spec.fault(site.code, "no_consultation")
    return [c for c in site.columns if not (gone and c.kind == "consultation")]


def _header(spec: FleetSpec, site: SiteSpec) -> str:
    nav = "".join(f'<a href="{c.path}">{escape(c.name)}</a>' for c in [*_columns(spec, site), guides.service_column()])
    return (f'<header><img src="/static/img/logo.png" alt="{escape(site.name)}" width="60" height="60">'
            f'<h1>{escape(site.name)}</h1><span id="today"></span>{guides.search_form(spec, site)}</header>'
            f'<nav><a href="/">{L["home"]}</a>{nav}</nav>')


def _links(spec: FleetSpec, site: SiteSpec) -> str:
    """Links to the provincial and city portals, only to ones a visitor can reach (no false dead links)."""
    wanted = ["4300000001"]
    if site.level == "county_portal":
        wanted.append(site.node_code[:4] + "000001")
    others = []
    for code in wanted:
        try:
            other = spec.site(code)
        except KeyError:
            continue
        if other.code != site.code and spec.reachable(other.code):
            others.append(f'<a href="{escape(other.url)}">{escape(other.name)}</a>')
    return f'<div class="links">{L["links"]}{" ".join(others)}</div>' if others else ""


def _footer(spec: FleetSpec, site: SiteSpec, tail: str = "") -> str:
    """Footer with the identity items (minus those an identity_missing fault drops); ``tail`` goes before </body>."""
    missing = inject.missing_identity(spec, site)
    # A navigation site reaches its consultation column through its 互动交流 channel only.
    nav = spec.fault(site.code, "navigation_homepage")
    target = f"/{text.CHANNELS[-1][0]}/index.html" if nav else site.column("consultation").path
    contact = "" if spec.fault(site.code, "no_consultation") else f'<p><a href="{target}">{L["contact"]}</a></p>'
    code = "" if "site_code" in missing else f'　{L["site_code"]}{site.code}'
    filings = [f'<span class="{k}">{escape(v)}</span>' for k, v in (("icp", site.icp), ("psb", site.psb))
               if k not in missing]
    return (f"<footer>{_links(spec, site)}{contact}{guides.correction_link(spec, site)}"
            f'<p>{L["organizer"]}{escape(site.organizer)}{code}</p>'
            + (f'<p>{"　".join(filings)}</p>' if filings else "")
            + f"</footer>{tail}</body></html>")


def _topics(spec: FleetSpec, site: SiteSpec, page: str) -> str:
    """The 专题专栏 block: planted dead links of this page; on the homepage also the malformed pages."""
    links = [(d.target, d.label) for d in dead_links(spec, site) if d.page == page]
    if page == "/":
        links += [(path, label) for _kind, path, label in inject.special_pages(spec, site)]
    if not links:
        return ""
    items = "".join(f'<li><a href="{escape(url)}">{escape(label)}</a></li>' for url, label in links)
    return f'<section class="topics"><h2>{L["topics"]}</h2><ul class="list">{items}</ul></section>'


def _list(spec: FleetSpec, site: SiteSpec, kind: str, items: list[Entry]) -> str:
    fmt = date_format(spec, site, kind)
    rows = "".join(f'<li><a href="{e.path}" title="{escape(e.title)}">{escape(e.title)}</a>'
                   f'<span class="date">{e.published.strftime(fmt)}</span></li>' for e in items)
    return f'<ul class="list">{rows}</ul>' if rows else f'<p class="empty">{L["no_entries"]}</p>'


def homepage(spec: FleetSpec, site: SiteSpec, active: frozenset[str] = frozenset()) -> str:
    """The homepage; ``active`` names the activatable faults switched on (see FleetServer.activate)."""
    if spec.fault(site.code, "navigation_homepage"):
        return _navigation_homepage(spec, site, active)
    blocks = []
    for kind, limit in HOMEPAGE_BLOCKS:
        col = site.column(kind)
        items = homepage_items(spec, site, kind, limit)
        blocks.append(f'<section class="{kind}" id="{col.slug}"><h2><a href="{col.path}">{escape(col.name)}</a>'
                      f'<a class="more" href="{col.path}">{L["more"]}</a></h2>'
                      f"{_list(spec, site, kind, items)}</section>")
    banner = f'<img class="banner" src="/static/img/banner.png" alt="{escape(site.name)}" width="960" height="120">'
    return (_head(site, site.name) + inject.defacement_markup(spec, site, active) + _header(spec, site)
            + f"<main>{banner}{''.join(blocks)}{_topics(spec, site, '/')}</main>"
            + _homepage_footer(spec, site, active))


def _homepage_footer(spec: FleetSpec, site: SiteSpec, active: frozenset[str]) -> str:
    scripts = "".join(f'<script src="{escape(u)}"></script>' for u in inject.external_scripts(spec, site, active))
    return _footer(spec, site, inject.hidden_markup(inject.hidden_links(spec, site)) + scripts)


def _navigation_homepage(spec: FleetSpec, site: SiteSpec, active: frozenset[str]) -> str:
    """A homepage that only links the channels (二级页面): no column links, no dated items."""
    tiles = "".join(f'<li><a href="/{slug}/index.html">{escape(name)}</a></li>' for slug, name, _k in text.CHANNELS)
    header = (f'<header><img src="/static/img/logo.png" alt="{escape(site.name)}" width="60" height="60">'
              f'<h1>{escape(site.name)}</h1><span id="today"></span>{guides.search_form(spec, site)}</header>')
    return (_head(site, site.name) + inject.defacement_markup(spec, site, active) + header
            + f'<main><ul class="channels">{tiles}</ul>{_topics(spec, site, "/")}</main>'
            + _homepage_footer(spec, site, active))


def channel_page(spec: FleetSpec, site: SiteSpec, slug: str) -> str | None:
    """A channel page of a navigation homepage (None for other sites or an unknown channel)."""
    channel = next((c for c in text.CHANNELS if c[0] == slug), None)
    if channel is None or not spec.fault(site.code, "navigation_homepage"):
        return None
    _slug, name, kinds = channel
    blocks = []
    for col in (c for c in _columns(spec, site) if c.kind in kinds):
        blocks.append(f'<section class="{col.kind}"><h2><a href="{col.path}">{escape(col.name)}</a>'
                      f'<a class="more" href="{col.path}">{L["more"]}</a></h2>'
                      f"{_list(spec, site, col.kind, channel_items(spec, site, col.kind))}</section>")
    crumbs = f'<div class="crumbs">{L["position"]}<a href="/">{L["home"]}</a> &gt; {escape(name)}</div>'
    return (_head(site, f"{name} - {site.name}") + _header(spec, site)
            + f"<main>{crumbs}<h2>{escape(name)}</h2>{''.join(blocks)}</main>" + _footer(spec, site))


def _pager(col: ColumnSpec, page: int, pages: int) -> str:
    parts = []
    if page > 1:
        parts.append(f'<a href="{page_path(col, page - 1)}">{L["prev"]}</a>')
    parts.append(f'<span>{L["page_of"].format(page=page, pages=pages)}</span>')
    if page < pages:
        parts.append(f'<a href="{page_path(col, page + 1)}">{L["next"]}</a>')
    return f'<div class="pager">{"".join(parts)}</div>'


def column_page(spec: FleetSpec, site: SiteSpec, col: ColumnSpec, page: int) -> str | None:
    """Page ``page`` (1-based) of a column's list, or None past the last page."""
    all_entries = entries(spec, site, col.kind)
    pages = page_count(len(all_entries))
    if not 1 <= page <= pages:
        return None
    chunk = all_entries[(page - 1) * PER_PAGE: page * PER_PAGE]
    if col.kind == "consultation":
        rows = "".join(f'<li><a href="{e.path}">{escape(e.title)}</a>'
                       f'<span class="date">{L["asked_at"]}{e.published:%Y-%m-%d}</span>' + (
                           f'<span class="date">{L["replied_at"]}{e.replied:%Y-%m-%d}</span>'
                           f'<span class="state">{L["replied"]}</span>' if e.replied else
                           f'<span class="state">{L["unanswered"]}</span>') + "</li>" for e in chunk)
        body = f'<ul class="list">{rows}</ul>' if rows else f'<p class="empty">{L["no_entries"]}</p>'
    else:
        body = _list(spec, site, col.kind, chunk)
    head = _head(site, f"{col.name} - {site.name}", [("ColumnName", col.name),
                                                       ("ColumnType", text.COLUMN_NAMES[col.kind])])
    crumbs = f'<div class="crumbs">{L["position"]}<a href="/">{L["home"]}</a> &gt; {escape(col.name)}</div>'
    dead = _topics(spec, site, col.path) if page == 1 else ""
    return (head + _header(spec, site) + f"<main>{crumbs}<h2>{escape(col.name)}</h2>{body}"
            f"{_pager(col, page, pages)}{dead}</main>" + _footer(spec, site))


def article(spec: FleetSpec, site: SiteSpec, col: ColumnSpec, e: Entry) -> str:
    rng = random.Random(f"{spec.seed}:{site.code}:{e.id}:body")
    head = _head(site, f"{e.title} - {site.name}", [
        ("ColumnName", col.name), ("ColumnType", text.COLUMN_NAMES[col.kind]), ("ArticleTitle", e.title),
        ("PubDate", e.published.strftime("%Y-%m-%d %H:%M")), ("ContentSource", site.organizer)])
    crumbs = (f'<div class="crumbs">{L["position"]}<a href="/">{L["home"]}</a> &gt; '
              f'<a href="{col.path}">{escape(col.name)}</a></div>')
    info = (f'<div class="info">{L["publish_date"]}{e.published:%Y-%m-%d %H:%M}　'
            f'{L["source"]}{escape(site.organizer)}</div>')
    if col.kind == "consultation":
        reply = rng.choice(text.REPLY_TEXTS)
        body = (f'<dl class="qa"><dt>{L["asker"]}</dt><dd>{escape(e.asker)}</dd>'
                f'<dt>{L["asked_at"]}</dt><dd class="asked">{e.published:%Y-%m-%d %H:%M}</dd>'
                f'<dt>{L["question"]}</dt><dd>您好，{escape(e.title)}，请相关部门予以答复，谢谢！</dd>' + (
                    f'<dt>{L["reply_unit"]}</dt><dd>{escape(e.reply_unit)}</dd>'
                    f'<dt>{L["replied_at"]}</dt><dd class="replied">{e.replied:%Y-%m-%d %H:%M}</dd>'
                    f'<dt>{L["reply"]}</dt><dd>{escape(reply)}</dd></dl>' if e.replied else
                    f'<dt>{L["reply_state"]}</dt><dd class="state">{L["unanswered"]}</dd></dl>'))
    else:
        paras = "".join(f"<p>{p}</p>" for p in rng.sample(text.BODY_PARAGRAPHS, 3))
        # A planted content error sits in the article body (attachment-borne ones in the file itself).
        paras += "".join(f"<p>{escape(p.sentence)}</p>" for p in inject.planted_at(spec, site, e.path))
        photo = '<p><img src="/static/img/photo.png" alt="" width="320" height="200"></p>'
        body = f'<div class="content">{photo}{paras}</div>'
    body += _related(spec, site, col, e)
    files = ""
    if e.attachments:
        files = (f'<div class="attachments">{L["attachments"]}'
                 + "".join(f'<p><a href="{p}">{escape(label)}</a></p>' for label, p in e.attachments) + "</div>")
    return (head + _header(spec, site) + f"<main>{crumbs}<h1 class=\"title\">{escape(e.title)}</h1>{info}{body}{files}"
            "</main>" + _footer(spec, site))


def function_page(spec: FleetSpec, site: SiteSpec, title: str, body: str,
                  meta: tuple[tuple[str, str], ...] = ()) -> str:
    """A page of the site's frame around ``body`` (service guides, search results, 我要纠错)."""
    crumbs = f'<div class="crumbs">{L["position"]}<a href="/">{L["home"]}</a> &gt; {escape(title)}</div>'
    return (_head(site, f"{title} - {site.name}", list(meta)) + _header(spec, site) + f"<main>{crumbs}{body}</main>"
            + _footer(spec, site))


def _related(spec: FleetSpec, site: SiteSpec, col: ColumnSpec, e: Entry) -> str:
    """The link between a policy and its interpretation, both ways (unless a fault drops one side)."""
    if col.kind == "interpretation" and e.related and not spec.fault(site.code, "interpretation_unlinked"):
        policy = next((p for p in entries(spec, site, "policy") if p.path == e.related), None)
        if policy is not None:
            return f'<div class="related">{L["related_policy"]}<a href="{policy.path}">{escape(policy.title)}</a></div>'
    if col.kind == "policy" and not spec.fault(site.code, "policy_unlinked"):
        other = interpretation_of(spec, site, e)
        if other is not None:
            return (f'<div class="related">{L["related_interpretation"]}'
                    f'<a href="{other.path}">{escape(other.title)}</a></div>')
    return ""


def error_page(site: SiteSpec | None, status: int) -> str:
    message = L["not_found"] if status == 404 else L["server_error"]
    name = site.name if site else ""
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{status} {escape(name)}</title>'
            f'</head><body><h1>{status}</h1><p>{message}</p><p><a href="/">{L["home"]}</a></p></body></html>')
