"""全站暗链与外部脚本: CSS-hidden off-site links and foreign scripts/iframes on every page the crawl reads.

The defacement check watches the homepage hourly against its baseline; an injection placed deeper (an
article template, a forgotten column page) is found here, fed from the site's one crawl
(inspection/sitecrawl.py): every same-site page the crawl reads, the homepage left to the defacement check
(one fault, one finding). Hosts the site serves from, hosts under ``allowed_domains`` and the hosts an
operator accepted in the homepage's baseline (:meth:`Defacement.accept`) never count.

One finding per (kind, page) — location = the page, so a finding on a page this run did not read again
(a frontier crawl reads each page once per cycle) keeps its last-seen date — with the foreign targets
found there as evidence (their URLs, the first's host and how it hides): ``page_hidden_link`` (a hidden
``<a href>`` leaving the site) and ``page_external_script`` (a script or iframe from a foreign host).
Both critical, both feed the serious-errors veto item, as the homepage's do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from inspection.base import (
    CHECKS,
    CheckBase,
    CheckContext,
    CheckResult,
    FindingDraft,
    Severity,
    SiteTarget,
    VetoFeed,
)
from inspection.checks.defacement import BASELINE_KEY, BaselineStore, DbBaselines, MemoryBaselines
from inspection.findings import open_findings
from inspection.fingerprint import PLATFORM_DOMAINS, external_sources, hidden_links
from inspection.sitecrawl import crawl_alone, require_homepage
from inspection.textextract import parse_html
from webread.crawler import CrawledPage, CrawlReport, CrawlSettings

NAME = "page_tampering"
MAX_TARGETS_IN_EVIDENCE = 20

TEXT = {
    "label": "全站暗链与外部脚本",
    "hidden": "页面存在隐藏链接（{how}）指向外部网站 {host}{more}",
    "hidden_suspicious": "页面存在隐藏链接（{how}）指向疑似赌博/色情网站 {host}，锚文本“{text}”{more}",
    "external": "页面加载来自外部域名 {host} 的{what}：{url}{more}",
    "script": "脚本",
    "iframe": "内嵌框架",
    "more": "（本页共 {n} 个）",
    "unreachable": "首页无法读取，无法检查全站暗链：{error}",
    "status": "首页返回 HTTP {status}，无法检查全站暗链",
}


@dataclass(frozen=True)
class Settings:
    max_pages: int = 300  # on its own; in a run with other crawl-fed checks the crawl reads what the most asks
    max_depth: int = 3
    allowed_domains: tuple[str, ...] = PLATFORM_DOMAINS  # hosts under these never count as foreign


@dataclass(frozen=True)
class Target:
    """One foreign thing found on a page: a hidden link or an external script/iframe."""

    kind: str  # "page_hidden_link" | "page_external_script"
    url: str
    host: str
    how: str = ""  # hidden_link: the CSS that hides it
    text: str = ""  # hidden_link: anchor text
    suspicious: bool = False
    tag: str = ""  # external script: "script" | "iframe"


def page_targets(html: str, page_url: str, site_url: str, allowed: Iterable[str]) -> list[Target]:
    """The hidden off-site links and foreign scripts/iframes of one page, in document order. Pure."""
    allowed = tuple(allowed)
    tree = parse_html(html or "<html></html>")
    out = [Target("page_hidden_link", link.url, urlsplit(link.url).hostname or "", how=link.how, text=link.text,
                  suspicious=link.suspicious) for link in hidden_links(tree, page_url, site_url, allowed)]
    out += [Target("page_external_script", url, urlsplit(url).hostname or "", tag=kind)
            for kind, url in dict.fromkeys(external_sources(tree, page_url, site_url, allowed))]
    return out


def accepted_host(host: str, accepted: Iterable[str]) -> bool:
    """``host`` is one of ``accepted`` or under one of them."""
    host = host.lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in (a.lower().strip(".") for a in accepted) if h)


def accepted_away(stored: Iterable[tuple[str, Mapping[str, Any]]], accepted: Iterable[str]) -> set[str]:
    """The locations of stored findings (location, evidence) whose every target is now on an accepted host:
    resolved without reading their page again (an unchanged page is not scanned again). Pure."""
    accepted = tuple(accepted)
    out: set[str] = set()
    for location, evidence in stored:
        targets = [str(t) for t in evidence.get("targets") or ()]
        complete = targets and int(evidence.get("count") or 0) <= len(targets)
        if complete and all(accepted_host(urlsplit(t).hostname or "", accepted) for t in targets):
            out.add(location)
    return out


def findings_for(found: dict[str, list[Target]], accepted: Iterable[str] = ()) -> list[FindingDraft]:
    """One finding per (kind, page) from the targets found on each page (page URL -> targets), leaving out
    targets on hosts in ``accepted`` or under them (the homepage baseline's accepted hosts). Pure."""
    out: list[FindingDraft] = []
    for page, targets in found.items():
        for kind in ("page_hidden_link", "page_external_script"):
            mine = [t for t in targets if t.kind == kind and not accepted_host(t.host, accepted)]
            if not mine:
                continue
            first = next((t for t in mine if t.suspicious), mine[0])
            more = TEXT["more"].format(n=len(mine)) if len(mine) > 1 else ""
            if kind == "page_hidden_link":
                key = "hidden_suspicious" if first.suspicious else "hidden"
                detail = TEXT[key].format(how=first.how, host=first.host, text=first.text, more=more)
            else:
                detail = TEXT["external"].format(host=first.host, what=TEXT[first.tag], url=first.url, more=more)
            evidence: dict[str, Any] = {"targets": [t.url for t in mine[:MAX_TARGETS_IN_EVIDENCE]],
                                        "count": len(mine), "host": first.host,
                                        "suspicious": any(t.suspicious for t in mine)}
            if kind == "page_hidden_link":
                evidence.update(hidden_by=first.how, text=first.text)
            else:
                evidence.update(tag=first.tag)
            out.append(FindingDraft(NAME, kind, page, Severity.CRITICAL, detail, evidence, veto=True))
    return out


@CHECKS.register(NAME)
class PageTampering(CheckBase):
    """Hidden links and foreign scripts on every page the site's crawl reads but the homepage."""

    name: ClassVar[str] = NAME
    label_zh: ClassVar[str] = TEXT["label"]
    group: ClassVar[str] = "site_crawl"  # fed from the site's one crawl (inspection_site_crawl)
    order: ClassVar[int] = 9
    veto: ClassVar[tuple[VetoFeed, ...]] = (
        VetoFeed("serious_errors", holds=("page_hidden_link", "page_external_script")),)
    interval: ClassVar[float] = 86_400.0
    Settings: ClassVar[type] = Settings
    kinds: ClassVar[tuple[str, ...]] = ("page_hidden_link", "page_external_script")
    evidence_keys: ClassVar[tuple[str, ...]] = ("targets", "count", "host", "suspicious", "hidden_by", "text", "tag")
    # In a crawl shared with other checks it reads the pages they read and sets none of the crawl's limits;
    # only when it is the one crawl-fed check of a run do its own max_pages / max_depth apply.
    crawl_rider: ClassVar[bool] = True

    def __init__(self, ctx: CheckContext, baselines: BaselineStore | None = None) -> None:
        super().__init__(ctx)
        self.baselines: BaselineStore = baselines or (DbBaselines(ctx.sessions) if ctx.sessions is not None
                                                      else MemoryBaselines())

    def scan_version(self) -> str:
        """A page scanned under other allowed domains is read and scanned again, changed or not."""
        return ",".join(self.settings.allowed_domains)

    def crawl_settings(self) -> CrawlSettings:
        s = self.settings
        return CrawlSettings(page_budget=s.max_pages, max_depth=s.max_depth)

    def scan(self, target: SiteTarget, as_of: datetime) -> TamperScan:
        return TamperScan(self, target, as_of)

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        """On its own (no other crawl-fed check in the run): its own crawl, itself the only scan."""
        return await crawl_alone(self, NAME, target, as_of, timeout)


@dataclass
class TamperScan:
    """One run's scan of a site: the foreign targets of each page the crawl read."""

    check: PageTampering
    target: SiteTarget
    as_of: datetime
    found: dict[str, list[Target]] = field(default_factory=dict)  # page URL -> targets (only pages with some)
    read: set[str] = field(default_factory=set)
    homepage: str | None = None  # the homepage's body, to know it again under another URL (/index.html)

    def page(self, page: CrawledPage) -> None:
        if page.depth == 0:
            self.homepage = page.text
        if page.depth == 0 or page.text == self.homepage:
            return  # the homepage is the defacement check's, hourly
        self.read.add(page.final_url)
        targets = page_targets(page.text, page.final_url, self.target.url, self.check.settings.allowed_domains)
        if targets:
            self.found[page.final_url] = targets

    async def result(self, crawl: CrawlReport, deadline: float) -> CheckResult:
        require_homepage(crawl, TEXT["unreachable"], TEXT["status"])
        baseline = await asyncio.to_thread(self.check.baselines.get, self.target.code, BASELINE_KEY)
        accepted = tuple((baseline or {}).get("accepted_hosts", ()))
        findings = findings_for(self.found, accepted)
        stats = {"pages": float(len(self.read)), "findings": float(len(findings)),
                 "partial": float(not crawl.complete)}
        # A finding on a page this run did not read again stays open with its last-seen date, unless every
        # target it holds has since been accepted at the homepage.
        covered = set(self.read)
        if accepted and self.check.ctx.sessions is not None:
            covered |= await asyncio.to_thread(self._accepted_away, accepted)
        return CheckResult(NAME, self.target.code, self.as_of, tuple(findings), stats, covered=frozenset(covered))

    def _accepted_away(self, accepted: tuple[str, ...]) -> set[str]:
        with self.check.ctx.sessions() as s:
            stored = open_findings(s, [self.target.code], [NAME])
        return accepted_away(((f.location, f.evidence) for f in stored), accepted)
