"""New-media accounts across the federation (fast, no e2e): the province's accounts of a city's regions come
down in the city's configuration bundle, checked as an account import checks them and applied in the pull's
transaction; what the province withdraws is disabled, an account the city registered itself is left alone."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.config import Config
from db.models import NewMediaAccount, Platform, Site, SiteLevel
from db.session import transaction
from federation.bundle_check import BundleError, check_bundle
from federation.config_bundle import build_bundle, content_version
from federation.config_pull import CACHE_NAME, cache_dir, start_from_cache
from tests.federation.config_world import city_config, dead_url, open_db
from tests.federation.relational import CITY, T0

SITE = "4301000001"


def _account(s: Session, platform: str, account_id: str, name: str, node: str, **kw: Any) -> None:
    s.add(NewMediaAccount(platform=Platform(platform), account_id=account_id, name=name, node_code=node, **kw))


def _world(tmp: Path) -> tuple[sessionmaker[Session], Config, sessionmaker[Session]]:
    """(the province with accounts of several regions, a city node, the city's database with its own account)."""
    province = open_db(f"sqlite:///{tmp / 'province.db'}")
    with transaction(province) as s:
        site = Site(code=SITE, name="长沙市人民政府门户网站", url="http://127.0.0.1:8080/", level=SiteLevel.CITY_PORTAL,
                    node_code=CITY)
        s.add(site)
        s.flush()
        _account(s, "wechat", "gh_cs01", "长沙发布", CITY, organizer="长沙市委网信办", site_id=site.id,
                 credential_ref="env:CS_WX", profile_url="http://127.0.0.1:8080/wx")
        _account(s, "weibo", "5900000101", "芙蓉发布", "430102")
        _account(s, "douyin", "dy_zz", "株洲发布", "430200")  # another city's
        _account(s, "weibo", "5900000001", "湖南发布", "430000")  # the province's own
    config = city_config(tmp / "city", dead_url(), "unused")
    city = open_db(config.database.url)
    with transaction(city) as s:
        _account(s, "toutiao", "tt_cs_own", "长沙自建号", CITY)
    return province, config, city


def _bundle(tmp: Path, sessions: sessionmaker[Session]) -> dict[str, Any]:
    with sessions() as s:
        return build_bundle(s, CITY, rules_dir=tmp / "no-rules", receivers_file=tmp / "none.toml", now=T0)


def _apply(config: Config, sessions: sessionmaker[Session], bundle: dict[str, Any]) -> Any:
    base = cache_dir(config)
    base.mkdir(parents=True, exist_ok=True)
    (base / CACHE_NAME).write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return start_from_cache(config, sessions, "省级节点不可达")


def _accounts(sessions: sessionmaker[Session]) -> dict[str, tuple[Any, ...]]:
    with sessions() as s:
        rows = s.execute(select(NewMediaAccount, Site.code).outerjoin(Site, NewMediaAccount.site_id == Site.id))
        return {f"{a.platform.value}:{a.account_id}": (a.name, a.node_code, a.organizer, site, a.credential_ref,
                                                       a.enabled) for a, site in rows}


def test_the_citys_accounts_come_down_applied_updated_and_withdrawn(tmp_path: Path) -> None:
    province, config, city = _world(tmp_path)
    bundle = _bundle(tmp_path, province)
    assert [r[:2] for r in bundle["accounts"]["rows"]] == [["wechat", "gh_cs01"], ["weibo", "5900000101"]]
    outcome = _apply(config, city, bundle)
    c = outcome.counts
    assert (c.accounts_created, c.accounts_updated, c.accounts_withdrawn) == (2, 0, 0)
    assert "新媒体账号 新增 2、更新 0、停用 0" in outcome.text()
    got = _accounts(city)
    assert got["wechat:gh_cs01"] == ("长沙发布", CITY, "长沙市委网信办", SITE, "env:CS_WX", True)
    assert got["weibo:5900000101"][1] == "430102" and "douyin:dy_zz" not in got and "weibo:5900000001" not in got

    with transaction(province) as s:  # the province renames one account and stops listing another
        s.scalars(select(NewMediaAccount).where(NewMediaAccount.account_id == "gh_cs01")).one().name = "长沙发布厅"
        s.delete(s.scalars(select(NewMediaAccount).where(NewMediaAccount.account_id == "5900000101")).one())
    c = _apply(config, city, _bundle(tmp_path, province)).counts
    assert (c.accounts_created, c.accounts_updated, c.accounts_withdrawn) == (0, 1, 1)
    got = _accounts(city)
    assert got["wechat:gh_cs01"][0] == "长沙发布厅"
    assert got["weibo:5900000101"][5] is False  # withdrawn: disabled, its state and findings kept
    assert got["toutiao:tt_cs_own"][5] is True  # the city's own: untouched
    again = _apply(config, city, _bundle(tmp_path, province))
    assert not again.counts.database_changed and _accounts(city) == got


def test_a_bundle_without_accounts_leaves_the_citys_accounts_alone(tmp_path: Path) -> None:
    province, config, city = _world(tmp_path)
    bundle = _bundle(tmp_path, province)
    del bundle["accounts"]  # an older province's bundle
    bundle["version"] = content_version(bundle)
    before = _accounts(city)
    assert _apply(config, city, bundle).counts.accounts_created == 0 and _accounts(city) == before


@pytest.fixture(scope="module")
def checking(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], sessionmaker[Session]]:
    tmp = tmp_path_factory.mktemp("checking")
    province, _config, city = _world(tmp)
    return _bundle(tmp, province), city


@pytest.mark.parametrize(("change", "expected"), [
    (lambda rows: rows[0].__setitem__(0, "myspace"), "平台"),
    (lambda rows: rows[1].__setitem__(3, "430200"), "weibo:5900000101 属于 430200，不在本市（430100）范围内"),
    (lambda rows: rows[0].__setitem__(7, "hunter2-secret"), "凭据"),
    (lambda rows: rows[0].__setitem__(5, "4302000001"), "4302000001"),  # a site the bundle does not list
    (lambda rows: rows.append(list(rows[0])), "gh_cs01"),  # the same account twice
])
def test_a_bad_account_refuses_the_bundle_whole(checking: tuple[dict[str, Any], sessionmaker[Session]], change: Any,
                                               expected: str) -> None:
    good, city = checking
    bundle = copy.deepcopy(good)
    change(bundle["accounts"]["rows"])
    bundle["version"] = content_version(bundle)
    with city() as s, pytest.raises(BundleError) as caught:
        check_bundle(bundle, s, CITY)
    assert expected in str(caught.value) and "hunter2-secret" not in str(caught.value), str(caught.value)
