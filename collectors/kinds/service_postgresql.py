"""PostgreSQL (平台服务): connections against ``max_connections``, transactions, cache hit ratio, replication lag,
long-running transactions and database sizes, read with psycopg2 from the statistics views.

Options (``service.options``): ``user`` (default postgres), ``dbname`` (the database connected to, default
postgres), ``databases`` (names whose size is reported; default every non-template database),
``long_xact_s`` (a transaction open longer counts as long-running, default 300), ``size_limit_bytes`` (the
size a database may reach, written beside its size as ``limit_bytes`` for the capacity forecast). The password
comes from the service's credentials reference. Rates and the cache hit ratio are over the interval since the
previous poll, so the first poll has none.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import psycopg2

from collectors.base import COLLECTORS, Target
from collectors.services import (
    COMMON_METRICS,
    ServiceFailure,
    ServiceKind,
    detail_zh,
    now_ns_and_s,
    num,
    percent,
    split_host_port,
)
from core.i18n.services import T
from tsdb.catalogue import MetricSpec, declare, declare_measurement
from tsdb.point import Point, points_for

PG = "service_postgresql"
PG_DB = "service_postgresql_db"
declare_measurement(PG, "PostgreSQL 数据库")
declare_measurement(PG_DB, "PostgreSQL 库")
METRICS = declare(
    MetricSpec(PG, "connections", "个", "连接数"),
    MetricSpec(PG, "max_connections", "个", "最大连接数"),
    MetricSpec(PG, "connections_percent", "%", "连接数占上限比例"),
    MetricSpec(PG, "commits_per_s", "次/s", "事务提交速率"),
    MetricSpec(PG, "rollbacks_per_s", "次/s", "事务回滚速率"),
    MetricSpec(PG, "cache_hit_percent", "%", "缓存命中率", "blocks found in shared buffers, over the interval"),
    MetricSpec(PG, "deadlocks_per_s", "次/s", "死锁速率"),
    MetricSpec(PG, "is_standby", "", "是否备库", "1 on a standby (in recovery)"),
    MetricSpec(PG, "replicas", "个", "下游备库数", "streaming replicas connected to this server"),
    MetricSpec(PG, "replication_lag_s", "s", "复制延迟",
               "on a standby: since the last replayed transaction; on a primary: the largest replay lag"),
    MetricSpec(PG, "longest_xact_s", "s", "最长事务时长", "the oldest open transaction of another session"),
    MetricSpec(PG, "long_xacts", "个", "长事务数", "transactions open longer than options.long_xact_s"),
    MetricSpec(PG_DB, "size_bytes", "B", "数据库大小"),
    MetricSpec(PG_DB, "limit_bytes", "B", "数据库容量上限", "options.size_limit_bytes, when set"),
)
DEFAULT_LONG_XACT_S = 300.0

_STATS = """
select (select count(*) from pg_stat_activity where backend_type = 'client backend'),
       current_setting('max_connections')::int,
       coalesce(sum(xact_commit), 0), coalesce(sum(xact_rollback), 0),
       coalesce(sum(blks_hit), 0), coalesce(sum(blks_read), 0), coalesce(sum(deadlocks), 0),
       pg_is_in_recovery()
  from pg_stat_database
"""
_XACTS = """
select coalesce(max(extract(epoch from now() - xact_start)), 0),
       count(*) filter (where now() - xact_start > make_interval(secs => %s))
  from pg_stat_activity
 where xact_start is not null and pid <> pg_backend_pid() and state <> 'idle'
"""
_STANDBY_LAG = "select extract(epoch from now() - pg_last_xact_replay_timestamp())"
_PRIMARY_LAG = "select count(*), max(extract(epoch from replay_lag)) from pg_stat_replication"
_SIZES = """
select datname, pg_database_size(datname) from pg_database
 where not datistemplate and datallowconn and (%s or datname = any(%s)) order by datname
