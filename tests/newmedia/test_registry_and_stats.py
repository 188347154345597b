"""Account registry import and statistics import against a real database (SQLite, PostgreSQL when set)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.hunan import seed_nodes
from db.media_io import import_accounts, list_accounts
from db.models import NewMediaAccount, Platform
from db.models_media import NewMediaState
from db.registry_io import RegistryImportError
from newmedia.events import EventError, record_post
from newmedia.rules import VETO, MediaRules, Observed, evaluate, unanswered
from newmedia.stats_import import import_stats
from newmedia.store import observed

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)  # 12:00 Beijing time
ACCOUNTS = ("平台,账号标识,账号名称,行政区划代码,主办单位,凭据引用\n"
            "微信,gh_hunan,湖南发布,430000,湖南省人民政府办公厅,env:WX_HUNAN\n"
            "weibo,2001,长沙发布,430100,长沙市人民政府办公室,\n"
            "今日头条,tt-1,株洲发布,430200,株洲市人民政府办公室,\n")


@pytest.fixture
def factory(migrated_db: tuple[str, sessionmaker[Session]]) -> Iterator[sessionmaker[Session]]:
    _, fac = migrated_db
    with fac.begin() as s:
        seed_nodes(s)
    yield fac


def _write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def _accounts(factory: sessionmaker[Session], tmp: Path) -> None:
    with factory.begin() as s:
        import_accounts(s, _write(tmp, "a.csv", ACCOUNTS))


def test_import_accounts_is_idempotent_and_lists(factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = _write(tmp_path, "a.csv", ACCOUNTS)
    with factory.begin() as s:
        assert (r := import_accounts(s, path)).created == 3 and r.total == 3
    with factory.begin() as s:
        assert import_accounts(s, path).unchanged == 3
        a = s.scalar(select(NewMediaAccount).where(NewMediaAccount.account_id == "gh_hunan"))
        assert a is not None and a.organizer == "湖南省人民政府办公厅" and a.credential_ref == "env:WX_HUNAN"
        assert a.platform == Platform.WECHAT and a.enabled
    with factory() as s:
        listed = list_accounts(s, {"430100"})
    assert [(x.account_id, x.state) for x in listed] == [("2001", None)]


def test_import_accounts_from_xlsx(factory: sessionmaker[Session], tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    for line in ACCOUNTS.splitlines():
        ws.append(line.split(","))
    wb.save(tmp_path / "a.xlsx")
    with factory.begin() as s:
        assert import_accounts(s, tmp_path / "a.xlsx").created == 3


def test_bad_account_rows_write_nothing_and_name_row_and_column(factory: sessionmaker[Session],
                                                                tmp_path: Path) -> None:
    bad = ACCOUNTS + ("QQ,x,名称,430100,,\n"
                      "微信,gh_hunan,重复,430000,,\n"
                      "抖音,dy 1,名称,999999,,appsecret-pasted\n")
    with factory.begin() as s, pytest.raises(RegistryImportError) as err:
        import_accounts(s, _write(tmp_path, "a.csv", bad))
    text = str(err.value)
    assert "未写入任何数据" in text
    assert "第 5 行 平台：未知的平台“QQ”" in text
    assert "第 6 行 账号标识：平台 微信 的账号 gh_hunan 与第 2 行重复" in text
    assert "第 7 行 账号标识：账号标识“dy 1”不能含空白字符" in text
    assert "第 7 行 行政区划代码：行政区划代码“999999”未登记" in text
    assert "第 7 行 凭据引用" in text and "appsecret" not in text  # a pasted secret is never echoed whole
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(NewMediaAccount)) == 0


STATS = ("platform,account_id,date,posts,followers,messages_received,messages_answered,last_post_at,互动功能\n"
         + "".join(f"wechat,gh_hunan,2026-12-0{d},{1 if d in (1, 3) else 0},{1000 + d},2,2,,是\n" for d in range(1, 8))
         + "toutiao,tt-1,2026-11-20,2,50,,,2026-11-20 09:30,\n"
         + "weibo,2001,2026-08-01,0,10,5,0,,否\n"
         + "weibo,2001,2026-12-06,0,12,0,1,,否\n")


def test_stats_import_feeds_the_rules(factory: sessionmaker[Session], tmp_path: Path) -> None:
    _accounts(factory, tmp_path)
    with factory.begin() as s:
        report, _ = import_stats(s, _write(tmp_path, "s.csv", STATS), NOW, TZ)
    assert (report.accounts, report.rows) == (3, 10)
    with factory() as s:
        states = {a.account_id: a.state for a in list_accounts(s)}
    wx = states["gh_hunan"]
    assert wx is not None
    # posts on Dec 3 at the latest: the end of that Beijing day; posts_7d over 7 full rows; as of now (mid-day)
    assert wx.last_post_at == datetime(2026, 12, 4, tzinfo=TZ)
    assert (wx.posts_7d, wx.followers, wx.unanswered, wx.interaction_open) == (2, 1007, 0, True)
    assert wx.collected_at == NOW
    tt = states["tt-1"]
    assert tt is not None and tt.last_post_at == datetime(2026, 11, 20, 9, 30, tzinfo=TZ)
    assert tt.posts_7d is None and tt.unanswered is None  # one row: a week not covered, messages not given
    # posted 20 Nov, exported that day: 17 days ago now, but the export cannot prove nothing came after it
    no_update = evaluate(observed(tt), NOW, None)[0]
    assert no_update.status == "not_judged" and no_update.evidence["stale"] is True
    wb = states["2001"]
    assert wb is not None and (wb.unanswered, wb.interaction_open) == (4, False)
    assert wb.oldest_unanswered_at == datetime(2026, 8, 2, tzinfo=TZ)  # FIFO: August's messages still wait
    verdicts = evaluate(observed(wb), NOW, None)
    assert {v.rule: v.status for v in verdicts} == {"no_update": "not_judged", "no_interaction": VETO,
                                                     "unanswered": VETO}


def test_bad_stats_rows_write_nothing(factory: sessionmaker[Session], tmp_path: Path) -> None:
    _accounts(factory, tmp_path)
    bad = ("platform,account_id,date,posts,last_post_at\n"
           "wechat,gh_hunan,2026-12-01,1,\n"
           "wechat,gh_hunan,2026-12-01,1,\n"
           "wechat,gh_nobody,2026-12-02,1,\n"
           "wechat,gh_hunan,2026-12-31,1,\n"
           "wechat,gh_hunan,12/03,-1,昨天\n")
    with factory.begin() as s, pytest.raises(RegistryImportError) as err:
        import_stats(s, _write(tmp_path, "s.csv", bad), NOW, TZ)
    text = str(err.value)
    for needle in ("第 3 行 date：账号 gh_hunan 的日期 2026-12-01 与第 2 行重复",
                   "第 4 行 account_id：平台 微信 的账号 gh_nobody 未登记", "第 5 行 date：日期 2026-12-31 晚于今天",
                   "第 6 行 date：日期“12/03”无法识别", "第 6 行 posts：“-1”不是非负整数",
                   "第 6 行 last_post_at：时间“昨天”无法识别"):
        assert needle in text
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(NewMediaState)) == 0


def test_post_events_move_the_last_post_only(factory: sessionmaker[Session], tmp_path: Path) -> None:
    _accounts(factory, tmp_path)
    with factory.begin() as s:
        import_stats(s, _write(tmp_path, "s.csv", STATS), NOW, TZ)
    later = NOW + timedelta(hours=1)
    with factory.begin() as s:
        st = record_post(s, "weibo", "2001", "post-1", later)
        assert st.last_post_at == later
        assert st.collected_at < later  # an event proves one post, not the absence of others
        with pytest.raises(EventError, match="未登记"):
            record_post(s, "weibo", "nobody", "p", later)
        with pytest.raises(EventError, match="时区"):
            record_post(s, "weibo", "2001", "p", later.replace(tzinfo=None))


def test_an_older_export_never_overwrites_newer_knowledge(factory: sessionmaker[Session], tmp_path: Path) -> None:
    _accounts(factory, tmp_path)
    new = "platform,account_id,date,followers,messages_received,messages_answered\nweibo,2001,2026-12-06,500,0,0\n"
    old = "platform,account_id,date,followers,messages_received,messages_answered\nweibo,2001,2026-11-01,90,3,0\n"
    with factory.begin() as s:
        import_stats(s, _write(tmp_path, "n.csv", new), NOW, TZ)
    with factory.begin() as s:
        import_stats(s, _write(tmp_path, "o.csv", old), NOW, TZ)
    with factory() as s:
        (wb,) = [a.state for a in list_accounts(s) if a.account_id == "2001"]
    assert wb is not None and (wb.followers, wb.unanswered) == (500, 0)
    assert unanswered(Observed(collected_at=NOW, unanswered=wb.unanswered, messages_at=wb.messages_at),
                      NOW, MediaRules()).status == "ok"
