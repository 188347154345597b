"""Pure parts of the dead-link crawl: URL normalisation, same-site test, link extraction,
outcome classification and per-host token-bucket bookkeeping.

Nothing here does I/O or reads the clock: :class:`TokenBucket` takes ``now`` (seconds on any
monotonic scale) as an argument, so the rate limit is tested without sleeping.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

DEFAULT_PORTS = {"http": 80, "https": 443}
SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "sms:", "about:", "blob:", "ftp:", "file:")

# Tags whose target is a page a visitor navigates to (crawl candidates when same-site);
# the rest are resources that are only checked.
PAGE_TAGS = frozenset({"a", "area", "iframe", "frame"})
_ATTR_OF: dict[str, str] = {
    "a": "href", "area": "href", "img": "src", "script": "src", "link": "href", "iframe": "src",
    "frame": "src", "source": "src", "embed": "src", "object": "data", "video": "src", "audio": "src",
}
_CTRL = str.maketrans("", "", "\t\r\n")
# A root-relative href that normalisation leaves as written: only characters quote() keeps, no
# "%", "?", "#", no "//" and no dot segments (checked apart). Such an href resolves to origin + href.
_PLAIN_ROOTED = re.compile(r"/[A-Za-z0-9/:@!$&'()*+,;=._~-]*\Z")
# Extensions that are never HTML pages: checked, never fetched for parsing (saves page budget).
NON_PAGE_EXT = frozenset({
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "wps", "et", "ofd", "zip", "rar", "7z", "gz", "tar",
    "jpg", "jpeg", "png", "gif", "bmp", "webp", "svg", "ico", "css", "js", "mp3", "mp4", "avi", "flv", "wmv",
    "mov", "swf", "txt", "xml", "json", "apk", "exe",
})
# Characters kept as they are when re-quoting a path or query (already-encoded %XX stay).
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY = _SAFE_PATH + "?"

ERROR_CLASSES = ("dns", "refused", "timeout", "tls", "reset", "redirect_loop", "too_large", "blocked", "other")
RETRYABLE = frozenset({"timeout", "reset"})


@dataclass(frozen=True)
class Link:
    """One reference on a page: normalised absolute ``url``, the ``tag`` carrying it, its visible text."""

    url: str
    tag: str
    text: str


def normalize_url(raw: str, base: str | None = None) -> str | None:
    """The canonical absolute form of ``raw`` (resolved against ``base``), or None when it is not
    an http(s) URL worth checking (javascript:, mailto:, tel:, data:, a bare ``#fragment``, junk).

    Canonical: scheme and host lower-cased, default port dropped, fragment dropped, empty path
    ``/``, ``.``/``..`` segments resolved, unsafe characters percent-encoded (so ``a b`` and
    ``a%20b`` are one URL). Browsers strip surrounding whitespace and embedded tabs/newlines; so do we.
    """
    s = raw.strip()
    if "\t" in s or "\n" in s or "\r" in s:
        s = s.translate(_CTRL)
    if not s or s.startswith("#") or s.lower().startswith(SKIP_SCHEMES):
        return None
    try:
        absolute = urljoin(base, s) if base else s
        parts = urlsplit(absolute)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS or not parts.hostname:
            return None
        host = parts.hostname.lower()
        port = parts.port
    except ValueError:  # bad port, bad IPv6 literal
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path or "/"
    if "." in path:
        trailing = path.endswith("/") or path.endswith("/.") or path.endswith("/..")
        path = posixpath.normpath(path)
        path = "/" if path in (".", "//") else path
        if not path.startswith("/"):
            path = "/" + path
        if trailing and not path.endswith("/"):
            path += "/"
    path = quote(unquote_safe(path), safe=_SAFE_PATH)
    query = quote(parts.query, safe=_SAFE_QUERY) if parts.query else ""
    return urlunsplit((scheme, netloc, path, query, ""))


def unquote_safe(path: str) -> str:
    """Decode %XX except encoded '/', '%', '?' and '#', whose decoding would change the path's meaning."""
    if "%" not in path:
        return path
    keep = {"%2f": "%252F", "%25": "%2525", "%3f": "%253F", "%23": "%2523"}
    out = path
    for enc, guard in keep.items():
        out = out.replace(enc, guard).replace(enc.upper(), guard)
    try:
        return unquote(out, errors="strict")
    except UnicodeDecodeError:  # e.g. GBK-encoded bytes: keep them encoded exactly as written
        return path


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an absolute URL, the default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme, 0)


def host_key(url: str) -> str:
    """The key rate and concurrency limits are kept under: host and port."""
    _, host, port = origin(url)
    return f"{host}:{port}"


def url_prefix(url: str) -> str:
    """"scheme://authority" of an absolute URL, as written. For URLs from :func:`normalize_url`,
    equal prefixes mean equal :func:`origin`, without parsing."""
    cut = url.find("/", url.find("//") + 2)
    return url[:cut] if cut > 0 else url


def same_site(url: str, origins: frozenset[tuple[str, str, int]] | set[tuple[str, str, int]]) -> bool:
    """True when ``url`` has the scheme, host and port of one of the site's ``origins``."""
    return origin(url) in origins


