"""Platform services across the federation (fast, no e2e): the province's registry of a city's services comes
down in the city's configuration bundle, checked whole and applied in the pull's transaction (what the
province withdraws is disabled, a service the city registered itself is left alone); a service alert raised
at the city reaches the province through the outbox; and the province's 平台服务 wall names the city node
that collects a federated city's service."""

from __future__ import annotations

import copy
import json
import socket
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.engine import AlertEngine
from alerts.rules import load_rule_files
from collectors.base import CollectorContext
from collectors.kinds.service_tcp import TCPServiceCollector
from core.clock import FixedClock, to_ns
from core.config import Config
from dashboard.service_data import service_frame
from db.models_services import Service
from db.session import transaction
from federation.bundle_check import BundleError, check_bundle
from federation.config_bundle import build_bundle, content_version
from federation.config_pull import CACHE_NAME, cache_dir, start_from_cache
from layouts.services import service_rows
from tests.collectors.services_support import add_service
from tests.federation.config_world import city_config, dead_url, open_db
from tests.federation.conftest import Federation
from tests.federation.relational import CITY, T0, City, M, Province, mirrored, unsent
from tests.support.service_poll import poll_points
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore
from tsdb.victoriametrics import VictoriaMetricsStore

RULES = Path(__file__).resolve().parents[2] / "data" / "alerts" / "rules" / "services.yaml"


def _province_bundle(tmp: Path, sessions: sessionmaker[Session]) -> dict[str, Any]:
    with sessions() as s:
        return build_bundle(s, CITY, rules_dir=tmp / "no-rules", receivers_file=tmp / "no-receivers.toml", now=T0)


def _apply(config: Config, sessions: sessionmaker[Session], bundle: dict[str, Any]) -> Any:
    """Apply ``bundle`` as a city starting with the province unreachable does (from its cache)."""
    base = cache_dir(config)
    base.mkdir(parents=True, exist_ok=True)
    (base / CACHE_NAME).write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return start_from_cache(config, sessions, "省级节点不可达")


def _services(sessions: sessionmaker[Session]) -> dict[str, tuple[Any, ...]]:
    with sessions() as s:
        return {r.name: (r.kind, r.address, r.node_code, r.credentials_ref, r.options, r.enabled)
                for r in s.scalars(select(Service))}


def _make_world(tmp: Path) -> tuple[sessionmaker[Session], Config, sessionmaker[Session]]:
    """(the province's registry with services of several regions, a city node, the city's database)."""
    province = open_db(f"sqlite:///{tmp / 'province.db'}")
    with transaction(province) as s:
        add_service(s, "cs-db", "postgresql", "127.0.0.1:5432", node=CITY, credentials_ref="env:CS_DB_PW",
                    databases=["cms", "search"], long_xact_s=30.0)
        add_service(s, "fr-web", "nginx", "http://127.0.0.1:8080/nginx_status", node="430102",
                    access_log="/var/log/nginx/access.log")
        add_service(s, "cs-health", "http", "http://127.0.0.1:8081/health", node=CITY, enabled=False,
                    verify_tls=False, json_fields=["db.ok"])
        add_service(s, "zz-cache", "redis", "127.0.0.1:6379", node="430200")  # another city's
        add_service(s, "prov-search", "tcp", "127.0.0.1:9200", node="430000")  # the province's own
    config = city_config(tmp / "city", dead_url(), "unused")
    city = open_db(config.database.url)
    with transaction(city) as s:
        add_service(s, "cs-own", "tcp", "127.0.0.1:5672", node=CITY)  # registered by the city itself
    return province, config, city


@pytest.fixture
def world(tmp_path: Path) -> tuple[sessionmaker[Session], Config, sessionmaker[Session]]:
    return _make_world(tmp_path)


@pytest.fixture(scope="module")
def checking(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], sessionmaker[Session]]:
    """(the province's bundle for the city, the city's database): one for every refusal case (none writes)."""
    tmp = tmp_path_factory.mktemp("checking")
    province, _config, city = _make_world(tmp)
    return _province_bundle(tmp, province), city


