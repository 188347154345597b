"""Parse helpers for government pages on selectolax (lexbor): text, links, meta tags, footer text.

Pure: functions take HTML text (or a parsed tree) and a base URL, never fetch. Broken HTML is
parsed the way a browser would; nothing here raises on bad markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

# Content that is not text a visitor reads.
_INVISIBLE = ("script", "style", "noscript", "template")
_SPACE = re.compile(r"\s+")
_FOOTER_HINT = re.compile(r"foot|bottom|copyright|copy_right|bq|banquan", re.I)
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "#")


@dataclass(frozen=True)
class Link:
    """An ``<a href>``: absolute ``url`` (fragment removed), visible ``text`` and ``title`` attribute."""

    url: str
    text: str
    title: str = ""

    @property
    def label(self) -> str:
        """The longer of text and title: list pages often cut titles and keep the full one in ``title``."""
        return self.title if len(self.title) > len(self.text) else self.text


def parse(html: str) -> LexborHTMLParser:
    """A parsed document (empty input gives an empty document)."""
    return LexborHTMLParser(html or "<html></html>")


def clean_text(s: str) -> str:
    """Whitespace (including full-width and non-breaking spaces) collapsed to single spaces."""
    return _SPACE.sub(" ", s.replace("\u3000", " ").replace("\xa0", " ")).strip()


def node_text(node: LexborNode | None) -> str:
    """Visible text of ``node``: script/style content left out, whitespace collapsed."""
    if node is None:
        return ""
    parts: list[str] = []
    for n in node.traverse(include_text=True):
        if n.is_text_node:
            p = n.parent
            if p is not None and p.tag in _INVISIBLE:
                continue
            parts.append(n.text_content or "")
    return clean_text(" ".join(parts))


def meta_tags(tree: LexborHTMLParser) -> dict[str, str]:
    """``<meta name=... content=...>`` pairs; names as written and also lower-cased for lookup."""
    out: dict[str, str] = {}
    for m in tree.css("meta[name]"):
        name = (m.attributes.get("name") or "").strip()
        content = clean_text(m.attributes.get("content") or "")
        if name and content:
            out.setdefault(name, content)
            out.setdefault(name.lower(), content)
    return out


def meta(tree: LexborHTMLParser, name: str) -> str:
    """One meta tag's content by case-insensitive name, or ''."""
    return meta_tags(tree).get(name.lower(), "")


def title(tree: LexborHTMLParser) -> str:
    return node_text(tree.css_first("title"))


def absolute(base_url: str, href: str) -> str | None:
    """``href`` resolved against ``base_url`` without fragment, or None for non-navigable links."""
    href = (href or "").strip()
    if not href or href.lower().startswith(_SKIP_SCHEMES):
        return None
    try:
        url = urldefrag(urljoin(base_url, href))[0]
    except ValueError:
        return None
    return url if urlsplit(url).scheme in ("http", "https") else None


def link_of(node: LexborNode, base_url: str) -> Link | None:
    """The :class:`Link` of an ``<a>`` node, or None when it does not navigate anywhere."""
    url = absolute(base_url, node.attributes.get("href") or "")
    if url is None:
        return None
    return Link(url, node_text(node), clean_text(node.attributes.get("title") or ""))


def links(tree: LexborHTMLParser | LexborNode, base_url: str) -> list[Link]:
    """Every navigable ``<a href>`` under ``tree`` in document order."""
    out = []
    for a in tree.css("a[href]"):
        link = link_of(a, base_url)
        if link is not None:
            out.append(link)
    return out


def same_site(url: str, base_url: str) -> bool:
    """True when ``url`` is on the host (and port) of ``base_url``."""
    return urlsplit(url).netloc.lower() == urlsplit(base_url).netloc.lower()


def in_chrome(node: LexborNode) -> bool:
    """True when ``node`` sits in the page's header, navigation or footer (not content)."""
    p: LexborNode | None = node
    while p is not None and p.tag not in ("body", "html", "-undef"):
        if p.tag in ("nav", "header", "footer"):
            return True
        p = p.parent
    return False


def footer_text(tree: LexborHTMLParser) -> str:
    """Text of the page footer: ``<footer>``, else elements whose id/class say footer, else the
    last 600 characters of the body text (old CMS footers are plain tables at the end)."""
    parts = [node_text(n) for n in tree.css("footer")]
    if not parts:
        for n in tree.css("[id], [class]"):
            hint = f"{n.attributes.get('id') or ''} {n.attributes.get('class') or ''}"
            if _FOOTER_HINT.search(hint):
                parts.append(node_text(n))
    if parts:
        return clean_text(" ".join(parts))
    return node_text(tree.body)[-600:]


def body_text(tree: LexborHTMLParser) -> str:
    """Visible text of the whole body."""
    return node_text(tree.body)
