"""The availability check on a province federating cities: a city's view of a site (its line) is not the
site's availability; the province judges from its own probes (docs/federation.md, "Vantages")."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import to_ns
from core.config import Config, NodeConfig
from inspection.base import CheckContext, SiteTarget
from inspection.checks.availability import AvailabilityCheck, Settings
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore

AS_OF = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)
START = AS_OF - timedelta(days=7)
PORTAL = SiteTarget(code="P1", name="省政府门户", url="http://127.0.0.1:9/", level="provincial_portal",
                    node_code="430000", city_code="430000")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteMetricStore]:
    s = SQLiteMetricStore(tmp_path / "metrics.db")
    s.write([Point("site_probe", {"up": up}, to_ns(START + timedelta(hours=h + 0.5)),
                   {"site": "P1", "node": "430000", "city": "430000", "level": "provincial_portal",
                    "vantage": vantage})
             for h in range(168) for vantage, up in (("430000", 1), ("430100", 0))])  # 长沙 never reaches it
    try:
        yield s
    finally:
        s.close()


def run(store: SQLiteMetricStore, config: Config):  # type: ignore[no-untyped-def]
    check = AvailabilityCheck(CheckContext(config=config, settings=Settings(), fetcher=None, store=store))
    return asyncio.run(check.run(PORTAL, AS_OF, 10.0))


def test_a_federating_province_judges_the_portal_from_its_own_probes(store: SQLiteMetricStore) -> None:
    province = dataclasses.replace(Config(), node=NodeConfig(role="province", code="430000",
                                                             federated_cities=("430100",)))
    result = run(store, province)
    assert not result.findings and result.stats["probes"] == 168 and result.stats["failed"] == 0


def test_without_federation_every_probe_counts(store: SQLiteMetricStore) -> None:
    result = run(store, Config())
    assert result.stats["probes"] == 336 and result.stats["failed"] == 168
