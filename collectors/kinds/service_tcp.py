"""TCP port checks (平台服务) for everything without a richer kind: search engines, queues, CMS application
servers. ``up`` is 1 when a connection opens within ``[collectors] service_timeout``; ``connect_ms`` is how
long that took. Nothing is sent: the connection is closed at once."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import ClassVar

from collectors.base import COLLECTORS, Target
from collectors.services import COMMON_METRICS, ServiceFailure, ServiceKind, detail_zh, now_ns_and_s, split_host_port
from core.i18n.services import T
from tsdb.catalogue import MetricSpec, declare, declare_measurement
from tsdb.point import Point, points_for

TCP = "service_tcp"
declare_measurement(TCP, "TCP 端口")
METRICS = declare(MetricSpec(TCP, "connect_ms", "ms", "建立连接耗时"))


@COLLECTORS.register("service_tcp")
class TCPServiceCollector(ServiceKind):
    """TCP ports, connected to with asyncio (no thread)."""

    name: ClassVar[str] = "service_tcp"
    label_zh: ClassVar[str] = "平台服务采集（TCP 端口）"
    blocking: ClassVar[bool] = False
    metrics: ClassVar[tuple[MetricSpec, ...]] = COMMON_METRICS + METRICS
    service_kind: ClassVar[str] = "tcp"

    async def collect(self, target: Target) -> list[Point]:
        return await self.poll_async(target, self.read)

    async def read(self, target: Target) -> list[Point]:
        where = self.where(target)
        host, port = split_host_port(where)
        started = time.monotonic()
        try:
            _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), self.service_timeout)
        except TimeoutError:
            raise ServiceFailure("timeout", T["timeout"].format(service=target.key, where=where,
                                                                seconds=self.service_timeout)) from None
        except OSError as exc:
            raise ServiceFailure("connect", T["connect_failed"].format(
                service=target.key, where=where, detail=detail_zh(exc))) from None
        connect_ms = (time.monotonic() - started) * 1000.0
        writer.close()
        with contextlib.suppress(OSError):  # the peer reset a connection we were closing anyway
            await writer.wait_closed()
        ns, _ = now_ns_and_s(self.ctx)
        return points_for(TCP, target.labels, ns, [("connect_ms", round(connect_ms, 2))])
