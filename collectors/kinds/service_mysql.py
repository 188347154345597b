"""MySQL / MariaDB (平台服务), the database most provincial CMSs run on: threads against ``max_connections``, slow
queries, queries and aborted connections, and replication, over PyMySQL.

Options: ``user`` (default root) and ``database`` (none by default). The password comes from the service's
credentials reference. ``SHOW REPLICA STATUS`` (``SHOW SLAVE STATUS`` on servers too old for it) gives the
replica's lag and its two threads; a server that is no replica reports ``is_replica = 0`` and no lag. Rates
are over the interval since the previous poll (none on the first).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Literal

import pymysql

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

MY = "service_mysql"
declare_measurement(MY, "MySQL/MariaDB 数据库")
METRICS = declare(
    MetricSpec(MY, "threads_connected", "个", "连接数"),
    MetricSpec(MY, "threads_running", "个", "活动线程数"),
    MetricSpec(MY, "max_connections", "个", "最大连接数"),
    MetricSpec(MY, "connections_percent", "%", "连接数占上限比例"),
    MetricSpec(MY, "max_used_connections", "个", "历史最高连接数"),
    MetricSpec(MY, "queries_per_s", "次/s", "查询速率"),
    MetricSpec(MY, "slow_queries_per_s", "次/s", "慢查询速率"),
    MetricSpec(MY, "aborted_connects_per_s", "次/s", "失败连接速率"),
    MetricSpec(MY, "is_replica", "", "是否从库"),
    MetricSpec(MY, "replication_lag_s", "s", "复制延迟", "Seconds_Behind_Master; none when replication stopped"),
    MetricSpec(MY, "replication_io_running", "", "复制 IO 线程运行中"),
    MetricSpec(MY, "replication_sql_running", "", "复制 SQL 线程运行中"),
)
COUNTERS = {"Questions": "queries", "Slow_queries": "slow", "Aborted_connects": "aborted"}
DENIED = (1227, 1142, 1044, 1045)  # the account lacks the privilege (access denied)


def replica_fields(row: dict[str, Any] | None) -> list[tuple[str, float | int | None]]:
    """The replication fields of one ``SHOW REPLICA STATUS`` row (None: not a replica), pure."""
    if not row:
        return [("is_replica", 0)]

    def running(*names: str) -> int:
        return int(any(str(row.get(n, "")).lower() == "yes" for n in names))

    return [("is_replica", 1), ("replication_lag_s", num(row.get("Seconds_Behind_Master",
                                                                 row.get("Seconds_Behind_Source")))),
            ("replication_io_running", running("Slave_IO_Running", "Replica_IO_Running")),
            ("replication_sql_running", running("Slave_SQL_Running", "Replica_SQL_Running"))]


@COLLECTORS.register("service_mysql")
class MySQLServiceCollector(ServiceKind):
    """MySQL and MariaDB servers; PyMySQL is blocking, so the kind runs in the scheduler's thread pool."""

    name: ClassVar[str] = "service_mysql"
    label_zh: ClassVar[str] = "平台服务采集（MySQL/MariaDB）"
    blocking: ClassVar[bool] = True
    metrics: ClassVar[tuple[MetricSpec, ...]] = COMMON_METRICS + METRICS
    service_kind: ClassVar[str] = "mysql"

    def collect(self, target: Target) -> Iterable[Point]:
        return self.poll_blocking(target, self.read)

    def _connect(self, target: Target) -> Any:
        options = self.options(target)
        where = self.where(target)
        host, port = split_host_port(where, 3306)
        seconds = max(1, int(self.service_timeout))
        try:
            return pymysql.connect(host=host, port=port, user=str(options.get("user", "root")),
                                   password=self.secret(target) or "", database=options.get("database") or None,
                                   connect_timeout=seconds, read_timeout=seconds, write_timeout=seconds,
                                   cursorclass=pymysql.cursors.DictCursor, program_name="govops")
        except pymysql.err.OperationalError as exc:
            code = exc.args[0] if exc.args else 0
            if code in (*DENIED, 1698):  # access denied
                raise ServiceFailure("auth", T["auth_failed"].format(service=target.key, where=where,
                                                                     detail=detail_zh(exc))) from None
            raise ServiceFailure("connect", T["connect_failed"].format(service=target.key, where=where,
                                                                       detail=detail_zh(exc))) from None
        except pymysql.MySQLError as exc:
            raise ServiceFailure("connect", T["connect_failed"].format(service=target.key, where=where,
                                                                       detail=detail_zh(exc))) from None

    def read(self, target: Target) -> list[Point]:
        conn = self._connect(target)
        try:
            with conn.cursor() as cur:
                cur.execute("SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_connected', 'Threads_running', "
                            "'Max_used_connections', 'Questions', 'Slow_queries', 'Aborted_connects')")
                status = {r["Variable_name"]: r["Value"] for r in cur.fetchall()}
                cur.execute("SHOW GLOBAL VARIABLES LIKE 'max_connections'")
                row = cur.fetchone()
                max_conns = num(row["Value"]) if row else None
                replica = self._replica(cur)
        except pymysql.MySQLError as exc:
            raise ServiceFailure("query", T["query_failed"].format(service=target.key, where=self.where(target),
                                                                   detail=detail_zh(exc))) from None
        finally:
            conn.close()
        ns, now_s = now_ns_and_s(self.ctx)
        counters = {short: v for name, short in COUNTERS.items() if (v := num(status.get(name))) is not None}
        rate = self.rates.update(target.key, counters, now_s)
        connected = num(status.get("Threads_connected"))
        return points_for(MY, target.labels, ns, [
            ("threads_connected", connected), ("threads_running", num(status.get("Threads_running"))),
            ("max_connections", max_conns), ("connections_percent", percent(connected, max_conns)),
            ("max_used_connections", num(status.get("Max_used_connections"))),
            ("queries_per_s", _r(rate.get("queries"))), ("slow_queries_per_s", _r(rate.get("slow"))),
            ("aborted_connects_per_s", _r(rate.get("aborted"))),
            *(replica_fields(replica) if replica is not False else []),
        ])

    @staticmethod
    def _replica(cur: Any) -> dict[str, Any] | Literal[False] | None:
        """The replica status row; None on a server that is no replica; False when the monitoring account
        may not read it (REPLICATION CLIENT missing): replication is then unknown, not the service down."""
        try:
            try:
                cur.execute("SHOW REPLICA STATUS")
            except pymysql.err.ProgrammingError:  # a server older than the REPLICA wording
                cur.execute("SHOW SLAVE STATUS")
        except pymysql.err.OperationalError as exc:
            if exc.args and exc.args[0] in DENIED:
                return False
            raise
        row = cur.fetchone()
        return dict(row) if row else None


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
