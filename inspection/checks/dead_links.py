"""链接可用性: broken links on a site's pages, homepage ones apart (the rule deducts differently).

The check is fed from the site's one crawl (inspection/sitecrawl.py: :class:`webread.crawler.Crawler`
checks every link of every page it reads) and reports one finding per broken URL:
``dead_link_homepage`` (severity high) when the homepage carries it, else ``dead_link_page`` (medium).
location = the broken URL; evidence = error, status, the pages it appears on (capped list + count)
and its anchor text. A homepage that cannot be loaded raises :class:`CheckError` (availability judges
that). A crawl cut short by the run's timeout still reports what it found, with ``stats["partial"] = 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from inspection.base import CHECKS, CheckBase, CheckContext, CheckError, CheckResult, FindingDraft, Severity, SiteTarget
from inspection.sitecrawl import TIME_SHARE
from webread.addresses import AddressPolicy
from webread.crawler import BrokenLink, CrawledPage, Crawler, CrawlReport, CrawlSettings, PageSink
from webread.tls import make_ssl_context

NAME = "dead_links"

TEXT = {
    "label": "链接可用性",
    "homepage": "首页链接不可用：{target}（{error}）",
    "page": "页面链接不可用：{target}（{error}），出现在 {n} 个页面",
    "unreachable": "首页无法读取，无法检查链接：{error}",
}
ERROR_ZH = {
    "dns": "域名无法解析",
    "refused": "连接被拒绝",
    "timeout": "访问超时",
    "tls": "证书或加密连接错误",
    "reset": "连接被重置",
    "redirect_loop": "重定向循环",
    "too_large": "页面解压后过大",  # the crawler cuts big pages; it refuses only decompression bombs
    "blocked": "链接指向内网地址，未访问",  # the address policy refused it: never requested
    "not_html": "不是网页",
    "other": "其他错误",
}


def error_label(error: str) -> str:
    """Chinese wording of an error class; an HTTP status reads as "HTTP 404"."""
    return f"HTTP {error}" if error.isdigit() else ERROR_ZH.get(error, error)


@dataclass(frozen=True)
class Settings(CrawlSettings):
    """Crawl limits (see CrawlSettings) plus how much evidence a finding keeps."""

    evidence_pages: int = 20


def findings_for(report: CrawlReport, evidence_pages: int = 20) -> list[FindingDraft]:
    """One finding per broken link of ``report``. Pure."""
    return [_finding(b, evidence_pages) for b in report.broken]


def _finding(b: BrokenLink, cap: int) -> FindingDraft:
    pages = list(dict.fromkeys(ref.page for ref in b.references))
    anchors = list(dict.fromkeys(ref.text for ref in b.references if ref.text))
    label = anchors[0] if anchors else ""
    target = f"{label}（{b.url}）" if label else b.url
    evidence: dict[str, Any] = {
        "error": b.error, "status": b.status, "error_zh": error_label(b.error), "detail": b.detail,
        "pages": pages[:cap], "page_count": len(pages), "anchor_text": label, "anchors": anchors[:cap],
        "tags": sorted({ref.tag for ref in b.references}), "on_homepage": b.on_homepage,
    }
    if b.on_homepage:
        detail = TEXT["homepage"].format(target=target, error=error_label(b.error))
        return FindingDraft(NAME, "dead_link_homepage", b.url, Severity.HIGH, detail, evidence)
    detail = TEXT["page"].format(target=target, error=error_label(b.error), n=len(pages))
    return FindingDraft(NAME, "dead_link_page", b.url, Severity.MEDIUM, detail, evidence)


def stats_for(report: CrawlReport) -> dict[str, float]:
    return {
        "pages_crawled": float(len(report.pages)), "links_checked": float(report.links_checked),
        "requests": float(report.requests), "broken": float(len(report.broken)),
        "broken_homepage": float(sum(1 for b in report.broken if b.on_homepage)),
        "broken_pages": float(sum(1 for b in report.broken if not b.on_homepage)),
        "truncated_pages": float(len(report.truncated_pages)), "partial": 0.0 if report.complete else 1.0,
        "elapsed_s": round(report.elapsed_s, 3), "robots_skipped": float(report.robots_skipped),
        **coverage_stats(report),
    }


def coverage_stats(report: CrawlReport) -> dict[str, float]:
    """The frontier's coverage (pages reached from the homepage, fetched within the cycle, percent, the
    cycle in days), stored with the run; none for a crawl without a frontier."""
    c = report.coverage
    if c is None:
        return {}
    cycle = {"coverage_cycle_days": round(c.cycle_s / 86_400.0, 4)} if c.cycle_s > 0 else {}
    return {"coverage_known": float(c.known), "coverage_checked": float(c.checked), "coverage_pct": c.percent,
            "pages_unchanged": float(len(report.unchanged)), **cycle}


@CHECKS.register(NAME)
class DeadLinksCheck(CheckBase):
    name: ClassVar[str] = NAME
    label_zh: ClassVar[str] = TEXT["label"]
    group: ClassVar[str] = "site_crawl"  # one crawl a day feeds the crawl-fed checks (inspection_site_crawl)
    order: ClassVar[int] = 4
    interval: ClassVar[float] = 86_400.0  # a crawl a day
    Settings: ClassVar[type] = Settings
    kinds: ClassVar[tuple[str, ...]] = ("dead_link_homepage", "dead_link_page")
    evidence_keys: ClassVar[tuple[str, ...]] = (
        "error", "status", "error_zh", "detail", "pages", "page_count", "anchor_text", "anchors", "tags",
        "on_homepage")

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self.progress: Any = None  # optional (pages, checked, found) callback, e.g. the CLI's bar

    def _crawler(self, target: SiteTarget, on_page: PageSink | None = None) -> Crawler:
        if self.ctx.fetcher is not None:  # share the run's client: its TLS trust, address policy and pool
            return Crawler(self.settings, session=self.ctx.fetcher.session(), progress=self.progress,
                           on_page=on_page)
        ca_file = getattr(getattr(self.ctx.config, "collectors", None), "probe_ca_file", "")
        resolve = getattr(self.ctx.config, "resolve_path", None)
        ssl_context = make_ssl_context(ca_file, resolve) if ca_file and resolve else None
        policy = AddressPolicy.from_config(getattr(self.ctx.config, "fetch", None))
        policy.register([target.url])  # a target is a registered site; the rest of the registry is not known here
        return Crawler(self.settings, ssl_context=ssl_context, progress=self.progress, policy=policy,
                       on_page=on_page)

    def crawl_settings(self) -> CrawlSettings:
        settings: CrawlSettings = self.settings
        return settings

    def scan(self, target: SiteTarget, as_of: datetime) -> _LinkScan:
        return _LinkScan(self, target, as_of)

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        """On its own (no other crawl-fed check in the run): its own crawl."""
        report = await self._crawler(target).crawl(target.url, time_budget=timeout * TIME_SHARE)
        return self.judge(report, target, as_of)

    def judge(self, report: CrawlReport, target: SiteTarget, as_of: datetime) -> CheckResult:
        if report.homepage_error is not None:
            err = report.homepage_error
            raise CheckError(TEXT["unreachable"].format(error=error_label(err.error or "other")))
        if not report.pages:  # cut by the timeout before the homepage answered
            raise CheckError(TEXT["unreachable"].format(error=ERROR_ZH["timeout"]))
        findings = findings_for(report, self.settings.evidence_pages)
        # A dead link found before on a page this crawl did not reach stays open: only the links it checked
        # can be resolved.
        return CheckResult(NAME, target.code, as_of, tuple(findings), stats_for(report),
                           covered=frozenset(report.checked))


class _LinkScan:
    """The crawl checks every link itself: nothing to keep per page."""

    def __init__(self, check: DeadLinksCheck, target: SiteTarget, as_of: datetime) -> None:
        self.check, self.target, self.as_of = check, target, as_of

    def page(self, page: CrawledPage) -> None:
        return None

    async def result(self, crawl: CrawlReport, deadline: float) -> CheckResult:
        return self.check.judge(crawl, self.target, self.as_of)
