"""The dashboard test world as a province federating two cities: 长沙 (430100) cut off 14 minutes before NOW,
株洲 (430200) online; 湘潭 stays the province's own. The provincial portal is up from the province and down
from 株洲 (a path problem); 长沙's history carries its own node's vantage."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from core.clock import to_ns
from core.config import NodeConfig
from db.models_federation import FederatedNode
from db.session import transaction
from tests.dashboard.world import NOW, World, probe_points
from tsdb.point import Point

CUT_SINCE = NOW - timedelta(minutes=14)  # 长沙 last heard from then
FEDERATED = ("430100", "430200")  # 长沙 (cut) and 株洲 (online); 湘潭 is run by the province itself


def federate(world: World) -> World:
    world.config = dataclasses.replace(world.config, node=NodeConfig(role="province", code="430000",
                                                                     federated_cities=FEDERATED))
    with transaction(world.sessions) as s:
        s.add(FederatedNode(code="430100", first_seen_at=NOW - timedelta(days=1), last_seen_at=CUT_SINCE))
        s.add(FederatedNode(code="430200", first_seen_at=NOW - timedelta(days=1),
                            last_seen_at=NOW - timedelta(seconds=10)))
    portal = {"site": "P0001", "node": "430000", "city": "430000", "level": "provincial_portal"}
    # 长沙's history as its own node probed it (forwarded with vantage 430100) until the cut.
    world.store.write([Point(p.measurement, p.fields, p.time_ns, {**p.tags, "vantage": "430100"})
                       for p in probe_points() if p.tags.get("city") == "430100"])
    world.store.write([
        # 株洲's own node probes its portal (forwarded with vantage 430200): its status comes from there.
        Point("site_probe", {"up": 1, "latency_ms": 150.0}, to_ns(NOW - timedelta(seconds=20)),
              {"site": "C0200", "node": "430200", "city": "430200", "level": "city_portal", "vantage": "430200"}),
        # The province sees its portal up; 株洲 cannot reach it (a path problem, not the portal's).
        Point("site_probe", {"up": 1, "latency_ms": 90.0}, to_ns(NOW - timedelta(seconds=15)),
              {**portal, "vantage": "430000"}),
        Point("site_probe", {"up": 0, "latency_ms": 15000.0}, to_ns(NOW - timedelta(seconds=10)),
              {**portal, "vantage": "430200"}),
    ])
    return world
