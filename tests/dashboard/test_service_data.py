"""The 平台服务 wall's data: states from the newest poll over all of a service's series, stale and never-seen
services as 未知, figures only while up and fresh, the viewer's region; and the pure layout pieces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from collectors.loader import load_kinds
from core.clock import to_ns
from dashboard.service_data import in_scope, service_frame
from db.session import transaction
from layouts.services import format_figure, kind_counts, service_kpi_items
from tests.collectors.conftest import sessions  # noqa: F401  (the migrated SQLite registry fixture)
from tests.collectors.services_support import add_service
from tests.collectors.support import seed_registry
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def _tags(name: str, kind: str, node: str) -> dict[str, str]:
    return {"service": name, "kind": kind, "node": node, "city": "430100"}


def test_states_figures_and_scope(sessions: sessionmaker[Session], tmp_path: Path) -> None:  # noqa: F811
    load_kinds()
    with transaction(sessions) as s:
        seed_registry(s, {})
        add_service(s, "pg", "postgresql", "10.0.0.1:5432", node="430000")
        add_service(s, "db", "mysql", "10.0.0.2:3306", node="430100")
        add_service(s, "cache", "redis", "10.0.0.3:6379", node="430102")
        add_service(s, "q", "tcp", "10.0.0.4:5672", node="430100")
    store = SQLiteMetricStore(tmp_path / "m.db")
    fresh, old = to_ns(NOW - timedelta(seconds=10)), to_ns(NOW - timedelta(minutes=5))
    pg, db, cache = _tags("pg", "postgresql", "430000"), _tags("db", "mysql", "430100"), \
        _tags("cache", "redis", "430102")
    try:
        store.write([
            Point("service", {"up": 1}, fresh, {**pg, "city": "430000"}),
            Point("service_postgresql", {"connections_percent": 50.0}, fresh, {**pg, "city": "430000"}),
            Point("service_postgresql", {"replication_lag_s": 9.0}, old, {**pg, "city": "430000"}),  # old figure
            Point("service", {"up": 1}, old, db),
            Point("service", {"up": 0, "failure": 1}, fresh, {**db, "error": "auth", "reason": "拒绝了登录"}),
            Point("service", {"up": 1}, old, cache),
        ])
        df = service_frame(store, sessions, NOW, timedelta(days=7), 30.0, "省本级")
    finally:
        store.close()
    by = {r.name: r for r in df.itertuples(index=False)}
    assert list(df["name"]) == ["db", "cache", "q", "pg"]
    assert by["db"].status == "down" and by["db"].reason == "拒绝了登录"
    assert by["cache"].status == "stale" and by["cache"].city_code == "430100" and by["q"].status == "unknown"
    assert by["pg"].status == "up" and by["pg"].city_name == "省本级"
    figures = dict((label, value) for label, value, _unit in by["pg"].figures)
    assert figures["连接数占上限比例"] == 50.0 and figures["复制延迟"] is None  # an old figure is not shown
    assert all(v is None for _l, v, _u in by["db"].figures)  # down: no figures
    assert list(in_scope(df, "430100")["name"]) == ["db", "cache", "q"]
    assert list(in_scope(df, "430102")["name"]) == ["cache"]
    assert list(in_scope(df, "430000")["name"]) == ["db", "cache", "q", "pg"]
    counts = kind_counts(df)
    assert counts["mysql"] == {"total": 1, "up": 0, "down": 1, "unknown": 0} and counts["nginx"]["total"] == 0
    assert [(i.value, i.status) for i in service_kpi_items(df)] == [("1/4", "down"), ("1", "down"), ("2", "stale")]


def test_figures_read_with_their_units() -> None:
    assert format_figure("已用内存", 1.5 * 2**30, "B") == "已用内存 1.5 GB"
    assert format_figure("缓存命中率", 99.54, "%") == "缓存命中率 99.5%"
    assert format_figure("应答耗时", 35.0, "ms") == "应答耗时 35 ms"
    assert format_figure("复制延迟", 0.25, "s") == "复制延迟 0.25 s"
    assert format_figure("长事务数", 2.0, "个") == "长事务数 2 个"
    assert format_figure("连接数", None, "个") == "连接数 —"


def test_a_service_reporting_without_a_row_here_is_shown_a_disabled_one_is_not(
        sessions: sessionmaker[Session], tmp_path: Path) -> None:  # noqa: F811
    """On a province federating cities a city's services report here while their rows stay at the city."""
    load_kinds()
    with transaction(sessions) as s:
        seed_registry(s, {})
        add_service(s, "old", "tcp", "10.0.0.9:1", node="430100", enabled=False)
    store = SQLiteMetricStore(tmp_path / "m.db")
    fresh = to_ns(NOW - timedelta(seconds=10))
    try:
        store.write([Point("service", {"up": 1}, fresh, _tags("city-cache", "redis", "430102")),
                     Point("service_redis", {"clients": 7.0}, fresh, _tags("city-cache", "redis", "430102")),
                     Point("service", {"up": 1}, fresh, _tags("old", "tcp", "430100"))])
        df = service_frame(store, sessions, NOW, timedelta(days=7), 30.0, "省本级")
    finally:
        store.close()
    (row,) = df.itertuples(index=False)
    assert (row.name, row.kind, row.node_name, row.city_name, row.status) == (
        "city-cache", "redis", "芙蓉区", "长沙市", "up")
    assert ("客户端连接数", 7.0, "个") in row.figures
