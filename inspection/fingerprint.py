"""Pure logic of the defacement check: page-template fingerprints, their drift, external sources, hidden links.

A fingerprint describes the TEMPLATE of a page, not its content: the set of element shapes
(tag.class#id under its two nearest ancestors, digits folded) and the set of script, iframe and
stylesheet sources (host + path, query dropped). Text, dates and how many items a list holds
never enter it, so a news update is not drift; a replaced page or injected block is.
No I/O; every function takes HTML text and URLs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

_DIGITS = re.compile(r"\d+")
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_NUMBER = re.compile(r"^(-?\d+(?:\.\d+)?)")
_SKIP = {"-text", "-comment", "script", "style", "noscript", "br", "html", "head", "meta", "title"}
OFFSCREEN_PX = 500.0
# Platform and national service domains a government page may load from or link to (党政机关标识,
# 政府网站找错, 备案); every *.gov.cn host counts as a platform host.
PLATFORM_DOMAINS: tuple[str, ...] = ("gov.cn", "conac.cn", "beian.gov.cn", "miit.gov.cn", "ucap.org.cn")

# Anchor-text and domain hints of gambling/porn-style link farms (weight, not the only trigger).
# Text terms are specific on purpose: "成人" (成人教育) or "澳门" appear in ordinary government links.
SUSPICIOUS_TEXT = ("博彩", "娱乐城", "彩票网", "真人荷官", "赌场", "棋牌游戏", "百家乐", "六合彩", "老虎机", "色情",
                   "葡京", "威尼斯人", "体育投注", "开户送", "彩金", "porn", "casino")
SUSPICIOUS_DOMAIN = re.compile(r"(bet|casino|bocai|dubo|caipiao|poker|baccarat|yule|porn|sex|xxx|lottery|"
                               r"amusement|vegas|slot|\d{3,}\.(com|net|cc|vip|top|xyz))", re.I)


@dataclass(frozen=True)
class Fingerprint:
    structure: frozenset[str]
    resources: frozenset[str]  # "script|host/path", "iframe|...", "style|..."

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for token in [*sorted(self.structure), "--", *sorted(self.resources)]:
            h.update(token.encode() + b"\n")
        return h.hexdigest()

    def as_data(self) -> dict[str, list[str]]:
        return {"structure": sorted(self.structure), "resources": sorted(self.resources)}

    @classmethod
    def from_data(cls, data: Mapping[str, Iterable[str]]) -> Fingerprint:
        return cls(frozenset(data.get("structure", ())), frozenset(data.get("resources", ())))


@dataclass(frozen=True)
class Drift:
    distance: float  # Jaccard distance of structure ∪ resources, 0 (same) .. 1 (nothing shared)
    added: tuple[str, ...]
    removed: tuple[str, ...]
    added_resources: tuple[str, ...]
    removed_resources: tuple[str, ...]


@dataclass(frozen=True)
class HiddenLink:
    url: str
    text: str
    how: str  # the CSS that hides it, e.g. "display:none"
    suspicious: bool  # gambling/porn-style domain or anchor text


def _shape(node: Node) -> str:
    attrs = node.attributes
    cls = ".".join(sorted((attrs.get("class") or "").split()))
    ident = attrs.get("id") or ""
    token = (node.tag or "") + (f".{cls}" if cls else "") + (f"#{ident}" if ident else "")
    return _DIGITS.sub("0", token)


def resource_key(url: str) -> str:
    """host/path of a resource URL: cache-busting queries and schemes do not count as change."""
    p = urlsplit(url)
    return f"{(p.hostname or '').lower()}{(':' + str(p.port)) if p.port else ''}{p.path or '/'}"


def sources(tree: HTMLParser, base_url: str) -> list[tuple[str, str]]:
    """(kind, absolute URL) of every script src, iframe/frame src and stylesheet href, in order."""
    out: list[tuple[str, str]] = []
    for node in tree.css("script[src], iframe[src], frame[src], link[href]"):
        attrs = node.attributes
        if node.tag == "link":
            if "stylesheet" not in (attrs.get("rel") or "").lower():
                continue
            kind, ref = "style", attrs.get("href")
        else:
            kind, ref = ("script" if node.tag == "script" else "iframe"), attrs.get("src")
        ref = (ref or "").strip()
        if ref and not ref.startswith(("data:", "javascript:", "about:")):
            out.append((kind, urljoin(base_url, ref)))
    return out


def fingerprint(html: str, base_url: str) -> Fingerprint:
    """The template fingerprint of a page (see the module docstring)."""
    tree = HTMLParser(html or "<html></html>")
    structure: set[str] = set()
    body = tree.body or tree.root
    if body is not None:
        for node in body.traverse():
            if node.tag is None or node.tag in _SKIP:  # tag-less nodes (CDATA, processing instructions)
                continue
            chain = [_shape(node)]
            parent = node.parent
            while parent is not None and len(chain) < 3 and parent.tag not in ("html", "-undef"):
                chain.append(_shape(parent))
                parent = parent.parent
            structure.add(">".join(reversed(chain)))
    resources = {f"{kind}|{resource_key(url)}" for kind, url in sources(tree, base_url)}
    return Fingerprint(frozenset(structure), frozenset(resources))


def diff(base: Fingerprint, now: Fingerprint) -> Drift:
    a, b = base.structure | base.resources, now.structure | now.resources
    union = a | b
    distance = 1.0 - (len(a & b) / len(union)) if union else 0.0
    return Drift(round(distance, 4), tuple(sorted(now.structure - base.structure)),
                 tuple(sorted(base.structure - now.structure)), tuple(sorted(now.resources - base.resources)),
                 tuple(sorted(base.resources - now.resources)))


def host_allowed(host: str, site_host: str, allowed: Iterable[str]) -> bool:
    """The site's own host, or a host equal to / under one of the ``allowed`` domains."""
    host = host.lower().rstrip(".")
    if not host or host == site_host.lower():
        return True
    return any(host == d or host.endswith("." + d) for d in (a.lower().strip(".") for a in allowed) if d)


