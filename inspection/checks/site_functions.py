"""功能设计: the site search works, the 我要纠错 entry is shown, the site answers over IPv6 (spec §3).

These feed deduction indicators of the 功能设计 group, never a veto item.

- 站内搜索: the homepage's search form (a ``<form>`` whose action, fields or button say search) is
  submitted with ``search_term`` (default 通知, which every government site publishes). No form →
  ``search_missing``; the result page fails (HTTP ≥ 400, unreachable) or has no result link whose text
  holds the term → ``search_broken``. A search box driven only by script (no form to submit), a form
  posting its query, or a form on another host the fetch policy does not allow cannot be judged here: no
  finding, the facts say why (a deduction needs proof).
- 我要纠错: a link or image on the homepage whose text, title or alt says 纠错/找错, or whose address is
  the national error-report service (``zfwzzc.www.gov.cn``) → present; else ``correction_missing``.
- IPv6: the site's host name has no IPv6 address (AAAA) → ``ipv6_missing``; it has one but a TCP
  connection to the site's port over IPv6 fails within the timeout → ``ipv6_unreachable``. A site
  registered by an IPv4 address has no name to look up: not judged (``facts.ipv6 = "ipv4_literal"``).
"""

from __future__ import annotations

import asyncio
import re
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from core.i18n.inspection import fetch_error_zh
from inspection.base import CHECKS, CheckBase, CheckError, CheckResult, FindingDraft, Severity, SiteTarget
from webread.addresses import parse_address
from webread.client import AddressBlocked, open_checked
from webread.fetch import FetchError

NAME = "site_functions"

TEXT = {
    "label": "功能设计",
    "search_missing": "首页未提供站内搜索",
    "search_broken": "站内搜索不可用：搜索“{term}”{why}",
    "search_http": "返回 HTTP {status}",
    "search_unreachable": "无法访问（{error}）",
    "search_empty": "没有返回包含该词的结果",
    "correction_missing": "首页未提供“我要纠错”入口",
    "ipv6_missing": "域名 {host} 没有 IPv6 地址（AAAA 记录）",
    "ipv6_unreachable": "域名 {host} 的 IPv6 地址 {address} 无法连接：{error}",
    "unreachable": "首页无法读取，无法检查功能设计：{error}",
    "status": "首页返回 HTTP {status}，无法检查功能设计",
}

# Why a search was not judged (facts["search"]); no finding is drawn from these.
NOT_JUDGED = {"script_only": "搜索框由脚本驱动，无表单可提交", "post_form": "搜索表单以 POST 提交，未自动检验",
              "blocked": "搜索服务位于未登记的外部地址，未访问"}

_SEARCH_HINT = re.compile(r"search|sousuo|jsearch|query|find|jansearch|zhannei", re.I)
_QUERY_NAMES = ("q", "query", "keyword", "keywords", "searchword", "kw", "wd", "word", "key", "sword", "searchkey",
                "qt", "text", "content")
_BUTTON_WORDS = ("搜索", "检索", "查询", "搜 索")
_CORRECTION_WORDS = ("纠错", "找错")
_CORRECTION_HOSTS = ("zfwzzc.www.gov.cn",)
_EMPTY_WORDS = ("没有找到", "未找到", "无相关", "无结果", "找到 0 条", "共 0 条", "共0条", "没有搜索到")


@dataclass(frozen=True)
class Settings:
    search_term: str = "通知"
    check_search: bool = True
    check_correction: bool = True
    check_ipv6: bool = True


@dataclass(frozen=True)
class SearchForm:
    """A search form to submit: its absolute action URL, method, query field and hidden fields."""

    action: str
    method: str
    field: str
    hidden: tuple[tuple[str, str], ...] = ()

    def url(self, term: str) -> str:
        """The GET URL asking ``term`` (the action's own query kept, hidden fields sent as the form would)."""
        parts = urlsplit(self.action)
        query = urlencode([*self.hidden, (self.field, term)])
        return urlunsplit((parts.scheme, parts.netloc, parts.path, f"{parts.query}&{query}" if parts.query else query,
                           ""))


def _attrs(node: LexborNode) -> dict[str, str]:
    return {k.lower(): (v or "") for k, v in node.attributes.items()}


