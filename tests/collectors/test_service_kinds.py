"""Each platform-service kind against the real server on loopback: the test PostgreSQL, MariaDB and Redis,
loopback HTTP and TCP servers. nginx has its own file (test_service_nginx.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg2
import pytest
from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext
from collectors.kinds.service_http import HTTPServiceCollector, field_values
from collectors.kinds.service_mysql import MySQLServiceCollector, replica_fields
from collectors.kinds.service_postgresql import PostgreSQLServiceCollector
from collectors.kinds.service_redis import RedisServiceCollector, redis_points
from collectors.kinds.service_tcp import TCPServiceCollector
from collectors.services import ServiceKind
from core.clock import FixedClock
from db.session import transaction
from tests.collectors.services_support import MYSQL_ADDRESS, PG_ADDRESS, REDIS_ADDRESS, add_service
from tests.collectors.sshd import free_port
from tests.collectors.support import make_config, seed_registry, serve
from tests.support.service_poll import poll_points

T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def _build(kind: type[ServiceKind], sessions: sessionmaker[Session]) -> tuple[Any, FixedClock]:
    clock = FixedClock(T0)
    ctx = CollectorContext(config=make_config(service_timeout=5.0), sessions=sessions, clock=clock)
    return kind(ctx), clock


def _register(sessions: sessionmaker[Session], *services: tuple[str, str, str, dict[str, Any]]) -> None:
    with transaction(sessions) as s:
        seed_registry(s, {})
        for name, kind, address, options in services:
            add_service(s, name, kind, address, **options)


def _poll(collector: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """service name → measurement → fields (+ tags under "_tags") of one poll of every target."""

    found: dict[str, dict[str, dict[str, Any]]] = {}
    for p in poll_points(collector):
        found.setdefault(p.tags["service"], {})[p.measurement + p.tags.get("database", "") +
                                                p.tags.get("path", "")] = {**p.fields, "_tags": dict(p.tags)}
    return found


def _down(found: dict[str, dict[str, dict[str, Any]]], name: str, error: str) -> str:
    svc = found[name]["service"]
    assert svc["up"] == 0 and svc["failure"] == 1 and svc["_tags"]["error"] == error, svc
    assert set(found[name]) == {"service"}, "a service that did not answer has no other figures"
    reason = str(svc["_tags"]["reason"])
    assert name in reason and any("\u4e00" <= c <= "\u9fff" for c in reason)
    return reason


# --- PostgreSQL --------------------------------------------------------------------------------------------


@pytest.fixture
def open_transaction() -> Iterator[None]:
    """Another session holding a transaction open on the test database."""
    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="test")
    try:
        with conn.cursor() as cur:
            cur.execute("select 1")
        yield
    finally:
        conn.rollback()
        conn.close()


def test_postgresql_connections_transactions_sizes_and_long_transactions(
        sessions: sessionmaker[Session], open_transaction: None) -> None:
    _register(sessions, ("pg-main", "postgresql", PG_ADDRESS, {"dbname": "test", "databases": ["test"],
                                                               "long_xact_s": 0, "size_limit_bytes": 2e12}),
              ("pg-gone", "postgresql", f"127.0.0.1:{free_port()}", {}))
    collector, clock = _build(PostgreSQLServiceCollector, sessions)
    first = _poll(collector)
    pg = first["pg-main"]["service_postgresql"]
    assert first["pg-main"]["service"]["up"] == 1 and first["pg-main"]["service"]["poll_ms"] > 0
    assert 1 <= pg["connections"] <= pg["max_connections"]
    assert pg["connections_percent"] == round(100 * pg["connections"] / pg["max_connections"], 1)
    assert "commits_per_s" not in pg and "cache_hit_percent" not in pg  # no rate from one sample
    assert pg["is_standby"] == 0 and pg["replicas"] == 0 and "replication_lag_s" not in pg
    assert pg["long_xacts"] >= 1 and pg["longest_xact_s"] > 0  # the open transaction of the fixture
    assert first["pg-main"]["service_postgresql_dbtest"]["size_bytes"] > 1_000_000
    assert first["pg-main"]["service_postgresql_dbtest"]["limit_bytes"] == 2_000_000_000_000
    assert len([k for k in first["pg-main"] if k.startswith("service_postgresql_db")]) == 1
    reason = _down(first, "pg-gone", "connect")
    assert "无法连接服务" in reason
    clock.advance(30)
    second = _poll(collector)["pg-main"]["service_postgresql"]
    assert second["commits_per_s"] > 0 and second["rollbacks_per_s"] >= 0
    assert "cache_hit_percent" not in second or 0 <= second["cache_hit_percent"] <= 100


# --- MySQL / MariaDB ---------------------------------------------------------------------------------------


def test_mariadb_threads_queries_and_replication(sessions: sessionmaker[Session]) -> None:
    _register(sessions, ("cms-db", "mysql", MYSQL_ADDRESS, {}),
              ("cms-db-intruder", "mysql", MYSQL_ADDRESS, {"user": "no_such_user_govops"}),
              ("cms-db-gone", "mysql", f"127.0.0.1:{free_port()}", {}))
    collector, clock = _build(MySQLServiceCollector, sessions)
    first = _poll(collector)
    my = first["cms-db"]["service_mysql"]
    assert first["cms-db"]["service"]["up"] == 1
    assert my["threads_connected"] >= 1 and my["threads_running"] >= 1 and my["max_connections"] > 0
    assert my["connections_percent"] == round(100 * my["threads_connected"] / my["max_connections"], 1)
    assert my["is_replica"] == 0 and "replication_lag_s" not in my and "queries_per_s" not in my
    assert "拒绝了登录" in _down(first, "cms-db-intruder", "auth")
    _down(first, "cms-db-gone", "connect")
    clock.advance(10)
    second = _poll(collector)["cms-db"]["service_mysql"]
    assert second["queries_per_s"] > 0 and second["slow_queries_per_s"] >= 0


def test_a_replica_status_row_gives_lag_and_threads() -> None:
    assert replica_fields(None) == [("is_replica", 0)]
    row = {"Slave_IO_Running": "Yes", "Slave_SQL_Running": "No", "Seconds_Behind_Master": None}
    assert dict(replica_fields(row)) == {"is_replica": 1, "replication_lag_s": None, "replication_io_running": 1,
                                         "replication_sql_running": 0}
    row = {"Replica_IO_Running": "Yes", "Replica_SQL_Running": "Yes", "Seconds_Behind_Source": 42}
    assert dict(replica_fields(row))["replication_lag_s"] == 42


# --- Redis -------------------------------------------------------------------------------------------------


def test_redis_memory_clients_and_command_rate(sessions: sessionmaker[Session]) -> None:
    _register(sessions, ("cache", "redis", REDIS_ADDRESS, {}),
              ("cache-gone", "redis", f"127.0.0.1:{free_port()}", {}))
    collector, clock = _build(RedisServiceCollector, sessions)
    first = _poll(collector)
    rd = first["cache"]["service_redis"]
    assert first["cache"]["service"]["up"] == 1
    assert rd["used_memory_bytes"] > 0 and rd["clients"] >= 1 and rd["persistence_errors"] == 0
    assert "commands_per_s" not in rd and rd["is_replica"] == 0 and "master_link_up" not in rd
    _down(first, "cache-gone", "connect")
    clock.advance(5)
    assert _poll(collector)["cache"]["service_redis"]["commands_per_s"] > 0


def test_redis_memory_limit_evictions_and_persistence_errors_from_info() -> None:
    info = {"used_memory": 900, "maxmemory": 1000, "connected_clients": 3, "rdb_last_bgsave_status": "err",
            "aof_last_write_status": "ok", "role": "slave", "master_link_status": "down"}
    (p,) = redis_points({"service": "c"}, info, {"evicted_keys": 12.5}, 1)
    assert p.fields["memory_percent"] == 90.0 and p.fields["evictions_per_s"] == 12.5
    assert p.fields["persistence_errors"] == 1 and p.fields["is_replica"] == 1 and p.fields["master_link_up"] == 0
    (p,) = redis_points({"service": "c"}, {"used_memory": 900, "maxmemory": 0}, {}, 1)
    assert "memory_percent" not in p.fields  # no limit: no share of it


# --- HTTP health endpoints and TCP ports ---------------------------------------------------------------------


def _health_app() -> web.Application:
    app = web.Application()

    async def health(_r: web.Request) -> web.Response:
        return web.json_response({"status": "UP", "db": {"pool": {"active": 3}}, "checks": [{"ok": True}],
                                  "version": "1.2"})

    async def down(_r: web.Request) -> web.Response:
        return web.json_response({"status": "DOWN"}, status=503)

    async def text(_r: web.Request) -> web.Response:
        return web.Response(text="OK")

    app.router.add_get("/health", health)
    app.router.add_get("/down", down)
    app.router.add_get("/text", text)
    return app


def test_http_status_latency_json_fields_and_expectations(sessions: sessionmaker[Session]) -> None:
    async def run() -> dict[str, dict[str, dict[str, Any]]]:
        async with serve(_health_app()) as base:
            _register(sessions,
                      ("cms-app", "http", base + "/health",
                       {"json_fields": "db.pool.active, checks.0.ok, version, nope.x", "expect": "status=UP"}),
                      ("cms-app-expect", "http", base + "/health", {"expect": "status=DOWN"}),
                      ("gateway", "http", base + "/down", {}),
                      ("gateway-503-ok", "http", base + "/down", {"expect_status": 503}),
                      ("plain", "http", base + "/text", {}),
                      ("plain-json", "http", base + "/text", {"json_fields": ["a"]}),
                      ("gone", "http", f"http://127.0.0.1:{free_port()}/", {}))
            collector, _ = _build(HTTPServiceCollector, sessions)
            return await asyncio.to_thread(_poll, collector)

    found = asyncio.run(run())
    app = found["cms-app"]
    assert app["service"]["up"] == 1 and app["service_http"]["status"] == 200 and app["service_http"]["latency_ms"] > 0
    assert app["service_http_fielddb.pool.active"]["value"] == 3.0
    assert app["service_http_fieldchecks.0.ok"]["value"] == 1.0
    version = app["service_http_fieldversion"]
    assert version["missing"] == 1 and version["_tags"]["reason"] == "str"
    assert app["service_http_fieldnope.x"]["_tags"]["reason"] == "absent"
    reason = _down(found, "cms-app-expect", "body")
    assert "DOWN" in reason and "UP" in reason
    assert "HTTP 503" in _down(found, "gateway", "status")
    assert found["gateway-503-ok"]["service"]["up"] == 1
    assert found["plain"]["service"]["up"] == 1 and found["plain"]["service_http"]["status"] == 200
    assert "不是 JSON" in _down(found, "plain-json", "body")
    _down(found, "gone", "connect")


def test_json_field_paths() -> None:
    doc = {"a": {"b": [10, {"c": False}]}, "n": None}
    assert field_values(doc, ["a.b.0", "a.b.1.c", "a.b.2", "n", "a"]) == {
        "a.b.0": 10.0, "a.b.1.c": 0.0, "a.b.2": "absent", "n": "null", "a": "dict"}


def test_tcp_port_connect_time_and_a_closed_port(sessions: sessionmaker[Session]) -> None:
    async def run() -> dict[str, dict[str, dict[str, Any]]]:
        async with serve(_health_app()) as base:
            _register(sessions, ("search", "tcp", base.removeprefix("http://"), {}),
                      ("queue", "tcp", f"127.0.0.1:{free_port()}", {}))
            collector, _ = _build(TCPServiceCollector, sessions)
            return await asyncio.to_thread(_poll, collector)

    found = asyncio.run(run())
    assert found["search"]["service"]["up"] == 1 and found["search"]["service_tcp"]["connect_ms"] >= 0
    assert "无法连接服务“queue”" in _down(found, "queue", "connect")


@pytest.fixture
def monitor_user() -> Iterator[tuple[str, str]]:
    """A MariaDB account with a password and no replication privilege (dropped afterwards)."""
    import pymysql

    user, password = "govops_test_mon", "s3cret-pw"
    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="")
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")
            cur.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
        yield user, password
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")
        conn.close()


def test_mariadb_password_from_a_secrets_file_and_replication_unknown_without_privilege(
        sessions: sessionmaker[Session], monitor_user: tuple[str, str], tmp_path: Any) -> None:
    user, password = monitor_user
    (tmp_path / "mon.pass").write_text(password + "\n", encoding="utf-8")
    (tmp_path / "wrong.pass").write_text("not-it\n", encoding="utf-8")
    with transaction(sessions) as s:
        seed_registry(s, {})
        add_service(s, "cms-db", "mysql", MYSQL_ADDRESS, credentials_ref="file:mon.pass", user=user)
        add_service(s, "cms-db-wrong", "mysql", MYSQL_ADDRESS, credentials_ref="file:wrong.pass", user=user)
        add_service(s, "cms-db-nofile", "mysql", MYSQL_ADDRESS, credentials_ref="file:absent.pass", user=user)
    clock = FixedClock(T0)
    ctx = CollectorContext(config=make_config(service_timeout=5.0, secrets_dir=str(tmp_path)), sessions=sessions,
                           clock=clock)
    found = _poll(MySQLServiceCollector(ctx))
    my = found["cms-db"]["service_mysql"]
    assert found["cms-db"]["service"]["up"] == 1 and my["threads_connected"] >= 1
    assert "is_replica" not in my  # may not read the replica status: unknown, not "no replica"
    assert "用户名或密码错误" in _down(found, "cms-db-wrong", "auth")
    assert "absent.pass" in _down(found, "cms-db-nofile", "config")
