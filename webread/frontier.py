"""A site's crawl frontier, the pure part: what the crawl remembers of each page between runs.

The crawler (:mod:`webread.crawler`) takes a mapping url -> :class:`PageState` (loaded by the caller
from wherever it keeps them), and hands back the states of the pages it fetched and the pages it
discovered. Everything here is pure: time comes in as ``now``.

- :func:`pack_links` / :func:`unpack_links`: a page's outbound links as zlib-compressed JSON
  ``[[url, tag, text], ...]`` (what :func:`webread.crawl_links.link_tuples` yields).
- :func:`is_due`: a page never fetched, or last fetched a cycle ago or more, is due.
- :func:`fetch_priority`: never-fetched pages first, then the ones checked longest ago, depth as tie-break.
- :func:`run_budget`: the pages one run must read so that the cycle is met.
- :class:`QueryGuard`: at most N distinct query strings per path (calendar and search traps).
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass
from datetime import datetime

LinkTriple = tuple[str, str, str]  # (url, tag, anchor text)


@dataclass(frozen=True)
class PageState:
    """What the crawl knows of one page: its depth in clicks from the homepage, the validators of its
    last answer (``etag``, ``last_modified``), the sha256 hex of its body, when it was last fetched
    (None: discovered, never fetched) and last changed, the HTTP status of its last answer (304 for
    "unchanged"), its outbound links (:func:`pack_links`) and the signature of the scans its body was last
    handed to (a page read under other scans, e.g. an updated content dictionary, is read again)."""

    depth: int
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    last_checked: datetime | None = None
    links: bytes | None = None
    status: int | None = None
    last_changed: datetime | None = None
    signature: str = ""

    def conditional_headers(self) -> dict[str, str]:
        """If-None-Match / If-Modified-Since for a revalidating GET; none without stored links (a 304
        would then leave nothing to continue the crawl from)."""
        if self.links is None:
            return {}
        headers: dict[str, str] = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class Coverage:
    """Pages reachable from the homepage in this run (``known``) and how many of them were fetched
    within the current cycle (``checked``) of ``cycle_s`` seconds (0: not given)."""

    known: int
    checked: int
    cycle_s: float = 0.0

    @property
    def percent(self) -> float:
        return 100.0 if self.known == 0 else round(100.0 * self.checked / self.known, 1)


def pack_links(links: list[LinkTriple]) -> bytes:
    """zlib-compressed JSON list of [url, tag, text] triples."""
    return zlib.compress(json.dumps([list(t) for t in links], ensure_ascii=False,
                                    separators=(",", ":")).encode("utf-8"))


def unpack_links(blob: bytes | None) -> list[LinkTriple]:
    """The triples of :func:`pack_links`; [] for None or anything that does not decode as such."""
    if not blob:
        return []
    try:
        data = json.loads(zlib.decompress(blob).decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, ValueError):
        return []
    if not isinstance(data, list):
        return []
    return [(str(t[0]), str(t[1]), str(t[2])) for t in data
            if isinstance(t, list) and len(t) == 3 and all(isinstance(v, str) for v in t)]


def is_due(state: PageState | None, now: datetime, cycle_s: float, signature: str | None = None) -> bool:
    """True when the page was never fetched, its last fetch is ``cycle_s`` or more before ``now``, or
    (given ``signature``) its body was last read under other scans."""
    if state is None or state.last_checked is None:
        return True
    if signature is not None and state.status != 304 and state.content_hash and state.signature != signature:
        return True
    return (now - state.last_checked).total_seconds() >= cycle_s


def rescan(state: PageState | None, signature: str) -> bool:
    """Whether the page's body must be read and scanned again although it may not have changed: it was
    last read under other scans (a revalidating request would answer 304 and leave it unscanned)."""
    return state is not None and state.content_hash is not None and state.signature != signature


def fetch_priority(state: PageState | None, depth: int) -> tuple[int, float, int]:
    """Heap key of a due page: never fetched first (by depth), then the oldest fetch first, depth as tie-break."""
    if state is None or state.last_checked is None:
        return (0, 0.0, depth)
    return (1, state.last_checked.timestamp(), depth)


def run_budget(page_budget: int, known_pages: int, run_interval_s: float, cycle_s: float,
               max_pages_per_run: int) -> int:
    """Pages one run may read: enough that every known page is read within the cycle
    (``ceil(known * interval / cycle)``), at least ``page_budget``, at most ``max_pages_per_run``."""
    need = math.ceil(known_pages * run_interval_s / cycle_s) if cycle_s > 0 else known_pages
    return max(1, min(max(page_budget, need), max_pages_per_run))


def query_path(url: str) -> str | None:
    """``url`` without its query string, or None when it has none."""
    cut = url.find("?")
    return url[:cut] if cut >= 0 else None


class QueryGuard:
    """Admits at most ``limit`` distinct query strings per path in one crawl (a calendar or a search
    form links ever new ``?date=`` pages: a trap without it)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._count: dict[str, int] = {}
        self.refused = 0

    def admit(self, url: str) -> bool:
        path = query_path(url)
        if path is None:
            return True
        n = self._count.get(path, 0)
        if n >= self.limit:
            self.refused += 1
            return False
        self._count[path] = n + 1
        return True
