"""``app.py media import / stats / list`` on a real database and metric store."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from core.config import load_config
from db.hunan import seed_nodes
from demo.media import write_media
from runtime.media_cli import import_file, import_stats_file, list_all
from tsdb.sqlite_store import SQLiteMetricStore
from tsdb.store import Query

NOW = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)


def test_import_stats_and_list(migrated_db: tuple[str, sessionmaker[Session]], tmp_path: Path) -> None:
    _, sessions = migrated_db
    with sessions.begin() as s:
        seed_nodes(s)
    config = load_config(env={})
    accounts, stats = tmp_path / "accounts.csv", tmp_path / "stats.csv"
    write_media(accounts, stats, NOW)
    out = io.StringIO()
    assert import_file(sessions, accounts, dry_run=True, out=out) == 0
    assert out.getvalue().strip() == "新媒体账号：新增 8 条，更新 0 条，未变 0 条（试运行，未写入）"
    assert import_file(sessions, accounts, out=out) == 0
    store = SQLiteMetricStore(tmp_path / "m.db")
    try:
        out = io.StringIO()
        assert import_stats_file(sessions, config, stats, NOW, out=out, store=store) == 0
        assert out.getvalue().strip() == "账号统计：7 个账号，840 行已导入"
        df = store.query(Query("new_media", "followers", NOW - timedelta(minutes=1), NOW + timedelta(minutes=1),
                               agg="last", group_by=("account",)))
        assert len(df) == 7 and df.set_index("account").loc["weibo:5900000101", "value"] == 830_000
    finally:
        store.close()
    out = io.StringIO()
    later = NOW + timedelta(days=2, hours=1)  # the vetoes were stored by the import at NOW
    assert list_all(sessions, config, later, out=out) == 0
    lines = {line.split("\t")[2]: line for line in out.getvalue().splitlines()[1:]}
    assert lines["长沙发布"].endswith("不合格（单项否决）：两周未更新（自 2026-12-07 14:30 北京时间 起，已 2 天）")
    assert lines["湘潭发布"].endswith("不合格（单项否决）：留言长期未回复（自 2026-12-07 14:30 北京时间 起，已 2 天）")
    assert lines["岳阳发布"].endswith("未采集")
    assert "2026-12-06 10:00 北京时间" in lines["湖南发布"]
    out = io.StringIO()  # the early warning: days left as of now, stored since the import
    assert list_all(sessions, config, NOW, out=out) == 0
    lines = {line.split("\t")[2]: line for line in out.getvalue().splitlines()[1:]}
    assert lines["衡阳发布"].endswith("合格（两周未更新 剩 4 天，自 2026-12-07 14:30 北京时间 起预警）")


def test_a_bad_file_exits_1_and_lists_every_error(migrated_db: tuple[str, sessionmaker[Session]],
                                                  tmp_path: Path) -> None:
    _, sessions = migrated_db
    with sessions.begin() as s:
        seed_nodes(s)
    bad = tmp_path / "a.csv"
    bad.write_text("platform,account_id,name,node_code\nwechat,gh_1,,430000\nweibo,1,名,430999\n", encoding="utf-8")
    out = io.StringIO()
    assert import_file(sessions, bad, out=out) == 1
    text = out.getvalue()
    assert "共 2 处错误，未写入任何数据" in text and "第 2 行 name：必填" in text and "第 3 行 node_code" in text
