"""The figures a report is filled from, one gatherer per source (I/O): the registry, the identity check's
latest facts, access-log traffic, findings of the security checks, new-media accounts (database), and the
site's column lists read over HTTP (information published, messages).

Each gatherer returns ``{source text: Figure}``: a value with what it counted, or None with why it is missing.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annual.fill import Figure
from annual.template import Source, Template
from core.i18n import annual as T
from core.i18n import traffic as TT
from db.models import CheckRun, Finding, NewMediaAccount, Platform, RunStatus, Site
from db.models_media import NewMediaState
from db.timestamps import aware
from inspection.base import ColumnTarget, SiteTarget
from inspection.checks.interaction import Message, parse_message, to_message
from inspection.listpages import CST, ListRead, read_list
from traffic.report import year_traffic
from webread.fetch import FetchError
from webread.html import body_text, parse

KIND_ZH = {"news": "政务动态", "notice": "通知公告", "policy": "政策文件", "personnel": "人事", "planning": "规划计划",
           "consultation": "政务咨询", "other": "其他", "service": "办事指南", "service_stats": "办事统计",
           "message_replies": "留言答复", "interpretation": "政策解读", "data_release": "数据发布"}


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) of ``year`` in China time, as aware datetimes."""
    return datetime(year, 1, 1, tzinfo=CST), datetime(year + 1, 1, 1, tzinfo=CST)


def _when(t: datetime | None) -> str:
    if t is None:
        return ""
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(CST).strftime("%Y-%m-%d")


# --- database sources ----------------------------------------------------------------------------------


def registry_figures(site: Site, sources: Iterable[Source]) -> dict[str, Figure]:
    attrs = {"name": ("网站名称", site.name), "url": ("首页网址", site.url),
             "organizer": ("主办单位", site.organizer), "code": ("标识码", site.code),
             "level": ("网站类型", T.LEVEL_TYPE.get(site.level.value))}
    out: dict[str, Figure] = {}
    for src in sources:
        if src.kind == "registry":
            label, value = attrs[src.name]
            out[src.text] = (Figure(value, T.G_REGISTRY.format(attr=label)) if value
                             else Figure(None, T.G_REGISTRY_EMPTY.format(attr=label)))
    return out


def latest_facts(s: Session, site_id: int, check: str) -> tuple[dict[str, Any], datetime] | None:
    """The facts of the newest successful run of ``check`` on the site that recorded any, and when it ran."""
    row = s.execute(select(CheckRun.facts, CheckRun.finished_at).where(
        CheckRun.site_id == site_id, CheckRun.check == check, CheckRun.status == RunStatus.OK,
        CheckRun.facts.is_not(None)).order_by(CheckRun.finished_at.desc(), CheckRun.id.desc()).limit(1)).first()
    return (dict(row[0]), row[1]) if row is not None and row[0] else None


def identity_figures(s: Session, site_id: int, sources: Iterable[Source]) -> dict[str, Figure]:
    wanted = [src for src in sources if src.kind == "identity"]
    if not wanted:
        return {}
    got = latest_facts(s, site_id, "identity")
    out: dict[str, Figure] = {}
    for src in wanted:
        what = "ICP备案号" if src.name == "icp" else "公安机关备案号"
        if got is None:
            out[src.text] = Figure(None, T.G_IDENTITY_NONE)
            continue
        facts, at = got
        value = str(facts.get(src.name) or "")
        out[src.text] = (Figure(value, T.G_IDENTITY.format(at=_when(at), where=T.WHERE.get(
            str(facts.get("found_in") or ""), "页面"))) if value
                         else Figure(None, T.G_IDENTITY_EMPTY.format(at=_when(at), what=what)))
    return out


def traffic_figures(s: Session, site_id: int, year: int, sources: Iterable[Source],
                    uv_mode: str = "daily-sum") -> dict[str, Figure]:
    wanted = [src for src in sources if src.kind == "traffic"]
    if not wanted:
        return {}
    total = year_traffic(s, site_id, year, uv_mode)[-1]
    out: dict[str, Figure] = {}
    for src in wanted:
        if total.days_with_data == 0:
            out[src.text] = Figure(None, T.G_TRAFFIC_NONE.format(year=year))
            continue
        value = total.pv if src.name == "pv" else total.uv
        coverage = f"{total.days_with_data}/{total.days_in_period}"
        note = T.G_TRAFFIC.format(days=total.days_with_data, days_in=total.days_in_period,
                                  uv_rule=TT.UV_RULE[uv_mode])
        out[src.text] = Figure(value, note, coverage if total.days_with_data < total.days_in_period else "")
    return out


