"""The PostgreSQL kind on a real primary and streaming standby started here: the primary counts its replica,
the standby says it is one and how far behind its replay is."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext
from collectors.kinds.service_postgresql import PostgreSQLServiceCollector
from core.clock import FixedClock
from db.session import transaction
from tests.collectors.pg_pair import running_pg_pair
from tests.collectors.services_support import add_service
from tests.collectors.support import make_config, seed_registry


def test_primary_and_standby_replication_figures(sessions: sessionmaker[Session]) -> None:
    with running_pg_pair() as pair:
        with transaction(sessions) as s:
            seed_registry(s, {})
            add_service(s, "pg-primary", "postgresql", f"127.0.0.1:{pair.primary_port}")
            add_service(s, "pg-standby", "postgresql", f"127.0.0.1:{pair.standby_port}")
        collector = PostgreSQLServiceCollector(CollectorContext(
            config=make_config(service_timeout=5.0), sessions=sessions,
            clock=FixedClock(datetime(2026, 12, 7, 8, 0, tzinfo=UTC))))
        found: dict[str, dict[str, Any]] = {}
        for t in collector.targets():
            for p in collector.collect(t):
                if p.measurement == "service_postgresql":
                    found[t.key] = dict(p.fields)
    primary, standby = found["pg-primary"], found["pg-standby"]
    assert primary["is_standby"] == 0 and primary["replicas"] == 1
    assert standby["is_standby"] == 1 and "replicas" not in standby
    assert 0 <= standby["replication_lag_s"] < 3600  # since the last replayed transaction
