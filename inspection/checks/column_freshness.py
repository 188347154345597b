"""栏目不更新 / 空白栏目: the newest entry date of every registered column against its rule window.

Windows by column kind (国办秘函〔2019〕19号): news 2 weeks; notice and policy 6 months when
first-level (veto group ``a``, counted together with news); personnel, planning and non-first-level
notice/policy "should be updated but long are not" (group ``b``, provisional 365 days); a consultation
column is judged here only that way (a year without any message, or none ever): its replies are the
interaction check's business. A column with no entry ever is blank (group ``c``). Deduction windows
(group ``d``, no veto): 办事统计 3 months, 留言答复公开 2 months; a column past them is ``column_overdue``.
Veto counting over these findings is inspection.veto's business, not this check's.

Findings (location = the column URL): ``column_stale`` (high, veto-feeding; evidence newest_date,
window_days, kind, group), ``column_blank``, ``column_due`` (early warning, deadline = last compliant
day), ``column_overdue`` (a deduction column past its window; medium, feeds no veto item) and
``column_unreadable`` (page fails, or has entries but no readable dates).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from inspection.base import (
    CHECKS,
    CheckBase,
    CheckError,
    CheckResult,
    ColumnTarget,
    FindingDraft,
    Severity,
    SiteTarget,
    VetoFeed,
)
from inspection.items import Item
from inspection.listpages import ListRead, article_date, china_day, read_list
from inspection.rules import shared

NAME = "column_freshness"

TEXT = {
    "label": "栏目更新",
    "stale": "栏目“{name}”已 {days} 天未更新（最新信息发布于 {newest}，规定 {window} 天内须有更新）",
    "overdue": "栏目“{name}”已 {days} 天未更新（最新信息发布于 {newest}，应每 {window} 天内更新，扣分项）",
    "blank": "栏目“{name}”为空白栏目，没有任何信息",
    "due": "栏目“{name}”距超期未更新还剩 {left} 天（最新信息发布于 {newest}，{deadline} 后将超期）",
    "unreadable_fetch": "栏目“{name}”列表页无法读取：{error}",
    "unreadable_dates": "栏目“{name}”列表页未找到可识别的发布日期（共 {items} 条信息）",
    "unreadable_empty": "栏目“{name}”列表页未识别到信息列表",
    "site_down": "站点所有栏目均无法读取，无法判断栏目更新情况：{error}",
}


@dataclass(frozen=True)
class Settings:
    news_days: int = shared("news_days", 14)
    notice_days: int = shared("notice_policy_days", 183)  # first-level 通知公告, 6 months
    policy_days: int = shared("notice_policy_days", 183)  # first-level 政策文件, 6 months
    long_days: int = shared("long_stale_days", 365, provisional=True)  # "should be updated but long not"
    service_stats_days: int = 92  # 办事统计: 3 months (deduction −2)
    message_replies_days: int = 61  # 留言答复公开: 2 months (deduction −3)
    warn_days: int = 7
    urgent_days: int = 2
    max_pages: int = 3  # list pages followed when page 1 shows no dated entry
    concurrency: int = 3


def window(col: ColumnTarget, s: Settings) -> tuple[int, str] | None:
    """(window days, veto group) for a column, or None when this check does not judge its kind. Pure."""
    if col.kind == "news":
        return s.news_days, "a"
    if col.kind in ("notice", "policy"):
        if col.first_level:
            return (s.notice_days if col.kind == "notice" else s.policy_days), "a"
        return s.long_days, "b"
    if col.kind in ("personnel", "planning", "consultation"):
        return s.long_days, "b"
    if col.kind == "service_stats":
        return s.service_stats_days, "d"
    if col.kind == "message_replies":
        return s.message_replies_days, "d"
    return None


def judge_column(col: ColumnTarget, read: ListRead, day: date, s: Settings) -> FindingDraft | None:
    """The finding for one column's list read as of ``day``, or None when it is fine. Pure."""
    rule = window(col, s)
    if rule is None:
        return None
    days_window, group = rule
    base: dict[str, Any] = {"kind": col.kind, "column": col.name, "window_days": days_window, "group": group}
    if read.error is not None:
        ev = base | {"error": read.error, "detail": read.detail, "status": read.status}
        return FindingDraft(NAME, "column_unreadable", col.url, Severity.MEDIUM,
                            TEXT["unreadable_fetch"].format(name=col.name, error=read.detail or read.error), ev)
    newest = read.newest()
    items = read.items
    if newest is None or newest.day is None:
        if read.empty_marker:  # only an explicit 暂无信息: a list drawn by JavaScript is unreadable, not blank
            return FindingDraft(NAME, "column_blank", col.url, Severity.HIGH, TEXT["blank"].format(name=col.name),
                                base | {"group": "c", "entries": 0}, veto=True)
        key = "unreadable_dates" if items else "unreadable_empty"
        ev = base | {"error": "no_dates" if items else "no_items", "entries": len(items),
                     "truncated": read.truncated, "sample": [i.title for i in items[:3]]}
        return FindingDraft(NAME, "column_unreadable", col.url, Severity.MEDIUM,
                            TEXT[key].format(name=col.name, items=len(items)), ev)
    deadline = newest.day + timedelta(days=days_window)
    left = (deadline - day).days
    days = (day - newest.day).days
    ev = base | {"newest_date": newest.day.isoformat(), "newest_title": newest.title, "newest_url": newest.url,
                 "days_since_update": days, "year_inferred": newest.inferred}
    if left < 0 and group == "d":
        return FindingDraft(NAME, "column_overdue", col.url, Severity.MEDIUM,
                            TEXT["overdue"].format(name=col.name, days=days, newest=newest.day, window=days_window),
                            ev, deadline)
    if group == "d":
        return None  # no early warning for a deduction: column_due counts toward the veto items
    if left < 0:
        return FindingDraft(NAME, "column_stale", col.url, Severity.HIGH,
                            TEXT["stale"].format(name=col.name, days=days, newest=newest.day, window=days_window),
                            ev, deadline, veto=True)
    if left <= s.warn_days:
        sev = Severity.HIGH if left <= s.urgent_days else Severity.LOW
        return FindingDraft(NAME, "column_due", col.url, sev,
                            TEXT["due"].format(name=col.name, left=left, newest=newest.day, deadline=deadline),
                            ev | {"days_left": left}, deadline)
    return None