def looks_like_page(url: str) -> bool:
    """False for URLs whose extension says they are an attachment or an asset, not an HTML page."""
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return "." not in last or last.rsplit(".", 1)[1].lower() not in NON_PAGE_EXT


def complete_prefix(text: str) -> str:
    """A cut-off HTML prefix up to its last complete tag, so a half-written URL is never read as a link."""
    end = text.rfind(">")
    return text[: end + 1] if end >= 0 else ""


def _anchor_text(node: object) -> str:
    text = " ".join((node.text() or "").split())  # type: ignore[attr-defined]
    if not text:
        attrs = node.attributes  # type: ignore[attr-defined]
        text = (attrs.get("title") or attrs.get("alt") or "").strip()
        if not text:
            # the first descendant <img alt>; a walk, not css_first (which sets up lexbor's selector engine)
            for child in node.traverse():  # type: ignore[attr-defined]
                if child.tag == "img" and "alt" in child.attributes:
                    text = (child.attributes.get("alt") or "").strip()
                    break
    return text[:120]


class UrlCache:
    """Memoised :func:`normalize_url` for one crawl: the same href on many pages is resolved once.

    The cache key holds only what the result depends on: nothing of the base for an absolute
    http(s) URL, the base's scheme and authority for a root-relative one ("/x"), the whole base
    otherwise. Bounded: cleared when it reaches ``max_entries``.
    """

    def __init__(self, max_entries: int = 200_000) -> None:
        self.max_entries = max_entries
        self._memo: dict[tuple[str, str], str | None] = {}
        self._origins: dict[str, str | None] = {}  # scope -> normalised "scheme://authority"

    def normalize(self, raw: str, base: str) -> str | None:
        if raw[:8].lower().startswith(("http://", "https://")):
            scope = ""  # absolute: the base plays no part
        elif raw[:1] == "/" and raw[1:2] not in ("/", "\\", "\t", "\r", "\n"):
            scope = url_prefix(base)  # root-relative: only scheme://authority counts
            if _PLAIN_ROOTED.match(raw) and "//" not in raw and "/./" not in raw + "/" and "/../" not in raw + "/":
                prefix = self._origins.get(scope, "")
                if prefix == "":
                    home = normalize_url("/", base)
                    prefix = self._origins[scope] = home[:-1] if home is not None else None
                return None if prefix is None else prefix + raw
        else:
            scope = base
        key = (raw, scope)
        try:
            return self._memo[key]
        except KeyError:
            pass
        if len(self._memo) >= self.max_entries:
            self._memo.clear()
        url = self._memo[key] = normalize_url(raw, base)
        return url


def link_tuples(html: str, page_url: str, cache: UrlCache | None = None) -> list[tuple[str, str, str]]:
    """:func:`extract_links` as (url, tag, text) tuples, resolving through ``cache`` when given
    (the crawler's hot path: no per-link object beyond the tuple)."""
    tree = LexborHTMLParser(html)
    base = page_url
    for node in tree.tags("base"):  # the first <base> with an href rules the whole document
        attrs = node.attributes
        if "href" in attrs:
            base = normalize_url(attrs["href"] or "", page_url) or page_url
            break
    resolve = cache.normalize if cache is not None else normalize_url
    out: list[tuple[str, str, str]] = []
    # tags() per kind rather than a CSS selection: on a fresh tree lexbor's selector engine costs
    # more to set up than parsing a small page.
    for tag, attr in _ATTR_OF.items():
        for node in tree.tags(tag):
            attrs = node.attributes
            value = attrs.get(attr)
            if not value:
                continue
            if tag == "link":
                rel = (attrs.get("rel") or "").lower().split()
                if "stylesheet" not in rel and "icon" not in rel:
                    continue
            url = resolve(value, base)
            if url is None:
                continue
            out.append((url, tag, _anchor_text(node) if tag == "a" or tag == "area" else ""))
    return out


def extract_links(html: str, page_url: str) -> list[Link]:
    """Every checkable reference of an HTML page, in document order per tag kind (links first),
    duplicates kept (one per occurrence). Relative URLs resolve against ``<base href>`` when present. Never raises on
    broken HTML (the parser repairs it as browsers do)."""
    return [Link(url, tag, text) for url, tag, text in link_tuples(html, page_url)]


def classify_status(status: int) -> str | None:
    """The error class of an HTTP answer: None when fine, else the status code as text ("404")."""
    return str(status) if status >= 400 else None


class TokenBucket:
    """Per-host rate limit: ``rate`` requests per second with bursts up to ``burst``.

    :meth:`reserve` books one request at ``now`` and returns how many seconds the caller must wait
    before sending it. Bookings may run into debt, so concurrent callers queue in booking order.
    """

    def __init__(self, rate: float, burst: float | None = None) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be > 0 requests per second, got {rate!r}")
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1.0, rate / 10))
        self.tokens = self.burst
        self.last: float | None = None

    def reserve(self, now: float) -> float:
        if self.last is None:
            self.last = now
        elif now > self.last:
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
            self.last = now
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate
