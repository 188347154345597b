"""The MySQL/MariaDB kind on a real MariaDB primary and replica started here: the replica's lag and threads,
and a stopped SQL thread seen as such."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pymysql
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext
from collectors.kinds.service_mysql import MySQLServiceCollector
from core.clock import FixedClock
from db.session import transaction
from tests.collectors.mariadb_pair import running_mariadb_pair
from tests.collectors.services_support import add_service
from tests.collectors.support import make_config, seed_registry


def _poll(collector: MySQLServiceCollector) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for t in collector.targets():
        for p in collector.collect(t):
            if p.measurement == "service_mysql":
                found[t.key] = dict(p.fields)
    return found


def test_replica_lag_threads_and_a_stopped_sql_thread(sessions: sessionmaker[Session]) -> None:
    with running_mariadb_pair() as pair:
        with transaction(sessions) as s:
            seed_registry(s, {})
            add_service(s, "cms-db", "mysql", f"127.0.0.1:{pair.primary_port}")
            add_service(s, "cms-db-replica", "mysql", f"127.0.0.1:{pair.replica_port}")
        collector = MySQLServiceCollector(CollectorContext(
            config=make_config(service_timeout=5.0), sessions=sessions,
            clock=FixedClock(datetime(2026, 12, 7, 8, 0, tzinfo=UTC))))
        running = _poll(collector)
        conn = pymysql.connect(host="127.0.0.1", port=pair.replica_port, user="root", password="", autocommit=True)
        try:
            with conn.cursor() as cur:
                cur.execute("STOP SLAVE SQL_THREAD")
            stopped = _poll(collector)["cms-db-replica"]
        finally:
            conn.close()
    assert running["cms-db"]["is_replica"] == 0 and "replication_lag_s" not in running["cms-db"]
    replica = running["cms-db-replica"]
    assert replica["is_replica"] == 1 and replica["replication_lag_s"] == 0
    assert replica["replication_io_running"] == 1 and replica["replication_sql_running"] == 1
    assert stopped["replication_sql_running"] == 0 and stopped["replication_io_running"] == 1
    assert "replication_lag_s" not in stopped  # NULL while the SQL thread is stopped: unknown, not 0