def test_the_citys_services_come_down_applied_updated_and_withdrawn(
        tmp_path: Path, world: tuple[sessionmaker[Session], Config, sessionmaker[Session]]) -> None:
    province, config, city = world
    bundle = _province_bundle(tmp_path, province)
    assert [x["name"] for x in bundle["services"]] == ["cs-db", "cs-health", "fr-web"]  # its city and counties
    assert bundle["services"][0]["credentials_ref"] == "env:CS_DB_PW"  # where the secret is, never the secret
    outcome = _apply(config, city, bundle)
    c = outcome.counts
    assert outcome.status == "from_cache" and (c.services_created, c.services_updated, c.services_withdrawn) == (
        3, 0, 0)
    assert "平台服务 新增 3、更新 0、停用 0" in outcome.text()
    got = _services(city)
    assert got["cs-db"] == ("postgresql", "127.0.0.1:5432", CITY, "env:CS_DB_PW",
                            {"databases": ["cms", "search"], "long_xact_s": 30.0}, True)
    assert got["cs-health"][4:] == ({"verify_tls": False, "json_fields": ["db.ok"]}, False)
    assert got["fr-web"][2] == "430102" and "zz-cache" not in got and "prov-search" not in got
    assert got["cs-own"][5] is True

    with transaction(province) as s:  # the province moves one service and stops listing another
        moved = s.scalars(select(Service).where(Service.name == "cs-db")).one()
        moved.address = "127.0.0.1:5433"
        s.delete(s.scalars(select(Service).where(Service.name == "fr-web")).one())
    outcome = _apply(config, city, _province_bundle(tmp_path, province))
    c = outcome.counts
    assert (c.services_created, c.services_updated, c.services_withdrawn) == (0, 1, 1)
    got = _services(city)
    assert got["cs-db"][1] == "127.0.0.1:5433"
    assert got["fr-web"][5] is False  # withdrawn: disabled, its history kept
    assert got["cs-own"][5] is True  # never the province's: untouched
    again = _apply(config, city, _province_bundle(tmp_path, province))
    assert not again.counts.database_changed and _services(city) == got


def test_a_bundle_without_services_leaves_the_citys_services_alone(
        tmp_path: Path, world: tuple[sessionmaker[Session], Config, sessionmaker[Session]]) -> None:
    province, config, city = world
    bundle = _province_bundle(tmp_path, province)
    del bundle["services"]  # an older province's bundle
    bundle["version"] = content_version(bundle)
    before = _services(city)
    outcome = _apply(config, city, bundle)
    assert outcome.status == "from_cache" and outcome.counts.services_created == 0
    assert _services(city) == before


@pytest.mark.parametrize(("change", "expected"), [
    (lambda s: s[0].update(kind="mongodb"), "平台服务第 1 条（cs-db）：kind 应为"),
    (lambda s: s[2].update(address="127.0.0.1:8080"), "平台服务第 3 条（fr-web）：服务地址“127.0.0.1:8080”无效"),
    (lambda s: s[0].update(node_code="430200"), "属于 430200，不在本市（430100）范围内"),
    (lambda s: s[0].update(credentials_ref="hunter2"), "凭据引用“hunter2”无效"),
    (lambda s: s[0].update(options={"nope": 1}), "nope"),
    (lambda s: s[0].update(options={"long_xact_s": -1}), "long_xact_s"),
    (lambda s: s[1].update(enabled="yes"), "enabled 应为 true 或 false"),
    (lambda s: s[1].update(name="cs-db"), "平台服务 cs-db 出现了两次"),
    (lambda s: s[1].pop("options"), "平台服务第 2 条（cs-health）：应为含"),
    (lambda s: s[1].update(name="has space"), "name 应为"),
])
def test_a_bad_service_refuses_the_bundle_whole(
        checking: tuple[dict[str, Any], sessionmaker[Session]], change: Any, expected: str) -> None:
    good, city = checking
    bundle = copy.deepcopy(good)
    change(bundle["services"])
    bundle["version"] = content_version(bundle)
    with city() as s, pytest.raises(BundleError) as caught:
        check_bundle(bundle, s, CITY)
    assert expected in str(caught.value), str(caught.value)


def _service_points(at: Any, up: int, *, city_code: str = CITY) -> list[Point]:
    tags = {"service": "cs-db", "kind": "postgresql", "node": CITY, "city": city_code}
    extra = {} if up else {"error": "connect", "reason": "连接被拒绝"}
    return [Point("service", {"up": up, "interval_s": 30.0}, to_ns(at), {**tags, **extra})]


