"""One crawl per site, every page-reading check fed from it.

A check that reads a site's pages beyond the homepage is *crawl-fed*: instead of crawling on its own it
offers a :class:`PageScan` (``check.scan(target, as_of)``) that is handed every page the site's one crawl
reads (:class:`webread.crawler.Crawler`, ``on_page``) and, when the crawl ends, turns what it kept and
the crawl's report into the check's result. The runner crawls each site once for all its crawl-fed
checks (:func:`crawl_site`); adding a crawl-fed check adds no crawl. A check run on its own crawls
with itself as the only scan, through the same function.

The crawl reads as much as the most demanding of its checks asks (the largest page budget, the deepest
depth: :func:`merged_settings`). A check declaring ``crawl_rider = True`` (page_tampering) asks nothing of a
crawl it shares: it reads the pages the others read, and its own limits apply only when it crawls alone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from core.i18n.inspection import fetch_error_zh
from core.logging import get_logger
from inspection.base import CheckError, CheckResult, SiteTarget
from webread.crawler import CrawledPage, Crawler, CrawlReport, CrawlSettings
from webread.frontier import PageState

log = get_logger(__name__)

TIME_SHARE = 0.9  # of the run's timeout given to the crawl, the rest to building the results


class PageScan(Protocol):
    """What one crawl-fed check keeps while its site's crawl runs."""

    def page(self, page: CrawledPage) -> None:
        """One same-site HTML page the crawl read (called on the crawl's event loop: keep it quick)."""

    async def result(self, crawl: CrawlReport, deadline: float) -> CheckResult:
        """The check's result from what it kept and the crawl's report, by ``deadline`` (monotonic);
        raises :class:`~inspection.base.CheckError` when the site cannot be judged."""
        ...


@runtime_checkable
class CrawlFed(Protocol):
    """A check fed from the site's one crawl."""

    def scan(self, target: SiteTarget, as_of: datetime) -> PageScan: ...

    def crawl_settings(self) -> CrawlSettings: ...


def is_crawl_fed(check: Any) -> bool:
    return isinstance(check, CrawlFed)


def merged_settings(settings: Sequence[CrawlSettings]) -> CrawlSettings:
    """One crawl for several checks: the first check's limits, with the largest page budget, depth and
    link count any of them asks for. The frontier's settings come from the checks that set them (a check
    leaving one at its default, as content_errors does, does not pull it back): the shortest cycle, the
    smallest ``max_pages_per_run``, the largest ``max_query_variants`` and ``frontier_max_depth``; robots.txt
    obeyed when any of them asks."""
    first = settings[0]

    def asked(name: str) -> list[Any]:
        default = _DEFAULTS[name]
        return [getattr(s, name) for s in settings if getattr(s, name) != default]

    cycle, cap, variants, depth = (asked(n) for n in ("cycle_days", "max_pages_per_run", "max_query_variants",
                                                      "frontier_max_depth"))
    return dataclasses.replace(first, page_budget=max(s.page_budget for s in settings),
                               max_depth=max(s.max_depth for s in settings),
                               max_links=max(s.max_links for s in settings),
                               cycle_days=min(cycle, default=_DEFAULTS["cycle_days"]),
                               max_pages_per_run=min(cap, default=_DEFAULTS["max_pages_per_run"]),
                               max_query_variants=max(variants, default=_DEFAULTS["max_query_variants"]),
                               frontier_max_depth=max(depth, default=None),
                               obey_robots=any(s.obey_robots for s in settings))


_DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(CrawlSettings)}


def scan_signature(checks: Mapping[str, Any]) -> str:
    """What the scans of ``checks`` (name -> check) read pages for: their names and, for a check that has
    one, its ``scan_version()`` (e.g. the content dictionary's and lexicon's versions). A page whose body
    was read under another signature is read and scanned again, changed or not."""
    parts = [f"{name}:{getattr(check, 'scan_version', lambda: '')()}" for name, check in sorted(checks.items())]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:32]


class _Feed:
    """Hands each page to every scan; a scan that fails on a page is dropped from the rest of the crawl
    and its result is an error, the other scans go on."""

    def __init__(self, scans: dict[str, PageScan]) -> None:
        self.scans = scans
        self.failed: dict[str, BaseException] = {}

    def __call__(self, page: CrawledPage) -> None:
        for name, scan in self.scans.items():
            if name in self.failed:
                continue
            try:
                scan.page(page)
            except Exception as exc:  # a bug of one check: the crawl and the other checks go on
                log.error("inspection.scan_failed", check=name, url=page.url, error=repr(exc)[:300])
                self.failed[name] = exc


async def crawl_site(fetcher: Any, target: SiteTarget, scans: dict[str, PageScan], settings: CrawlSettings,
                     time_budget: float, progress: Any = None, *, frontier: Mapping[str, PageState] | None = None,
                     now: datetime | None = None, signature: str = "") -> tuple[CrawlReport, dict[str, BaseException]]:
    """Crawl ``target`` once, feeding every scan; the crawl's report and the scans that failed on a page.

    ``fetcher`` (a :class:`webread.fetch.Fetcher`) lends its session: its TLS trust, address policy and
    connection pool. With ``frontier`` (the site's, see inspection/frontier.py) and ``now`` the crawl
    continues where the last stopped (:meth:`webread.crawler.Crawler.crawl`), over ``cycle_days``;
    ``signature`` (:func:`scan_signature`) names the scans, so pages read for other scans are read again."""
    feed = _Feed(scans)
    crawler = Crawler(settings, session=fetcher.session(), progress=progress, on_page=feed)
    report = await crawler.crawl(target.url, time_budget=time_budget, frontier=frontier, now=now,
                                 cycle_s=settings.cycle_days * 86_400.0, signature=signature)
    if report.robots or report.robots_skipped:
        log.info("inspection.robots", site=target.code, skipped=report.robots_skipped, robots=report.robots)
    return report, feed.failed


def require_homepage(crawl: CrawlReport, unreachable: str, status: str) -> None:
    """Raise :class:`CheckError` when the crawl could not read the homepage: ``status`` (with ``{status}``)
    for an HTTP error, ``unreachable`` (with ``{error}``, in words) for anything else or a crawl cut before
    the homepage answered. The shared opening of a crawl-fed check's result."""
    if crawl.homepage_error is not None:
        error = crawl.homepage_error.error or "other"
        if error.isdigit():
            raise CheckError(status.format(status=error))
        raise CheckError(unreachable.format(error=fetch_error_zh(error)))
    if not crawl.pages:  # cut by the timeout before the homepage answered
        raise CheckError(unreachable.format(error=fetch_error_zh("timeout")))


async def crawl_alone(check: Any, name: str, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
    """``check.run`` of a crawl-fed check called on its own: its own crawl, itself the only scan."""
    deadline = time.monotonic() + timeout
    scan = check.scan(target, as_of)
    report, failed = await crawl_site(check.ctx.fetcher, target, {name: scan}, check.crawl_settings(),
                                      timeout * TIME_SHARE)
    if name in failed:
        raise failed[name]
    result: CheckResult = await scan.result(report, deadline)
    return result