def findings_figures(s: Session, site_id: int, year: int, sources: Iterable[Source]) -> dict[str, Figure]:
    out: dict[str, Figure] = {}
    start, end = year_bounds(year)
    for src in sources:
        if src.kind != "findings":
            continue
        checks = list(src.args)
        names = "、".join(checks)
        ran = s.scalar(select(CheckRun.id).where(
            CheckRun.site_id == site_id, CheckRun.check.in_(checks), CheckRun.status == RunStatus.OK,
            CheckRun.started_at >= start, CheckRun.started_at < end).limit(1))
        if ran is None:
            out[src.text] = Figure(None, T.G_FINDINGS_NO_RUN.format(checks=names, year=year))
            continue
        rows = list(s.execute(select(Finding.first_seen, Finding.resolved_at).where(
            Finding.site_id == site_id, Finding.check.in_(checks), Finding.first_seen >= start,
            Finding.first_seen < end)))
        found = len(rows)
        fixed = sum(1 for _, r in rows if r is not None and aware(r) < end)
        note = T.G_FINDINGS.format(checks=names, year=year, found=found, fixed=fixed)
        out[src.text] = Figure(found if src.name == "found" else fixed, note)
    return out


def newmedia_figures(s: Session, site_id: int, sources: Iterable[Source]) -> dict[str, Figure]:
    out: dict[str, Figure] = {}
    for src in sources:
        if src.kind != "newmedia":
            continue
        platform = src.args[0]
        zh = T.PLATFORM.get(platform, platform)
        accounts = list(s.scalars(select(NewMediaAccount).where(
            NewMediaAccount.site_id == site_id, NewMediaAccount.platform == Platform(platform))
            .order_by(NewMediaAccount.id)))
        if not accounts:
            out[src.text] = Figure(None, T.G_MEDIA_NONE.format(platform=zh))
            continue
        if src.name == "names":
            out[src.text] = Figure("、".join(a.name for a in accounts),
                                   T.G_MEDIA.format(platform=zh, n=len(accounts)))
            continue
        states = {st.account_id: st for st in s.scalars(select(NewMediaState).where(
            NewMediaState.account_id.in_([a.id for a in accounts])))}
        lacking = [a.name for a in accounts if a.id not in states or states[a.id].followers is None]
        if lacking:
            out[src.text] = Figure(None, T.G_FOLLOWERS_NONE.format(names="、".join(lacking)))
            continue
        newest = max(states[a.id].collected_at for a in accounts)
        out[src.text] = Figure(sum(int(states[a.id].followers or 0) for a in accounts),
                               T.G_FOLLOWERS.format(n=len(accounts), at=_when(newest)))
    return out


def database_figures(s: Session, site: Site, year: int, template: Template,
                     uv_mode: str = "daily-sum") -> dict[str, Figure]:
    """Every figure the database holds for the template's sources."""
    src = template.sources
    return {**registry_figures(site, src), **identity_figures(s, site.id, src),
            **traffic_figures(s, site.id, year, src, uv_mode), **findings_figures(s, site.id, year, src),
            **newmedia_figures(s, site.id, src)}


# --- column lists over HTTP ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """One column's entries of the year: ``n`` dated in the year, ``undated`` without a date, ``pages`` read;
    ``bounded``: the page limit stopped the reading while entries were still in the year (n is a floor)."""

    column: str
    n: int = 0
    undated: int = 0
    pages: int = 0
    bounded: bool = False
    error: str = ""


def tally(column: str, read: ListRead, year: int, max_pages: int) -> Tally:
    """Count ``read``'s entries dated in ``year``. Pure."""
    if read.error is not None:
        return Tally(column, error=read.detail or read.error)
    items = read.items
    n = sum(1 for i in items if i.day is not None and i.day.year == year)
    undated = sum(1 for i in items if i.day is None)
    last = [i.day for i in read.pages[-1].items if i.day is not None] if read.pages else []
    bounded = (len(read.pages) >= max_pages and bool(last) and min(last) >= date(year, 1, 1)
               and read.pages[-1].pagination.next_url is not None)
    return Tally(column, n, undated, len(read.pages), bounded)


def columns_figure(kinds: tuple[str, ...], tallies: list[Tally], year: int, max_pages: int) -> Figure:
    """The number of entries of the year over the columns of ``kinds``, or why there is none. Pure."""
    if not tallies:
        return Figure(None, T.G_COLUMNS_NONE.format(kinds="、".join(KIND_ZH.get(k, k) for k in kinds)))
    for t in tallies:
        if t.error:
            return Figure(None, T.G_COLUMNS_FAILED.format(name=t.column, error=t.error))
        if t.bounded:
            return Figure(None, T.G_COLUMNS_BOUND.format(name=t.column, pages=max_pages, year=year, n=t.n))
    undated = sum(t.undated for t in tallies)
    n = sum(t.n for t in tallies)
    return Figure(n, T.G_COLUMNS.format(names="、".join(t.column for t in tallies), year=year, n=n,
                                        pages=sum(t.pages for t in tallies),
                                        undated=T.G_COLUMNS_UNDATED.format(n=undated) if undated else ""))


