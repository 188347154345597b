"""Reading list pages over HTTP: page 1, then further pages while the caller wants more.

The I/O half of :mod:`inspection.items`: fetch with the shared :class:`~webread.fetch.Fetcher`,
extract with :func:`~inspection.items.extract_items`, follow 下一页 links up to a bound. Failures
come back as data (``error``/``status``), never as exceptions, so one bad column cannot stop a run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from inspection.items import Item, ItemList, article_item, extract_items
from webread.fetch import FetchError
from webread.html import parse

CST = timezone(timedelta(hours=8), "CST")


def china_day(as_of: datetime) -> date:
    """The calendar day in China at ``as_of`` (pages are dated in China Standard Time); naive = CST."""
    return (as_of if as_of.tzinfo is None else as_of.astimezone(CST)).date()


@dataclass
class ListRead:
    """One list read: its pages' item lists; ``error`` (a FetchError kind or ``http_status``) when
    page 1 could not be read; ``truncated`` when a page was cut at the size limit."""

    url: str
    pages: list[ItemList] = field(default_factory=list)
    error: str | None = None
    detail: str = ""
    status: int | None = None
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.pages)

    @property
    def items(self) -> list[Item]:
        seen: set[str] = set()
        out = []
        for p in self.pages:
            for i in p.items:
                if i.url not in seen:
                    seen.add(i.url)
                    out.append(i)
        return out

    def newest(self) -> Item | None:
        best: Item | None = None
        for i in self.items:
            if i.day is not None and (best is None or i.day > best.day):  # type: ignore[operator]
                best = i
        return best

    @property
    def empty_marker(self) -> bool:
        return bool(self.pages) and self.pages[0].empty_marker


async def read_list(fetcher: Any, url: str, day: date, *, deadline: float, item_selector: str | None = None,
                    date_selector: str | None = None, max_pages: int = 1,
                    more: Callable[[ListRead], bool] | None = None) -> ListRead:
    """Read ``url`` and up to ``max_pages - 1`` further pages while ``more(read)`` says so.

    ``deadline`` is a ``time.monotonic()`` instant no request may run past.
    """
    out = ListRead(url)
    next_url: str | None = url
    seen: set[str] = set()
    while next_url and len(out.pages) < max_pages and next_url not in seen:
        seen.add(next_url)
        left = deadline - time.monotonic()
        if left <= 0:
            if not out.pages:
                out.error, out.detail = "timeout", "time budget spent"
            break
        try:
            page = await fetcher.get(next_url, timeout=left)
        except FetchError as exc:
            if not out.pages:
                out.error, out.detail = exc.kind, exc.detail
            break
        if page.status >= 400:
            if not out.pages:
                out.error, out.status, out.detail = "http_status", page.status, f"HTTP {page.status}"
            break
        out.status = out.status or page.status
        out.truncated = out.truncated or page.truncated
        lst = extract_items(page.text, page.final_url, day, item_selector=item_selector, date_selector=date_selector)
        out.pages.append(lst)
        next_url = lst.pagination.next_url
        if more is None or not more(out):
            break
    return out


async def article_date(fetcher: Any, url: str, day: date, *, deadline: float) -> date | None:
    """The publish date an article page states in its meta tags, or None when unreadable."""
    left = deadline - time.monotonic()
    if left <= 0:
        return None
    try:
        page = await fetcher.get(url, timeout=left)
    except FetchError:
        return None
    if page.status >= 400:
        return None
    item = article_item(parse(page.text), page.final_url, day)
    return item.day if item else None
