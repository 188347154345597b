"""The province's rules with federated cities: a cut city is one alert (市级节点失联), never a storm of
absence alerts for its hosts and sites; real database (SQLite and PostgreSQL) and embedded store."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.engine import AlertEngine
from alerts.federated import NODE_UNREACHABLE_NAME, drop_federated, evaluate_links, federated_row
from alerts.rules import load_rule_files
from alerts.states import AlertState
from core.clock import to_ns
from core.config import Config, NodeConfig
from db.models import Node, NodeLevel
from db.models_alerts import Alert
from db.models_federation import FederatedNode
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore

T0 = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
M = timedelta(minutes=1)
RULES = """\
version: 1
groups:
  - name: test
    rules:
      - name: host_silent
        kind: absence
        severity: high
        measurement: host
        field: cpu_percent
        absent_for: 5m
        group_by: [host, node, city]
        summary: "主机 {labels[host]} 停止上报"
      - name: site_down
        kind: threshold
        severity: critical
        measurement: site_probe
        field: up
        agg: last
        window: 5m
        op: "=="
        value: 0
        group_by: [site, node, city]
        summary: "网站 {labels[site]} 无法访问"
"""


def test_federated_row_by_city_then_node() -> None:
    assert federated_row({"city": "430100", "node": "430102"}, {"430100"})
    assert federated_row({"node": "430102"}, {"430100"})  # a county's node belongs to its city
    assert not federated_row({"city": "430000", "node": "430000"}, {"430100"})
    assert not federated_row({"collector": "host"}, {"430100"})
    frame = pd.DataFrame({"city": ["430100", "430200", None], "node": ["430100", "430200", "430121"],
                          "value": [1, 2, 3]})
    assert drop_federated(frame, {"430100"})["value"].tolist() == [2]
    assert drop_federated(frame, ())["value"].tolist() == [1, 2, 3]


def test_evaluate_links_one_per_lost_city_never_connected_not_alerted() -> None:
    now = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
    (inst,) = evaluate_links({"430100": now - timedelta(minutes=12), "430200": None}, now)
    assert inst.labels == {"node": "430100", "city": "430100"} and inst.active and inst.city_code == "430100"
    assert inst.value == 720.0 and inst.facts["details"] == {"since": "08:18"}


@pytest.fixture
def world(migrated_db: tuple[str, sessionmaker[Session]], tmp_path: Path) -> Iterator[tuple]:
    _, sessions = migrated_db
    with sessions() as s, s.begin():
        s.add(Node(code="430000", name="湖南省", level=NodeLevel.PROVINCE))
        s.add(Node(code="430100", name="长沙市", level=NodeLevel.CITY, parent_code="430000"))
        s.add(Node(code="430200", name="株洲市", level=NodeLevel.CITY, parent_code="430000"))
    store = SQLiteMetricStore(tmp_path / "m.db")
    rule_file = tmp_path / "rules.yaml"
    rule_file.write_text(RULES, encoding="utf-8")
    config = dataclasses.replace(Config(), node=NodeConfig(role="province", code="430000",
                                                           federated_cities=("430100", "430200")))
    try:
        yield sessions, store, load_rule_files([rule_file]), config
    finally:
        store.close()


def _seen(sessions: sessionmaker[Session], code: str, at: datetime) -> None:
    with sessions() as s, s.begin():
        row = s.get(FederatedNode, code)
        if row is None:
            s.add(FederatedNode(code=code, first_seen_at=at, last_seen_at=at, last_event_seq=0, events_applied=0))
        else:
            row.last_seen_at = at


def _open(sessions: sessionmaker[Session]) -> list[Alert]:
    with sessions() as s:
        return list(s.scalars(select(Alert).where(Alert.state != AlertState.RESOLVED).order_by(Alert.id)))


def test_cut_city_is_one_alert_and_no_absence_storm(world: tuple) -> None:
    sessions, store, rs, config = world
    hosts = [("cs-web-1", "430100", "430100"), ("cs-db-1", "430102", "430100"), ("zz-web-1", "430200", "430200"),
             ("prov-web-1", "430000", "430000")]
    # Every host reported once at T0; then the cut: no series of Changsha arrives any more.
    store.write([Point("host", {"cpu_percent": 10.0}, to_ns(T0), {"host": h, "node": n, "city": c})
                 for h, n, c in hosts])
    store.write([Point("site_probe", {"up": 0}, to_ns(T0), {"site": "4301000001", "node": "430100",
                                                             "city": "430100", "vantage": "430100"})])
    _seen(sessions, "430100", T0)
    _seen(sessions, "430200", T0)
    eng = AlertEngine(sessions, store, rs, config=config)
    later = T0 + 20 * M
    _seen(sessions, "430200", later)  # Zhuzhou still calls; Changsha does not
    eng.evaluate(later)
    got = _open(sessions)
    # The province's own host is silent (its own absence alert); the federated cities' are not judged here.
    assert sorted(a.rule for a in got) == [NODE_UNREACHABLE_NAME, "host_silent"]
    (silent,) = [a for a in got if a.rule == "host_silent"]
    assert silent.labels["host"] == "prov-web-1"
    (link,) = [a for a in got if a.rule == NODE_UNREACHABLE_NAME]
    assert link.city_code == "430100" and link.state == AlertState.FIRING
    assert link.summary.startswith("市级节点 长沙市 自 00:00 起失联，已 20 分钟")
    assert (link.facts or {})["title"] == "市级节点失联"
    # Reconnection resolves it: one fault, one problem, one resolution.
    _seen(sessions, "430100", later + M)
    eng.evaluate(later + M)
    assert [a.rule for a in _open(sessions)] == ["host_silent"]


def test_without_federation_the_engine_judges_every_city(world: tuple) -> None:
    sessions, store, rs, _ = world
    store.write([Point("host", {"cpu_percent": 10.0}, to_ns(T0), {"host": "cs-web-1", "node": "430100",
                                                                   "city": "430100"})])
    AlertEngine(sessions, store, rs).evaluate(T0 + 20 * M)
    assert [a.rule for a in _open(sessions)] == ["host_silent"]


def test_province_rules_read_their_own_vantage_only(world: tuple) -> None:
    sessions, store, rs, config = world
    portal = {"site": "4300000001", "node": "430000", "city": "430000"}
    store.write([Point("site_probe", {"up": 1}, to_ns(T0), {**portal, "vantage": "430000"}),
                 Point("site_probe", {"up": 0}, to_ns(T0) + 10_000_000, {**portal, "vantage": "430200"})])
    _seen(sessions, "430100", T0)
    _seen(sessions, "430200", T0)
    AlertEngine(sessions, store, rs, config=config).evaluate(T0 + M)
    # Zhuzhou cannot reach the portal (a path problem, shown per vantage on the site page): no site_down here.
    assert [a.rule for a in _open(sessions) if a.rule == "site_down"] == []


def test_a_city_node_does_not_alert_on_its_view_of_the_provincial_portal(world: tuple) -> None:
    sessions, store, rs, _ = world
    city = dataclasses.replace(Config(), node=NodeConfig(role="city", code="430100"))
    store.write([Point("site_probe", {"up": 0}, to_ns(T0), {"site": "4300000001", "node": "430000",
                                                             "city": "430000", "vantage": "430100"}),
                 Point("site_probe", {"up": 0}, to_ns(T0), {"site": "4301000001", "node": "430102",
                                                             "city": "430100"})])  # older, untagged: counts
    AlertEngine(sessions, store, rs, config=city).evaluate(T0 + M)
    assert [a.labels["site"] for a in _open(sessions) if a.rule == "site_down"] == ["4301000001"]
