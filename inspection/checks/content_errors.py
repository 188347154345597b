"""严重表述错误: dictionary and lexicon scan of a site's pages and PDF/DOCX/XLSX attachments.

The check is fed from the site's one crawl (inspection/sitecrawl.py): every same-site page the crawl
reads, plus up to ``max_attachments`` attachments linked from them, fetched when the crawl ends. On its
own it crawls with ``max_pages`` and ``max_depth``; in a run with other crawl-fed checks the crawl reads
as much as the most demanding asks. It scans their text (:meth:`ContentErrors.scan_text`) with the
content-error dictionary (inspection.dictionary: listed wrong forms and banned words) and the
near-miss matcher of the lexicon of canonical terms (inspection.lexicon / inspection.nearmiss:
one-character homophone or look-alike slips of names, places and formulations). One finding per
(kind, document): location = the page or attachment URL; evidence = the first hit's matched text, the
expected text and a context snippet, every hit (bounded), and the dictionary or lexicon version.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urljoin

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
from inspection.dictionary import DEFAULT_PATH, Dictionary, Hit, load_dictionary
from inspection.fingerprint import PLATFORM_DOMAINS, hidden_links
from inspection.lexicon import DEFAULT_DIR as LEXICON_DIR
from inspection.lexicon import Lexicon, load_matcher
from inspection.nearmiss import HOMOPHONE, NearMiss, NearMissMatcher
from inspection.nearmiss import KINDS as NEAR_MISS_KINDS
from inspection.sitecrawl import crawl_alone, require_homepage
from inspection.textextract import (
    ExtractError,
    HTMLParser,
    attachment_text,
    attachment_type,
    html_text,
    page_links,
    parse_html,
    same_site,
)
from webread.crawler import CrawledPage, CrawlReport, CrawlSettings
from webread.fetch import FetchError

if TYPE_CHECKING:
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

NAME = "content_errors"
MAX_HITS_IN_EVIDENCE = 20
PROJECT_ROOT = Path(__file__).resolve().parents[2]

TEXT = {
    "label": "严重表述错误",
    "wrong_name": "领导人姓名或职务错误：“{matched}”应为“{expected}”",
    "wrong_formulation": "规范表述错误：“{matched}”应为“{expected}”",
    "banned_word": "出现敏感词：“{matched}”",
    "misspelt_name": "疑似名称错别字：“{matched}”应为“{expected}”{why}",
    "misspelt_place": "疑似行政区划名称错别字：“{matched}”应为“{expected}”{why}",
    "misspelt_formulation": "疑似规范表述错别字：“{matched}”应为“{expected}”{why}",
    "why": "（“{wrong}”与“{right}”{how}）",
    "homophone": "同音",
    "lookalike": "形近",
    "both": "同音且形近",
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
    lexicon: str = LEXICON_DIR  # folder of the lexicon of canonical terms, relative to the project root
    near_miss: bool = True  # report one-character slips of the lexicon's terms
    max_substitutions: int = 1  # 2: also two slips in terms of six characters or more

    def __post_init__(self) -> None:
        if self.max_substitutions not in (1, 2):
            raise ValueError(f"max_substitutions：应为 1 或 2，而不是 {self.max_substitutions}")


@dataclass
class _Scan:
    """What one run read: documents with their hits, and counts for the metric store."""

    hits: dict[tuple[str, str], list[Hit | NearMiss]] = field(default_factory=dict)  # (kind, url) -> hits
    linked_from: dict[str, str] = field(default_factory=dict)  # attachment url -> page url
    read: set[str] = field(default_factory=set)  # every page and attachment whose text was scanned
    stats: dict[str, float] = field(default_factory=lambda: {"pages": 0, "pages_failed": 0, "attachments": 0,
                                                             "attachments_failed": 0, "partial": 0})

    def add(self, url: str, hits: Iterable[Hit | NearMiss]) -> None:
        self.read.add(url)
        for h in hits:
            self.hits.setdefault((_kind(h), url), []).append(h)


def _kind(h: Hit | NearMiss) -> str:
    return h.kind if isinstance(h, NearMiss) else h.entry.kind


def _expected(h: Hit | NearMiss) -> str:
    return h.expected if isinstance(h, NearMiss) else h.entry.correct


def _severity(h: Hit | NearMiss) -> Severity:
    return Severity(h.severity if isinstance(h, NearMiss) else h.entry.severity)


def _detail(kind: str, h: Hit | NearMiss) -> str:
    if not isinstance(h, NearMiss):
        return TEXT[kind].format(matched=h.entry.wrong, expected=h.entry.correct)
    why = "".join(TEXT["why"].format(wrong=s.wrong, right=s.right,
                                     how=TEXT["both"] if len(s.how) > 1 else TEXT[s.how[0]])
                  for s in h.substitutions)
    return TEXT[kind].format(matched=h.matched, expected=h.expected, why=why)


def findings_for(scan_hits: dict[tuple[str, str], list[Hit | NearMiss]], version: str,
                 linked_from: dict[str, str] | None = None, lexicon_version: str = "") -> list[FindingDraft]:
    """One finding per (kind, document); severity is the worst of its hits. Pure.

    Dictionary findings carry ``dictionary_version``; near-miss findings ``lexicon_version``, the
    ``term_class`` of the term and the ``confusion`` (homophone / look-alike) of their first hit."""
    out: list[FindingDraft] = []
    for (kind, url), hits in sorted(scan_hits.items()):
        worst = min((_severity(h) for h in hits), key=lambda s: s.rank)
        first = hits[0]
        detail = _detail(kind, first)
        if len(hits) > 1:
            detail += TEXT["more"].format(n=len(hits))
        evidence: dict[str, Any] = {
            "matched": first.matched, "expected": _expected(first), "context": first.context, "count": len(hits),
            "hits": [{"matched": h.matched, "expected": _expected(h), "context": h.context}
                     for h in hits[:MAX_HITS_IN_EVIDENCE]],
        }
        if isinstance(first, NearMiss):
            evidence.update(lexicon_version=lexicon_version, term_class=first.term.cls,
                            confusion=sorted({how for s in first.substitutions for how in s.how},
                                             key=lambda how: how != HOMOPHONE))
        else:
            evidence["dictionary_version"] = version
        if linked_from and url in linked_from:
            evidence["linked_from"] = linked_from[url]
        out.append(FindingDraft(NAME, kind, url, worst, detail, evidence, veto=worst is Severity.CRITICAL))
    return out


def overlaps(a: Hit | NearMiss, b: Hit | NearMiss) -> bool:
    return a.start < b.end and b.start < a.end


def visible_text(html: str | HTMLParser, page_url: str, site_url: str, allowed: Iterable[str]) -> str:
    """Page text without hidden off-site links: those are 暗链, reported once by the defacement or the
    page-tampering check (a problem is not penalised under two indicators). Pure, but a parsed page passed
    in is used up (its hidden links, scripts and styles are removed from it)."""
    tree = parse_html(html) if isinstance(html, str) else html
    hidden = {link.url for link in hidden_links(tree, page_url, site_url, allowed)}
    if hidden:
        for a in tree.css("a[href]"):
            if urljoin(page_url, (a.attributes.get("href") or "").strip()) in hidden:
                a.decompose()
    return html_text(tree, in_place=True)


@CHECKS.register(NAME)
class ContentErrors(CheckBase):
    """Scans page and attachment text against the dictionary; raises CheckError when the homepage can't be read."""

    name: ClassVar[str] = NAME
    label_zh: ClassVar[str] = TEXT["label"]
    group: ClassVar[str] = "site_crawl"  # fed from the site's one crawl (inspection_site_crawl)
    order: ClassVar[int] = 5
    veto: ClassVar[tuple[VetoFeed, ...]] = (VetoFeed("serious_errors", holds=(
        "wrong_name", "wrong_formulation", "banned_word", "misspelt_name", "misspelt_place", "misspelt_formulation")),)
    interval: ClassVar[float] = 24 * 3600.0
    Settings: ClassVar[type] = Settings
    kinds: ClassVar[tuple[str, ...]] = ("wrong_name", "wrong_formulation", "banned_word", *NEAR_MISS_KINDS)
    evidence_keys: ClassVar[tuple[str, ...]] = (
        "matched", "expected", "context", "dictionary_version", "count", "hits", "linked_from",
        "lexicon_version", "term_class", "confusion")

    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self.dictionary: Dictionary = load_dictionary(self._path(self.settings.dictionary))
        self.lexicon: Lexicon | None = None
        self.matcher: NearMissMatcher | None = None
        if self.settings.near_miss:
            self.lexicon, self.matcher = load_matcher(self._path(self.settings.lexicon), PROJECT_ROOT,
                                                      self.settings.max_substitutions)

    def _path(self, setting: str) -> Path:
        if self.ctx.config is not None and hasattr(self.ctx.config, "resolve_path"):
            return Path(self.ctx.config.resolve_path(setting))
        path = Path(setting)
        return path if path.is_absolute() else PROJECT_ROOT / path

    def scan_text(self, text: str, url: str) -> list[Hit | NearMiss]:
        """Every dictionary hit and near miss in the text of one document (page or attachment) at ``url``;
        a near miss overlapping a dictionary hit is left out (one slip, one finding). Pure, CPU-bound."""
        hits: list[Hit | NearMiss] = list(self.dictionary.scan(text, url))
        if self.matcher is not None:
            listed = list(hits)
            hits += [m for m in self.matcher.scan(text, url) if not any(overlaps(m, h) for h in listed)]
        return hits

    def scan_version(self) -> str:
        """What a page was scanned with: a page scanned under another dictionary, lexicon or matcher setting
        is read and scanned again, changed or not."""
        s = self.settings
        return (f"{self.dictionary.version}|{self.lexicon.version if self.lexicon else ''}|{s.near_miss}|"
                f"{s.max_substitutions}|{','.join(s.allowed_domains)}")

    def crawl_settings(self) -> CrawlSettings:
        """What this check asks of the site's crawl (on its own it crawls with these)."""
        s = self.settings
        return CrawlSettings(page_budget=s.max_pages, max_depth=s.max_depth, max_page_bytes=s.max_page_bytes)

    def scan(self, target: SiteTarget, as_of: datetime) -> ContentScan:
        return ContentScan(self, target, as_of)

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        """On its own (no other crawl-fed check in the run): its own crawl, itself the only scan."""
        return await crawl_alone(self, NAME, target, as_of, timeout)

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
        scan.add(url, self.scan_text(text, url))