"""


def _databases(options: dict[str, Any]) -> list[str]:
    value = options.get("databases") or []
    return [value] if isinstance(value, str) else [str(d) for d in value]


@COLLECTORS.register("service_postgresql")
class PostgreSQLServiceCollector(ServiceKind):
    """PostgreSQL servers; psycopg2 is blocking, so the kind runs in the scheduler's thread pool."""

    name: ClassVar[str] = "service_postgresql"
    label_zh: ClassVar[str] = "平台服务采集（PostgreSQL）"
    blocking: ClassVar[bool] = True
    metrics: ClassVar[tuple[MetricSpec, ...]] = COMMON_METRICS + METRICS
    service_kind: ClassVar[str] = "postgresql"

    def collect(self, target: Target) -> Iterable[Point]:
        return self.poll_blocking(target, self.read)

    def _connect(self, target: Target) -> Any:
        options = dict(self.options(target))
        host, port = split_host_port(self.where(target), 5432)
        timeout_ms = int(self.service_timeout * 1000)
        try:
            return psycopg2.connect(
                host=host, port=port, user=str(options.get("user", "postgres")),
                password=self.secret(target) or None, dbname=str(options.get("dbname", "postgres")),
                connect_timeout=max(1, int(self.service_timeout)), application_name="govops",
                options=f"-c statement_timeout={timeout_ms} -c default_transaction_read_only=on")
        except psycopg2.OperationalError as exc:
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            code = "auth" if "authentication" in detail or "password" in detail else "connect"
            key = "auth_failed" if code == "auth" else "connect_failed"
            raise ServiceFailure(code, T[key].format(service=target.key, where=self.where(target),
                                                     detail=detail_zh(exc))) from None

    def read(self, target: Target) -> list[Point]:
        options = dict(self.options(target))
        conn = self._connect(target)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(_STATS)
                conns, max_conns, commits, rollbacks, hit, read, deadlocks, standby = cur.fetchone()
                cur.execute(_XACTS, (float(options.get("long_xact_s", DEFAULT_LONG_XACT_S)),))
                longest, long_count = cur.fetchone()
                replicas: int | None = None
                if standby:
                    cur.execute(_STANDBY_LAG)
                    lag = num(cur.fetchone()[0])
                else:
                    cur.execute(_PRIMARY_LAG)
                    replicas, lag = cur.fetchone()
                    lag = num(lag) if replicas else None
                wanted = _databases(options)
                cur.execute(_SIZES, (not wanted, wanted))
                sizes = cur.fetchall()
        except psycopg2.Error as exc:
            raise ServiceFailure("query", T["query_failed"].format(
                service=target.key, where=self.where(target), detail=detail_zh(exc))) from None
        finally:
            conn.close()
        ns, now_s = now_ns_and_s(self.ctx)
        rate = self.rates.update(target.key, {"commits": float(commits), "rollbacks": float(rollbacks),
                                              "hit": float(hit), "read": float(read),
                                              "deadlocks": float(deadlocks)}, now_s)
        hit_rate, read_rate = rate.get("hit"), rate.get("read")
        total = None if hit_rate is None or read_rate is None else hit_rate + read_rate
        pts = points_for(PG, target.labels, ns, [
            ("connections", int(conns)), ("max_connections", int(max_conns)),
            ("connections_percent", percent(float(conns), float(max_conns))),
            ("commits_per_s", _round(rate.get("commits"))), ("rollbacks_per_s", _round(rate.get("rollbacks"))),
            ("deadlocks_per_s", _round(rate.get("deadlocks"))),
            ("cache_hit_percent", percent(hit_rate, total)),
            ("is_standby", int(bool(standby))), ("replicas", replicas),
            ("replication_lag_s", None if lag is None else round(max(0.0, lag), 3)),
            ("longest_xact_s", round(float(longest), 3)), ("long_xacts", int(long_count)),
        ])
        limit = options.get("size_limit_bytes")
        for dbname, size in sizes:
            pts += points_for(PG_DB, {**target.labels, "database": str(dbname)}, ns,
                              [("size_bytes", int(size)), ("limit_bytes", None if limit is None else int(limit))])
        return pts


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
