"""Async same-site crawler and link checker for one site (the 链接可用性 check's engine).

Contract: :meth:`Crawler.crawl` starts at the homepage, crawls same-site HTML pages (same scheme,
host and port as the homepage, before or after its redirects) breadth-first up to
``page_budget`` pages and ``max_depth`` clicks, and checks every link, image, script, stylesheet
and attachment on those pages, external ones included. Each normalised URL is requested once per
run however many pages carry it. Checks use HEAD and fall back to GET (reading only a small prefix)
when HEAD fails; timeouts and resets are retried with back-off. Per-host concurrency and a per-host
token bucket bound the load on every host; a global semaphore bounds the whole run.

robots.txt is not applied by default: an inspector checks everything the public can reach. With
``obey_robots`` the site's robots.txt is read first (:mod:`webread.robots`) and same-site URLs it
disallows are neither fetched nor checked (counted in ``robots_skipped``); the homepage is always read.

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
import dataclasses
import hashlib
import heapq
import itertools
import ssl
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
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
from webread.frontier import (
    Coverage,
    LinkTriple,
    PageState,
    QueryGuard,
    fetch_priority,
    is_due,
    pack_links,
    rescan,
    unpack_links,
)
from webread.robots import Robots, load_robots

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
    # With a frontier (whole-site coverage over time, see crawl()): no depth cap unless set here, every
    # reachable page read within the cycle, each run reading at most max_pages_per_run pages.
    frontier_max_depth: int | None = None
    cycle_days: float = 7.0
    max_pages_per_run: int = 5000
    max_query_variants: int = 50  # distinct query strings per path crawled as pages (calendar traps)
    obey_robots: bool = False  # the site's own operator, or an inspector for the public, reads every page


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
    # With a frontier only: the new state of every page fetched (200, 304 or an error), the pages first
    # discovered (url -> depth), every page reached from the homepage (fetched or not; url -> depth), the
    # pages found unchanged (304 or the same body: not handed to on_page), the share of the reached
    # pages fetched within the cycle, and the page URLs refused as query-string variants.
    states: dict[str, PageState] = field(default_factory=dict)
    discovered: dict[str, int] = field(default_factory=dict)
    reached: dict[str, int] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    coverage: Coverage | None = None
    trap_skipped: int = 0
    # With obey_robots: what robots.txt said (webread.robots.Robots.detail when not plain rules) and the
    # same-site URLs it kept the crawl from.
    robots: str = ""
    robots_skipped: int = 0


@dataclass
class _Page:
    url: str
    final_url: str
    text: str
    truncated: bool
    etag: str | None = None
    last_modified: str | None = None
    digest: str | None = None


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
        self._page_links: dict[str, list[LinkTriple]] = {}  # fresh links of pages fetched, until followed
        self._signature = ""  # the scans pages are handed to (a frontier crawl's signature)
        self._robots: Robots | None = None  # obey_robots: the site's robots.txt, read when the crawl starts

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

    async def _request(self, session: aiohttp.ClientSession, url: str, method: str, read_page: bool,
                       extra: Mapping[str, str] | None = None) -> tuple[LinkResult, _Page | None]:
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
                                               headers={**self._headers, **extra} if extra else self._headers,
                                               **REQUEST_OPTIONS) as resp:
                        final = str(resp.url)
                        result = LinkResult(url, resp.status, classify_status(resp.status), "", final, method)
                        if method == "HEAD" or resp.status == 304:  # 304: unchanged, no body
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
                        return result, _Page(url, final, text, body.truncated, resp.headers.get("ETag"),
                                             resp.headers.get("Last-Modified"),
                                             hashlib.sha256(body.data).hexdigest())
            except aiohttp.TooManyRedirects:
                return LinkResult(url, None, "redirect_loop", f"超过 {self.s.max_redirects} 次跳转", "", method), None
            except AddressBlocked as exc:
                return LinkResult(url, None, "blocked", exc.reason, "", method), None
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                if isinstance(exc, aiohttp.InvalidURL):
                    return LinkResult(url, None, "other", "无效地址", "", method), None
                detail = (str(exc) or type(exc).__name__)[:200]
                return LinkResult(url, None, classify(exc), detail, "", method), None

    async def _with_retries(self, session: aiohttp.ClientSession, url: str, read_page: bool,
                            extra: Mapping[str, str] | None = None) -> tuple[LinkResult, _Page | None]:
        """HEAD (or GET for pages, with the ``extra`` headers), falling back to GET when HEAD fails;
        retries timeouts/resets."""
        attempt = 0
        while True:
            if read_page:
                result, page = await self._request(session, url, "GET", True, extra)
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

    async def _fetch_page(self, session: aiohttp.ClientSession, url: str,
                          extra: Mapping[str, str] | None = None) -> _Page | None:
        result, page = await self._with_retries(session, url, True, extra)
        self._results[url] = result
        self._report.links_checked += 1
        if page is not None or result.status == 304:
            self._report.pages.append(url)
            if page is not None and page.truncated:
                self._report.truncated_pages.append(url)
        self._tick()
        return page

    async def crawl(self, start_url: str, *, time_budget: float | None = None,
                    frontier: Mapping[str, PageState] | None = None, now: datetime | None = None,
                    cycle_s: float | None = None, signature: str = "") -> CrawlReport:
        """Crawl and check one site; see the module docstring. ``time_budget`` bounds the whole run.

        With ``frontier`` (url -> :class:`PageState`, possibly empty) the crawl continues where the last
        one stopped (see :meth:`_run_frontier`); ``now`` (aware) and ``cycle_s`` (default
        ``cycle_days``) decide which pages are due. The report then carries ``states``, ``discovered``,
        ``reached``, ``unchanged`` and ``coverage``. ``signature`` names the scans pages are handed to
        (``on_page``): a page last read under another signature is read in full and handed on again."""
        if frontier is not None and now is None:
            raise ValueError("a crawl with a frontier needs now")
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
            if self.s.obey_robots:
                self._robots = await load_robots(session, start, self.s.user_agent, self.s.request_timeout)
                report.robots = self._robots.detail
            if frontier is None:
                work = self._run(session, start)
            else:
                assert now is not None
                cycle = cycle_s if cycle_s is not None else self.s.cycle_days * 86_400.0
                work = self._run_frontier(session, start, _Plan(frontier, now, cycle, signature))
            if time_budget is None:
                await work
            else:
                try:
                    async with asyncio.timeout(time_budget):
                        await work
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
        if frontier is not None:
            assert now is not None
            report.coverage = _coverage(report, frontier, now,
                                        cycle_s if cycle_s is not None else self.s.cycle_days * 86_400.0)
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
                if self._robots_forbid(url, site):
                    continue
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

    async def _run_frontier(self, session: aiohttp.ClientSession, start: str, plan: _Plan) -> None:
        """The crawl continuing from a frontier. The homepage is always fetched. Other pages are fetched by
        :func:`~webread.frontier.fetch_priority` while the page budget lasts, with If-None-Match /
        If-Modified-Since when their state has them; a 304 or an unchanged body counts against the budget,
        is not handed to ``on_page``, and its stored (or fresh) links continue the crawl, its other links
        checked. A page fetched within the cycle is not fetched: its stored links carry the crawl further at
        no network cost (its other links are not checked). When the budget is spent, the pages still waiting
        are only reached, through their stored links, so that every page reachable from the homepage is
        known. No depth cap unless ``frontier_max_depth``; at most ``max_query_variants`` query strings per
        path; ``max_links`` bounds the whole."""
        report, states, now = self._report, plan.states, plan.now
        home_state = states.get(start)
        self._signature = plan.signature
        home = await self._fetch_page(session, start, plan.headers(home_state))
        first = self._results[start]
        if home is None and first.status != 304:
            report.homepage_error = first if first.error else LinkResult(
                start, first.status, "not_html", "首页不是 HTML 页面", first.final_url, first.method)
            self._record(start, 0, first, None, home_state, now)
            return
        homepage = normalize_url(home.final_url if home else first.final_url or start) or start
        report.homepage_url = homepage
        origins = {origin(start), origin(homepage)}
        site = {url_prefix(start), url_prefix(homepage)}
        seen: set[str] = {start, homepage}
        report.reached[start] = 0
        heap: list[tuple[tuple[int, float, int], int, str, int]] = []
        order = itertools.count()
        guard = QueryGuard(self.s.max_query_variants)
        max_depth = self.s.frontier_max_depth
        refs = self._refs
        expand: deque[tuple[str, int, list[LinkTriple], bool]] = deque()  # (page, depth, links, fetched)
        draining = False

        def follow(page_url: str, depth: int, links: list[LinkTriple], fetched: bool) -> None:
            """Note the links of a page reached at ``depth``: same-site pages are queued for a fetch or,
            when not due, expanded from their stored links; other links are checked when the page was
            fetched now."""
            for url, tag, text in links:
                if not draining:
                    refs.setdefault(url, []).append((page_url, tag, text))
                if url in seen:
                    continue
                is_page = (tag in PAGE_TAGS and (max_depth is None or depth < max_depth)
                           and url_prefix(url) in site and looks_like_page(url))
                if not is_page and not fetched:
                    continue  # a resource of a page not fetched now: checked when that page is
                if len(seen) >= self.s.max_links:
                    report.complete = False
                    continue
                if is_page and not guard.admit(url):
                    report.trap_skipped += 1
                    continue
                seen.add(url)
                if self._robots_forbid(url, site):
                    continue
                if not draining:
                    report.links_found += 1
                if not is_page:
                    self._spawn(self._check(session, url))
                    continue
                report.reached[url] = depth + 1
                state = states.get(url)
                if state is None:
                    report.discovered[url] = depth + 1
                if draining or not is_due(state, now, plan.cycle_s, plan.signature):
                    if state is not None and state.links is not None:
                        expand.append((url, depth + 1, unpack_links(state.links), False))
                else:
                    heapq.heappush(heap, (fetch_priority(state, depth + 1), next(order), url, depth + 1))

        def settle() -> None:
            while expand:
                follow(*expand.popleft())

        def done(url: str, depth: int, page: _Page | None) -> bool:
            """Record a fetched page and follow its links; False when it yields no page (budget given back)."""
            result, old = self._results[url], states.get(url)
            state = self._record(url, depth, result, page, old, now)
            if page is None and result.status != 304:
                return False
            if page is not None and not (url_prefix(page.final_url) in site
                                         or same_site(page.final_url, origins)):
                return True  # redirected off the site: checked, never parsed as the site's
            if page is None or (old is not None and old.content_hash == state.content_hash
                                and not rescan(old, plan.signature)):
                report.unchanged.append(url)
                links = self._page_links.pop(url, None) or unpack_links(state.links)
            else:
                links = self._page_links.pop(url, [])
                if self._on_page is not None:
                    self._on_page(CrawledPage(page.url, page.final_url, page.text, depth, page.truncated))
            expand.append((url, depth, links, True))
            settle()
            return True

        done(start, 0, home)
        fetched = 1
        active: dict[asyncio.Task[_Page | None], tuple[str, int]] = {}
        while heap or active:
            while heap and len(active) < self.s.global_concurrency and fetched < self.s.page_budget:
                _, _, url, depth = heapq.heappop(heap)
                fetched += 1
                active[self._spawn(self._fetch_page(session, url, plan.headers(states.get(url))))] = (url, depth)
            if not active:
                if heap:  # the budget is spent: the rest is reached through stored links, not fetched
                    draining = True
                    while heap:
                        _, _, url, depth = heapq.heappop(heap)
                        state = states.get(url)
                        if state is not None and state.links is not None:
                            expand.append((url, depth, unpack_links(state.links), False))
                            settle()
                break
            finished, _ = await asyncio.wait(active, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                url, depth = active.pop(task)
                if not done(url, depth, task.result()):
                    fetched -= 1  # the budget counts pages crawled, not 404s or attachments
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    def _record(self, url: str, depth: int, result: LinkResult, page: _Page | None, old: PageState | None,
                now: datetime) -> PageState:
        """The new state of a fetched page (links parsed here, kept for :meth:`_run_frontier`)."""
        if result.status == 304 and old is not None:
            state = dataclasses.replace(old, depth=depth, last_checked=now, status=304)
        elif page is not None:
            links = link_tuples(page.text, page.final_url, self._urls)
            self._page_links[url] = links
            changed = old is None or old.content_hash != page.digest
            state = PageState(depth, page.etag, page.last_modified, page.digest, now, pack_links(links),
                              result.status, now if changed else old.last_changed if old else now,
                              self._signature)
        else:
            state = PageState(depth, None, None, None, now, None, result.status,
                              old.last_changed if old is not None else None)
        self._report.states[url] = state
        return state

    def _robots_forbid(self, url: str, site: set[str]) -> bool:
        """A same-site URL the site's robots.txt disallows (obey_robots only): counted, never requested."""
        if self._robots is None or url_prefix(url) not in site or self._robots.allows(url):
            return False
        self._report.robots_skipped += 1
        return True

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


@dataclass(frozen=True)
class _Plan:
    states: Mapping[str, PageState]
    now: datetime
    cycle_s: float
    signature: str = ""

    def headers(self, state: PageState | None) -> dict[str, str] | None:
        """The revalidating headers for ``state``; none when its body must be read again (other scans)."""
        if state is None or rescan(state, self.signature):
            return None
        return state.conditional_headers()


def _coverage(report: CrawlReport, states: Mapping[str, PageState], now: datetime, cycle_s: float) -> Coverage:
    """Of the pages reached from the homepage, those fetched within the cycle (now or before)."""
    checked = 0
    for url in report.reached:
        state = report.states.get(url) or states.get(url)
        if state is not None and not is_due(state, now, cycle_s):
            checked += 1
    return Coverage(len(report.reached), checked, cycle_s)


@dataclass
class _Host:
    sem: asyncio.Semaphore
    bucket: TokenBucket