def message_figures(names: list[str], msgs: list[Message], year: int, failed: str = "") -> dict[str, Figure]:
    """received / answered / avg_days of the messages asked in ``year``. Pure."""
    keys = ("messages.received", "messages.answered", "messages.avg_days")
    if failed:
        return dict.fromkeys(keys, Figure(None, failed))
    mine = [m for m in msgs if m.asked is not None and m.asked.year == year]
    answered = sum(1 for m in mine if m.answered)
    unknown = sum(1 for m in mine if m.answered is None)
    note = T.G_MSG.format(names="、".join(names), year=year, n=len(mine), answered=answered,
                          open=sum(1 for m in mine if m.answered is False), unknown=unknown)
    waits = [(m.replied - m.asked).days for m in mine if m.replied is not None and m.asked is not None]
    out = {"messages.received": Figure(len(mine), note),
           "messages.answered": (Figure(answered, note) if not unknown
                                 else Figure(None, note + "；" + T.G_MSG_UNKNOWN.format(unknown=unknown)))}
    if waits:
        avg = statistics.fmean(waits)
        out["messages.avg_days"] = Figure(round(avg), note + "；" + T.G_MSG_AVG.format(n=len(waits), avg=avg))
    else:
        out["messages.avg_days"] = Figure(None, note + "；" + T.G_MSG_AVG_NONE)
    return out


async def complete_messages(fetcher: Any, msgs: list[Message], year: int, day: date, deadline: float,
                            limit: int = 30) -> list[Message]:
    """Messages of ``year`` (or undated) whose row does not say whether they were answered, completed from their
    own pages — at most ``limit`` pages, within ``deadline``; the others stay unknown."""
    todo = [i for i, m in enumerate(msgs) if (m.asked is None or m.asked.year == year) and not m.complete][:limit]
    out = list(msgs)
    for i in todo:
        m = out[i]
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            page = await fetcher.get(m.url, timeout=left)
        except FetchError:
            continue
        if page.status >= 400:
            continue
        asked, replied, answered = parse_message(body_text(parse(page.text)), day)
        out[i] = Message(m.url, m.title, asked or m.asked, replied or m.replied,
                         answered if answered is not None else m.answered)
    return out


async def _read_year(fetcher: Any, col: ColumnTarget, year: int, day: date, deadline: float,
                     max_pages: int) -> ListRead:
    start = date(year, 1, 1)

    def more(r: ListRead) -> bool:  # keep paging while the last page still reaches into the year
        last = [i.day for i in r.pages[-1].items if i.day is not None]
        return bool(last) and min(last) >= start

    return await read_list(fetcher, col.url, day, deadline=deadline, item_selector=col.item_selector,
                           date_selector=col.date_selector, max_pages=max_pages, more=more)


async def column_figures(fetcher: Any, target: SiteTarget, year: int, template: Template, as_of: datetime, *,
                         timeout: float = 120.0, max_pages: int = 50) -> dict[str, Figure]:
    """Figures of the ``columns:`` and ``messages.`` sources, reading each registered column once (bounded by
    ``max_pages`` pages per column and ``timeout`` seconds in all)."""
    deadline = time.monotonic() + timeout
    day = as_of.astimezone(CST).date() if as_of.tzinfo else as_of.date()
    wanted = [s for s in template.sources if s.kind in ("columns", "messages")]
    needed_kinds = {k for s in wanted if s.kind == "columns" for k in s.args}
    if any(s.kind == "messages" for s in wanted):
        needed_kinds.add("consultation")
    reads: dict[str, ListRead] = {}
    for col in target.columns:
        if col.kind in needed_kinds:
            reads[col.name] = await _read_year(fetcher, col, year, day, deadline, max_pages)
    out: dict[str, Figure] = {}
    for src in wanted:
        if src.kind == "columns":
            cols = [c for c in target.columns if c.kind in src.args]
            out[src.text] = columns_figure(src.args, [tally(c.name, reads[c.name], year, max_pages) for c in cols],
                                           year, max_pages)
    if any(s.kind == "messages" for s in wanted):
        cols = [c for c in target.columns if c.kind == "consultation"]
        failed = "" if cols else T.G_COLUMNS_NONE.format(kinds="政务咨询")
        msgs: list[Message] = []
        for c in cols:
            t = tally(c.name, reads[c.name], year, max_pages)
            if t.error or t.bounded:
                failed = failed or columns_figure(("consultation",), [t], year, max_pages).note
            msgs += [to_message(i, day) for i in reads[c.name].items]
        msgs = await complete_messages(fetcher, msgs, year, day, deadline)
        out.update(message_figures([c.name for c in cols], msgs, year, failed))
    return out


def not_read(template: Template) -> dict[str, Figure]:
    """The HTTP sources as missing because the columns were not read (``--no-crawl``)."""
    return {s.text: Figure(None, T.G_COLUMNS_NOT_READ) for s in template.sources
            if s.kind in ("columns", "messages")}


def merged(*parts: Mapping[str, Figure]) -> dict[str, Figure]:
    out: dict[str, Figure] = {}
    for p in parts:
        out.update(p)
    return out