def _query_field(form: LexborNode) -> str | None:
    """The name of the form's free-text input: a known query name first, else the first text/search input."""
    inputs = [_attrs(i) for i in form.css("input")]
    texts = [a for a in inputs if a.get("type", "text").lower() in ("text", "search", "") and a.get("name")]
    for a in texts:
        if a["name"].lower() in _QUERY_NAMES or a.get("type", "").lower() == "search":
            return a["name"]
    return texts[0]["name"] if texts else None


def _looks_like_search(form: LexborNode) -> bool:
    a = _attrs(form)
    if _SEARCH_HINT.search(" ".join((a.get("action", ""), a.get("id", ""), a.get("class", ""), a.get("name", "")))):
        return True
    for i in form.css("input, button"):
        ia = _attrs(i)
        if ia.get("type", "").lower() == "search" or ia.get("name", "").lower() in _QUERY_NAMES:
            return True
        words = " ".join((ia.get("value", ""), ia.get("placeholder", ""), i.text() if i.tag == "button" else ""))
        if any(w in words for w in _BUTTON_WORDS):
            return True
    return False


def find_search_form(html: str, base_url: str) -> SearchForm | str | None:
    """The homepage's search form; ``"script_only"`` when a search box exists without a form to submit;
    None when the page offers no search at all. Pure."""
    tree = LexborHTMLParser(html or "<html></html>")
    for form in tree.css("form"):
        if not _looks_like_search(form):
            continue
        name = _query_field(form)
        if name is None:
            continue
        a = _attrs(form)
        hidden = tuple((h["name"], h.get("value", "")) for h in (_attrs(i) for i in form.css("input"))
                       if h.get("type", "").lower() == "hidden" and h.get("name"))
        return SearchForm(urljoin(base_url, a.get("action", "") or base_url), (a.get("method") or "get").lower(),
                          name, hidden)
    for i in tree.css("input"):
        ia = _attrs(i)
        hint = " ".join((ia.get("id", ""), ia.get("class", ""), ia.get("name", ""), ia.get("placeholder", "")))
        if ia.get("type", "").lower() == "search" or _SEARCH_HINT.search(hint) or any(w in hint for w in _BUTTON_WORDS):
            return "script_only"
    return None


def search_has_results(html: str, term: str) -> bool:
    """A result page answers ``term``: some link's text holds it and the page says nothing like "no result"
    (the query echoed in the search box does not count: it is an input, not a link). Pure."""
    tree = LexborHTMLParser(html or "<html></html>")
    body = tree.body.text(separator=" ") if tree.body else ""
    if any(w in body for w in _EMPTY_WORDS):
        return False
    return any(term in (a.text() or "") for a in tree.css("a"))


def has_correction_entry(html: str) -> bool:
    """The page links to an error-report entry (我要纠错): by words in a link's text, title or image alt,
    or by the national service's address. Pure."""
    tree = LexborHTMLParser(html or "<html></html>")
    for a in tree.css("a"):
        attrs = _attrs(a)
        words = " ".join((a.text() or "", attrs.get("title", ""),
                          *(_attrs(img).get("alt", "") + _attrs(img).get("title", "") for img in a.css("img"))))
        if any(w in words for w in _CORRECTION_WORDS):
            return True
        host = (urlsplit(attrs.get("href", "")).hostname or "").lower()
        if host in _CORRECTION_HOSTS:
            return True
    return False


