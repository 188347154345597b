"""服务不实用 (veto, spec §2): service guides missing key elements, online service systems that do not work.

The check reads the site's registered service-guide columns (kind ``service``, 办事指南), follows the guide
links on each column page (``item_selector`` when the registry gives one, else the content links: same
host, a title of at least four characters, outside navigation, header and footer), at most ``max_guides``
guides a site, and judges each guide page:

- the ten key elements (事项名称, 设定依据, 申请条件, 办理材料, 办理地点, 办理机构, 收费标准, 办理时间,
  联系电话, 办理流程), each known by its usual labels (:data:`ELEMENTS`); an element is present when one of
  its labels starts a cell or line of the page with a value after it (``收费标准：`` with nothing after it, or
  an empty next cell, is missing). A guide missing ``guide_missing_elements`` (default 4, provisional) or more →
  ``guide_incomplete`` (evidence: the missing elements);
- its online service links (在线办理, 网上申请, 办件查询 …): one that does not answer or answers HTTP ≥ 400 →
  ``online_service_broken`` (located at the system's address, once however many guides link it). A link the
  fetch policy forbids is not tried and proves nothing.

A registered service column with no guide on it → ``no_service_guides``. A site without a service column
cannot be judged (:class:`CheckError`): nothing registered says where its services are. The veto item
(``inspection.veto``) holds at ``incomplete_guides`` incomplete guides (default 5, provisional), at
``broken_online_services`` broken systems (default 3, provisional), or on an empty service column.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urldefrag, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from core.i18n.inspection import fetch_error_zh
from inspection.base import CHECKS, CheckBase, CheckError, CheckResult, FindingDraft, Severity, SiteTarget, VetoFeed
from inspection.rules import shared
from webread.fetch import FetchError

NAME = "service_guides"

# element code → (Chinese name, the labels guides print for it). Order: the national list's.
ELEMENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("事项名称", ("事项名称", "服务事项", "办理事项")),
    "basis": ("设定依据", ("设定依据", "办理依据", "法律依据", "实施依据", "政策依据")),
    "conditions": ("申请条件", ("申请条件", "受理条件", "办理条件", "申办条件")),
    "materials": ("办理材料", ("办理材料", "申请材料", "申报材料", "所需材料", "提交材料", "材料目录")),
    "place": ("办理地点", ("办理地点", "受理地点", "办理地址", "办理窗口")),
    "agency": ("办理机构", ("办理机构", "实施机构", "受理机构", "办理部门", "实施主体")),
    "fees": ("收费标准", ("收费标准", "收费依据", "是否收费", "收费情况")),
    "hours": ("办理时间", ("办理时间", "受理时间", "办公时间")),
    "phone": ("联系电话", ("联系电话", "咨询电话", "咨询方式", "联系方式")),
    "process": ("办理流程", ("办理流程", "办事流程", "办理程序", "办理步骤")),
}
ONLINE_WORDS = ("在线办理", "网上办理", "在线申请", "网上申请", "在线预约", "在线申报", "网上申报", "办件查询",
                "在线查询", "进度查询")
_CHROME = re.compile(r"nav|menu|header|footer|foot|top|bottom|crumb|banner|copyright", re.I)
OUT_OF_TIME = "out_of_time"
_BLANK = re.compile(r"^[\s:：\-—_/\\|、，,。.;；（）()]*$")

TEXT = {
    "label": "服务实用性",
    "guide_incomplete": "办事指南《{title}》缺少 {n} 项要素：{missing}",
    "no_service_guides": "办事指南栏目“{column}”没有办事指南",
    "online_service_broken": "在线服务系统无法使用（{error}）：{url}",
    "out_of_time": "检查用时已到，办事指南栏目未读完",
    "no_column": "未登记办事指南栏目（栏目类型“办事指南”），无法检查服务实用性",
    "column_unreadable": "办事指南栏目“{column}”无法读取（{error}），无法检查服务实用性",
}


@dataclass(frozen=True)
class Settings:
    guide_missing_elements: int = shared("guide_missing_elements", 4, provisional=True)
    max_guides: int = 50  # guides read per site and run (the run's time bound)
    check_online: bool = True
    concurrency: int = 3


@dataclass(frozen=True)
class GuideLink:
    url: str
    title: str


def _in_chrome(node: LexborNode) -> bool:
    p: LexborNode | None = node
    while p is not None and p.tag not in ("body", "html"):
        hint = f"{p.attributes.get('id') or ''} {p.attributes.get('class') or ''}"
        if p.tag in ("nav", "header", "footer") or _CHROME.search(hint):
            return True
        p = p.parent
    return False


def guide_links(html: str, page_url: str, item_selector: str | None = None) -> list[GuideLink]:
    """The guide links of a service column page, in page order, each URL once. Pure."""
    tree = LexborHTMLParser(html or "<html></html>")
    anchors = tree.css(item_selector) if item_selector else tree.css("a")
    host = urlsplit(page_url).hostname
    own = urldefrag(page_url).url
    out: dict[str, GuideLink] = {}
    for a in anchors:
        if a.tag != "a":
            a = a.css_first("a") or a
        href = (a.attributes.get("href") or "").strip()
        title = " ".join((a.text() or "").split())
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = urldefrag(urljoin(page_url, href)).url
        if url == own or urlsplit(url).hostname != host or urlsplit(url).path in ("", "/"):
            continue
        if not item_selector and (len(title) < 4 or _in_chrome(a)):
            continue
        out.setdefault(url, GuideLink(url, title))
    return list(out.values())


_LABELS = {label: code for code, (_, labels) in ELEMENTS.items() for label in labels}
_LABELLED = re.compile(r"^\s*(" + "|".join(map(re.escape, sorted(_LABELS, key=len, reverse=True)))
                       + r")\s*[:：]?\s*(.*)$", re.S)
_CELLS = "th, td, dt, dd, b, strong, span, label, p, li, div, h3, h4"


def _next_element(node: LexborNode) -> LexborNode | None:
    n = node.next
    while n is not None and n.tag in ("-text", "-comment"):
        n = n.next
    return n


def guide_elements(html: str) -> tuple[set[str], str]:
    """(the element codes a guide page fills, its title). Pure.

    A label counts where an element's own text begins with it: a cell holding only the label takes the
    next cell (``<th>收费标准</th><td>…</td>``, ``<dt>``/``<dd>``) as its value, a line ``收费标准：不收费``
    the rest of the line. The element is filled when some value is more than punctuation."""
    tree = LexborHTMLParser(html or "<html></html>")
    tree.strip_tags(["script", "style", "noscript"])
    title_node = tree.css_first("h1") or tree.css_first("title")
    title = " ".join((title_node.text() if title_node else "").split())
    filled: set[str] = set()
    for node in tree.css(_CELLS):
        own = node.text(separator=" ")
        if len(own) > 400:
            continue  # a container of many fields, not one field
        m = _LABELLED.match(own)
        if m is None:
            continue
        code, rest = _LABELS[m.group(1)], m.group(2)
        if rest.strip() and _LABELLED.match(rest) is None:
            value = rest
        else:
            sibling = _next_element(node) if not rest.strip() else None
            value = sibling.text(separator=" ") if sibling is not None else ""
            if sibling is not None and _LABELLED.match(value):
                value = ""  # the next cell is the next label: this one is empty
        if not _BLANK.match(value[:200]):
            filled.add(code)
    return filled, title


def online_links(html: str, page_url: str) -> list[str]:
    """The online service systems a guide links (by link text), absolute, each once. Pure."""
    tree = LexborHTMLParser(html or "<html></html>")
    out: dict[str, None] = {}
    for a in tree.css("a"):
        words = " ".join(((a.text() or ""), a.attributes.get("title") or ""))
        href = (a.attributes.get("href") or "").strip()
        if href and not href.startswith(("javascript:", "mailto:", "#")) and any(w in words for w in ONLINE_WORDS):
            out.setdefault(urldefrag(urljoin(page_url, href)).url, None)
    return list(out)


def incomplete_finding(url: str, title: str, filled: set[str], missing_at: int) -> FindingDraft | None:
    """The finding of one guide page, or None when it misses fewer than ``missing_at`` elements. Pure."""
    missing = [code for code in ELEMENTS if code not in filled]
    if len(missing) < missing_at:
        return None
    names = [ELEMENTS[c][0] for c in missing]
    return FindingDraft(NAME, "guide_incomplete", url, Severity.HIGH,
                        TEXT["guide_incomplete"].format(title=title or url, n=len(missing), missing="、".join(names)),
                        {"guide_title": title, "missing": names, "missing_count": len(missing),
                         "missing_at": missing_at})


@CHECKS.register(NAME)
class ServiceGuidesCheck(CheckBase):
    """Key elements of the service guides and the online systems they link; CheckError without a service column."""

    name: ClassVar[str] = NAME
    label_zh: ClassVar[str] = TEXT["label"]
    group: ClassVar[str] = "columns"  # daily, with the other column reads
    order: ClassVar[int] = 10
    interval: ClassVar[float] = 24 * 3600.0
    Settings: ClassVar[type] = Settings
    veto: ClassVar[tuple[VetoFeed, ...]] = (
        VetoFeed("services", holds=("guide_incomplete", "no_service_guides", "online_service_broken")),)
    kinds: ClassVar[tuple[str, ...]] = ("guide_incomplete", "no_service_guides", "online_service_broken")
    evidence_keys: ClassVar[tuple[str, ...]] = ("guide_title", "missing", "missing_count", "missing_at", "column",
                                                  "column_url", "error", "status", "linked_from")

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        cols = [c for c in target.columns if c.kind == "service"]
        if not cols:
            raise CheckError(TEXT["no_column"])
        deadline = time.monotonic() + timeout
        findings: list[FindingDraft] = []
        guides: list[GuideLink] = []
        for col in cols:
            page = await self._get(col.url, deadline)
            if page == OUT_OF_TIME:
                raise CheckError(TEXT["out_of_time"])
            if isinstance(page, str):
                raise CheckError(TEXT["column_unreadable"].format(column=col.name, error=fetch_error_zh(page)))
            links = guide_links(page.text, page.final_url, col.item_selector)
            if not links:
                findings.append(FindingDraft(NAME, "no_service_guides", col.url, Severity.HIGH,
                                             TEXT["no_service_guides"].format(column=col.name),
                                             {"column": col.name, "column_url": col.url}))
            guides += links
        guides = list({g.url: g for g in guides}.values())[: self.settings.max_guides]
        sem = asyncio.Semaphore(max(1, self.settings.concurrency))
        online: dict[str, str] = {}  # system URL → the first guide linking it
        read = 0

        async def one(g: GuideLink) -> None:
            nonlocal read
            async with sem:
                page = await self._get(g.url, deadline)
            if isinstance(page, str):
                return  # an unreadable guide says nothing about its elements (dead links are their own check)
            read += 1
            filled, title = guide_elements(page.text)
            found = incomplete_finding(g.url, title or g.title, filled, self.settings.guide_missing_elements)
            if found is not None:
                findings.append(found)
            for url in online_links(page.text, page.final_url):
                online.setdefault(url, g.url)

        await asyncio.gather(*(one(g) for g in guides))
        broken = await self._online(online, deadline) if self.settings.check_online else []
        findings += broken
        stats = {"guides": float(len(guides)), "guides_read": float(read),
                 "incomplete": float(sum(f.kind == "guide_incomplete" for f in findings)),
                 "online_systems": float(len(online)), "online_broken": float(len(broken))}
        return CheckResult(NAME, target.code, as_of, tuple(sorted(findings, key=lambda f: (f.kind, f.location))),
                           stats, {"guides_read": read, "guides_found": len(guides)})

    async def _get(self, url: str, deadline: float) -> Any:
        """The page, or the failure as a FetchError kind / status string; ``OUT_OF_TIME`` when the run's own
        time is spent (which proves nothing about the page)."""
        left = deadline - time.monotonic()
        if left <= 0:
            return OUT_OF_TIME
        try:
            page = await self.ctx.fetcher.get(url, timeout=left)
        except FetchError as exc:
            return exc.kind
        return str(page.status) if page.status >= 400 else page

    async def _online(self, systems: dict[str, str], deadline: float) -> list[FindingDraft]:
        out = []
        for url, guide in sorted(systems.items()):
            got = await self._get(url, deadline)
            if not isinstance(got, str) or got in ("blocked", OUT_OF_TIME):
                continue  # works, not ours to try, or not tried
            ev: dict[str, Any] = {"linked_from": guide, "error": got} if not got.isdigit() else \
                {"linked_from": guide, "status": int(got)}
            out.append(FindingDraft(NAME, "online_service_broken", url, Severity.HIGH,
                                    TEXT["online_service_broken"].format(error=fetch_error_zh(got), url=url), ev))
        return out
