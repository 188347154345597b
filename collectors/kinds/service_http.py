"""Generic HTTP health endpoints (平台服务): status, latency and numeric fields of a JSON reply.

Options: ``expect_status`` (the status that means healthy; default any status below 400), ``json_fields``
(dotted paths into the JSON reply, e.g. ``db.pool.active`` or ``checks.0.value``, one list or a
comma-separated string: each numeric or boolean value becomes ``service_http_field.value`` tagged with its
path, an absent or non-numeric one a ``missing`` marker), ``expect`` (``path=value``: the service is up only
when the field at ``path`` equals ``value``, e.g. ``status=UP``), ``verify_tls`` (default true; the
system CAs plus the platform's own CA, ``[collectors] probe_ca_file``, as for the site probes). The
latency is until the whole body is read; bodies are read up to 1 MiB.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import aiohttp

from collectors.base import COLLECTORS, CollectorContext, Target
from collectors.services import COMMON_METRICS, LoopSession, ServiceFailure, ServiceKind, detail_zh, now_ns_and_s
from core.i18n.services import T
from tsdb.catalogue import MetricSpec, TextSpec, declare, declare_measurement, declare_text
from tsdb.point import Point, points_for
from webread.tls import make_ssl_context

HTTP = "service_http"
FIELD = "service_http_field"
MAX_BODY = 1 << 20
declare_measurement(HTTP, "HTTP 健康检查")
declare_measurement(FIELD, "HTTP 健康字段")
METRICS = declare(
    MetricSpec(HTTP, "status", "", "HTTP 状态码"),
    MetricSpec(HTTP, "latency_ms", "ms", "应答耗时", "until the whole body was read"),
    MetricSpec(FIELD, "value", "", "健康字段值", "a numeric or boolean (1/0) field of the JSON reply, tag path"),
    MetricSpec(FIELD, "missing", "", "健康字段缺失", "marker (1): the path is absent or not numeric"),
)
TEXTS = declare_text(TextSpec(FIELD, "reason", "missing", "缺失原因", "absent, or the value's JSON type"))
_MISSING = object()


def json_path(doc: Any, path: str) -> Any:
    """The value at a dotted ``path`` of a parsed JSON document (list items by index); ``_MISSING`` if none."""
    node = doc
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def field_values(doc: Any, paths: list[str]) -> dict[str, float | str]:
    """Each path's number (booleans as 1/0), or the reason it has none (``absent`` or the JSON type)."""
    out: dict[str, float | str] = {}
    for path in paths:
        value = json_path(doc, path)
        if value is _MISSING:
            out[path] = "absent"
        elif isinstance(value, int | float):  # a boolean too: 1/0
            out[path] = float(value)
        else:
            out[path] = type(value).__name__ if value is not None else "null"
    return out


def _paths(options: Mapping[str, Any]) -> list[str]:
    value = options.get("json_fields") or []
    items = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    return [p.strip() for p in items if p.strip()]


def _text(value: Any) -> str:
    """A JSON scalar as an operator writes it in ``expect``: UP, 1, true, null."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _shown(value: Any) -> str:
    return "（无）" if value is _MISSING else json.dumps(value, ensure_ascii=False)[:80]


@COLLECTORS.register("service_http")
class HTTPServiceCollector(ServiceKind):
    """HTTP health endpoints, with one shared aiohttp session (created lazily in the running loop)."""

    name: ClassVar[str] = "service_http"
    label_zh: ClassVar[str] = "平台服务采集（HTTP 健康检查）"
    blocking: ClassVar[bool] = False
    metrics: ClassVar[tuple[MetricSpec, ...]] = COMMON_METRICS + METRICS
    service_kind: ClassVar[str] = "http"

    def __init__(self, ctx: CollectorContext) -> None:
        super().__init__(ctx)
        self.http = LoopSession(lambda: self.service_timeout, {"User-Agent": "GovOps-Service/1.0"})
        # internal services are often certified by the platform's own CA: trust it as the site probes do
        self._ssl = make_ssl_context(ctx.config.collectors.probe_ca_file, ctx.config.resolve_path)

    def _tls(self, verify: bool) -> ssl.SSLContext | bool:
        if not verify:
            return False
        return self._ssl if self._ssl is not None else True

    async def aclose(self) -> None:
        await self.http.aclose()

    async def collect(self, target: Target) -> list[Point]:
        return await self.poll_async(target, self.read)

    async def fetch(self, target: Target) -> tuple[int, bytes, float]:
        """(status, body up to 1 MiB, milliseconds); ServiceFailure when no reply came."""
        url = self.where(target)
        options = self.options(target)
        headers = {}
        secret = self.secret(target)
        if secret:
            headers["Authorization"] = f"Bearer {secret}"
        started = time.monotonic()
        try:
            async with self.http.session().get(url, headers=headers, allow_redirects=False,
                                               ssl=self._tls(bool(options.get("verify_tls", True)))) as resp:
                body = await resp.content.read(MAX_BODY)
                return resp.status, body, (time.monotonic() - started) * 1000.0
        except TimeoutError:
            raise ServiceFailure("timeout", T["timeout"].format(service=target.key, where=url,
                                                                seconds=self.service_timeout)) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise ServiceFailure("connect", T["connect_failed"].format(
                service=target.key, where=url, detail=detail_zh(exc))) from None

    async def read(self, target: Target) -> list[Point]:
        options = self.options(target)
        status, body, latency_ms = await self.fetch(target)
        url = self.where(target)
        expected = options.get("expect_status")
        if (status != int(expected)) if expected is not None else status >= 400:
            raise ServiceFailure("status", T["bad_status"].format(
                service=target.key, where=url, status=status, expected=expected or "< 400"))
        ns, _ = now_ns_and_s(self.ctx)
        pts = points_for(HTTP, target.labels, ns, [("status", status), ("latency_ms", round(latency_ms, 2))])
        paths, expect = _paths(options), str(options.get("expect") or "")
        if not paths and not expect:
            return pts
        try:
            doc = json.loads(body)
        except ValueError as exc:
            raise ServiceFailure("body", T["bad_body"].format(service=target.key, where=url,
                                                              detail=f"不是 JSON（{exc}）")) from None
        if expect:
            path, _, want = expect.partition("=")
            actual = json_path(doc, path)
            if actual is _MISSING or _text(actual) != want:
                raise ServiceFailure("body", T["expect_failed"].format(
                    service=target.key, path=path, actual=_shown(actual), expected=want))
        for path, value in field_values(doc, paths).items():
            tags = {**target.labels, "path": path}
            if isinstance(value, float):
                pts += points_for(FIELD, tags, ns, [("value", value)])
            else:
                pts += points_for(FIELD, {**tags, "reason": value}, ns, [("missing", 1)])
        return pts