async def ipv6_addresses(host: str, port: int) -> list[str]:
    """The host's IPv6 addresses (an IPv4 literal has none); empty when the name has no AAAA record."""
    ip = parse_address(host)
    if ip is not None:
        return [str(ip)] if ip.version == 6 else []
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, family=socket.AF_INET6,
                                                             type=socket.SOCK_STREAM)
    except socket.gaierror:
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@CHECKS.register(NAME)
class SiteFunctionsCheck(CheckBase):
    """Search, the error-report entry and IPv6 of the homepage; raises CheckError when the homepage can't be read."""

    name: ClassVar[str] = NAME
    label_zh: ClassVar[str] = TEXT["label"]
    group: ClassVar[str] = "identity"  # daily, with the other 功能设计 checks of the homepage
    order: ClassVar[int] = 9
    interval: ClassVar[float] = 24 * 3600.0
    Settings: ClassVar[type] = Settings
    kinds: ClassVar[tuple[str, ...]] = ("search_missing", "search_broken", "correction_missing", "ipv6_missing",
                                          "ipv6_unreachable")
    evidence_keys: ClassVar[tuple[str, ...]] = ("page", "search_url", "search_term", "status", "error", "reason",
                                                  "host", "address")

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        try:
            page = await self.ctx.fetcher.get(target.url, timeout=timeout)
        except FetchError as exc:
            raise CheckError(TEXT["unreachable"].format(error=fetch_error_zh(exc.kind))) from exc
        if page.status >= 400:
            raise CheckError(TEXT["status"].format(status=page.status))
        findings: list[FindingDraft] = []
        stats: dict[str, float] = {}
        facts: dict[str, Any] = {}
        s = self.settings
        if s.check_search:
            found, facts["search"] = await self._search(target, page.text, page.final_url, timeout)
            findings += found
            if facts["search"] in ("ok", "missing", "broken"):
                stats["search_ok"] = float(facts["search"] == "ok")
        if s.check_correction:
            present = has_correction_entry(page.text)
            stats["correction_entry"] = float(present)
            if not present:
                findings.append(FindingDraft(NAME, "correction_missing", target.url, Severity.LOW,
                                             TEXT["correction_missing"], {"page": target.url}))
        if s.check_ipv6:
            found6, facts["ipv6"] = await self._ipv6(target, timeout)
            findings += found6
            if facts["ipv6"] in ("ok", "missing", "unreachable"):
                stats["ipv6_ok"] = float(facts["ipv6"] == "ok")
        return CheckResult(NAME, target.code, as_of, tuple(findings), stats, facts)

    async def _search(self, target: SiteTarget, html: str, base: str, timeout: float
                      ) -> tuple[list[FindingDraft], str]:
        form = find_search_form(html, base)
        if form is None:
            return [FindingDraft(NAME, "search_missing", target.url, Severity.MEDIUM, TEXT["search_missing"],
                                 {"page": target.url, "reason": "no_form"})], "missing"
        if isinstance(form, str):
            return [], form
        if form.method != "get":
            return [], "post_form"
        term = self.settings.search_term
        url = form.url(term)
        ev: dict[str, Any] = {"page": target.url, "search_url": url, "search_term": term}
        try:
            result = await self.ctx.fetcher.get(url, timeout=timeout)
        except FetchError as exc:
            if exc.kind == "blocked":
                return [], "blocked"
            why = TEXT["search_unreachable"].format(error=fetch_error_zh(exc.kind))
            return [self._broken(target, term, why, {**ev, "error": exc.kind, "reason": "unreachable"})], "broken"
        if result.status >= 400:
            why = TEXT["search_http"].format(status=result.status)
            return [self._broken(target, term, why, {**ev, "status": result.status, "reason": "http_error"})], "broken"
        if not search_has_results(result.text, term):
            return [self._broken(target, term, TEXT["search_empty"], {**ev, "reason": "no_results"})], "broken"
        return [], "ok"

    @staticmethod
    def _broken(target: SiteTarget, term: str, why: str, ev: dict[str, Any]) -> FindingDraft:
        return FindingDraft(NAME, "search_broken", target.url, Severity.MEDIUM,
                            TEXT["search_broken"].format(term=term, why=why), ev)

    async def _ipv6(self, target: SiteTarget, timeout: float) -> tuple[list[FindingDraft], str]:
        parts = urlsplit(target.url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        literal = parse_address(host)
        if literal is not None and literal.version == 4:
            return [], "ipv4_literal"  # IPv6 support is a property of the site's name, and it has none
        addresses = await ipv6_addresses(host, port)
        if not addresses:
            return [FindingDraft(NAME, "ipv6_missing", target.url, Severity.LOW, TEXT["ipv6_missing"].format(host=host),
                                 {"host": host, "reason": "no_aaaa"})], "missing"
        error, tried = "", False
        for address in addresses:
            try:
                async with asyncio.timeout(timeout):
                    _, writer = await open_checked(address, port, self.ctx.fetcher.policy)
                writer.close()
                return [], "ok"
            except AddressBlocked:
                continue  # the fetch policy forbids it: not tried, so nothing proven
            except (OSError, TimeoutError) as exc:
                tried, error = True, "timeout" if isinstance(exc, TimeoutError) else "refused"
        if not tried:
            return [], "blocked"
        return [FindingDraft(NAME, "ipv6_unreachable", target.url, Severity.LOW,
                             TEXT["ipv6_unreachable"].format(host=host, address=addresses[0],
                                                             error=fetch_error_zh(error)),
                             {"host": host, "address": addresses[0], "error": error, "reason": "connect_failed"})
                ], "unreachable"
