"""The province's walls with federated cities, on a real registry (SQLite and PostgreSQL) and metric store:
a cut city's sites and hosts read unknown since when (never failed, not counted as down), each city node's
link, and one site from several vantages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask_caching import Cache

from core.clock import FixedClock
from dashboard.data import WallData
from db.models_federation import FederatedNode
from db.session import transaction
from federation.vantage import Verdict, judge
from tests.dashboard.federated_world import CUT_SINCE, FEDERATED, federate
from tests.dashboard.world import NOW, build_world


@pytest.fixture
def fed(db_url: str, tmp_path: Path) -> Iterator[WallData]:
    world = federate(build_world(tmp_path, db_url=db_url))
    app = Flask(__name__)
    app.config["CACHE_TYPE"] = "SimpleCache"
    cache = Cache()
    cache.init_app(app)
    try:
        with app.app_context():
            yield WallData(world.config, world.store, world.sessions, cache, FixedClock(NOW))
    finally:
        world.close()


def test_a_cut_citys_sites_and_hosts_are_unknown_since_never_down(fed: WallData) -> None:
    sites = fed.site_frame(NOW).set_index("code")
    assert dict(sites["status"]) == {"P0001": "up", "C0100": "unknown", "X0102": "unknown", "C0200": "up",
                                     "X0302": "slow", "C0400": "stale"}
    assert sites.loc["X0102", "cut"] and not sites.loc["C0200", "cut"]
    d = fed.site_detail("X0102", NOW)
    assert d is not None and d.status == "unknown" and d.cut and d.cut_since == CUT_SINCE
    k = fed.overview_kpis(NOW)
    # X0102 was the only failed site: while 长沙 is cut it is unknown, not down, and said to be so.
    assert (k.sites_down, k.sites_unknown, k.hosts_unknown) == (0, 2, 1)
    hosts = fed.host_frame(NOW).set_index("name")
    assert hosts.loc["cms-cs", "status"] == "unknown" and hosts.loc["web-01", "status"] == "up"
    city = fed.city_health(NOW).set_index("code")
    assert city.loc["430100", "status"] == "unknown" and city.loc["430100", "unknown"] == 2
    assert city.loc["430100", "availability"] is None or city.loc["430100", "availability"] != city.loc[
        "430100", "availability"]  # no availability for a city nobody can see
    assert city.loc["430200", "status"] == "up"


def test_node_links_in_configured_order(fed: WallData) -> None:
    links = fed.node_links(NOW)
    assert [(r.code, r.name, r.state) for r in links] == [("430100", "长沙市", "unreachable"),
                                                          ("430200", "株洲市", "online")]
    assert links[0].since == CUT_SINCE
    assert fed.cut_cities(NOW) == {"430100": CUT_SINCE}


def test_reconnection_brings_the_city_back(fed: WallData) -> None:
    later = NOW + timedelta(minutes=1)
    with transaction(fed.sessions) as s:
        for code in FEDERATED:  # both call again (the relay touches a node on every call)
            row = s.get(FederatedNode, code)
            assert row is not None
            row.last_seen_at = later
    assert fed.cut_cities(later) == {}
    assert not fed.site_frame(later)["cut"].any()


def test_the_portal_from_every_vantage(fed: WallData) -> None:
    probes = fed.site_vantages("P0001", NOW)
    assert [(p.vantage, p.name, p.up) for p in probes] == [("430000", "省级节点", True), ("430200", "株洲市", False)]
    assert probes[0].latency_ms == pytest.approx(90.0)
    v = judge(probes, NOW, timedelta(seconds=120))
    assert (v.verdict, v.failing) == (Verdict.PATH, ("株洲市",))
    # The portal's own status and availability are the province's vantage: 株洲's line is not the portal's fault.
    worst = fed.worst_sites(NOW, n=10).set_index("code")
    assert worst.loc["P0001", "status"] == "up" and worst.loc["P0001", "availability"] == pytest.approx(100.0)
    # 长沙's sites: their availability is what 长沙's node measured (its forwarded history), their state unknown.
    assert worst.loc["X0102", "availability"] == pytest.approx(50.0, abs=1.0)
    assert worst.loc["X0102", "status"] == "unknown" and worst.loc["X0102", "cut"]


def test_without_federation_nothing_changes(data: WallData) -> None:
    assert fed_free(data)


def fed_free(data: WallData) -> bool:
    return data.node_links(NOW) == [] and data.cut_cities(NOW) == {} and not data.site_frame(NOW)["cut"].any()
