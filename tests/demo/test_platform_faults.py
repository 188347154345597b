"""The demo's platform services on a live fleet: the seeded fault (全文检索服务 refused) is found by the real
service collectors, the others answer, and the fault's impact names the sites that depend on it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext
from collectors.kinds.service_http import HTTPServiceCollector
from collectors.kinds.service_tcp import TCPServiceCollector
from core.clock import FixedClock
from dashboard.impact_data import alert_affected, site_targets
from db.hunan import seed_nodes
from db.models_services import Service
from demo.fleet import FleetSpec, build_fleet
from demo.platform import demo_services
from demo.server import FleetServer
from runtime.bootstrap import load_demo_platform, load_registry, register_local_host
from tests.demo.conftest import demo_config
from tests.support.service_poll import poll_points
from tsdb.point import Point


@pytest.fixture
def world(migrated_db: tuple[str, sessionmaker[Session]], tmp_path: Path
          ) -> Iterator[tuple[FleetSpec, sessionmaker[Session], Any]]:
    _, sessions = migrated_db
    with sessions.begin() as s:
        seed_nodes(s)
    config = demo_config(tmp_path)
    spec = build_fleet(config, datetime.now(UTC))
    handle = FleetServer(spec).start_in_thread()
    try:
        handle.ready(timeout=30)
        load_registry(config, sessions, spec)
        host = register_local_host(config, sessions)
        load_demo_platform(config, sessions, spec, host)
        load_demo_platform(config, sessions, spec, host)  # a second start changes nothing and does not fail
        yield spec, sessions, config
    finally:
        handle.stop()


def _poll(kind: type, sessions: sessionmaker[Session], config: Any) -> list[Point]:
    return poll_points(kind(CollectorContext(config=config, sessions=sessions, clock=FixedClock(datetime.now(UTC)))))


def test_the_seeded_service_fault_is_found_and_names_the_sites_it_affects(
        world: tuple[FleetSpec, sessionmaker[Session], Any]) -> None:
    spec, sessions, config = world
    expected = {d.name: d.up for d in demo_services(spec)}
    with sessions() as s:
        assert {svc.name for svc in s.scalars(select(Service))} == set(expected)
    points = _poll(TCPServiceCollector, sessions, config) + _poll(HTTPServiceCollector, sessions, config)
    up = {p.tags["service"]: p.fields["up"] for p in points if p.measurement == "service"}
    reasons = [p.tags.get("reason") for p in points if p.measurement == "service"]
    assert up == {name: int(ok) for name, ok in expected.items()}, reasons
    assert expected["全文检索服务"] is False and expected["省门户CMS应用"] is True
    down = [p for p in points if p.measurement == "service" and p.fields["up"] == 0]
    assert all("全文检索服务" in p.tags["reason"] for p in down)

    portal = next(s for s in spec.sites if s.level == "provincial_portal")
    with sessions() as s:
        affected = alert_affected(s, {"service": "全文检索服务"})
    assert affected is not None and [code for code, _ in affected] == [portal.code]
    with sessions() as s:
        publishing = alert_affected(s, {"service": "站群发布接口"})
    cities = {x.code for x in spec.sites if x.level == "city_portal"}
    assert publishing is not None and {code for code, _ in publishing} == cities | {portal.code}
    served = site_targets(sessions, portal.code)
    assert set(served["service"]) == set(expected) and len(served["host"]) == 1


def test_an_untrusted_certificate_is_named_as_such(world: tuple[FleetSpec, sessionmaker[Session], Any]) -> None:
    """Without the platform CA ([collectors] probe_ca_file) the HTTPS portal's certificate cannot be verified,
    and the reason says so (not an OS error number that happens to equal the TLS error's)."""
    spec, sessions, config = world
    portal = next(s for s in spec.sites if s.level == "provincial_portal")
    assert portal.url.startswith("https://")
    plain = dataclasses.replace(config, collectors=dataclasses.replace(config.collectors, probe_ca_file=""))
    points = _poll(HTTPServiceCollector, sessions, plain)
    (svc,) = [p for p in points if p.measurement == "service"]
    assert svc.fields["up"] == 0 and "证书校验未通过" in svc.tags["reason"], svc.tags
