"""The demo's new-media accounts: every seeded fault is found — through the statistics import the demo runs,
and, for the API-served platforms, through the adapters against the loopback platform stand-ins."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext
from collectors.kinds.new_media import NewMediaCollector
from core.clock import FixedClock
from core.config import Config, load_config
from db.hunan import seed_nodes
from db.media_io import list_accounts
from db.models import NewMediaAccount
from demo.media import ACCOUNTS, expected_media, fake_accounts
from demo.media_platforms import KUAISHOU_APP_ID, FakePlatforms
from newmedia.findings import open_media_findings
from newmedia.rules import NOT_COLLECTED, VETO, WARNING, evaluate
from newmedia.store import observed
from runtime.bootstrap import load_demo_media

AS_OF = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)


@pytest.fixture
def sessions(migrated_db: tuple[str, sessionmaker[Session]]) -> Iterator[sessionmaker[Session]]:
    _, fac = migrated_db
    with fac.begin() as s:
        seed_nodes(s)
    yield fac


def _found(sessions: sessionmaker[Session], config: Config) -> dict[str, dict[str, object]]:
    with sessions() as s:
        listed = list_accounts(s)
    out: dict[str, dict[str, object]] = {}
    for a in listed:
        verdicts = evaluate(observed(a.state), AS_OF, None)
        out[f"{a.platform.value}:{a.account_id}"] = {
            "veto": [v.rule for v in verdicts if v.status == VETO],
            "warning": [v.rule for v in verdicts if v.status == WARNING],
            "not_collected": all(v.status == NOT_COLLECTED for v in verdicts)}
    return out


def _stored(sessions: sessionmaker[Session]) -> dict[str, dict[str, list[str]]]:
    """Account key → its open veto and warning findings' rules (newmedia/findings.py)."""
    with sessions() as s:
        found = open_media_findings(s)
    return {key: {"veto": sorted(f.rule for f in found if f.account == key and f.veto),
                  "warning": sorted(f.rule for f in found if f.account == key and not f.veto)}
            for key in {f.account for f in found}}


def _expected_stored() -> dict[str, dict[str, list[str]]]:
    return {k: {"veto": v["veto"], "warning": v["warning"]} for k, v in expected_media().items()
            if v["veto"] or v["warning"]}


def test_every_seeded_fault_is_found_from_the_statistics_import(sessions: sessionmaker[Session],
                                                                  tmp_path: Path) -> None:
    config = load_config(env={})
    load_demo_media(config, sessions, AS_OF, tmp_path)
    assert _found(sessions, config) == expected_media()
    assert _stored(sessions) == _expected_stored()  # the import stored them as findings too
    with sessions() as s:
        (warned,) = [a for a in list_accounts(s) if a.account_id == "ks-demo-hengyang"]
    soon = evaluate(observed(warned.state), AS_OF, None)[0]
    assert soon.days_left == 4  # silent since 10:00 ten days ago: the breach is in 3 d 17.5 h


def test_the_api_accounts_are_found_by_the_adapters(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    config = load_config(env={})
    load_demo_media(config, sessions, AS_OF, tmp_path)
    secret, appsecret, kuaishou = tmp_path / "token", tmp_path / "wechat", tmp_path / "kuaishou"
    secret.write_text("demo-secret", encoding="utf-8")
    kuaishou.write_text(f"{KUAISHOU_APP_ID}:demo-secret", encoding="utf-8")
    platforms = FakePlatforms(fake_accounts(AS_OF))
    with sessions.begin() as s:
        for a in ACCOUNTS:
            if a.platform in ("weibo", "douyin", "toutiao", "app"):
                ref = f"file:{secret}"
            elif a.platform == "kuaishou":
                ref = f"file:{kuaishou}"
            elif a.platform == "wechat":
                appsecret.write_text(f"{a.account_id}:demo-secret", encoding="utf-8")  # (one wechat collected)
                ref = f"file:{appsecret}" if a.fault != "uncollected" else None
            else:
                continue
            s.execute(update(NewMediaAccount).where(NewMediaAccount.account_id == a.account_id)
                      .values(credential_ref=ref))
    with platforms.serve() as base:
        config = dataclasses.replace(config, newmedia=dataclasses.replace(
            config.newmedia, wechat_api=base, weibo_api=base, douyin_api=base, toutiao_api=base, kuaishou_api=base,
            app_api=base))
        collector = NewMediaCollector(CollectorContext(config=config, sessions=sessions,
                                                       clock=FixedClock(AS_OF)))
        targets = collector.targets()
        assert sorted(t.key for t in targets) == sorted(a.key for a in ACCOUNTS if a.fault != "uncollected")
        points = [p for t in targets for p in collector.collect(t)]
    assert {p.tags["account"] for p in points} == {t.key for t in targets}
    stale = next(p for p in points if p.tags["account"] == "weibo:5900000101")
    assert stale.fields["last_post_age_s"] > 14 * 86400
    assert _found(sessions, config) == expected_media()  # the API agrees with the export
    assert _stored(sessions) == _expected_stored()
