"""The demo fleet's government new-media accounts, with seeded faults, and what they must be found to be.

Eight accounts over the platforms and cities. Their activity is a statistics export the demo writes relative
to its clock and imports like an office would (``app.py media stats``): every platform, no API. Every
account also exists on the loopback platform stand-ins (:func:`fake_accounts`, demo/media_platforms.py) with
the same history, so the adapters can collect them too.

Seeded faults: a 微博 account silent for 20 days (两周未更新, veto), a 抖音 account with comments and
messages closed (无有效互动功能, veto), a 今日头条 account whose messages nobody answered for 100 days
(留言长期未回复, veto), a 快手 account silent for 10 days (early warning, days left), and a 微信 account
never collected (未采集).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from demo.media_platforms import FakeAccount

BEIJING = timezone(timedelta(hours=8))
HISTORY_DAYS = 120
ACCOUNTS_HEADER = ("platform", "account_id", "name", "node_code", "organizer", "url")
STATS_HEADER = ("platform", "account_id", "date", "posts", "followers", "messages_received", "messages_answered",
                "last_post_at", "interaction_open")


@dataclass(frozen=True)
class DemoAccount:
    platform: str
    account_id: str
    name: str
    node_code: str
    organizer: str
    fault: str = ""  # "", stale, closed, unanswered, warning, uncollected
    followers: int = 10_000

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.account_id}"


ACCOUNTS = (
    DemoAccount("wechat", "gh_demo_hunan", "湖南发布", "430000", "湖南省人民政府办公厅", followers=1_250_000),
    DemoAccount("weibo", "5900000101", "长沙发布", "430100", "长沙市人民政府办公室", "stale", 830_000),
    DemoAccount("douyin", "open-demo-zhuzhou", "株洲发布", "430200", "株洲市人民政府办公室", "closed", 210_000),
    DemoAccount("toutiao", "tt-demo-xiangtan", "湘潭发布", "430300", "湘潭市人民政府办公室", "unanswered", 95_000),
    DemoAccount("kuaishou", "ks-demo-hengyang", "衡阳发布", "430400", "衡阳市人民政府办公室", "warning", 60_000),
    DemoAccount("app", "app-demo-shaoyang", "邵阳政务客户端", "430500", "邵阳市人民政府办公室", followers=40_000),
    DemoAccount("wechat", "gh_demo_yueyang", "岳阳发布", "430600", "岳阳市人民政府办公室", "uncollected"),
    DemoAccount("weibo", "5900000107", "常德发布", "430700", "常德市人民政府办公室", followers=300_000),
)
SILENT_DAYS = {"stale": 20, "warning": 10}


def _post_days(acc: DemoAccount, today: date) -> list[date]:
    """Days with one post at 10:00 Beijing time: every second day from yesterday, or from the silence's start."""
    first = SILENT_DAYS.get(acc.fault, 1)
    return [today - timedelta(days=d) for d in range(first, HISTORY_DAYS, 2)]


def _post_time(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=BEIJING)


def stats_rows(as_of: datetime) -> list[tuple[str, ...]]:
    """The statistics export of every collected account, one row per day up to ``as_of``'s day (Beijing)."""
    today = as_of.astimezone(BEIJING).date()
    rows: list[tuple[str, ...]] = []
    for acc in ACCOUNTS:
        if acc.fault == "uncollected":
            continue
        posted = set(_post_days(acc, today))
        for back in range(HISTORY_DAYS - 1, -1, -1):
            day = today - timedelta(days=back)
            received, answered = 2, 2
            if acc.fault == "unanswered":
                received, answered = (1, 0) if back <= 100 else (1, 1)  # nobody answers for 100 days
            rows.append((acc.platform, acc.account_id, day.isoformat(), str(int(day in posted)),
                         str(acc.followers - back * 10), str(received), str(answered),
                         _post_time(day).strftime("%Y-%m-%d %H:%M") if day in posted else "",
                         "否" if acc.fault == "closed" else "是"))
    return rows


def _write(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def write_media(accounts_csv: Path, stats_csv: Path, as_of: datetime) -> None:
    """Write the accounts file and the statistics export as of ``as_of``."""
    _write(accounts_csv, ACCOUNTS_HEADER, [(a.platform, a.account_id, a.name, a.node_code, a.organizer, "")
                                           for a in ACCOUNTS])
    _write(stats_csv, STATS_HEADER, stats_rows(as_of))


def expected_media() -> dict[str, dict[str, Any]]:
    """Account key → the rules that must veto, the rules that must warn, and whether it is 未采集."""
    vetoes = {"stale": ["no_update"], "closed": ["no_interaction"], "unanswered": ["unanswered"]}
    return {a.key: {"veto": vetoes.get(a.fault, []), "warning": ["no_update"] if a.fault == "warning" else [],
                    "not_collected": a.fault == "uncollected"} for a in ACCOUNTS}


def fake_accounts(as_of: datetime, secret: str = "demo-secret") -> list[FakeAccount]:
    """Every demo account on the platform stand-ins (demo/media_platforms.py), with the same posts; the app's
    endpoint also reports its (empty) message backlog."""
    today = as_of.astimezone(BEIJING).date()
    return [FakeAccount(a.platform, a.account_id, secret,
                        [(f"{a.account_id}-{d.isoformat()}", _post_time(d)) for d in _post_days(a, today)],
                        a.followers, a.fault != "closed", unanswered=0 if a.platform == "app" else None)
            for a in ACCOUNTS if a.platform != "other"]
