"""The shipped new-media rules (data/alerts/rules/newmedia.yaml) over stored new-media findings: one alert per
account and rule, vetoes critical, early warnings high, resolved when the finding resolves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.engine import AlertEngine
from alerts.rules import load_rule_files
from alerts.states import AlertState
from core.severity import Severity
from db.hunan import seed_nodes
from db.models import NewMediaAccount, Platform
from db.models_alerts import Alert
from db.models_media import NewMediaState
from newmedia.findings import reconcile_all
from newmedia.rules import MediaRules
from tsdb.sqlite_store import SQLiteMetricStore

RULE_FILE = Path(__file__).resolve().parents[2] / "data" / "alerts" / "rules" / "newmedia.yaml"
T0 = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
D = timedelta(days=1)
BJ = ZoneInfo("Asia/Shanghai")


def _seed(s: Session) -> dict[str, int]:
    seed_nodes(s)
    ids = {}
    for key, name, node in (("weibo:5900000101", "长沙发布", "430100"), ("kuaishou:ks-1", "衡阳发布", "430400"),
                            ("toutiao:tt-1", "湘潭发布", "430300")):
        platform, account_id = key.split(":")
        a = NewMediaAccount(platform=Platform(platform), account_id=account_id, name=name, node_code=node,
                            enabled=True)
        s.add(a)
        s.flush()
        ids[key] = a.id
    s.add(NewMediaState(account_id=ids["weibo:5900000101"], collected_at=T0, source="api",
                        last_post_at=T0 - 20 * D, interaction_open=False, interaction_at=T0))  # two vetoes
    s.add(NewMediaState(account_id=ids["kuaishou:ks-1"], collected_at=T0, source="stats_import",
                        last_post_at=T0 - 10 * D, interaction_open=True, interaction_at=T0))  # a warning
    return ids  # toutiao:tt-1 never collected: nothing


def test_one_alert_per_account_and_rule(migrated_db: tuple[str, sessionmaker[Session]], tmp_path: Path) -> None:
    _, sessions = migrated_db
    with sessions.begin() as s:
        ids = _seed(s)
        reconcile_all(s, T0, MediaRules(), BJ)
    engine = AlertEngine(sessions, SQLiteMetricStore(tmp_path / "m.db"), load_rule_files([RULE_FILE]))
    report = engine.evaluate(T0)
    assert report.errors == {}
    with sessions() as s:
        got = sorted((a.rule, a.labels["account"], a.labels["kind"], a.severity, a.city_code, a.summary)
                     for a in s.scalars(select(Alert)))
    assert got == [
        ("media_veto", "weibo:5900000101", "media_no_interaction_veto", Severity.CRITICAL, "430100",
         "政务新媒体 长沙发布 单项否决：无有效互动功能（单项否决）"),
        ("media_veto", "weibo:5900000101", "media_no_update_veto", Severity.CRITICAL, "430100",
         "政务新媒体 长沙发布 单项否决：两周未更新（单项否决）"),
        ("media_veto_soon", "kuaishou:ks-1", "media_no_update_warning", Severity.HIGH, "430400",
         "政务新媒体 衡阳发布 即将单项否决：即将两周未更新"),
    ]
    with sessions.begin() as s:  # 长沙发布 posts and opens comments: its vetoes resolve, so do its alerts
        st = s.get(NewMediaState, ids["weibo:5900000101"])
        assert st is not None
        st.collected_at, st.last_post_at, st.interaction_open, st.interaction_at = T0 + D, T0 + D, True, T0 + D
        reconcile_all(s, T0 + D, MediaRules(), BJ)
    engine.evaluate(T0 + D)
    with sessions() as s:
        states = {(a.rule, a.labels["kind"]): a.state for a in s.scalars(select(Alert))}
    assert states[("media_veto", "media_no_update_veto")] == AlertState.RESOLVED
    assert states[("media_veto", "media_no_interaction_veto")] == AlertState.RESOLVED
    assert states[("media_veto_soon", "media_no_update_warning")] != AlertState.RESOLVED
