"""Import of exported account statistics (CSV/XLSX): every platform, no API needed.

One row per account and day, as the platforms' back offices export them (header in English or Chinese):
``platform, account_id, date`` + optional ``posts, followers, messages_received, messages_answered,
last_post_at, interaction_open``. Every row is validated first (errors name the line and column, like the
registry import); any problem and nothing is written. Then each account's rows become one
:class:`AccountActivity` as of the end of its last day (never after ``now``):

- ``last_post_at``: the newest 最近发布时间 given, or else the end of the last day with posts > 0 (the latest
  the post can have been: a veto is never declared earlier than the data proves);
- ``posts_7d``: the posts of the last 7 days, only when the file has a row for each of them;
- the unanswered backlog: received minus answered over the file, oldest first (first in, first answered);
  the oldest unanswered message is dated the end of the day it arrived (again the latest it can be).

Times without an offset are Beijing time (``tz``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import media as M
from core.i18n import registry as T
from core.i18n.common import PLATFORM
from db.models import NewMediaAccount, Platform
from db.registry_io import RegistryImportError, _read
from db.registry_rows import Field, RowError, _bool, _choice, _parse, _RowReader
from db.tabular import Table
from newmedia.base import AccountActivity
from newmedia.store import merge

STATS_FIELDS = (
    Field("platform", ("平台",), True, 32),
    Field("account_id", ("账号标识", "账号ID", "账号id", "原始ID", "uid", "open_id"), True, 128),
    Field("date", ("日期", "统计日期"), True, 32),
    Field("posts", ("发布数", "发文数", "发布量"), False, 16),
    Field("followers", ("粉丝数", "关注人数", "用户数"), False, 16),
    Field("messages_received", ("收到留言数", "留言数", "收到消息数"), False, 16),
    Field("messages_answered", ("已回复留言数", "回复数", "已回复数"), False, 16),
    Field("last_post_at", ("最近发布时间", "最后发布时间"), False, 32),
    Field("interaction_open", ("互动功能", "评论留言开放", "互动开放"), False, 16),
)
DAY = timedelta(days=1)
MAX_COUNT = 10**9


@dataclass(frozen=True)
class StatsRow:
    line: int
    account: int  # NewMediaAccount.id
    day: date
    posts: int | None
    followers: int | None
    received: int | None
    answered: int | None
    last_post_at: datetime | None
    interaction_open: bool | None


def _day(value: str) -> date | None:
    text = value.replace("/", "-")
    if len(text) > 10 and text[10:] in ("T00:00:00", " 00:00:00"):
        text = text[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _time(value: str, tz: tzinfo) -> datetime | None:
    try:
        t = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        return None
    return t.replace(tzinfo=tz) if t.tzinfo is None else t


def _count(r: _RowReader, field: str) -> int | None:
    value = r.get(field)
    if not value:
        return None
    if not value.isdigit() or int(value) > MAX_COUNT:
        r.err(field, M.BAD_COUNT.format(value=value))
        return None
    return int(value)


def parse_stats(table: Table, accounts: Mapping[tuple[str, str], int], today: date,
                tz: tzinfo) -> tuple[list[StatsRow], list[RowError]]:
    """Typed rows and every problem; ``accounts`` maps (platform, account id) to registered account ids."""
    first_line: dict[tuple[int, date], int] = {}

    def build(r: _RowReader, given: frozenset[str]) -> StatsRow | None:
        raw_platform = r.get("platform")
        platform = _choice(raw_platform, Platform, PLATFORM) if raw_platform else None
        if raw_platform and platform is None:
            r.err("platform", M.BAD_PLATFORM.format(value=raw_platform, allowed="、".join(PLATFORM.values())))
        account_id = r.get("account_id")
        account = accounts.get((str(platform), account_id)) if platform is not None else None
        if platform is not None and account_id and account is None:
            r.err("account_id", M.UNKNOWN_ACCOUNT.format(platform=PLATFORM[str(platform)], value=account_id))
        raw_day = r.get("date")
        day = _day(raw_day) if raw_day else None
        if raw_day and day is None:
            r.err("date", M.BAD_DATE.format(value=raw_day))
        elif day is not None and day > today:
            r.err("date", M.FUTURE_DAY.format(day=day))
        elif day is not None and account is not None:
            if (account, day) in first_line:
                r.err("date", M.DUPLICATE_DAY.format(value=account_id, day=day, first=first_line[(account, day)]))
            else:
                first_line[(account, day)] = r.line
        posts, followers = _count(r, "posts"), _count(r, "followers")
        received, answered = _count(r, "messages_received"), _count(r, "messages_answered")
        raw_last = r.get("last_post_at")
        last = _time(raw_last, tz) if raw_last else None
        if raw_last and last is None:
            r.err("last_post_at", M.BAD_TIME.format(value=raw_last))
        raw_open = r.get("interaction_open")
        interaction = _bool(raw_open) if raw_open else None
        if raw_open and interaction is None:
            r.err("interaction_open", T.BAD_BOOL.format(value=raw_open))
        if account is None or day is None:
            return None
        return StatsRow(r.line, account, day, posts, followers, received, answered, last, interaction)

    return _parse(table, STATS_FIELDS, build)


def _end(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day + DAY, time(), tzinfo=tz)


def activity(rows: list[StatsRow], now: datetime, tz: tzinfo) -> AccountActivity:
    """One account's rows (any order) as one activity; see the module docstring."""
    rows = sorted(rows, key=lambda r: r.day)
    as_of = min(_end(rows[-1].day, tz), now)
    lasts = [r.last_post_at for r in rows if r.last_post_at is not None]
    posted = [r.day for r in rows if r.posts]
    last_post = max(lasts) if lasts else (min(_end(posted[-1], tz), as_of) if posted else None)
    week_days = {rows[-1].day - timedelta(days=i) for i in range(7)}
    by_day = {r.day: r for r in rows}
    posts_7d = (sum(by_day[d].posts or 0 for d in week_days)
                if week_days <= set(by_day) and all(by_day[d].posts is not None for d in week_days) else None)
    followers = next((r.followers for r in reversed(rows) if r.followers is not None), None)
    interaction = next((r.interaction_open for r in reversed(rows) if r.interaction_open is not None), None)
    unanswered, oldest = None, None
    if any(r.received is not None for r in rows):
        answered = sum(r.answered or 0 for r in rows)
        total = sum(r.received or 0 for r in rows)
        unanswered = max(0, total - answered)
        seen = 0
        for r in rows:  # first in, first answered: the oldest unanswered is where arrivals pass the answers
            seen += r.received or 0
            if unanswered and seen > answered:
                oldest = min(_end(r.day, tz), as_of)
                break
    return AccountActivity(as_of=as_of, source="stats_import", last_post_at=last_post, posts_7d=posts_7d,
                           followers=followers, interaction_open=interaction, unanswered=unanswered,
                           oldest_unanswered_at=oldest)


@dataclass(frozen=True)
class StatsReport:
    accounts: int
    rows: int

    def __str__(self) -> str:
        return M.STATS_REPORT.format(accounts=self.accounts, rows=self.rows)


def import_stats(session: Session, path: Path, now: datetime, tz: tzinfo) -> tuple[StatsReport,
                                                                                    dict[int, AccountActivity]]:
    """Validate and merge a statistics file into the accounts' states (flushed; the caller commits).
    Returns the report and each account's activity. Raises :class:`RegistryImportError`; nothing written."""
    accounts = {(a.platform.value, a.account_id): a.id for a in session.scalars(select(NewMediaAccount))}
    rows, errors = parse_stats(_read(path), accounts, now.astimezone(tz).date(), tz)
    if errors:
        raise RegistryImportError(errors, str(path))
    grouped: dict[int, list[StatsRow]] = defaultdict(list)
    for row in rows:
        grouped[row.account].append(row)
    acts = {account: activity(group, now, tz) for account, group in grouped.items()}
    for account, act in acts.items():
        merge(session, account, act)
    session.flush()
    return StatsReport(len(acts), len(rows)), acts
