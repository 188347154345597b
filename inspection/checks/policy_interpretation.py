"""政策解读 (deduction indicator, spec §3): policies and their interpretations linked both ways, and the
interpretation ratio.

The check reads the site's policy columns (kind ``policy``) and interpretation columns (kind
``interpretation``, 政策解读), list pages followed while their entries are inside ``lookback_days`` (one
year), then the articles of that year, at most ``max_articles`` a run:

- an interpretation links the policy it explains when one of its links is the URL of a policy of the
  columns, or (without such a link) its link text names one policy's title, a title no other policy
  shares → that policy is interpreted; an interpretation linking
  none → ``interpretation_unlinked``;
- an interpreted policy whose page links neither to its interpretation nor names it → ``policy_unlinked``
  (the link must go both ways);
- ratio = interpreted policies / policies of the year; below ``min_ratio`` (provisional 0.5) →
  ``interpretation_ratio_low`` (located at the first policy column). The ratio is only judged when every
  interpretation of the year was read (an unread one could interpret any policy): otherwise the facts say
  how many of how many were read, and no ratio finding is drawn.

No interpretation column registered → not judged (:class:`CheckError`): nothing says where interpretations are.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urldefrag, urljoin

from selectolax.lexbor import LexborHTMLParser

from core.i18n.inspection import fetch_error_zh
from inspection.base import CHECKS, CheckBase, CheckError, CheckResult, ColumnTarget, FindingDraft, Severity, SiteTarget
from inspection.items import Item
from inspection.listpages import china_day, read_list
from webread.fetch import FetchError

NAME = "policy_interpretation"
PROVISIONAL = {"provisional": True}

TEXT = {
    "label": "政策解读",
    "interpretation_unlinked": "解读《{title}》未关联所解读的政策文件",
    "policy_unlinked": "政策文件《{title}》未链接其解读（已有解读《{other}》）",
    "ratio_low": "近一年政策文件 {policies} 件，有解读的 {interpreted} 件（{ratio:.0%}），低于 {min_ratio:.0%}",
    "no_column": "未登记政策解读栏目（栏目类型“政策解读”），无法检查政策解读",
    "no_policy_column": "未登记政策文件栏目，无法检查政策解读",
    "unreadable": "栏目“{column}”无法读取（{error}），无法检查政策解读",
}


@dataclass(frozen=True)
class Settings:
    lookback_days: int = 365
    min_ratio: float = field(default=0.5, metadata=PROVISIONAL)
    max_articles: int = 80  # article pages read per run (interpretations first)
    max_list_pages: int = 8
    concurrency: int = 3


@dataclass(frozen=True)
class Article:
    url: str
    title: str
    day: date | None
    links: tuple[tuple[str, str], ...]  # (absolute URL, link text)


def article_links(html: str, page_url: str) -> tuple[tuple[str, str], ...]:
    """Every link of an article page as (absolute URL without fragment, its text). Pure."""
    tree = LexborHTMLParser(html or "<html></html>")
    out = []
    for a in tree.css("a"):
        href = (a.attributes.get("href") or "").strip()
        if href and not href.startswith(("javascript:", "mailto:", "#")):
            out.append((urldefrag(urljoin(page_url, href)).url, " ".join((a.text() or "").split())))
    return tuple(out)


def _names(link_text: str, title: str) -> bool:
    """A link text names a title: the title's core (《》 and 的通知/解读 trimmed) is in the text."""
    core = title.strip("《》 ").removesuffix("的政策解读").removesuffix("政策解读")
    return len(core) >= 6 and core in link_text


def match(policies: list[Item], interpretations: list[Article]) -> dict[str, list[Article]]:
    """Policy URL → the interpretations that explain it. Pure.

    A link to a policy's URL decides; only an interpretation without one is matched by a link text naming a
    policy's title, and only when that title is one policy's (titles repeat across years)."""
    by_url = {p.url: p for p in policies}
    out: dict[str, list[Article]] = {}
    for art in interpretations:
        hit = {u for u, _ in art.links if u in by_url}
        if not hit:
            named = [p for p in policies for _, txt in art.links if _names(txt, p.title)]
            titles = {p.title for p in named}
            if len(titles) == 1 and sum(p.title in titles for p in policies) == 1:
                hit = {named[0].url}
        for url in sorted(hit):
            out.setdefault(url, []).append(art)
    return out


def links_back(policy: Article, interpretations: list[Article]) -> bool:
    """The policy's page links one of its interpretations (by URL or title). Pure."""
    urls = {a.url for a in interpretations}
    return any(u in urls or any(_names(txt, a.title) for a in interpretations) for u, txt in policy.links)


