"""严重表述错误: dictionary-driven scan of a site's pages and PDF/DOCX attachments.

The check reads the homepage and same-site pages breadth-first (bounded by ``max_pages`` and
``max_depth``), plus up to ``max_attachments`` PDF/DOCX files linked from them, and matches the
content-error dictionary (inspection.dictionary) against their text. One finding per (kind,
document): location = the page or attachment URL; evidence = the first hit's matched text, the
expected text and a context snippet, every hit (bounded), and the dictionary version.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urljoin

from inspection.base import CHECKS, CheckBase, CheckContext, CheckError, CheckResult, FindingDraft, Severity, SiteTarget
from inspection.dictionary import DEFAULT_PATH, Dictionary, Hit, load_dictionary
from inspection.fetch import FetchError, Page
from inspection.fingerprint import PLATFORM_DOMAINS, hidden_links
from inspection.textextract import (
    ExtractError,
    attachment_text,
    attachment_type,
    html_text,
    page_links,
    parse_html,
    same_site,
)

NAME = "content_errors"
MAX_HITS_IN_EVIDENCE = 20
PROJECT_ROOT = Path(__file__).resolve().parents[2]

TEXT = {
    "label": "严重表述错误",
    "wrong_name": "领导人姓名或职务错误：“{matched}”应为“{expected}”",
    "wrong_formulation": "规范表述错误：“{matched}”应为“{expected}”",
    "banned_word": "出现敏感词：“{matched}”",
    "more": "（本页共 {n} 处）",
    "unreachable": "首页无法读取，无法检查内容：{error}",
    "status": "首页返回 HTTP {status}，无法检查内容",
}


@dataclass(frozen=True)
class Settings:
    dictionary: str = DEFAULT_PATH  # relative to the project root
    max_pages: int = 150  # homepage, column lists and the articles they list
    max_depth: int = 2
    max_page_bytes: int = 2 * 1024 * 1024  # bigger pages are skipped (the dead_links check reports them)
    max_attachments: int = 10
    max_attachment_bytes: int = 5 * 1024 * 1024
    max_pdf_pages: int = 50
    attachment_timeout: float = 10.0
    concurrency: int = 4
    allowed_domains: tuple[str, ...] = PLATFORM_DOMAINS  # links there are never 暗链 (see visible_text)


@dataclass
class _Scan:
    """What one run read: documents with their hits, and counts for the metric store."""

    hits: dict[tuple[str, str], list[Hit]] = field(default_factory=dict)  # (kind, url) -> hits
    linked_from: dict[str, str] = field(default_factory=dict)  # attachment url -> page url
    stats: dict[str, float] = field(default_factory=lambda: {"pages": 0, "pages_failed": 0, "attachments": 0,
                                                             "attachments_failed": 0, "partial": 0})

    def add(self, url: str, hits: Iterable[Hit]) -> None:
        for h in hits:
            self.hits.setdefault((h.entry.kind, url), []).append(h)


def findings_for(scan_hits: dict[tuple[str, str], list[Hit]], version: str,
                 linked_from: dict[str, str] | None = None) -> list[FindingDraft]:
    """One finding per (kind, document); severity is the worst of its hits. Pure."""
    out: list[FindingDraft] = []
    for (kind, url), hits in sorted(scan_hits.items()):
        worst = min((Severity(h.entry.severity) for h in hits), key=lambda s: s.rank)
        first = hits[0]
        detail = TEXT[kind].format(matched=first.entry.wrong, expected=first.entry.correct)
        if len(hits) > 1:
            detail += TEXT["more"].format(n=len(hits))
        evidence: dict[str, Any] = {
            "matched": first.matched, "expected": first.entry.correct, "context": first.context,
            "dictionary_version": version, "count": len(hits),
            "hits": [{"matched": h.matched, "expected": h.entry.correct, "context": h.context}
                     for h in hits[:MAX_HITS_IN_EVIDENCE]],
        }
        if linked_from and url in linked_from:
            evidence["linked_from"] = linked_from[url]
        out.append(FindingDraft(NAME, kind, url, worst, detail, evidence, veto=worst is Severity.CRITICAL))
    return out


def visible_text(html: str, page_url: str, site_url: str, allowed: Iterable[str]) -> str:
    """Page text without hidden off-site links: those are 暗链, reported once by the defacement check
    (a problem is not penalised under two indicators). Pure."""
    tree = parse_html(html)
    hidden = {link.url for link in hidden_links(html, page_url, site_url, allowed)}
    if hidden:
        for a in tree.css("a[href]"):
            if urljoin(page_url, (a.attributes.get("href") or "").strip()) in hidden:
                a.decompose()
    return html_text(tree)


@CHECKS.register(NAME)
class ContentErrors(CheckBase):
    """Scans page and attachment text against the dictionary; raises CheckError when the homepage can't be read."""

    name: ClassVar[str] = NAME
    label_zh: ClassVar[str] = TEXT["label"]
    interval: ClassVar[float] = 24 * 3600.0
    Settings: ClassVar[type] = Settings

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        path = Path(self.settings.dictionary)
        if ctx.config is not None and hasattr(ctx.config, "resolve_path"):
            path = ctx.config.resolve_path(self.settings.dictionary)
        elif not path.is_absolute():
            path = PROJECT_ROOT / path
        self.dictionary: Dictionary = load_dictionary(path)

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        scan = _Scan()
        deadline = time.monotonic() + timeout
        try:
            home = await self.ctx.fetcher.get(target.url, timeout=timeout)
        except FetchError as exc:
            raise CheckError(TEXT["unreachable"].format(error=exc.kind)) from exc
        if home.status >= 400:
            raise CheckError(TEXT["status"].format(status=home.status))
        try:
            async with asyncio.timeout(max(deadline - time.monotonic(), 0.01)):
                await self._crawl(target, home, scan, deadline)
        except TimeoutError:
            scan.stats["partial"] = 1  # bounded by the run's timeout: report what was read
        findings = findings_for(scan.hits, self.dictionary.version, scan.linked_from)
        stats = {**scan.stats, "findings": float(len(findings))}
        return CheckResult(NAME, target.code, as_of, tuple(findings), stats)

    async def _crawl(self, target: SiteTarget, home: Page, scan: _Scan, deadline: float) -> None:
        s = self.settings
        seen = {home.url, home.final_url}
        attachments: dict[str, str] = {}
        level = [home]
        depth = 0
        sem = asyncio.Semaphore(max(1, s.concurrency))
        while level:
            next_urls: list[str] = []
            for page in level:
                scan.stats["pages"] += 1
                tree = parse_html(page.text)
                text = visible_text(page.text, page.final_url, target.url, s.allowed_domains)
                scan.add(page.final_url, self.dictionary.scan(text, page.final_url))
                for url in page_links(tree, page.final_url):
                    if not same_site(url, target.url) or url in seen:
                        continue
                    seen.add(url)
                    if attachment_type(url):
                        if len(attachments) < s.max_attachments:
                            attachments[url] = page.final_url
                    elif depth < s.max_depth and scan.stats["pages"] + len(next_urls) < s.max_pages:
                        next_urls.append(url)
            depth += 1
            level = [p for p in await asyncio.gather(*(self._page(u, sem, scan, deadline) for u in next_urls))
                     if p is not None]
        await asyncio.gather(*(self._attachment(u, sem, scan, deadline) for u in attachments))
        scan.linked_from.update(attachments)

    async def _page(self, url: str, sem: asyncio.Semaphore, scan: _Scan, deadline: float) -> Page | None:
        async with sem:
            try:
                page = await self.ctx.fetcher.get(url, timeout=max(deadline - time.monotonic(), 0.01),
                                                  max_bytes=self.settings.max_page_bytes)
            except FetchError:
                scan.stats["pages_failed"] += 1  # broken links are the dead_links check's business
                return None
        if page.status >= 400 or not page.is_html:
            if page.status >= 400:
                scan.stats["pages_failed"] += 1
            return None
        return page

    async def _attachment(self, url: str, sem: asyncio.Semaphore, scan: _Scan, deadline: float) -> None:
        s = self.settings
        async with sem:
            try:
                doc = await self.ctx.fetcher.get(url, timeout=max(deadline - time.monotonic(), 0.01),
                                                 max_bytes=s.max_attachment_bytes)
            except FetchError:
                scan.stats["attachments_failed"] += 1
                return
        kind = attachment_type(url, doc.content_type)
        if doc.status >= 400 or doc.truncated or kind is None:
            scan.stats["attachments_failed"] += 1
            return
        try:
            async with asyncio.timeout(min(s.attachment_timeout, max(deadline - time.monotonic(), 0.01))):
                text = await asyncio.to_thread(attachment_text, kind, doc.body, url, max_pages=s.max_pdf_pages)
        except (ExtractError, TimeoutError):
            scan.stats["attachments_failed"] += 1
            return
        scan.stats["attachments"] += 1
        scan.add(url, self.dictionary.scan(text, url))
