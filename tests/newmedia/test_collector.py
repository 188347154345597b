"""The new_media collector: a platform's refusal raises with its Chinese reason and leaves the account's
known state as it was (greyed by its age on the wall, never overwritten by nothing)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext
from collectors.kinds.new_media import NewMediaCollector
from core.clock import FixedClock
from core.config import load_config
from db.hunan import seed_nodes
from db.models import NewMediaAccount, Platform
from db.models_media import NewMediaState
from demo.media_platforms import FakePlatforms
from newmedia.base import AdapterError
from tests.newmedia.support import CREDENTIALS, IDS, NOW, fake


def test_a_refusal_keeps_the_known_state(migrated_db: tuple[str, sessionmaker[Session]], tmp_path: Path) -> None:
    _, sessions = migrated_db
    secret = tmp_path / "token"
    secret.write_text(CREDENTIALS["weibo"], encoding="utf-8")
    with sessions.begin() as s:
        seed_nodes(s)
        s.add(NewMediaAccount(platform=Platform.WEIBO, account_id=IDS["weibo"], name="长沙发布", node_code="430100",
                              enabled=True, credential_ref=f"file:{secret}"))
        s.add(NewMediaAccount(platform=Platform.APP, account_id="app-1", name="株洲政务App", node_code="430200",
                              enabled=True, credential_ref="env:APP"))  # no app_api: statistics import only
    platforms = FakePlatforms([fake("weibo")])
    with platforms.serve() as base:
        config = load_config(env={})
        config = dataclasses.replace(config, newmedia=dataclasses.replace(config.newmedia, weibo_api=base))
        clock = FixedClock(NOW)
        collector = NewMediaCollector(CollectorContext(config=config, sessions=sessions, clock=clock))
        (target,) = collector.targets()
        assert target.key == f"weibo:{IDS['weibo']}"
        collector.collect(target)
        with sessions() as s:
            before = s.get(NewMediaState, target.params["id"])
            assert before is not None and before.followers == 12345
        platforms.rate_limited.add(IDS["weibo"])
        clock.advance(3600)
        with pytest.raises(AdapterError, match="调用频率超限"):
            collector.collect(target)
    with sessions() as s:
        after = s.get(NewMediaState, target.params["id"])
        assert after is not None and after.collected_at == before.collected_at == NOW


def test_the_rules_sweep_opens_findings_as_time_passes(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    """No new data, only time: an account fed by a statistics export comes within warn_days of its breach and
    the sweep opens the early warning, with one point per judged account."""
    from datetime import timedelta

    from collectors.kinds.new_media_rules import NewMediaRulesCollector
    from newmedia.findings import open_media_findings

    _, sessions = migrated_db
    with sessions.begin() as s:
        seed_nodes(s)
        a = NewMediaAccount(platform=Platform.TOUTIAO, account_id="tt-1", name="湘潭发布", node_code="430300",
                            enabled=True)
        s.add(a)
        s.flush()
        s.add(NewMediaState(account_id=a.id, collected_at=NOW, source="stats_import",
                            last_post_at=NOW - timedelta(days=5), interaction_open=True, interaction_at=NOW))
    clock = FixedClock(NOW)
    collector = NewMediaRulesCollector(CollectorContext(config=load_config(env={}), sessions=sessions, clock=clock))
    (target,) = collector.targets()
    (p,) = collector.collect(target)
    # the message backlog was never seen: one rule not judged, so "0 vetoes" is not "no veto"
    assert p.fields == {"vetoes": 0.0, "warnings": 0.0, "not_judged": 1.0} and p.tags["account"] == "toutiao:tt-1"
    clock.advance(3 * 86400)  # 8 days silent by now: within warn_days of the breach
    (p,) = collector.collect(target)
    assert p.fields == {"vetoes": 0.0, "warnings": 1.0, "not_judged": 1.0}
    with sessions() as s:
        (f,) = open_media_findings(s)
        assert f.kind == "media_no_update_warning" and f.evidence["days_left"] == 6
