"""Redis (平台服务): memory against ``maxmemory``, clients, evictions, persistence errors and replication, from
``INFO`` over redis-py.

Options: ``username`` (ACL user; default none) and ``db`` (default 0). The password comes from the service's
credentials reference. Evictions, rejected connections and commands are rates over the interval since the
previous poll (the first poll has none; a restart that resets the counters gives none, never a negative rate).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

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

RD = "service_redis"
declare_measurement(RD, "Redis 缓存")
METRICS = declare(
    MetricSpec(RD, "used_memory_bytes", "B", "已用内存"),
    MetricSpec(RD, "maxmemory_bytes", "B", "内存上限", "maxmemory; 0 means no limit"),
    MetricSpec(RD, "memory_percent", "%", "内存占上限比例", "only when maxmemory is set"),
    MetricSpec(RD, "clients", "个", "客户端连接数"),
    MetricSpec(RD, "blocked_clients", "个", "阻塞客户端数"),
    MetricSpec(RD, "evictions_per_s", "个/s", "键驱逐速率"),
    MetricSpec(RD, "rejected_connections_per_s", "次/s", "拒绝连接速率"),
    MetricSpec(RD, "commands_per_s", "次/s", "命令处理速率"),
    MetricSpec(RD, "persistence_errors", "个", "持久化错误",
               "RDB last save and AOF last write that did not succeed (0-2)"),
    MetricSpec(RD, "changes_since_save", "个", "未落盘修改数"),
    MetricSpec(RD, "is_replica", "", "是否从库"),
    MetricSpec(RD, "master_link_up", "", "主从链路正常", "on a replica: 1 when the link to its master is up"),
    MetricSpec(RD, "replicas", "个", "从库数"),
)


def redis_points(tags: dict[str, str] | Any, info: dict[str, Any], rate: dict[str, float],
                 ns: int) -> list[Point]:
    """The ``service_redis`` point of one ``INFO`` reply and the counter rates since the previous one (pure)."""
    used, limit = num(info.get("used_memory")), num(info.get("maxmemory"))
    errors = sum(1 for key in ("rdb_last_bgsave_status", "aof_last_write_status")
                 if key in info and str(info[key]) != "ok")
    replica = str(info.get("role", "")) in {"slave", "replica"}
    return points_for(RD, tags, ns, [
        ("used_memory_bytes", used), ("maxmemory_bytes", limit),
        ("memory_percent", percent(used, limit) if limit else None),
        ("clients", num(info.get("connected_clients"))), ("blocked_clients", num(info.get("blocked_clients"))),
        ("evictions_per_s", _r(rate.get("evicted_keys"))),
        ("rejected_connections_per_s", _r(rate.get("rejected_connections"))),
        ("commands_per_s", _r(rate.get("total_commands_processed"))),
        ("persistence_errors", errors), ("changes_since_save", num(info.get("rdb_changes_since_last_save"))),
        ("is_replica", int(replica)),
        ("master_link_up", int(str(info.get("master_link_status")) == "up") if replica else None),
        ("replicas", num(info.get("connected_slaves"))),
    ])


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


COUNTERS = ("evicted_keys", "rejected_connections", "total_commands_processed")


@COLLECTORS.register("service_redis")
class RedisServiceCollector(ServiceKind):
    """Redis servers; redis-py is blocking, so the kind runs in the scheduler's thread pool."""

    name: ClassVar[str] = "service_redis"
    label_zh: ClassVar[str] = "平台服务采集（Redis）"
    blocking: ClassVar[bool] = True
    metrics: ClassVar[tuple[MetricSpec, ...]] = COMMON_METRICS + METRICS
    service_kind: ClassVar[str] = "redis"

    def collect(self, target: Target) -> Iterable[Point]:
        return self.poll_blocking(target, self.read)

    def read(self, target: Target) -> list[Point]:
        options = self.options(target)
        host, port = split_host_port(self.where(target), 6379)
        where = self.where(target)
        client = redis.Redis(host=host, port=port, db=int(options.get("db", 0)),
                             username=str(options["username"]) if options.get("username") else None,
                             password=self.secret(target), socket_timeout=self.service_timeout,
                             socket_connect_timeout=self.service_timeout,
                             retry=Retry(NoBackoff(), 0))  # the scheduler owns retries: one try per poll
        try:
            info: dict[str, Any] = client.info()
        except redis.AuthenticationError as exc:
            raise ServiceFailure("auth", T["auth_failed"].format(service=target.key, where=where,
                                                                 detail=detail_zh(exc))) from None
        except redis.TimeoutError:
            raise ServiceFailure("timeout", T["timeout"].format(service=target.key, where=where,
                                                                seconds=self.service_timeout)) from None
        except redis.ConnectionError as exc:
            raise ServiceFailure("connect", T["connect_failed"].format(service=target.key, where=where,
                                                                       detail=detail_zh(exc))) from None
        except redis.RedisError as exc:
            raise ServiceFailure("query", T["query_failed"].format(service=target.key, where=where,
                                                                   detail=detail_zh(exc))) from None
        finally:
            client.close()
        ns, now_s = now_ns_and_s(self.ctx)
        counters = {k: float(info[k]) for k in COUNTERS if num(info.get(k)) is not None}
        return redis_points(target.labels, info, self.rates.update(target.key, counters, now_s), ns)
