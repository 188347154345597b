"""A province (real victoria-metrics, restartable on one folder and port) and a city (its embedded store behind
the forwarding store, and its real vmagent) on loopback; and for the relational link, ``nodes``: a city database
capturing its outbox and a province database (tests/federation/relational.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.clock import to_ns
from core.config import Config, load_config
from tests.federation.relational import City, Province, make_city, make_province
from tests.support.victoria import _free_port, victoria_metrics
from tests.support.vmagent import Agent
from tsdb.factory import open_store
from tsdb.forwarding import ForwardingStore
from tsdb.point import Point
from tsdb.store import MetricStore, Query
from tsdb.victoriametrics import VictoriaMetricsStore

CITY = "430100"
MEASUREMENT, FIELD = "fed_probe", "seq"
SITES = 20  # points per batch: one probe of each site, one batch a (simulated) minute
# The province deduplicates samples of one series with one timestamp (a block vmagent re-sends after a restart):
# VictoriaMetrics' own mechanism, docs/federation.md.
DEDUP = "-dedup.minScrapeInterval=1ms"
# Three hours ago, on the hour: in the past (the server drops samples days ahead) and in one query range.
T0 = (datetime.now(UTC) - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)


def city_config(tmp: Path, province_port: int) -> Config:
    return load_config(env={
        "GOVOPS_NODE__ROLE": "city", "GOVOPS_NODE__CODE": CITY,
        "GOVOPS_NODE__UPSTREAM_URL": f"http://127.0.0.1:{province_port}",
        "GOVOPS_UPLINK__LISTEN": f"127.0.0.1:{_free_port()}",
        "GOVOPS_UPLINK__BUFFER_DIR": str(tmp / "uplink"),
        "GOVOPS_UPLINK__HANDOVER_RETRY_SECONDS": "20",
        "GOVOPS_METRICS__EMBEDDED__PATH": str(tmp / "city-metrics.db")})


@dataclass
class Ledger:
    """What the city wrote: the number of points and the sum of their values."""

    count: int = 0
    total: float = 0.0

    def batch(self, minute: int, at: datetime | None = None) -> list[Point]:
        """One simulated minute (timed ``at`` when given: collected now), a point per site, each value its
        sequence number (distinct, so sums tell)."""
        pts = []
        base = T0 + timedelta(minutes=minute) if at is None else at
        for site in range(SITES):
            seq = self.count + 1
            t = to_ns(base + timedelta(milliseconds=site))
            pts.append(Point(MEASUREMENT, {FIELD: float(seq)}, t, {"site": f"s{site:02d}"}))
            self.count, self.total = seq, self.total + seq
        return pts


def totals(store: MetricStore, **tags: str) -> tuple[int, float]:
    """(count, sum) of every point of the test measurement a store holds."""
    out = []
    for agg in ("count", "sum"):
        df = store.query(Query(MEASUREMENT, FIELD, T0, T0 + timedelta(days=1), agg=agg, tags=tags))  # type: ignore[arg-type]
        out.append(float(df["value"].sum()) if len(df) else 0.0)
    return int(out[0]), out[1]


def wait_for(province_url: str, want: Ledger, deadline_s: float = 120.0) -> tuple[tuple[int, float], float]:
    """Poll the province until it holds exactly ``want`` for the city (or the deadline passes): (its totals, the
    seconds it took)."""
    store = VictoriaMetricsStore(province_url, timeout=10)
    start = time.monotonic()
    seen = (0, 0.0)
    try:
        while time.monotonic() - start < deadline_s:
            seen = totals(store, node=CITY)
            if seen[0] >= want.count and seen[1] >= want.total:
                break
            time.sleep(0.5)
        time.sleep(1.5)  # a late duplicate (a re-sent block) would show within vmagent's flush interval
        seen = totals(store, node=CITY)
    finally:
        store.close()
    return seen, time.monotonic() - start


@dataclass
class Federation:
    tmp: Path
    province_port: int
    config: Config
    agent: Agent
    city: ForwardingStore

    def province(self) -> AbstractContextManager[str]:
        """The province's server, started (again) on its folder and port."""
        return victoria_metrics(self.tmp / "province", DEDUP, port=self.province_port)


@pytest.fixture
def federation(tmp_path: Path) -> Iterator[Federation]:
    (tmp_path / "province").mkdir()
    port = _free_port()
    config = city_config(tmp_path, port)
    agent = Agent(config, tmp_path / "vmagent.log").start()
    store = open_store(config)
    assert isinstance(store, ForwardingStore)
    try:
        yield Federation(tmp_path, port, config, agent, store)
    finally:
        store.close()
        agent.stop()




@pytest.fixture
def nodes(tmp_path: Path, migrated_db: tuple[str, sessionmaker[Session]]) -> Iterator[tuple[City, Province, str]]:
    """A city (SQLite, capturing its outbox) and the province (the ``migrated_db`` backend, not yet served),
    with the city's node token: tests/federation/relational.py."""
    (tmp_path / "city").mkdir()
    city, engine = make_city(tmp_path / "city")
    province, token = make_province(tmp_path, migrated_db[1])
    try:
        yield city, province, token
    finally:
        city.store.close()
        province.store.close()
        engine.dispose()