def external_sources(html: str, base_url: str, site_url: str, allowed: Iterable[str]) -> list[tuple[str, str]]:
    """(kind, URL) of scripts and iframes served by hosts neither the site's own nor ``allowed``."""
    allowed = tuple(allowed)
    site_host = urlsplit(site_url).hostname or ""
    tree = HTMLParser(html or "<html></html>")
    return [(kind, url) for kind, url in sources(tree, base_url)
            if kind in ("script", "iframe") and not host_allowed(urlsplit(url).hostname or "", site_host, allowed)]


def parse_style(style: str) -> dict[str, str]:
    """Inline CSS declarations, lower-cased, ``!important`` dropped."""
    out: dict[str, str] = {}
    for decl in style.split(";"):
        if ":" in decl:
            prop, _, value = decl.partition(":")
            out[prop.strip().lower()] = value.replace("!important", "").strip().lower()
    return out


def _px(value: str | None) -> float | None:
    m = _NUMBER.match(value or "")
    return float(m.group(1)) if m else None


def hiding(decls: Mapping[str, str]) -> str | None:
    """Which declaration hides an element, or None."""
    if decls.get("display") == "none":
        return "display:none"
    if decls.get("visibility") == "hidden":
        return "visibility:hidden"
    if _px(decls.get("opacity")) == 0:
        return "opacity:0"
    if _px(decls.get("font-size")) == 0:
        return "font-size:0"
    if decls.get("position") in ("absolute", "fixed"):
        for side in ("left", "top"):
            v = _px(decls.get(side))
            if v is not None and v <= -OFFSCREEN_PX:
                return f"{side}:{decls[side]}"
    indent = _px(decls.get("text-indent"))
    if indent is not None and indent <= -OFFSCREEN_PX:
        return f"text-indent:{decls['text-indent']}"
    if decls.get("overflow") == "hidden" and (_px(decls.get("height")) == 0 or _px(decls.get("width")) == 0):
        return "overflow:hidden+0"
    color, background = decls.get("color"), decls.get("background-color") or decls.get("background")
    if color and background and color == background:
        return "color=background"
    return None


def stylesheet_rules(tree: HTMLParser) -> dict[str, dict[str, str]]:
    """Declarations of simple ``.class`` / ``#id`` rules in the page's <style> blocks (the cheap cases)."""
    rules: dict[str, dict[str, str]] = {}
    for node in tree.css("style"):
        css = re.sub(r"/\*.*?\*/", "", node.text() or "", flags=re.S)
        for selectors, body in _RULE.findall(css):
            decls = parse_style(body)
            for sel in selectors.split(","):
                sel = sel.strip()
                if re.fullmatch(r"[.#][\w-]+", sel):
                    rules.setdefault(sel, {}).update(decls)
    return rules


def _hidden_by(node: Node, rules: Mapping[str, Mapping[str, str]]) -> str | None:
    current: Node | None = node
    while current is not None and current.tag not in ("body", "html"):
        attrs = current.attributes
        decls: dict[str, str] = {}
        for cls in (attrs.get("class") or "").split():
            decls.update(rules.get("." + cls, {}))
        if attrs.get("id"):
            decls.update(rules.get("#" + (attrs.get("id") or ""), {}))
        decls.update(parse_style(attrs.get("style") or ""))
        how = hiding(decls)
        if how is None and "hidden" in attrs and current.tag != "input":
            how = "hidden"
        if how:
            return how
        current = current.parent
    return None


def suspicious(url: str, text: str) -> bool:
    low = text.lower()
    return bool(SUSPICIOUS_DOMAIN.search(urlsplit(url).hostname or "")) or any(k in low for k in SUSPICIOUS_TEXT)


def hidden_links(html: str | HTMLParser, base_url: str, site_url: str, allowed: Iterable[str]) -> list[HiddenLink]:
    """Hidden ``<a href>`` that leave the site for a host not ``allowed``; one per URL, in document order.

    ``suspicious`` marks gambling/porn-style domains or anchor texts. Hidden links to the site itself or
    to allowed domains are ordinary (tab panels, drop-down menus) and never reported.
    """
    allowed = tuple(allowed)
    site_host = urlsplit(site_url).hostname or ""
    tree = html if isinstance(html, HTMLParser) else HTMLParser(html or "<html></html>")  # a tree is only read
    rules = stylesheet_rules(tree)
    found: dict[str, HiddenLink] = {}
    for a in tree.css("a[href]"):
        how = _hidden_by(a, rules)  # first: most links are visible, and resolving every href costs more
        if how is None:
            continue
        url = urljoin(base_url, (a.attributes.get("href") or "").strip())
        if urlsplit(url).scheme not in ("http", "https") or url in found:
            continue
        if host_allowed(urlsplit(url).hostname or "", site_host, allowed):
            continue
        text = " ".join((a.text() or "").split())
        found[url] = HiddenLink(url, text[:100], how, suspicious(url, text))
    return list(found.values())