def test_a_service_alert_raised_at_the_city_reaches_the_province(nodes: tuple[City, Province, str]) -> None:
    city, province, token = nodes
    engine = AlertEngine(city.sessions, city.store, load_rule_files([RULES]), city.clock)
    for minute in range(3):  # every poll failed for two minutes: service_down
        at = T0 + minute * M
        city.store.write(_service_points(at - timedelta(seconds=5), 0))
        city.clock.current = at
        engine.evaluate(at)
    assert unsent(city) > 0
    with province.serve() as url:
        city.relay(url, token).send()
    assert unsent(city) == 0
    got = [a for a in mirrored(province) if a.rule == "service_down"]
    assert len(got) == 1, [a.rule for a in mirrored(province)]
    alert = got[0]
    assert alert.labels["service"] == "cs-db" and alert.labels["node"] == CITY and alert.city_code == CITY
    assert "cs-db" in alert.summary and alert.state.value == "firing"


def test_the_province_wall_names_the_city_node_that_collects_a_service(tmp_path: Path) -> None:
    province = open_db(f"sqlite:///{tmp_path / 'province.db'}")
    with transaction(province) as s:
        add_service(s, "cs-db", "postgresql", "127.0.0.1:5432", node=CITY)
        add_service(s, "prov-search", "tcp", "127.0.0.1:9200", node="430000")
    store = SQLiteMetricStore(tmp_path / "province-metrics.db")
    now = T0 + 10 * M
    try:  # the city's points as its vmagent hands them over (tsdb/forwarding.py), and the province's own
        store.write(_service_points(now - timedelta(seconds=20), 1))
        store.write([Point("service", {"up": 1}, to_ns(now - timedelta(seconds=20)),
                           {"service": "prov-search", "kind": "tcp", "node": "430000", "city": "430000"}),
                     Point("service", {"up": 0}, to_ns(now - timedelta(seconds=20)),  # known only by its points
                           {"service": "cs-mq", "kind": "tcp", "node": "430102", "city": CITY,
                            "error": "connect", "reason": "连接被拒绝"})])
        df = service_frame(store, province, now, timedelta(days=1), 30.0, "省本级", "430000", (CITY,))
    finally:
        store.close()
    by = {r.name: r for r in df.itertuples(index=False)}
    assert (by["cs-db"].status, by["cs-db"].origin_code, by["cs-db"].origin_name) == ("up", CITY, "长沙市节点")
    assert (by["cs-mq"].status, by["cs-mq"].origin_name) == ("down", "长沙市节点")
    assert by["prov-search"].origin_code == "430000"
    assert not isinstance(by["prov-search"].origin_name, str)  # this node's own: no origin shown (None/NaN)
    text = {r.children[0].children: str(r.children[2].children) for r in service_rows(df)}
    assert "由长沙市节点采集" in text["cs-db"] and "采集" not in text["prov-search"]


@pytest.mark.e2e  # real VictoriaMetrics and vmagent: about 10 s, mostly vmagent's flush
def test_a_city_polls_its_service_and_the_province_wall_shows_it_from_the_uplink(
        tmp_path: Path, federation: Federation) -> None:
    """The real road of a service's figures: the city's TCP kind polls a port on loopback, the points go
    through the forwarding store and the city's real vmagent to the province's VictoriaMetrics, and the
    province's wall reads the service there, 正常, collected by the city's node."""
    city = open_db(f"sqlite:///{tmp_path / 'city.db'}")
    province = open_db(f"sqlite:///{tmp_path / 'province.db'}")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    for sessions in (city, province):  # registered at the province, pulled by the city
        with transaction(sessions) as s:
            add_service(s, "cs-mq", "tcp", f"127.0.0.1:{port}", node=CITY)
    now = datetime.now(UTC)
    config = replace(federation.config, collectors=replace(federation.config.collectors, service_timeout=5.0))
    collector = TCPServiceCollector(CollectorContext(config=config, sessions=city, clock=FixedClock(now)))
    try:
        points = poll_points(collector)
        assert [p.fields.get("up") for p in points if p.measurement == "service"] == [1]
        with federation.province() as url:
            assert federation.city.write(points) == len(points)
            store = VictoriaMetricsStore(url, timeout=10)
            try:
                df = pd.DataFrame()
                for _ in range(60):  # bounded: vmagent flushes every second
                    df = service_frame(store, province, now + timedelta(seconds=1), timedelta(hours=1), 30.0,
                                       "省本级", "430000", (CITY,))
                    if len(df) and df.iloc[0]["status"] == "up":
                        break
                    time.sleep(0.5)
            finally:
                store.close()
    finally:
        listener.close()
    row = df.iloc[0]
    assert (row["name"], row["status"], row["node_code"], row["origin_name"]) == ("cs-mq", "up", CITY, "长沙市节点")
    assert dict((label, value) for label, value, _u in row["figures"])["建立连接耗时"] is not None
