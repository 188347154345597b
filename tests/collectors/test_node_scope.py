"""A city node collects and inspects its own city's sites (the city's and its counties'); the province,
and one machine for everything, collect every site."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext
from collectors.kinds.inspection import InspectionCollector
from collectors.kinds.site_probe import SiteProbeCollector
from core.clock import FixedClock
from core.config import NodeConfig
from db.models import Node, NodeLevel, Site, SiteLevel
from db.session import transaction
from inspection.runner import InspectionRunner
from tests.collectors.support import make_config, seed_registry

URLS = {"P1": "http://127.0.0.1:9/", "C1": "http://127.0.0.2:9/", "X1": "http://127.0.0.3:9/"}


@pytest.fixture
def fleet(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with transaction(sessions) as s:
        seed_registry(s, URLS)
        s.add(Node(code="430200", name="株洲市", level=NodeLevel.CITY, parent_code="430000"))
        s.add(Node(code="430202", name="荷塘区", level=NodeLevel.COUNTY, parent_code="430200"))
        s.flush()
        s.add(Site(code="Z1", name="株洲市人民政府", url="http://127.0.0.4:9/", level=SiteLevel.CITY_PORTAL,
                   node_code="430200"))
        s.add(Site(code="Z2", name="荷塘区人民政府", url="http://127.0.0.5:9/", level=SiteLevel.COUNTY_PORTAL,
                   node_code="430202"))
    return sessions


@pytest.mark.parametrize(("role", "code", "expected"), [
    ("all-in-one", "430000", ["C1", "P1", "X1", "Z1", "Z2"]),
    ("province", "430000", ["C1", "P1", "X1", "Z1", "Z2"]),
    ("city", "430100", ["C1", "X1"]),
    ("city", "430200", ["Z1", "Z2"]),
])
def test_collectors_and_inspection_target_the_sites_the_node_serves(fleet: sessionmaker[Session], role: str,
                                                                    code: str, expected: list[str]) -> None:
    config = dataclasses.replace(make_config(), node=NodeConfig(role=role, code=code))
    ctx = CollectorContext(config=config, sessions=fleet, clock=FixedClock(datetime(2026, 12, 6, 8, 0, tzinfo=UTC)))
    probed = SiteProbeCollector(ctx).targets()
    # A city's probe also reaches the provincial portal (a vantage of it), tagged with the city as vantage.
    assert [t.key for t in probed] == sorted({*expected, "P1"})
    assert {t.labels["vantage"] for t in probed} == {code}
    assert [t.key for t in InspectionCollector(ctx).targets()] == expected
    runner = InspectionRunner(config, fleet, None)
    assert [t.code for t in runner.targets()] == expected
    # An operator may still name any registered site (e.g. `inspect --sites` on the province's behalf).
    assert [t.code for t in runner.targets(["P1"])] == ["P1"]


def test_a_province_leaves_federated_cities_to_their_nodes_but_still_probes_them(
        fleet: sessionmaker[Session]) -> None:
    """A province federating 株洲: 株洲's sites are inspected by 株洲's node, not by the province; the
    province still probes them, as one vantage of several."""
    config = dataclasses.replace(make_config(), node=NodeConfig(role="province", code="430000",
                                                                federated_cities=("430200",)))
    ctx = CollectorContext(config=config, sessions=fleet, clock=FixedClock(datetime(2026, 12, 6, 8, 0, tzinfo=UTC)))
    assert [t.key for t in SiteProbeCollector(ctx).targets()] == ["C1", "P1", "X1", "Z1", "Z2"]
    assert [t.key for t in InspectionCollector(ctx).targets()] == ["C1", "P1", "X1"]
    assert [t.code for t in InspectionRunner(config, fleet, None).targets()] == ["C1", "P1", "X1"]