@CHECKS.register(NAME)
class ColumnFreshness(CheckBase):
    """Reads each judged column's list page; raises CheckError only when no column page could be read."""

    name: ClassVar[str] = NAME
    label_zh: ClassVar[str] = TEXT["label"]
    group: ClassVar[str] = "columns"  # schedule group: collector kind inspection_columns
    order: ClassVar[int] = 3
    # (a) and (b) count the same stale columns differently (inspection/veto.py); (c) the blank ones
    veto: ClassVar[tuple[VetoFeed, ...]] = (
        VetoFeed("columns_stale", holds=("column_stale",), due=("column_due",)),
        VetoFeed("columns_long_stale", holds=("column_stale",), due=("column_due",)),
        VetoFeed("columns_blank", holds=("column_blank",)))
    interval: ClassVar[float] = 24 * 3600.0
    Settings: ClassVar[type] = Settings
    kinds: ClassVar[tuple[str, ...]] = ("column_stale", "column_blank", "column_due", "column_unreadable",
                                          "column_overdue")
    evidence_keys: ClassVar[tuple[str, ...]] = (
        "kind", "column", "window_days", "group", "error", "detail", "status", "entries", "truncated", "sample",
        "newest_date", "newest_title", "newest_url", "days_since_update", "year_inferred", "days_left")

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        s, day = self.settings, china_day(as_of)
        deadline = time.monotonic() + timeout
        cols = [c for c in target.columns if window(c, s) is not None]
        sem = asyncio.Semaphore(max(1, s.concurrency))

        async def one(col: ColumnTarget) -> ListRead:
            async with sem:
                read = await read_list(self.ctx.fetcher, col.url, day, deadline=deadline,
                                       item_selector=col.item_selector, date_selector=col.date_selector,
                                       max_pages=s.max_pages, more=lambda r: r.newest() is None and bool(r.items))
                await self._confirm_year(read, day, deadline)
                return read

        reads = await asyncio.gather(*(one(c) for c in cols))
        failed = [r for r in reads if r.error is not None and (r.status is None or r.status >= 500)]
        if cols and len(failed) == len(cols):
            raise CheckError(TEXT["site_down"].format(error=failed[0].detail or failed[0].error))
        findings = [f for c, r in zip(cols, reads, strict=True) if (f := judge_column(c, r, day, s)) is not None]
        kinds = [f.kind for f in findings]
        stats = {"columns": float(len(cols)), "stale": float(kinds.count("column_stale")),
                 "blank": float(kinds.count("column_blank")), "due": float(kinds.count("column_due")),
                 "unreadable": float(kinds.count("column_unreadable")),
                 "entries_seen": float(sum(len(r.items) for r in reads))}
        return CheckResult(NAME, target.code, as_of, tuple(findings), stats)

    async def _confirm_year(self, read: ListRead, day: date, deadline: float) -> None:
        """A newest date written without its year is checked against the article's own PubDate, so a
        column last updated more than a year ago is not taken for a fresh one."""
        newest = read.newest()
        if newest is None or not newest.inferred:
            return
        real = await article_date(self.ctx.fetcher, newest.url, day, deadline=deadline)
        if real is None or real == newest.day:
            return
        read.pages = [replace(p, items=tuple(_shift(i, newest, real) for i in p.items)) for p in read.pages]


def _shift(item: Item, wrong: Item, real: date) -> Item:
    """``item`` corrected after the newest entry's inferred date proved ``real``: same month-day means
    the year was wrong, and every other year-less date of the list is off by the same years."""
    if item.url == wrong.url:
        return replace(item, day=real, inferred=False)
    if item.inferred and item.day is not None and wrong.day is not None and \
            (real.month, real.day) == (wrong.day.month, wrong.day.day):
        try:
            return replace(item, day=item.day.replace(year=item.day.year - (wrong.day.year - real.year)))
        except ValueError:  # 29 February
            return replace(item, day=item.day - timedelta(days=365 * (wrong.day.year - real.year)))
    return item
