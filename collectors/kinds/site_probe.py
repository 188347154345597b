"""Homepage availability probe of every enabled site in the registry (async, aiohttp).

One shared ``ClientSession`` per collector, created lazily inside the running loop.
Each probe opens a fresh connection (``force_close``) so latency includes connect
and TLS, as a visitor would see it. The collector's ``timeout`` (the scheduler's
hard stop) is ``probe_timeout + 5`` so the probe always reports its own failure first.
The connector refuses internal addresses (``[fetch]`` policy) other than the registered sites' hosts,
which :meth:`SiteProbeCollector.targets` re-reads every round.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import aiohttp
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from collectors.base import COLLECTORS, CollectorContext, Target
from core.clock import to_ns
from core.logging import get_logger
from db.models import Site
from db.scope import sites_probed
from tsdb.catalogue import MetricSpec, TextSpec, declare, declare_measurement, declare_text
from tsdb.point import Point, points_for
from webread.addresses import AddressPolicy
from webread.probe import ERRORS, ProbeResult, probe
from webread.tls import ProbeConnector, make_ssl_context

__all__ = ["ERRORS", "FAILURE", "MEASUREMENT", "ProbeResult", "SiteProbeCollector", "content_digest", "probe",
           "probe_points"]

log = get_logger(__name__)
MEASUREMENT = "site_probe"
FAILURE = "failure"  # the marker field of a failed probe; its tags error and reason say why
HARD_STOP_MARGIN_S = 5.0

declare_measurement(MEASUREMENT, "网站探测")
METRICS = declare(
    MetricSpec(MEASUREMENT, "up", "", "网站可用", "1 when the homepage loaded in time with status < 400"),
    MetricSpec(MEASUREMENT, "status", "", "HTTP 状态码"),
    MetricSpec(MEASUREMENT, "latency_ms", "ms", "首页加载耗时", "until the whole body loaded"),
    MetricSpec(MEASUREMENT, "bytes", "B", "首页大小"),
    MetricSpec(MEASUREMENT, "tls_days", "天", "证书剩余有效期"),
    MetricSpec(MEASUREMENT, "redirects", "次", "跳转次数"),
    MetricSpec(MEASUREMENT, "content_digest", "", "首页内容摘要",
               "the first 52 bits of the body's SHA-256 as an integer (exact in a float): a change means new content"),
    MetricSpec(MEASUREMENT, FAILURE, "", "探测失败", "1 for a failed probe, tagged with its error and reason"),
)
TEXTS = declare_text(
    TextSpec(MEASUREMENT, "error", FAILURE, "故障类型", "one of " + ", ".join(ERRORS)),
    TextSpec(MEASUREMENT, "reason", FAILURE, "故障原因", "the failure in Chinese, e.g. 证书校验失败（证书已过期）"),
)


def content_digest(sha256_hex: str | None) -> int | None:
    """The first 52 bits of a SHA-256 hex digest as an integer: numbers only go into the metric store, and
    a float holds every integer below 2^53 exactly."""
    return None if not sha256_hex else int(sha256_hex[:13], 16)


def probe_points(tags: dict[str, str] | Any, r: ProbeResult, time_ns: int) -> list[Point]:
    """The ``site_probe`` point for one result, and for a failed probe its ``failure`` marker tagged with
    ``error`` (the class) and ``reason`` (Chinese, for screens and alerts)."""
    points = points_for(MEASUREMENT, tags, time_ns, [
        ("up", 1 if r.ok else 0), ("status", r.status), ("latency_ms", round(r.latency_ms, 3)),
        ("bytes", r.bytes), ("tls_days", None if r.tls_days is None else round(r.tls_days, 3)),
        ("redirects", len(r.redirects)), ("content_digest", content_digest(r.sha256)),
    ])
    if not r.ok:
        texts = {k: v for k, v in (("error", r.error), ("reason", r.reason)) if v}
        points.append(Point(MEASUREMENT, {FAILURE: 1}, time_ns, {**tags, **texts}))
    return points


@COLLECTORS.register("site_probe")
class SiteProbeCollector:
    """Probes each enabled site's homepage URL; one ``site_probe`` point per site and run."""

    name: ClassVar[str] = "site_probe"
    label_zh: ClassVar[str] = "首页可用性探测"
    blocking: ClassVar[bool] = False
    metrics: ClassVar[tuple[MetricSpec, ...]] = METRICS

    def __init__(self, ctx: CollectorContext) -> None:
        self.ctx = ctx
        c = ctx.config.collectors
        self.settings = c
        self.ssl_context = make_ssl_context(c.probe_ca_file, ctx.config.resolve_path)
        # the SSRF policy: registered sites' hosts are (re)read with the targets, every round
        self.policy = AddressPolicy.from_config(ctx.config.fetch)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def interval(self) -> float:
        return float(self.settings.probe_interval)

    @property
    def timeout(self) -> float:
        return float(self.settings.probe_timeout) + HARD_STOP_MARGIN_S

    def targets(self) -> list[Target]:
        """Enabled sites the node probes (db.scope.sites_probed: a city also probes the provincial portal) with
        their node, city and level as labels, and ``vantage``: this node's code, the place the probe ran from
        (the province tells "down from everywhere" from "unreachable from one city" by it)."""
        node = self.ctx.config.node
        with self.ctx.sessions() as s:
            sites = s.scalars(select(Site).options(joinedload(Site.node))
                              .where(Site.enabled.is_(True), sites_probed(node))
                              .order_by(Site.code)).all()
            self.policy.register(site.url for site in sites)
            return [Target(key=site.code, params={"url": site.url}, labels={
                "site": site.code, "node": site.node_code, "city": site.node.city_code,
                "level": site.level.value, "vantage": node.code}) for site in sites]

    def session(self) -> aiohttp.ClientSession:
        """The shared session of the running loop (a new one if the loop changed)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            connector = ProbeConnector(limit=self.settings.concurrency, force_close=True,
                                       ttl_dns_cache=300, policy=self.policy)
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
            log.info("probe.failed", site=target.key, url=result.url, error=result.error, reason=result.reason,
                     detail=result.detail, status=result.status, ms=round(result.latency_ms, 1))
        return probe_points(target.labels, result, to_ns(self.ctx.clock.now()))
