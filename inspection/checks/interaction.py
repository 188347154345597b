"""互动回应差: consultation channels and the messages left unanswered in them.

For every consultation column (政务咨询, 领导信箱 …) the check reads the message list (following
pages back one year), takes each message's posting date, reply date and state from the row
(留言时间 / 回复时间 / 答复时间 / 办理状态 未回复, 已回复 …) and, where the row does not say, from the
message's own page. Rule (国办秘函〔2019〕19号): within the past year, a valid message unanswered for
more than 3 months is a veto; no working consultation channel at all is a veto.

Findings: ``message_unanswered`` (critical, veto; location = the message URL), ``message_due`` (early
warning, deadline = the day it breaches), ``no_channel`` (critical, veto; location = the homepage when
no consultation column is registered, else the broken column's URL). Stats carry the response-time
distribution (median and p90 days) for the yearly report.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from inspection import dates as d
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
from inspection.listpages import ListRead, china_day, read_list
from inspection.rules import shared
from webread.fetch import FetchError
from webread.html import body_text, parse

NAME = "interaction"

TEXT = {
    "label": "互动回应",
    "unanswered": "留言“{title}”已 {days} 天未答复（留言于 {asked}，规定 {limit} 天内答复）",
    "due": "留言“{title}”距超期未答复还剩 {left} 天（留言于 {asked}，{deadline} 后超期）",
    "no_column": "网站没有登记政务咨询类栏目，未发现有效的在线咨询渠道",
    "broken": "政务咨询栏目“{name}”无法使用：{error}",
    "site_down": "网站无法访问，无法判断互动渠道：{error}",
}

_ASKED = r"(?:留言|提问|来信|咨询|提交|写信|发布|登记|受理)(?:时间|日期)"
_REPLIED = r"(?:答复|回复|办结|反馈|处理|办理)(?:时间|日期)"
_ASKED_RE = re.compile(_ASKED + r"\s*[:：]?\s*")
_REPLIED_RE = re.compile(_REPLIED + r"\s*[:：]?\s*")
_UNANSWERED = re.compile(r"未答复|未回复|待答复|待回复|未办结|办理中|处理中|待处理|未处理|正在办理")
_ANSWERED = re.compile(r"已答复|已回复|已办结|已处理|已反馈|已完成")


@dataclass(frozen=True)
class Settings:
    reply_days: int = shared("unanswered_days", 90)  # 3 months
    lookback_days: int = shared("lookback_days", 365)  # messages within the past year
    warn_days: int = 14
    urgent_days: int = 3
    max_pages: int = 10  # list pages per column
    max_details: int = 30  # message pages read when a row does not say enough
    concurrency: int = 3


@dataclass(frozen=True)
class Message:
    url: str
    title: str
    asked: date | None
    replied: date | None
    answered: bool | None  # None: unknown from what was read

    @property
    def complete(self) -> bool:
        return self.asked is not None and self.answered is not None


def _date_after(pattern: re.Pattern[str], text: str, day: date) -> date | None:
    for mo in pattern.finditer(text):
        hit = d.first_date(text[mo.end():mo.end() + 24], day, loose=True, max_future_days=1)
        if hit is not None and hit.start <= 2:
            return hit.day
    return None


def parse_message(text: str, day: date,
                  fallback: tuple[date, ...] = ()) -> tuple[date | None, date | None, bool | None]:
    """(posted, replied, answered) from a message row's or page's text. Pure.

    Labelled dates win; unlabelled rows use ``fallback`` (the row's dates in order: posted, replied).
    ``answered`` is True with a reply date or an 已答复-style state, False with a 未答复-style state
    and no reply date, None when the text does not say.
    """
    asked = _date_after(_ASKED_RE, text, day)
    replied = _date_after(_REPLIED_RE, text, day)
    labelled = asked is not None or replied is not None
    if asked is None and fallback:
        asked = fallback[0]
    if replied is None and not labelled and len(fallback) > 1:
        replied = fallback[1]
    if replied is not None:
        return asked, replied, True
    if _UNANSWERED.search(text):
        return asked, None, False
    if _ANSWERED.search(text):
        return asked, None, True
    return asked, None, None


def to_message(item: Item, day: date) -> Message:
    asked, replied, answered = parse_message(item.row_text, day, item.dates)
    return Message(item.url, item.title, asked, replied, answered)


def judge_messages(msgs: list[Message], col: ColumnTarget, day: date, s: Settings) -> list[FindingDraft]:
    """Findings for one column's messages as of ``day``. Pure."""
    out = []
    since = day - timedelta(days=s.lookback_days)
    for m in msgs:
        if m.asked is None or m.answered is not False or m.asked < since:
            continue
        age = (day - m.asked).days
        deadline = m.asked + timedelta(days=s.reply_days)
        left = (deadline - day).days
        ev: dict[str, Any] = {"title": m.title, "asked_date": m.asked.isoformat(), "days_open": age,
                              "limit_days": s.reply_days, "column": col.name, "column_url": col.url}
        if left < 0:
            out.append(FindingDraft(NAME, "message_unanswered", m.url, Severity.CRITICAL,
                                    TEXT["unanswered"].format(title=m.title, days=age, asked=m.asked,
                                                              limit=s.reply_days), ev, deadline, veto=True))
        elif left <= s.warn_days:
            sev = Severity.HIGH if left <= s.urgent_days else Severity.LOW
            out.append(FindingDraft(NAME, "message_due", m.url, sev,
                                    TEXT["due"].format(title=m.title, left=left, asked=m.asked, deadline=deadline),
                                    ev | {"days_left": left}, deadline))
    return out


def response_stats(msgs: list[Message], day: date, s: Settings) -> dict[str, float]:
    """Counts and the response-time distribution of messages within the look-back year. Pure."""
    since = day - timedelta(days=s.lookback_days)
    year = [m for m in msgs if m.asked is not None and m.asked >= since]
    waits = sorted((m.replied - m.asked).days for m in year if m.replied is not None and m.asked is not None)
    out = {"messages": float(len(msgs)), "messages_year": float(len(year)),
           "answered": float(sum(1 for m in year if m.answered)),
           "unanswered": float(sum(1 for m in year if m.answered is False)),
           "unknown": float(sum(1 for m in year if m.answered is None)),
           "late_replies": float(sum(1 for w in waits if w > s.reply_days))}
    if waits:
        out["reply_days_median"] = float(statistics.median(waits))
        out["reply_days_p90"] = float(waits[min(len(waits) - 1, round(0.9 * (len(waits) - 1)))])
    return out


@CHECKS.register(NAME)
class Interaction(CheckBase):
    """Reads consultation columns; raises CheckError only when the whole site is unreachable."""

    name: ClassVar[str] = NAME
    label_zh: ClassVar[str] = TEXT["label"]
    group: ClassVar[str] = "interaction"  # schedule group: collector kind inspection_interaction
    order: ClassVar[int] = 6
    veto: ClassVar[tuple[VetoFeed, ...]] = (
        VetoFeed("poor_interaction", holds=("no_channel", "message_unanswered"), due=("message_due",)),)
    interval: ClassVar[float] = 24 * 3600.0
    Settings: ClassVar[type] = Settings
    kinds: ClassVar[tuple[str, ...]] = ("message_unanswered", "message_due", "no_channel")
    evidence_keys: ClassVar[tuple[str, ...]] = (
        "title", "asked_date", "days_open", "limit_days", "column", "column_url", "days_left", "columns",
        "error", "status", "detail")

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        s, day = self.settings, china_day(as_of)
        deadline = time.monotonic() + timeout
        cols = [c for c in target.columns if c.kind == "consultation"]
        if not cols:
            await self._reachable(target, deadline)
            return CheckResult(NAME, target.code, as_of, (FindingDraft(
                NAME, "no_channel", target.url, Severity.CRITICAL, TEXT["no_column"], {"columns": 0}, veto=True),),
                {"channels": 0.0})
        since = day - timedelta(days=s.lookback_days)

        def more(r: ListRead) -> bool:  # keep paging while the last page still reaches into the year
            last = [i.day for i in r.pages[-1].items if i.day is not None]
            return bool(last) and min(last) >= since

        reads = [await read_list(self.ctx.fetcher, c.url, day, deadline=deadline, item_selector=c.item_selector,
                                 date_selector=c.date_selector, max_pages=s.max_pages, more=more) for c in cols]
        findings: list[FindingDraft] = []
        every: list[Message] = []
        broken = [(c, r) for c, r in zip(cols, reads, strict=True) if r.error is not None]
        if len(broken) == len(cols):
            await self._reachable(target, deadline)
        for c, r in broken:
            ev = {"error": r.error, "status": r.status, "detail": r.detail}
            findings.append(FindingDraft(NAME, "no_channel", c.url, Severity.CRITICAL,
                                         TEXT["broken"].format(name=c.name, error=r.detail or r.error), ev, veto=True))
        for c, r in zip(cols, reads, strict=True):
            if r.error is not None:
                continue
            msgs = await self._complete([to_message(i, day) for i in r.items], day, deadline)
            every += msgs
            findings += judge_messages(msgs, c, day, s)
        stats = {"channels": float(len(cols) - len(broken)), **response_stats(every, day, s)}
        return CheckResult(NAME, target.code, as_of, tuple(findings), stats)

    async def _complete(self, msgs: list[Message], day: date, deadline: float) -> list[Message]:
        """Messages whose row lacks a date or state, completed from their own pages (bounded)."""
        todo = [i for i, m in enumerate(msgs) if not m.complete][: self.settings.max_details]
        sem = asyncio.Semaphore(max(1, self.settings.concurrency))

        async def one(i: int) -> None:
            m = msgs[i]
            async with sem:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                try:
                    page = await self.ctx.fetcher.get(m.url, timeout=left)
                except FetchError:
                    return
            if page.status >= 400:
                return
            asked, replied, answered = parse_message(body_text(parse(page.text)), day)
            msgs[i] = Message(m.url, m.title, asked or m.asked, replied or m.replied,
                              answered if answered is not None else m.answered)

        await asyncio.gather(*(one(i) for i in todo))
        return msgs

    async def _reachable(self, target: SiteTarget, deadline: float) -> None:
        """Raise CheckError when the homepage itself cannot be read (the site is down, not the channel)."""
        try:
            page = await self.ctx.fetcher.get(target.url, timeout=max(deadline - time.monotonic(), 0.01))
        except FetchError as exc:
            raise CheckError(TEXT["site_down"].format(error=exc.kind)) from exc
        if page.status >= 500:
            raise CheckError(TEXT["site_down"].format(error=f"HTTP {page.status}"))
