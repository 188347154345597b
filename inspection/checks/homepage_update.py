"""首页不更新: new information on the homepage within the last 2 weeks, judged from its item list.

The homepage's entries (title, link, date; inspection.items) are the evidence, never raw HTML, so
clocks, visit counters and rotating banners are not "updates". Undated entries count through a
snapshot kept in ``page_baseline``: an entry first seen after the baseline was taken is an update
on the day it was first seen; entries already known (a banner rotating back) are not.

A navigation-only homepage (fewer than ``nav_min_dated`` dated entries) is judged, as the rule says,
from its second-level pages: it breaches only when none of them was updated within the window.

Findings (location = homepage URL): ``homepage_stale`` (critical, veto) past the window;
``homepage_due`` (early warning, deadline = the last compliant day) when ``warn_days`` or fewer remain.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

from core.i18n.inspection import fetch_error_zh
from inspection.base import CHECKS, CheckBase, CheckError, CheckResult, FindingDraft, Severity, SiteTarget, VetoFeed
from inspection.items import Item, extract_items
from inspection.listpages import china_day, read_list
from inspection.rules import shared
from webread.fetch import FetchError
from webread.html import links, parse, same_site

NAME = "homepage_update"
SNAPSHOT_KEEP = 500  # entry keys remembered per homepage
_NOT_PAGES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".zip", ".rar", ".jpg", ".jpeg", ".png", ".gif",
              ".css", ".js", ".mp4", ".wps", ".ofd")

TEXT = {
    "label": "首页更新",
    "stale": "首页已 {days} 天未更新（最新信息发布于 {newest}，规定 {window} 天内须有更新）",
    "stale_nav": "导航型首页的二级页面已 {days} 天未更新（最新信息发布于 {newest}，规定 {window} 天内须有更新）",
    "no_dates": "首页未发现带发布日期的信息，按规则视为未更新",
    "due": "首页距超期未更新还剩 {left} 天（最新信息发布于 {newest}，{deadline} 后将超期）",
    "unreachable": "首页无法读取，无法判断更新情况：{error}",
    "status": "首页返回 HTTP {status}，无法判断更新情况",
}


@dataclass(frozen=True)
class Settings:
    window_days: int = shared("homepage_days", 14)  # 2 weeks (国办秘函〔2019〕19号)
    warn_days: int = 5  # early warning when this many days or fewer remain
    urgent_days: int = 2  # early warning turns high at this many days left
    nav_min_dated: int = 3  # fewer dated homepage entries than this: a navigation homepage
    max_second_level: int = 12  # second-level pages read for a navigation homepage
    undated_counts_as_stale: bool = shared("undated_is_stale", True, provisional=True)


def merge_snapshot(prev: Mapping[str, str | None] | None, items: Sequence[Item],
                   day: date) -> tuple[dict[str, str | None], date | None]:
    """(new snapshot, latest day an undated entry first appeared since the baseline). Pure.

    A snapshot maps entry key (its URL) to the ISO day it was first seen, None for entries present
    when the baseline was first taken (their age is unknown, so they prove nothing).
    """
    snap: dict[str, str | None] = dict(prev or {})
    newest: date | None = None
    for item in items:
        key = item.url or item.title
        if key not in snap:
            snap[key] = None if prev is None else day.isoformat()
        seen = snap[key]
        if item.day is None and seen is not None:
            d = date.fromisoformat(seen)
            newest = d if newest is None or d > newest else newest
    if len(snap) > SNAPSHOT_KEEP:  # forget the oldest-known keys first; known-at-baseline sort first
        keep = sorted(snap.items(), key=lambda kv: kv[1] or "")[-SNAPSHOT_KEEP:]
        snap = dict(keep)
    return snap, newest


def judge(newest: date | None, day: date, s: Settings) -> tuple[str | None, int | None, date | None]:
    """(finding kind or None, days left, deadline) for a newest update ``newest`` as of ``day``. Pure."""
    if newest is None:
        return ("homepage_stale" if s.undated_counts_as_stale else None), None, None
    deadline = newest + timedelta(days=s.window_days)
    left = (deadline - day).days
    if left < 0:
        return "homepage_stale", left, deadline
    if left <= s.warn_days:
        return "homepage_due", left, deadline
    return None, left, deadline


def second_level_urls(html: str, base_url: str, limit: int) -> list[str]:
    """Same-site page links of a navigation homepage, in page order, without the homepage itself. Pure."""
    home = base_url.rstrip("/")
    out: list[str] = []
    for link in links(parse(html), base_url):
        u = link.url
        path = urlsplit(u).path.lower()
        if (not same_site(u, base_url) or u.rstrip("/") in (home, home + "/index.html", home + "/index.htm")
                or path.endswith(_NOT_PAGES) or u in out):
            continue
        out.append(u)
        if len(out) >= limit:
            break
    return out


@CHECKS.register(NAME)
class HomepageUpdate(CheckBase):
    """Judges homepage freshness from its entries; raises CheckError when the homepage can't be read."""

    name: ClassVar[str] = NAME
    label_zh: ClassVar[str] = TEXT["label"]
    group: ClassVar[str] = "homepage"  # schedule group: collector kind inspection_homepage
    order: ClassVar[int] = 2
    veto: ClassVar[tuple[VetoFeed, ...]] = (
        VetoFeed("homepage_stale", holds=("homepage_stale",), due=("homepage_due",)),)
    interval: ClassVar[float] = 24 * 3600.0
    Settings: ClassVar[type] = Settings
    kinds: ClassVar[tuple[str, ...]] = ("homepage_stale", "homepage_due")
    evidence_keys: ClassVar[tuple[str, ...]] = (
        "newest_date", "window_days", "navigation", "second_level_pages", "newest_title", "newest_url", "reason",
        "days_since_update", "days_left")

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        s, day = self.settings, china_day(as_of)
        deadline = time.monotonic() + timeout
        try:
            page = await self.ctx.fetcher.get(target.url, timeout=timeout)
        except FetchError as exc:
            raise CheckError(TEXT["unreachable"].format(error=fetch_error_zh(exc.kind))) from exc
        if page.status >= 400:
            raise CheckError(TEXT["status"].format(status=page.status))
        home = extract_items(page.text, page.final_url, day)
        dated = home.dated
        navigation = len(dated) < s.nav_min_dated
        items: list[Item] = list(home.items)
        judged_pages = 0
        if navigation:
            urls = second_level_urls(page.text, page.final_url, s.max_second_level)
            reads = await asyncio.gather(*(read_list(self.ctx.fetcher, u, day, deadline=deadline) for u in urls))
            judged_pages = sum(1 for r in reads if r.ok)
            for r in reads:
                items += r.items
        newest_item = max((i for i in items if i.day is not None), key=lambda i: i.day, default=None)  # type: ignore[arg-type,return-value]
        newest = newest_item.day if newest_item else None
        seen_new = await self._snapshot(target, [i for i in home.items], day, as_of)
        if seen_new is not None and (newest is None or seen_new > newest):
            newest, newest_item = seen_new, None
        kind, left, due = judge(newest, day, s)
        stats: dict[str, float] = {"items": float(len(items)), "dated_items": float(sum(1 for i in items if i.day)),
                                   "navigation": float(navigation), "second_level_pages": float(judged_pages)}
        if newest is not None:
            stats["days_since_update"] = float((day - newest).days)
            stats["days_left"] = float(left or 0)
        findings = []
        if kind is not None:
            findings.append(self._finding(kind, target, newest, newest_item, left, due, navigation, judged_pages))
        return CheckResult(NAME, target.code, as_of, tuple(findings), stats)

    def _finding(self, kind: str, target: SiteTarget, newest: date | None, item: Item | None, left: int | None,
                 due: date | None, navigation: bool, pages: int) -> FindingDraft:
        s = self.settings
        evidence: dict[str, Any] = {"newest_date": newest.isoformat() if newest else None, "window_days": s.window_days,
                                    "navigation": navigation, "second_level_pages": pages}
        if item is not None:
            evidence |= {"newest_title": item.title, "newest_url": item.url}
        if newest is None:
            return FindingDraft(NAME, kind, target.url, Severity.CRITICAL, TEXT["no_dates"],
                                evidence | {"reason": "no_dates"}, None, veto=True)
        days = s.window_days - (left or 0)
        evidence["days_since_update"] = days
        if kind == "homepage_stale":
            detail = TEXT["stale_nav" if navigation else "stale"].format(days=days, newest=newest, window=s.window_days)
            return FindingDraft(NAME, kind, target.url, Severity.CRITICAL, detail, evidence, due, veto=True)
        sev = Severity.HIGH if (left or 0) <= s.urgent_days else Severity.LOW
        detail = TEXT["due"].format(left=left, newest=newest, deadline=due)
        return FindingDraft(NAME, kind, target.url, sev, detail, evidence | {"days_left": left}, due)

    async def _snapshot(self, target: SiteTarget, items: list[Item], day: date, as_of: datetime) -> date | None:
        """Merge the homepage entries into the stored snapshot; None without a database or site row."""
        if self.ctx.sessions is None:
            return None
        return await asyncio.to_thread(self._snapshot_sync, target.code, items, day, as_of)

    def _snapshot_sync(self, code: str, items: list[Item], day: date, as_of: datetime) -> date | None:
        from sqlalchemy import select

        from db.models import PageBaseline, Site
        from db.session import transaction

        with transaction(self.ctx.sessions) as db:
            site_id = db.scalar(select(Site.id).where(Site.code == code))
            if site_id is None:
                return None
            row = db.scalar(select(PageBaseline).where(PageBaseline.site_id == site_id,
                                                       PageBaseline.check == NAME, PageBaseline.key == "items"))
            prev = dict(row.data.get("items", {})) if row is not None else None
            snap, newest = merge_snapshot(prev, items, day)
            digest = hashlib.sha256(json.dumps(sorted(snap), ensure_ascii=False).encode()).hexdigest()
            stamp = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
            if row is None:
                db.add(PageBaseline(site_id=site_id, check=NAME, key="items", digest=digest, data={"items": snap},
                                    taken_at=stamp, updated_at=stamp))
            elif row.digest != digest:
                row.digest, row.data, row.updated_at = digest, {"items": snap}, stamp
            return newest
