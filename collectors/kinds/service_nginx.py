"""nginx (平台服务): connections and request rate from ``stub_status``, and from its access log the request rate,
the 2xx/3xx/4xx/5xx rates, the 5xx share and the latency ($request_time), read incrementally
(``collectors/nginx_log.py``).

The service's address is the URL of its ``stub_status`` location (e.g. ``http://127.0.0.1:8080/nginx_status``).
Option ``access_log``: the path of an access log on this machine (combined format, ``$request_time``
appended for latency; docs/services.md); without it only stub_status is read. Rates are over the interval
since the previous poll (none on the first). An unreadable log costs only the log's figures
(``log_failed`` with the reason), not the service's ``up``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from typing import ClassVar

import aiohttp

from collectors.base import COLLECTORS, CollectorContext, Target
from collectors.nginx_log import LogStats, TailState, parse_lines, parse_stub_status, read_appended
from collectors.services import (
    COMMON_METRICS,
    LoopSession,
    ServiceFailure,
    ServiceKind,
    detail_zh,
    now_ns_and_s,
    percent,
)
from core.i18n.services import T
from tsdb.catalogue import MetricSpec, TextSpec, declare, declare_measurement, declare_text
from tsdb.point import Point, points_for

NG = "service_nginx"
declare_measurement(NG, "nginx 网页服务")
METRICS = declare(
    MetricSpec(NG, "active_connections", "个", "活动连接数"),
    MetricSpec(NG, "reading", "个", "读请求连接数"),
    MetricSpec(NG, "writing", "个", "写响应连接数"),
    MetricSpec(NG, "waiting", "个", "空闲长连接数"),
    MetricSpec(NG, "requests_per_s", "次/s", "请求速率", "from stub_status"),
    MetricSpec(NG, "dropped_per_s", "个/s", "丢弃连接速率", "accepted but not handled"),
    MetricSpec(NG, "log_requests_per_s", "次/s", "日志请求速率", "requests written to the access log"),
    MetricSpec(NG, "status_2xx_per_s", "次/s", "2xx 响应速率"),
    MetricSpec(NG, "status_3xx_per_s", "次/s", "3xx 响应速率"),
    MetricSpec(NG, "status_4xx_per_s", "次/s", "4xx 响应速率"),
    MetricSpec(NG, "status_5xx_per_s", "次/s", "5xx 响应速率"),
    MetricSpec(NG, "error_5xx_percent", "%", "5xx 占比", "of the requests logged in the interval"),
    MetricSpec(NG, "latency_avg_ms", "ms", "平均响应时间", "$request_time of the requests logged in the interval"),
    MetricSpec(NG, "latency_p95_ms", "ms", "95% 响应时间"),
    MetricSpec(NG, "bad_lines", "行", "无法识别的日志行", "in the interval"),
    MetricSpec(NG, "log_failed", "", "访问日志读取失败", "marker (1) carrying the Chinese reason"),
)
TEXTS = declare_text(TextSpec(NG, "reason", "log_failed", "日志读取失败原因", "why the access log was not read"))


def log_fields(stats: LogStats, seconds: float) -> list[tuple[str, float | int | None]]:
    """The access-log fields of ``stats`` read over ``seconds`` (pure); no rate when no time passed."""
    if seconds <= 0:
        return [("bad_lines", stats.bad_lines)]

    def per_s(n: int) -> float:
        return round(n / seconds, 3)

    return [("log_requests_per_s", per_s(stats.requests)),
            *((f"status_{c}xx_per_s", per_s(stats.classes[c])) for c in (2, 3, 4, 5)),
            ("error_5xx_percent", percent(float(stats.classes[5]), float(stats.requests))),
            ("latency_avg_ms", stats.avg_ms()), ("latency_p95_ms", stats.p95_ms()), ("bad_lines", stats.bad_lines)]


@COLLECTORS.register("service_nginx")
class NginxServiceCollector(ServiceKind):
    """nginx servers: stub_status over aiohttp, the access log read in a thread."""

    name: ClassVar[str] = "service_nginx"
    label_zh: ClassVar[str] = "平台服务采集（nginx）"
    blocking: ClassVar[bool] = False
    metrics: ClassVar[tuple[MetricSpec, ...]] = COMMON_METRICS + METRICS
    service_kind: ClassVar[str] = "nginx"

    def __init__(self, ctx: CollectorContext) -> None:
        super().__init__(ctx)
        self.http = LoopSession(lambda: self.service_timeout)
        self._tails: dict[str, tuple[TailState, float]] = {}
        self._tail_lock = threading.Lock()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def collect(self, target: Target) -> list[Point]:
        return await self.poll_async(target, self.read)

    async def stub_status(self, target: Target) -> dict[str, int]:
        url = self.where(target)
        try:
            async with self.http.session().get(url, allow_redirects=False) as resp:
                text = (await resp.content.read(65536)).decode("utf-8", "replace")
                status = resp.status
        except TimeoutError:
            raise ServiceFailure("timeout", T["timeout"].format(service=target.key, where=url,
                                                                seconds=self.service_timeout)) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise ServiceFailure("connect", T["connect_failed"].format(
                service=target.key, where=url, detail=detail_zh(exc))) from None
        if status != 200:
            raise ServiceFailure("status", T["bad_status"].format(service=target.key, where=url, status=status,
                                                                  expected=200))
        try:
            return parse_stub_status(text)
        except ValueError:
            raise ServiceFailure("body", T["bad_body"].format(service=target.key, where=url,
                                                              detail="不是 stub_status 页面")) from None

    def tail(self, key: str, path: str, now_s: float) -> tuple[LogStats | None, float]:
        """The log's new lines since the previous poll of ``key`` and the seconds they span (None first)."""
        with self._tail_lock:
            prev = self._tails.get(key)
        lines, state = read_appended(path, prev[0] if prev else None)
        with self._tail_lock:
            self._tails[key] = (state, now_s)
        if lines is None or prev is None:
            return None, 0.0
        return parse_lines(lines), now_s - prev[1]

    async def read(self, target: Target) -> list[Point]:
        stub = await self.stub_status(target)
        ns, now_s = now_ns_and_s(self.ctx)
        rate = self.rates.update(target.key, {k: float(stub[k]) for k in ("accepts", "handled", "requests")}, now_s)
        dropped = None
        if "accepts" in rate and "handled" in rate:
            dropped = round(max(0.0, rate["accepts"] - rate["handled"]), 3)
        values: list[tuple[str, float | int | None]] = [
            ("active_connections", stub["active"]), ("reading", stub["reading"]), ("writing", stub["writing"]),
            ("waiting", stub["waiting"]), ("requests_per_s", _r(rate.get("requests"))), ("dropped_per_s", dropped)]
        tags: Mapping[str, str] = target.labels
        path = str(self.options(target).get("access_log") or "")
        if path:
            try:
                stats, seconds = await asyncio.to_thread(self.tail, target.key, path, now_s)
            except OSError as exc:
                tags = {**tags, "reason": T["log_unreadable"].format(service=target.key, path=path,
                                                                     detail=detail_zh(exc))}
                values.append(("log_failed", 1))
            else:
                if stats is not None:
                    values += log_fields(stats, seconds)
        return points_for(NG, tags, ns, values)


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
