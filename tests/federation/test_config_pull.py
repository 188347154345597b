"""A city pulls its configuration from a real province on loopback (federation/config_pull.py): the bundle
applied to its database (SQLite, and PostgreSQL with GOVOPS_TEST_PG_URL) and its alert files, an unchanged
version rewrites nothing, a province that is down leaves the cache to start from, and what the province
withdraws is withdrawn and nothing else."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.receivers import load_receivers
from alerts.rules import load_rule_files
from core.config import Config
from db.models import Column, Site, SiteLevel
from db.models_alerts import DutyShift
from db.session import transaction
from federation.client import ProvinceClient
from federation.config_pull import cache_dir, pull, pull_or_cache, with_pulled_alert_files
from federation.config_sync import ConfigSync
from tests.federation.config_world import (
    CITY,
    Province,
    city_config,
    dead_url,
    files,
    open_db,
    province,
    shipped_rule_files,
    snapshot,
)


@pytest.fixture
def prov(tmp_path: Path) -> Iterator[Province]:
    with province(tmp_path / "province") as p:
        yield p


def _city(tmp: Path, prov: Province, db_url: str = "") -> Config:
    return city_config(tmp, prov.base, prov.token(CITY), db_url=db_url)


def _own_site(sessions: sessionmaker[Session]) -> None:
    """A site the city registered itself (never listed by the province)."""
    with transaction(sessions) as s:
        s.add(Site(code="4301050001", name="开福区自建", url="https://kf.example.gov.cn/",
                   level=SiteLevel.COUNTY_PORTAL, node_code="430105"))


def _pull(config: Config, sessions: object) -> object:
    client = ProvinceClient.from_config(config)
    try:
        return pull(client, config, sessions)  # type: ignore[arg-type]
    finally:
        client.close()


def test_pull_applies_sites_columns_rules_receivers_and_roster(tmp_path: Path, prov: Province, db_url: str) -> None:
    config = _city(tmp_path / "city", prov, db_url)
    sessions = open_db(db_url)
    _own_site(sessions)
    assert with_pulled_alert_files(config) == config  # nothing pulled yet: its own files
    outcome = _pull(config, sessions)
    assert outcome.status == "applied", outcome  # type: ignore[attr-defined]
    c = outcome.counts  # type: ignore[attr-defined]
    assert (c.sites_created, c.columns_created, c.rules, c.receivers, c.roster_added) == (
        2, 3, len(shipped_rule_files()), True, 3)
    assert "已从省级节点拉取并应用配置" in outcome.text()  # type: ignore[attr-defined]
    db = snapshot(sessions)
    assert [s[0] for s in db["sites"]] == ["4301000001", "4301020001", "4301050001"]  # type: ignore[index]
    assert {(x[0], x[1]) for x in db["columns"]} == {  # type: ignore[attr-defined]
        ("4301000001", "通知公告"), ("4301000001", "政策文件"), ("4301020001", "要闻动态")}
    assert {(r[1], r[3]) for r in db["roster"]} == {  # type: ignore[attr-defined]
        ("430100", "cs-zhang"), ("430100", "cs-li"), ("430102", "fr-wang")}
    pulled = with_pulled_alert_files(config)
    base = cache_dir(config)
    assert Path(pulled.alerts.rules_dir) == base / "rules" and (base / "rules").is_symlink()
    assert Path(pulled.alerts.receivers_file) == base / "receivers.toml"
    for f in prov.rules_dir.iterdir():
        assert (base / "rules" / f.name).read_bytes() == f.read_bytes()
    assert len(load_rule_files([pulled.alerts.rules_dir])) > 0
    assert load_receivers(pulled.alerts.receivers_file).receivers.keys() == \
        load_receivers(prov.receivers_file).receivers.keys()
    assert (base / "config.json").is_file() and not list(base.glob(".staging-*"))


def test_an_unchanged_version_rewrites_nothing(tmp_path: Path, prov: Province) -> None:
    config = _city(tmp_path / "city", prov)
    sessions = open_db(config.database.url)
    assert _pull(config, sessions).status == "applied"  # type: ignore[attr-defined]
    before_db, before_files = snapshot(sessions), files(cache_dir(config))
    time.sleep(0.02)  # a rewrite would show in the files' modification times
    again = _pull(config, sessions)
    assert again.status == "unchanged" and "未改动" in again.text()  # type: ignore[attr-defined]
    assert snapshot(sessions) == before_db and files(cache_dir(config)) == before_files


def test_what_the_province_withdraws_is_withdrawn_and_nothing_else(tmp_path: Path, prov: Province) -> None:
    config = _city(tmp_path / "city", prov)
    sessions = open_db(config.database.url)
    _own_site(sessions)
    _pull(config, sessions)
    with transaction(prov.sessions) as s:  # the province takes 芙蓉区's site, a column and a shift back
        s.execute(delete(Site).where(Site.code == "4301020001"))
        site_id = s.scalar(select(Site.id).where(Site.code == "4301000001"))
        s.execute(delete(Column).where(Column.site_id == site_id, Column.name == "政策文件"))
        s.execute(delete(DutyShift).where(DutyShift.username == "cs-li"))
        (prov.rules_dir / "hosts.yaml").unlink()
    outcome = _pull(config, sessions)
    c = outcome.counts  # type: ignore[attr-defined]
    assert (c.sites_withdrawn, c.columns_removed, c.roster_removed, c.rules) == (1, 1, 1, len(shipped_rule_files()) - 1)
    with sessions() as s:
        enabled = {code: on for code, on in s.execute(select(Site.code, Site.enabled))}
    assert enabled == {"4301000001": True, "4301020001": False, "4301050001": True}  # disabled, kept; own untouched
    db = snapshot(sessions)
    assert {(x[0], x[1]) for x in db["columns"]} == {  # type: ignore[attr-defined]
        ("4301000001", "通知公告"), ("4301020001", "要闻动态")}
    kept = sorted(p.name for p in (cache_dir(config) / "rules").iterdir())
    assert kept == [n for n in shipped_rule_files() if n != "hosts.yaml"]
    assert len(list(cache_dir(config).glob("rules-*"))) == 1  # the old version's folder is gone


def test_a_province_that_is_down_leaves_the_cache(tmp_path: Path, prov: Province, db_url: str) -> None:
    city = tmp_path / "city"
    config = _city(city, prov)
    _pull(config, open_db(config.database.url))
    # The province goes away; the city starts on a new database (restored, rebuilt) with the cache it kept.
    down = city_config(city, dead_url(), prov.token(CITY), db_url=db_url)
    sessions = open_db(db_url)
    outcome = pull_or_cache(down, sessions)
    assert outcome.status == "from_cache" and "连不上省级节点" in outcome.reason, outcome
    assert "已从本地缓存应用配置" in outcome.text()
    assert [s[0] for s in snapshot(sessions)["sites"]] == ["4301000001", "4301020001"]  # type: ignore[index]
    assert with_pulled_alert_files(down).alerts.rules_dir == str(cache_dir(down) / "rules")
    again = pull_or_cache(down, sessions)  # started again, still offline: everything already holds it
    assert again.status == "cache_unchanged" and not again.counts.database_changed


def test_no_province_and_no_cache_says_so(tmp_path: Path) -> None:
    config = city_config(tmp_path, dead_url(), "govops_1_x")
    sessions = open_db(config.database.url)
    outcome = pull_or_cache(config, sessions)
    assert outcome.status == "no_config" and "本地也没有缓存的配置" in outcome.text()
    assert snapshot(sessions)["sites"] == [] and with_pulled_alert_files(config) == config


def test_a_revoked_token_falls_back_to_the_cache(tmp_path: Path, prov: Province) -> None:
    config = _city(tmp_path / "city", prov)
    sessions = open_db(config.database.url)
    _pull(config, sessions)
    (tmp_path / "city" / "province.token").write_text("govops_12345_revoked", encoding="utf-8")
    outcome = pull_or_cache(config, sessions)
    assert outcome.status == "cache_unchanged" and "401" in outcome.reason


def test_the_sync_thread_follows_the_province(tmp_path: Path, prov: Province) -> None:
    config = _city(tmp_path / "city", prov)  # config_interval 0.05 s
    sessions = open_db(config.database.url)
    said: list[str] = []
    sync = ConfigSync(config, sessions, said.append).start()
    try:
        assert sync.alive and sync.last is not None and sync.last.status == "applied"
        with transaction(prov.sessions) as s:
            s.execute(delete(DutyShift).where(DutyShift.username == "fr-wang"))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(r[3] == "fr-wang" for r in snapshot(sessions)["roster"]):  # type: ignore[attr-defined]
            time.sleep(0.05)
        assert not any(r[3] == "fr-wang" for r in snapshot(sessions)["roster"])  # type: ignore[attr-defined]
    finally:
        sync.stop()
    assert not sync.alive
    assert said[0].startswith("已从省级节点拉取并应用配置") and any("配置同步已启动" in s for s in said)


def test_the_cli_pulls_and_reports(tmp_path: Path, prov: Province, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from runtime.cli import main

    config = _city(tmp_path / "city", prov)
    env = {"GOVOPS_NODE__ROLE": "city", "GOVOPS_NODE__CODE": CITY, "GOVOPS_NODE__PROVINCE_URL": prov.base,
           "GOVOPS_NODE__TOKEN_FILE": config.node.token_file, "GOVOPS_DATABASE__URL": config.database.url,
           "GOVOPS_FEDERATION__CACHE_DIR": config.federation.cache_dir, "GOVOPS_FEDERATION__REQUEST_TIMEOUT": "5"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert main(["federation", "pull"]) == 0
    assert "已从省级节点拉取并应用配置" in capsys.readouterr().out
    assert main(["federation", "pull"]) == 0
    assert "配置未变化" in capsys.readouterr().out
    monkeypatch.setenv("GOVOPS_NODE__PROVINCE_URL", dead_url())
    assert main(["federation", "pull"]) == 0  # the cache is there
    assert "未能从省级节点取得配置" in capsys.readouterr().out
    shutil.rmtree(cache_dir(config))
    assert main(["federation", "pull"]) == 1  # no province, no cache
    err = capsys.readouterr().err
    assert "连不上省级节点" in err and "本地也没有缓存的配置" in err
    monkeypatch.setenv("GOVOPS_NODE__ROLE", "province")
    monkeypatch.setenv("GOVOPS_NODE__CODE", "430000")
    for k in ("GOVOPS_NODE__PROVINCE_URL", "GOVOPS_NODE__TOKEN_FILE"):
        monkeypatch.delenv(k)
    assert main(["federation", "pull"]) == 2
    assert "未连接省级节点" in capsys.readouterr().err


def test_the_collect_process_pulls_first_and_the_alerting_reads_the_pulled_files(tmp_path: Path,
                                                                                  prov: Province) -> None:
    from alerts.service import AlertService
    from runtime.roles import PART_LABELS, _config_sync
    from tsdb.sqlite_store import SQLiteMetricStore

    config = _city(tmp_path / "city", prov)
    sessions = open_db(config.database.url)
    assert _config_sync(replace(config, node=replace(config.node, province_url="", token_file="")), sessions,
                        print) is None  # no link: nothing started
    sync = _config_sync(config, sessions, lambda _t: None)
    try:
        assert sync.alive and len(snapshot(sessions)["sites"]) == 2  # type: ignore[arg-type]
        assert PART_LABELS["config-pull"] == "配置拉取"
    finally:
        sync.stop()
    store = SQLiteMetricStore(tmp_path / "metrics.db")
    try:
        service = AlertService(with_pulled_alert_files(config), sessions, store)
        assert not service.rules_error and "evaluate" not in service.skipped and len(service.engine.ruleset.rules) > 0
        assert service.rules.directory == cache_dir(config) / "rules"
        assert set(service.receivers.receivers) == set(load_receivers(prov.receivers_file).receivers)
    finally:
        store.close()
