"""Homepage availability probe of every enabled site in the registry (async, aiohttp).

One shared ``ClientSession`` per collector, created lazily inside the running loop.
Each probe opens a fresh connection (``force_close``) so latency includes connect
and TLS, as a visitor would see it. The collector's ``timeout`` (the scheduler's
hard stop) is ``probe_timeout + 5`` so the probe always reports its own failure first.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any, ClassVar

import aiohttp
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from collectors.base import COLLECTORS, CollectorContext, MetricSpec, Target, declare, points_for
from collectors.probe import ERRORS, ProbeConnector, ProbeResult, probe
from core.clock import to_ns
from core.config import ConfigError
from core.logging import get_logger
from db.models import Site
from tsdb.point import Point

__all__ = ["ERRORS", "MEASUREMENT", "ProbeResult", "SiteProbeCollector", "probe", "probe_points"]

log = get_logger(__name__)
MEASUREMENT = "site_probe"
HARD_STOP_MARGIN_S = 5.0

METRICS = declare(
    MetricSpec(MEASUREMENT, "up", "", "网站可用", "1 when the homepage loaded in time with status < 400"),
    MetricSpec(MEASUREMENT, "status", "", "HTTP 状态码"),
    MetricSpec(MEASUREMENT, "latency_ms", "ms", "首页加载耗时", "until the whole body loaded"),
    MetricSpec(MEASUREMENT, "bytes", "B", "首页大小"),
    MetricSpec(MEASUREMENT, "tls_days", "天", "证书剩余有效期"),
    MetricSpec(MEASUREMENT, "redirects", "次", "跳转次数"),
    MetricSpec(MEASUREMENT, "content_hash", "", "首页内容摘要", "sha256 of the body"),
    MetricSpec(MEASUREMENT, "error", "", "故障类型", "one of " + ", ".join(ERRORS)),
)


def probe_points(tags: dict[str, str] | Any, r: ProbeResult, time_ns: int) -> list[Point]:
    """The ``site_probe`` point for one result; ``error`` only when the probe failed."""
    return points_for(MEASUREMENT, tags, time_ns, [
        ("up", 1 if r.ok else 0), ("status", r.status), ("latency_ms", round(r.latency_ms, 3)),
        ("bytes", r.bytes), ("tls_days", None if r.tls_days is None else round(r.tls_days, 3)),
        ("redirects", len(r.redirects)), ("content_hash", r.sha256), ("error", None if r.ok else r.error),
    ])


def make_ssl_context(ca_file: str, resolve: Any) -> ssl.SSLContext | None:
    """System CAs plus ``ca_file`` (PEM) when set; None (aiohttp's default) when not."""
    if not ca_file:
        return None
    path = resolve(ca_file)
    if not path.is_file():
        raise ConfigError(f"collectors.probe_ca_file: file {path} not found")
    ctx = ssl.create_default_context()
    try:
        ctx.load_verify_locations(cafile=str(path))
    except (ssl.SSLError, ValueError) as exc:
        raise ConfigError(f"collectors.probe_ca_file: {path} is not a PEM certificate file: {exc}") from None
    return ctx


@COLLECTORS.register("site_probe")
class SiteProbeCollector:
    """Probes each enabled site's homepage URL; one ``site_probe`` point per site and run."""

    name: ClassVar[str] = "site_probe"
    blocking: ClassVar[bool] = False
    metrics: ClassVar[tuple[MetricSpec, ...]] = METRICS

    def __init__(self, ctx: CollectorContext) -> None:
        self.ctx = ctx
        c = ctx.config.collectors
        self.settings = c
        self.ssl_context = make_ssl_context(c.probe_ca_file, ctx.config.resolve_path)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def interval(self) -> float:
        return float(self.settings.probe_interval)

    @property
    def timeout(self) -> float:
        return float(self.settings.probe_timeout) + HARD_STOP_MARGIN_S

    def targets(self) -> list[Target]:
        """Enabled sites with their node, city and level as labels."""
        with self.ctx.sessions() as s:
            sites = s.scalars(select(Site).options(joinedload(Site.node))
                              .where(Site.enabled.is_(True)).order_by(Site.code)).all()
            return [Target(key=site.code, params={"url": site.url}, labels={
                "site": site.code, "node": site.node_code, "city": site.node.city_code,
                "level": site.level.value}) for site in sites]

    def session(self) -> aiohttp.ClientSession:
        """The shared session of the running loop (a new one if the loop changed)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            connector = ProbeConnector(limit=self.settings.concurrency, force_close=True,
                                             ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.settings.probe_user_agent},
                timeout=aiohttp.ClientTimeout(total=None), auto_decompress=True)
            self._loop = loop
        return self._session

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None

    async def collect(self, target: Target) -> list[Point]:
        s = self.settings
        result = await probe(self.session(), str(target.params["url"]), timeout=s.probe_timeout,
                             max_bytes=s.probe_max_bytes, verify_tls=s.probe_verify_tls,
                             ssl_context=self.ssl_context, clock=self.ctx.clock)
        if not result.ok:
            log.info("probe.failed", site=target.key, url=result.url, error=result.error, detail=result.detail,
                     status=result.status, ms=round(result.latency_ms, 1))
        return probe_points(target.labels, result, to_ns(self.ctx.clock.now()))
