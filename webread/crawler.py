"""Async same-site crawler and link checker for one site (the 链接可用性 check's engine).

Contract: :meth:`Crawler.crawl` starts at the homepage, crawls same-site HTML pages (same scheme,
host and port as the homepage, before or after its redirects) breadth-first up to
``page_budget`` pages and ``max_depth`` clicks, and checks every link, image, script, stylesheet
and attachment on those pages, external ones included. Each normalised URL is requested once per
run however many pages carry it. Checks use HEAD and fall back to GET (reading only a small prefix)
when HEAD fails; timeouts and resets are retried with back-off. Per-host concurrency and a per-host
token bucket bound the load on every host; a global semaphore bounds the whole run.

robots.txt is deliberately NOT applied: an inspector checks everything the public can reach.

Every request follows the shared fetch policy (``webread``): page bodies are counted in inflated
bytes (``max_page_bytes``; a decompression bomb is not parsed and comes back as ``too_large``,
页面解压后过大…), and a link or redirect hop whose address the
:class:`~webread.addresses.AddressPolicy` refuses (internal, not a registered site's, not allowed)
is never requested: it comes back as ``blocked`` (链接指向内网地址，未访问), without a status.
The guard lives in the session's connector: a crawler given a ``session`` inherits that session's
policy (the inspection :class:`~webread.fetch.Fetcher`'s); one opening its own uses ``policy``.

Every same-site HTML page the crawl reads is handed, with its depth, to ``on_page`` (when given) before
its links are followed: the inspection checks that read pages are fed from this one crawl
(inspection/sitecrawl.py) instead of each crawling the site again.

The crawl never raises for what it finds: a homepage that cannot be loaded comes back as
``CrawlReport.homepage_error``; a page cut at ``max_page_bytes`` is parsed only up to its last
complete tag and listed in ``truncated_pages``; a run stopped by ``time_budget`` or ``max_links``
comes back with ``complete=False`` and what was checked so far.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from yarl import URL

from webread.addresses import AddressPolicy
from webread.body import BodyLimits
from webread.client import REQUEST_HEADERS, REQUEST_OPTIONS, AddressBlocked, GuardedConnector, classify, read_body
from webread.crawl_links import (
    PAGE_TAGS,
    RETRYABLE,
    TokenBucket,
    UrlCache,
    classify_status,
    complete_prefix,
    host_key,
    link_tuples,
    looks_like_page,
    normalize_url,
    origin,
    same_site,
    url_prefix,
)
from webread.fetch import decode

HTML_TYPES = ("text/html", "application/xhtml+xml")
Progress = Callable[[int, int, int], None]  # (pages crawled, links checked, links found)


@dataclass(frozen=True)
class CrawledPage:
    """A same-site HTML page as the crawl read it: ``url`` as linked (normalised), ``final_url`` after
    redirects, ``text`` decoded (cut at its last complete tag when ``truncated``), ``depth`` in clicks."""

    url: str
    final_url: str
    text: str
    depth: int
    truncated: bool = False


PageSink = Callable[[CrawledPage], None]


@dataclass(frozen=True)
class CrawlSettings:
    """Limits of one site's crawl; the dead_links check's rule values extend this."""

    page_budget: int = 300
    max_depth: int = 3
    per_host_concurrency: int = 4
    per_host_rate: float = 20.0  # requests per second per host (token bucket)
    global_concurrency: int = 32
    request_timeout: float = 10.0
    retries: int = 1
    backoff_s: float = 0.5
    max_page_bytes: int = 5 * 1024 * 1024
    probe_bytes: int = 16 * 1024  # GET fallback reads at most this much of a non-page target
    max_links: int = 20_000
    max_redirects: int = 10
    user_agent: str = "GovOps-Inspector/1.0 (link check)"


@dataclass(frozen=True)
class Reference:
    """Where a link appears: the page (normalised URL), the tag and its visible text."""

    page: str
    tag: str
    text: str


@dataclass(frozen=True)
class LinkResult:
    """Outcome of one request chain. ``error`` is None when fine, an HTTP status ("404") or a class
    among dns, refused, timeout, tls, reset, redirect_loop, too_large, blocked, other (``blocked``:
    refused by the address policy, never requested; ``detail`` says so in Chinese)."""

    url: str
    status: int | None
    error: str | None
    detail: str = ""
    final_url: str = ""
    method: str = "HEAD"


@dataclass(frozen=True)
class BrokenLink:
    url: str
    error: str
    status: int | None
    detail: str
    references: tuple[Reference, ...]
    on_homepage: bool


@dataclass
class CrawlReport:
    start_url: str
    homepage_url: str = ""
    homepage_error: LinkResult | None = None
    pages: list[str] = field(default_factory=list)
    truncated_pages: list[str] = field(default_factory=list)
    links_checked: int = 0
    links_found: int = 0
    requests: int = 0
    broken: list[BrokenLink] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)  # every URL this crawl requested and judged (ok or broken)
    complete: bool = True
    elapsed_s: float = 0.0


@dataclass
class _Page:
    url: str
    final_url: str
    text: str
    truncated: bool


class Crawler:
    """One crawl at a time per instance. ``session``: an aiohttp session to share (not closed here;
    its connector should be a :class:`~webread.client.GuardedConnector`); without one the crawler
    opens its own with ``ssl`` (an SSLContext, None for defaults, False to skip verification) under
    ``policy`` (None: no internal address at all) and closes it at the end."""

    def __init__(self, settings: Any = None, *, session: aiohttp.ClientSession | None = None,
                 ssl_context: ssl.SSLContext | bool | None = None, progress: Progress | None = None,
                 monotonic: Callable[[], float] = time.monotonic, policy: AddressPolicy | None = None,
                 on_page: PageSink | None = None) -> None:
        self.s = settings or CrawlSettings()
        self._on_page = on_page
        self._shared = session
        self._ssl = ssl_context
        self._policy = policy
        self._progress = progress
        self._now = monotonic
        self._global = asyncio.Semaphore(self.s.global_concurrency)
        self._hosts: dict[str, _Host] = {}  # by host key: limits are per host and port
        self._host_of: dict[str, _Host] = {}  # by "scheme://authority" prefix: skips re-parsing URLs
        self._headers = {"User-Agent": self.s.user_agent, **REQUEST_HEADERS}
        self._reset()

    def _reset(self) -> None:
        self._results: dict[str, LinkResult] = {}
        # (page, tag, text) per occurrence; Reference objects are built for broken URLs only
        self._refs: dict[str, list[tuple[str, str, str]]] = {}
        self._urls = UrlCache()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._report = CrawlReport(start_url="")

    # ---- requests -------------------------------------------------------------------------
    def _host(self, url: str) -> _Host:
        prefix = url_prefix(url)
        host = self._host_of.get(prefix)
        if host is None:
            key = host_key(url)
            host = self._hosts.get(key)
            if host is None:
                host = self._hosts[key] = _Host(asyncio.Semaphore(self.s.per_host_concurrency),
                                                TokenBucket(self.s.per_host_rate))
            self._host_of[prefix] = host
        return host

    async def _request(self, session: aiohttp.ClientSession, url: str, method: str,
                       read_page: bool) -> tuple[LinkResult, _Page | None]:
        """One request chain (redirects followed). With ``read_page`` an HTML answer is read (up to
        ``max_page_bytes``) and returned as a page; other bodies are read up to ``probe_bytes``."""
        host = self._host(url)
        async with self._global, host.sem:
            wait = host.bucket.reserve(self._now())
            if wait > 0:
                await asyncio.sleep(wait)
            self._report.requests += 1
            try:
                async with asyncio.timeout(self.s.request_timeout):
                    # normalised URLs are already percent-encoded: spare yarl the re-quoting
                    async with session.request(method, URL(url, encoded=True), allow_redirects=True,
                                               max_redirects=self.s.max_redirects,
                                               headers=self._headers, **REQUEST_OPTIONS) as resp:
                        final = str(resp.url)
                        result = LinkResult(url, resp.status, classify_status(resp.status), "", final, method)
                        if method == "HEAD":
                            return result, None
                        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
                        is_html = ctype in HTML_TYPES or (not ctype and read_page)
                        if not (read_page and is_html and resp.status < 400):
                            await resp.content.read(self.s.probe_bytes)  # raw bytes: nothing inflated
                            return result, None
                        body = await read_body(resp, BodyLimits(self.s.max_page_bytes))
                        if body.bomb:  # never parsed: what it holds is not a page
                            return LinkResult(url, resp.status, "too_large", body.reason(), final, method), None
                        text, _enc = decode(body.data, resp.charset)
                        if body.truncated:
                            text = complete_prefix(text)
                        return result, _Page(url, final, text, body.truncated)
            except aiohttp.TooManyRedirects:
                return LinkResult(url, None, "redirect_loop", f"超过 {self.s.max_redirects} 次跳转", "", method), None
            except AddressBlocked as exc:
                return LinkResult(url, None, "blocked", exc.reason, "", method), None
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                if isinstance(exc, aiohttp.InvalidURL):
                    return LinkResult(url, None, "other", "无效地址", "", method), None
                detail = (str(exc) or type(exc).__name__)[:200]
                return LinkResult(url, None, classify(exc), detail, "", method), None

    async def _with_retries(self, session: aiohttp.ClientSession, url: str,
                            read_page: bool) -> tuple[LinkResult, _Page | None]:
        """HEAD (or GET for pages), falling back to GET when HEAD fails; retries timeouts/resets."""
        attempt = 0
        while True:
            if read_page:
                result, page = await self._request(session, url, "GET", True)
            else:
                result, page = await self._request(session, url, "HEAD", False)
                if result.error is not None and result.error not in ("dns", "refused", "timeout", "tls",
                                                                     "redirect_loop", "blocked"):
                    # 405/501 and servers that mishandle HEAD (403, 404, resets): ask again with GET.
                    result, page = await self._request(session, url, "GET", False)
            if result.error in RETRYABLE and attempt < self.s.retries:
                await asyncio.sleep(self.s.backoff_s * (2 ** attempt))
                attempt += 1
                continue
            return result, page

    # ---- the crawl ------------------------------------------------------------------------
    def _tick(self) -> None:
        if self._progress is not None:
            r = self._report
            self._progress(len(r.pages), r.links_checked, r.links_found)

    async def _check(self, session: aiohttp.ClientSession, url: str) -> None:
        result, _ = await self._with_retries(session, url, False)
        self._results[url] = result
        self._report.links_checked += 1
        self._tick()

    async def _fetch_page(self, session: aiohttp.ClientSession, url: str) -> _Page | None:
        result, page = await self._with_retries(session, url, True)
        self._results[url] = result
        self._report.links_checked += 1
        if page is not None:
            self._report.pages.append(url)
            if page.truncated:
                self._report.truncated_pages.append(url)
        self._tick()
        return page

    async def crawl(self, start_url: str, *, time_budget: float | None = None) -> CrawlReport:
        """Crawl and check one site; see the module docstring. ``time_budget`` bounds the whole run."""
        start = normalize_url(start_url)
        if start is None:
            raise ValueError(f"start URL {start_url!r} is not an http(s) URL")
        self._reset()
        report = self._report
        report.start_url = start
        t0 = self._now()
        own = self._shared is None
        session = self._shared or aiohttp.ClientSession(connector=GuardedConnector(
            limit=self.s.global_concurrency, limit_per_host=self.s.per_host_concurrency, ssl=self._ssl,
            policy=self._policy))
        try:
            if time_budget is None:
                await self._run(session, start)
            else:
                try:
                    async with asyncio.timeout(time_budget):
                        await self._run(session, start)
                except TimeoutError:
                    report.complete = False
        finally:
            for task in self._tasks:
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            if own:
                await session.close()
        report.elapsed_s = self._now() - t0
        self._collect_broken()
        return report

    async def _run(self, session: aiohttp.ClientSession, start: str) -> None:
        report = self._report
        home = await self._fetch_page(session, start)
        first = self._results[start]
        if home is None:
            report.homepage_error = first if first.error else LinkResult(
                start, first.status, "not_html", "首页不是 HTML 页面", first.final_url, first.method)
            return
        homepage = normalize_url(home.final_url) or start
        report.homepage_url = homepage
        origins = {origin(start), origin(homepage)}
        site = {url_prefix(start), url_prefix(homepage)}  # the same test on normalised URLs, unparsed
        seen: set[str] = {start, homepage}
        # Pages wait in a heap by (depth, discovery order) and are fetched as slots free up, so one
        # slow page never stalls the crawl; the budget counts HTML pages read, shallowest first.
        heap: list[tuple[int, int, str]] = []
        order = itertools.count()

        refs = self._refs

        def discover(page: _Page, depth: int) -> None:
            if self._on_page is not None:
                self._on_page(CrawledPage(page.url, page.final_url, page.text, depth, page.truncated))
            for url, tag, text in link_tuples(page.text, page.final_url, self._urls):
                occurrences = refs.get(url)
                if occurrences is not None:  # seen before: only note where it appears
                    occurrences.append((page.url, tag, text))
                    continue
                refs[url] = [(page.url, tag, text)]
                if url in seen:
                    continue
                if len(seen) >= self.s.max_links:
                    report.complete = False
                    continue
                seen.add(url)
                report.links_found += 1
                if (tag in PAGE_TAGS and depth < self.s.max_depth and url_prefix(url) in site
                        and looks_like_page(url)):
                    heapq.heappush(heap, (depth + 1, next(order), url))
                else:
                    self._spawn(self._check(session, url))

        discover(home, 0)
        fetched = 1
        active: dict[asyncio.Task[_Page | None], int] = {}
        while heap or active:
            while heap and len(active) < self.s.global_concurrency:
                if fetched >= self.s.page_budget:
                    if active:  # an in-flight fetch that yields no page gives its budget back
                        break
                    self._spawn(self._check(session, heapq.heappop(heap)[2]))  # over budget: checked only
                    continue
                depth, _, url = heapq.heappop(heap)
                fetched += 1
                active[self._spawn(self._fetch_page(session, url))] = depth
            if not active:
                break
            done, _ = await asyncio.wait(active, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                depth = active.pop(task)
                page = task.result()
                if page is None:
                    fetched -= 1  # the budget counts pages crawled, not 404s or attachments
                # A redirect may leave the site: such a page is checked, never parsed as the site's.
                if page is not None and (url_prefix(page.final_url) in site or same_site(page.final_url, origins)):
                    discover(page, depth)
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _collect_broken(self) -> None:
        r = self._report
        home = {r.start_url, r.homepage_url}
        r.checked = set(self._results)
        for url, result in self._results.items():
            if result.error is None or url == r.start_url:
                continue
            refs = tuple(Reference(*ref) for ref in self._refs.get(url, ()))
            r.broken.append(BrokenLink(url, result.error, result.status, result.detail, refs,
                                       any(ref.page in home for ref in refs)))
        r.broken.sort(key=lambda b: (not b.on_homepage, b.url))


@dataclass
class _Host:
    sem: asyncio.Semaphore
    bucket: TokenBucket