@CHECKS.register(NAME)
class PolicyInterpretationCheck(CheckBase):
    """Two-way links between policies and their interpretations, and the interpretation ratio of the year."""

    name: ClassVar[str] = NAME
    label_zh: ClassVar[str] = TEXT["label"]
    group: ClassVar[str] = "columns"
    order: ClassVar[int] = 11
    interval: ClassVar[float] = 24 * 3600.0
    Settings: ClassVar[type] = Settings
    kinds: ClassVar[tuple[str, ...]] = ("interpretation_unlinked", "policy_unlinked", "interpretation_ratio_low")
    evidence_keys: ClassVar[tuple[str, ...]] = ("doc_title", "policy_url", "interpretation_url", "interpretation_ratio",
                                                  "policies", "interpreted", "min_ratio", "column_url")

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        interp_cols = [c for c in target.columns if c.kind == "interpretation"]
        policy_cols = [c for c in target.columns if c.kind == "policy"]
        if not interp_cols:
            raise CheckError(TEXT["no_column"])
        if not policy_cols:
            raise CheckError(TEXT["no_policy_column"])
        deadline = time.monotonic() + timeout
        day = china_day(as_of)
        since = day - timedelta(days=self.settings.lookback_days)
        known = await self._items(policy_cols, day, since, deadline)  # older ones too: an interpretation of
        policies = [p for p in known if p.day is not None and p.day >= since]  # the year may explain them
        interp_items = [i for i in await self._items(interp_cols, day, since, deadline)
                        if i.day is not None and i.day >= since]
        budget = self.settings.max_articles
        interps = await self._read(interp_items[:budget], deadline)
        matched = match(known, interps)
        interpreted = [p for p in policies if p.url in matched]
        policy_pages = await self._read([p for p in known if p.url in matched][: max(0, budget - len(interps))],
                                        deadline)
        findings: list[FindingDraft] = []
        linked = {a.url for arts in matched.values() for a in arts}
        for art in interps:
            if art.url not in linked:
                findings.append(FindingDraft(NAME, "interpretation_unlinked", art.url, Severity.LOW,
                                             TEXT["interpretation_unlinked"].format(title=art.title),
                                             {"doc_title": art.title, "interpretation_url": art.url}))
        for page in policy_pages:
            arts = matched.get(page.url, [])
            if arts and not links_back(page, arts):
                findings.append(FindingDraft(NAME, "policy_unlinked", page.url, Severity.LOW,
                                             TEXT["policy_unlinked"].format(title=page.title, other=arts[0].title),
                                             {"doc_title": page.title, "policy_url": page.url,
                                              "interpretation_url": arts[0].url}))
        all_read = len(interps) == len(interp_items)
        facts: dict[str, Any] = {"policies": len(policies), "interpretations": len(interp_items),
                                 "interpretations_read": len(interps), "interpreted": len(interpreted)}
        stats = {"policies": float(len(policies)), "interpreted": float(len(interpreted)),
                 "unlinked": float(sum(f.kind != "interpretation_ratio_low" for f in findings))}
        if policies and all_read:
            ratio = len(interpreted) / len(policies)
            facts["ratio"] = stats["ratio"] = round(ratio, 4)
            if ratio < self.settings.min_ratio:
                findings.append(FindingDraft(
                    NAME, "interpretation_ratio_low", policy_cols[0].url, Severity.MEDIUM,
                    TEXT["ratio_low"].format(policies=len(policies), interpreted=len(interpreted), ratio=ratio,
                                             min_ratio=self.settings.min_ratio),
                    {"interpretation_ratio": round(ratio, 4), "policies": len(policies),
                     "interpreted": len(interpreted), "min_ratio": self.settings.min_ratio,
                     "column_url": policy_cols[0].url}))
        return CheckResult(NAME, target.code, as_of, tuple(sorted(findings, key=lambda f: (f.kind, f.location))),
                           stats, facts)

    async def _items(self, cols: list[ColumnTarget], day: date, since: date, deadline: float) -> list[Item]:
        """The columns' dated entries up to ``day`` (the list pages of the look-back and the first page past it),
        newest first, each URL once; CheckError when a column cannot be read (a partial year would undercount)."""
        out: dict[str, Item] = {}
        for col in cols:
            read = await read_list(self.ctx.fetcher, col.url, day, deadline=deadline, item_selector=col.item_selector,
                                   date_selector=col.date_selector, max_pages=self.settings.max_list_pages,
                                   more=lambda r: all(i.day is not None and i.day >= since for i in r.pages[-1].items))
            if read.error is not None:
                raise CheckError(TEXT["unreadable"].format(column=col.name, error=fetch_error_zh(read.error)))
            for item in read.items:
                if item.day is not None and item.day <= day:
                    out.setdefault(item.url, item)
        return sorted(out.values(), key=lambda i: (i.day, i.url), reverse=True)

    async def _read(self, items: list[Item], deadline: float) -> list[Article]:
        sem = asyncio.Semaphore(max(1, self.settings.concurrency))

        async def one(item: Item) -> Article | None:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            async with sem:
                try:
                    page = await self.ctx.fetcher.get(item.url, timeout=left)
                except FetchError:
                    return None  # an unreadable article is the dead-link check's business
            if page.status >= 400:
                return None
            return Article(item.url, item.title, item.day, article_links(page.text, page.final_url))

        got = await asyncio.gather(*(one(i) for i in items))
        return [a for a in got if a is not None]