class ContentScan:
    """One run's scan of a site: each page's visible text as the crawl reads it, then the attachments
    linked from those pages (up to ``max_attachments``) when the crawl ends."""

    def __init__(self, check: ContentErrors, target: SiteTarget, as_of: datetime) -> None:
        self.check, self.target, self.as_of = check, target, as_of
        self.scan = _Scan()
        self.attachments: dict[str, str] = {}  # attachment url -> the page that links it

    def page(self, page: CrawledPage) -> None:
        s, scan = self.check.settings, self.scan
        scan.stats["pages"] += 1
        tree = parse_html(page.text)  # one parse: the links first, then the text (which uses the tree up)
        if len(self.attachments) < s.max_attachments:
            for url in page_links(tree, page.final_url):
                if (len(self.attachments) < s.max_attachments and url not in self.attachments
                        and attachment_type(url) and same_site(url, self.target.url)):
                    self.attachments[url] = page.final_url
        text = visible_text(tree, page.final_url, self.target.url, s.allowed_domains)
        scan.add(page.final_url, self.check.scan_text(text, page.final_url))

    async def result(self, crawl: CrawlReport, deadline: float) -> CheckResult:
        require_homepage(crawl, TEXT["unreachable"], TEXT["status"])
        scan, check = self.scan, self.check
        scan.stats["pages_failed"] = float(sum(1 for b in crawl.broken if url_is_page(b.url, self.target.url)))
        if not crawl.complete:
            scan.stats["partial"] = 1
        sem = asyncio.Semaphore(max(1, check.settings.concurrency))
        try:
            async with asyncio.timeout(max(deadline - time.monotonic(), 0.01)):
                await asyncio.gather(*(check._attachment(u, sem, scan, deadline) for u in self.attachments))
        except TimeoutError:
            scan.stats["partial"] = 1  # bounded by the run's timeout: report what was read
        scan.linked_from.update(self.attachments)
        findings = findings_for(scan.hits, check.dictionary.version, scan.linked_from,
                                check.lexicon.version if check.lexicon else "")
        stats = {**scan.stats, "findings": float(len(findings))}
        # An error found before on a page or attachment this run did not read stays open.
        return CheckResult(NAME, self.target.code, self.as_of, tuple(findings), stats, covered=frozenset(scan.read))


def url_is_page(url: str, site_url: str) -> bool:
    """A same-site link that is not an attachment (for the count of pages that could not be read)."""
    return same_site(url, site_url) and not attachment_type(url)
