"""Item lists of list pages and homepages: entries with title, absolute link and publish date.

Pure: HTML text in, :class:`ItemList` out; ``as_of`` is passed in. Three ways, best first:

1. per-column selector hints (``item_selector`` rows, ``date_selector`` inside a row);
2. an article page's own meta tags (``ArticleTitle`` + ``PubDate``) when the URL is an article;
3. heuristics: every content link (not in header/nav/footer) climbs to its *row*, the largest
   ancestor holding no other item link (``li``, ``tr``, ``dd``…); the row's text outside the link
   gives the date (before or after the title, bracketed or not). A ``dt`` row without a date
   borrows it from the following ``dd``. Short dates take their year from a preceding year
   heading, from a date in the link URL (``/202611/t20261127_1.html``) or else from ``as_of``.

Pagination (下一页, 第2页, ``index_1.html``, ``共 N 页``, TRS ``createPageHTML``) is reported, not
followed: the checks decide how far to go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from inspection import dates as d
from webread.html import in_chrome, link_of, meta_tags, node_text, parse

MAX_LINKS = 3000  # anchors examined per page: bounds time on huge pages
MIN_TITLE = 4  # characters; shorter link texts are navigation (更多, 首页, 1, 2 ...)
CLIMB = 6  # ancestor levels a link may climb to find its row
SHORT_CELL = 24  # text nodes up to this length may hold a bare short date with a label
NAV_WORDS = frozenset({"更多", "更多>>", "more", "首页", "上一页", "下一页", "尾页", "末页", "前一页", "后一页",
                       "返回顶部", "返回首页", "设为首页", "加入收藏", "网站地图", "联系我们", "English"})
_NEXT_WORDS = ("下一页", "下页", "后一页", "next", "Next", ">", "›", "»", ">>")
_EMPTY = re.compile(r"暂无(?:相关)?(?:信息|数据|内容|记录|文章|留言)|没有(?:找到)?(?:相关)?(?:信息|记录|数据|内容)|"
                    r"无相关(?:信息|记录)|记录为空|信息为空")
_TOTAL = re.compile(r"共\s*(\d{1,4})\s*页|(?<!\d)\d{1,4}\s*/\s*(\d{1,4})\s*页")
_TRS = re.compile(r"createPageHTML\(\s*['\"]?(\d{1,4})['\"]?\s*,\s*['\"]?(\d{1,4})['\"]?\s*,\s*['\"]([\w\-]+)['\"]"
                  r"\s*,\s*['\"](\w+)['\"]")
_PAGE_NUM = re.compile(r"^第?\s*(\d{1,4})\s*页?$")
_PAGER_HINT = re.compile(r"pag|fenye|fy|pager", re.I)
_ROW_TAGS = ("li", "tr", "dd", "dt")


@dataclass(frozen=True)
class Item:
    """One entry. ``day`` is None when no publish date is visible; ``inferred`` when its year was
    not written; ``dates`` holds every date of the row (consultation rows carry two)."""

    title: str
    url: str
    day: date | None
    row_text: str = ""
    inferred: bool = False
    precision: str = "day"
    dates: tuple[date, ...] = ()


@dataclass(frozen=True)
class Pagination:
    next_url: str | None = None
    total_pages: int | None = None
    page_urls: tuple[str, ...] = ()  # further list pages known from links or scripts, in order


@dataclass(frozen=True)
class ItemList:
    url: str
    items: tuple[Item, ...] = ()
    pagination: Pagination = field(default_factory=Pagination)
    empty_marker: bool = False  # the page says it has no entries (暂无信息 ...)
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def dated(self) -> list[Item]:
        return [i for i in self.items if i.day is not None]

    def newest(self) -> Item | None:
        """The item with the latest date (earliest in the list on ties), or None."""
        best: Item | None = None
        for i in self.dated:
            if best is None or i.day > best.day:  # type: ignore[operator]
                best = i
        return best


def _cell_dates(text: str, as_of: date, year: int | None) -> list[d.DateHit]:
    loose = len(text.strip()) <= SHORT_CELL
    return d.find_dates(text, as_of, year_hint=year, loose=loose, max_future_days=1)


def _fix_year(hit: d.DateHit, url: str) -> tuple[date, bool]:
    """A year-less date confirmed by the article URL when it names the same month and day."""
    if not hit.inferred:
        return hit.day, False
    u = d.date_from_url(url)
    if u is not None and (u.month, u.day) == (hit.day.month, hit.day.day):
        return u, False
    ym = d.month_from_url(url)
    if ym is not None and ym[1] == hit.day.month:
        try:
            return hit.day.replace(year=ym[0]), False
        except ValueError:
            pass
    return hit.day, True


def _texts(node: LexborNode, skip: LexborNode | None) -> Iterable[str]:
    """Text nodes under ``node`` in order, leaving out those under ``skip`` and scripts."""
    skip_id = skip.mem_id if skip is not None else None
    for n in node.traverse(include_text=True):
        if not n.is_text_node:
            continue
        p, inside = n.parent, False
        while p is not None and p.mem_id != node.mem_id:
            if p.mem_id == skip_id or p.tag in ("script", "style"):
                inside = True
                break
            p = p.parent
        if not inside and (n.text_content or "").strip():
            yield n.text_content or ""


def _row_dates(row: LexborNode, anchor: LexborNode, as_of: date, year: int | None) -> list[d.DateHit]:
    hits = [h for t in _texts(row, anchor) for h in _cell_dates(t, as_of, year)]
    if not hits and row.tag == "dt":
        sib = row.next
        while sib is not None and not sib.is_element_node:
            sib = sib.next
        if sib is not None and sib.tag == "dd" and sib.css_first("a[href]") is None:
            hits = [h for t in _texts(sib, None) for h in _cell_dates(t, as_of, year)]
    if not hits:  # date inside the link itself, as its own element (<a><span>标题</span><em>日期</em></a>)
        for t in _texts(anchor, None):
            if t.strip() != node_text(anchor):
                hits += d.find_dates(t.strip(), as_of, year_hint=year, max_future_days=1)
    return hits


def _trailing_date(label: str, as_of: date, year: int | None) -> d.DateHit | None:
    """A date closing ``label`` after a title of at least MIN_TITLE characters, or None."""
    hits = d.find_dates(label, as_of, year_hint=year, max_future_days=1)
    if hits and hits[-1].start >= MIN_TITLE and not label[hits[-1].end:].strip(" )）]】"):
        return hits[-1]
    return None


def _year_hints(body: LexborNode) -> dict[int, int]:
    """Anchor mem_id -> the year of the nearest preceding year heading (``2025年``)."""
    out: dict[int, int] = {}
    year: int | None = None
    for n in body.traverse(include_text=True):
        if n.is_text_node:
            y = d.year_heading(n.text_content or "")
            if y is not None and n.parent is not None and n.parent.tag != "a":
                year = y
        elif n.tag == "a" and year is not None:
            out[n.mem_id] = year
    return out


def _is_title(text: str) -> bool:
    t = text.strip()
    return len(t) >= MIN_TITLE and t not in NAV_WORDS and not _PAGE_NUM.match(t)


def _heuristic(tree: LexborHTMLParser, base_url: str, as_of: date) -> list[Item]:
    body = tree.body
    if body is None:
        return []
    anchors: list[LexborNode] = []
    for a in body.css("a[href]"):
        if len(anchors) >= MAX_LINKS:
            break
        if in_chrome(a):
            continue
        link = link_of(a, base_url)
        if link is None or not _is_title(link.label) or link.url.rstrip("/") == base_url.rstrip("/"):
            continue
        anchors.append(a)
    counts: dict[int, int] = {}
    for a in anchors:
        p, level = a.parent, 0
        while p is not None and level < CLIMB and p.tag not in ("body", "html"):
            counts[p.mem_id] = counts.get(p.mem_id, 0) + 1
            p, level = p.parent, level + 1
    years = _year_hints(body) if anchors else {}
    items: list[Item] = []
    for a in anchors:
        link = link_of(a, base_url)
        assert link is not None
        row, p, level = a, a.parent, 0
        while p is not None and level < CLIMB and p.tag not in ("body", "html") and counts.get(p.mem_id) == 1:
            row, p, level = p, p.parent, level + 1
        hits = _row_dates(row, a, as_of, years.get(a.mem_id)) if row is not a else []
        title = link.label
        tail = _trailing_date(title, as_of, years.get(a.mem_id))
        if tail is not None:  # broken markup or a plain-text row: the date sits at the end of the link text
            title = title[:tail.start].strip()
            hits = hits or [tail]
        if not hits:
            if row.tag in _ROW_TAGS and row.parent is not None and \
                    sum(1 for c in row.parent.iter() if c.tag == row.tag) >= 3:
                items.append(Item(title, link.url, None, node_text(row)))
            continue
        day, inferred = _fix_year(hits[0], link.url)
        items.append(Item(title, link.url, day, node_text(row), inferred, hits[0].precision,
                          tuple(h.day for h in hits)))
    return items


def _hinted(tree: LexborHTMLParser, base_url: str, as_of: date, item_selector: str,
            date_selector: str | None) -> list[Item]:
    items = []
    for row in tree.css(item_selector):
        a = row if row.tag == "a" else row.css_first("a[href]")
        if a is None:
            continue
        link = link_of(a, base_url)
        if link is None:
            continue
        cell = row.css_first(date_selector) if date_selector else None
        if cell is not None:
            hits = d.find_dates(node_text(cell), as_of, loose=True, max_future_days=1)
        else:
            hits = _row_dates(row, a, as_of, None) if a is not row else []
        if hits:
            day, inferred = _fix_year(hits[0], link.url)
            items.append(Item(link.label, link.url, day, node_text(row), inferred, hits[0].precision,
                              tuple(h.day for h in hits)))
        else:
            items.append(Item(link.label, link.url, None, node_text(row)))
    return items


def pagination(tree: LexborHTMLParser, html: str, base_url: str) -> Pagination:
    """Further pages of a list: the 下一页 link, the page count and any page links or TRS pages."""
    next_url: str | None = None
    urls: list[str] = []
    for a in tree.css("a[href]"):
        link = link_of(a, base_url)
        if link is None or link.url.rstrip("/") == base_url.rstrip("/"):
            continue
        text = link.text.strip()
        if next_url is None and text in _NEXT_WORDS:
            next_url = link.url
        elif _PAGE_NUM.match(text) and (text.startswith("第") or _in_pager(a)) and link.url not in urls:
            urls.append(link.url)
    total: int | None = None
    page_text = node_text(tree.body)
    mo = _TOTAL.search(page_text)
    if mo:
        total = int(mo[1] or mo[2])
    trs = _TRS.search(html)
    if trs:
        count, prefix, suffix = int(trs[1]), trs[3], trs[4]
        total = total or count
        for i in range(1, min(count, 500)):
            u = urljoin(base_url, f"{prefix}_{i}.{suffix}")
            if u not in urls:
                urls.append(u)
        if next_url is None and count > 1:
            next_url = urljoin(base_url, f"{prefix}_{int(trs[2]) + 1}.{suffix}")
    if next_url and next_url not in urls:
        urls.insert(0, next_url)
    return Pagination(next_url, total, tuple(urls))


def _in_pager(a: LexborNode) -> bool:
    p, level = a.parent, 0
    while p is not None and level < 3:
        if _PAGER_HINT.search(f"{p.attributes.get('class') or ''} {p.attributes.get('id') or ''}"):
            return True
        p, level = p.parent, level + 1
    return False


def article_item(tree: LexborHTMLParser, url: str, as_of: date) -> Item | None:
    """An article page as one item from its ``ArticleTitle``/``PubDate`` meta tags, or None."""
    tags = meta_tags(tree)
    pub = tags.get("pubdate") or tags.get("firstpublishedtime") or tags.get("publishdate") or ""
    hit = d.first_date(pub, as_of, max_future_days=1) if pub else None
    if hit is None:
        return None
    return Item(tags.get("articletitle") or node_text(tree.css_first("title")), url, hit.day)


def extract_items(html: str, base_url: str, as_of: date, *, item_selector: str | None = None,
                  date_selector: str | None = None) -> ItemList:
    """The entries of one list page (or homepage) at ``base_url``; never raises on bad markup.

    Dates later than ``as_of`` + 1 day (time-zone slack) are not publish dates and are ignored.
    An invalid ``item_selector`` raises ValueError naming it.
    """
    tree = parse(html)
    tags = meta_tags(tree)
    if item_selector:
        try:
            items = _hinted(tree, base_url, as_of, item_selector, date_selector)
        except Exception as exc:  # lexbor reports bad selectors with its own exception types
            raise ValueError(f"item_selector {item_selector!r}: {exc}") from exc
    else:
        items = _heuristic(tree, base_url, as_of)
        if not any(i.day for i in items) and "articletitle" in tags:
            art = article_item(tree, base_url, as_of)
            items = [art] if art is not None else items
    seen: set[str] = set()
    unique = []
    for i in items:
        if i.url not in seen:
            seen.add(i.url)
            unique.append(i)
    text = node_text(tree.body)
    empty = bool(_EMPTY.search(text)) and not any(i.day for i in unique)
    return ItemList(base_url, tuple(unique), pagination(tree, html, base_url), empty, tags)


def window_deadline(newest: date, window_days: int) -> date:
    """The last day a source with newest entry ``newest`` is still within ``window_days``."""
    return newest + timedelta(days=window_days)
