"""One HTTP(S) homepage probe: status, full-load latency, size, content hash, redirects, TLS expiry.

:func:`probe` never raises for a network or HTTP problem; it returns a
:class:`ProbeResult` whose ``error`` is one of :data:`ERRORS`. A probe fails when
the whole page has not loaded within ``timeout`` (national inspection rule:
15 s), the answer's status is >= 400, or TLS fails. On a verification failure
the certificate is read a second time without verification so the operator
still sees how many days it has left.

Reading goes through the shared fetch policy (``webread``): the body is counted in inflated bytes
(``max_bytes``; a decompression bomb fails as ``too_large``, 页面解压后过大…), and the session's
:class:`ProbeConnector` refuses internal addresses a redirect leads to (``blocked``) unless they belong
to a registered site or the configured allow-list.

A failure carries two texts: ``reason``, a Chinese sentence for screens and alerts (证书校验失败（证书已
过期）, 连接被拒绝, 连接超时（15 秒内未加载完成）, 域名解析失败, …; :func:`explain`), and ``detail``, the raw
library text (``SSLCertVerificationError: …``) for operators' logs and hover titles, never a sentence.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import ssl
import time
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

import aiohttp

from core.clock import Clock, SystemClock, time_scale
from core.i18n.web import HTTP_STATUS_ZH, size_text
from webread.addresses import AddressPolicy
from webread.body import BodyLimits
from webread.client import (
    REQUEST_HEADERS,
    REQUEST_OPTIONS,
    AddressBlocked,
    classify,
    policy_of,
    read_body,
)
from webread.tls import ProbeConnector, cert_problem, fetch_cert_unverified, peer_der, tls_days_left

__all__ = ["ERRORS", "ProbeConnector", "ProbeResult", "classify", "explain", "fetch_cert_unverified", "probe"]

ErrorClass = Literal["timeout", "dns", "refused", "reset", "tls", "http_status", "too_large", "blocked", "other"]
ERRORS: tuple[str, ...] = ("timeout", "dns", "refused", "reset", "tls", "http_status", "too_large", "blocked",
                           "other")
MAX_REDIRECTS = 10


@dataclass(frozen=True)
class ProbeResult:
    """Outcome of one probe. ``latency_ms`` is the time until the whole body loaded (or until failure)."""

    url: str
    ok: bool
    status: int | None = None
    latency_ms: float = 0.0
    bytes: int = 0
    sha256: str | None = None
    redirects: list[str] = field(default_factory=list)  # URLs that answered with a redirect, in order
    final_url: str | None = None
    tls_days: float | None = None
    error: ErrorClass | None = None
    detail: str = ""  # the raw library text, for operators (logs, hover titles)
    reason: str = ""  # the failure in Chinese, for screens and alerts (explain())


def _detail(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:300]


def explain(kind: str | None, exc: BaseException | None = None, *, timeout: float | None = None,
            status: int | None = None, host: str | None = None, max_bytes: int | None = None,
            detail: str = "") -> str:
    """A probe or fetch failure as one Chinese phrase for screens and alerts.

    ``kind`` is an error class (:data:`ERRORS`, or ``redirect_loop`` from the inspection fetcher); the
    exception, or the stored raw ``detail`` of an older result, refines it (which certificate problem).
    """
    where = f"（{host}）" if host else ""
    if kind == "tls":
        problem = cert_problem(exc, detail)
        return f"证书校验失败（{problem}）" if problem else "TLS 握手失败（加密连接未能建立）"
    if kind == "timeout":
        return f"连接超时（{timeout:g} 秒内未加载完成）" if timeout else "连接超时"
    if kind == "dns":
        return f"域名解析失败{where}"
    if kind == "refused":
        return f"连接被拒绝{where}（服务器未在该端口提供服务）"
    if kind == "reset":
        return "连接被服务器中断"
    if kind == "http_status":
        code = status if status is not None else _status_in(detail)
        if code is None:
            return "服务器返回错误状态"
        return f"服务器返回错误状态 HTTP {code}" + (f"（{HTTP_STATUS_ZH[code]}）" if code in HTTP_STATUS_ZH else "")
    if kind == "too_large":
        return f"页面过大（超过 {size_text(max_bytes)}）" if max_bytes else "页面过大"
    if kind == "blocked":
        return exc.reason if isinstance(exc, AddressBlocked) else "访问目标为内网地址，未访问"
    if kind == "redirect_loop" or "redirect" in detail.lower():
        return f"跳转次数过多（超过 {MAX_REDIRECTS} 次）"
    return "访问失败（原因未能识别，详见运维日志）"


def _status_in(text: str) -> int | None:
    m = re.search(r"\b([45]\d\d)\b", text)
    return int(m.group(1)) if m else None


async def probe(session: aiohttp.ClientSession, url: str, *, timeout: float, max_bytes: int,
                verify_tls: bool, ssl_context: ssl.SSLContext | None, clock: Clock | None = None) -> ProbeResult:
    """Load ``url`` fully (following redirects) within ``timeout`` seconds; never raises for network errors.

    The session's connector should be a :class:`ProbeConnector` (else ``tls_days`` stays None on
    success). ``ssl_context`` is used for verification when ``verify_tls`` (None = aiohttp's default
    context); ``verify_tls=False`` accepts any certificate. ``clock`` dates ``tls_days``; on the demo's
    compressed clock ``timeout`` and the measured latency are clock seconds too (the fleet's delays shrink alike).
    """
    clock = clock or SystemClock()
    scale = time_scale(clock)
    ssl_arg: ssl.SSLContext | bool = (ssl_context if ssl_context is not None else True) if verify_tls else False
    t0 = time.perf_counter()
    status: int | None = None
    tls_days: float | None = None
    redirects: list[str] = []
    final_url: str | None = None
    size = 0
    digest = hashlib.sha256()
    try:
        async with asyncio.timeout(timeout / scale):
            async with session.get(url, ssl=ssl_arg, allow_redirects=True, max_redirects=MAX_REDIRECTS,
                                   headers=REQUEST_HEADERS, **REQUEST_OPTIONS) as resp:
                status = resp.status
                redirects = [str(h.url) for h in resp.history]
                final_url = str(resp.url)
                der = peer_der(resp)
                if der is not None:
                    tls_days = tls_days_left(der, clock.now())
                declared = resp.content_length
                if declared is not None and declared > max_bytes:
                    return _fail(url, "too_large", f"Content-Length {declared} > {max_bytes}", t0, status,
                                 0, redirects, final_url, tls_days, explain("too_large", max_bytes=max_bytes), scale)
                # counted inflated, never kept: only the digest needs the bytes
                body = await read_body(resp, BodyLimits(max_bytes), keep=False, sink=digest.update)
                size = body.size
                if body.bomb or body.truncated:
                    detail = (f"inflates over {body.limits.max_ratio:g}x ({body.size} from {body.wire_bytes} bytes)"
                              if body.bomb else f"body exceeds {max_bytes} bytes")
                    return _fail(url, "too_large", detail, t0, status, size, redirects, final_url, tls_days,
                                 body.reason(), scale)
    except aiohttp.TooManyRedirects as exc:
        return _fail(url, "other", f"more than {MAX_REDIRECTS} redirects", t0, status, size,
                     [str(h.url) for h in exc.history], final_url, tls_days, explain("redirect_loop"), scale)
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
        kind = classify(exc)
        detail = f"page not loaded within {timeout:g} s" if kind == "timeout" else _detail(exc)
        if kind == "tls" and tls_days is None:
            tls_days = await _days_unverified(exc, url, timeout / scale - (time.perf_counter() - t0), clock,
                                              policy_of(session))
        reason = explain(kind, exc, timeout=timeout, host=urlsplit(url).hostname)
        return _fail(url, kind, detail, t0, status, size, redirects, final_url, tls_days, reason, scale)
    latency = (time.perf_counter() - t0) * 1000.0 * scale
    if status >= 400:
        return ProbeResult(url, False, status, latency, size, digest.hexdigest(), redirects, final_url, tls_days,
                           "http_status", f"HTTP {status}", explain("http_status", status=status))
    return ProbeResult(url, True, status, latency, size, digest.hexdigest(), redirects, final_url, tls_days)


async def _days_unverified(exc: BaseException, url: str, remaining: float, clock: Clock,
                           policy: AddressPolicy | None) -> float | None:
    host = getattr(exc, "host", None)
    port = getattr(exc, "port", None)
    if not host:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or 443
    if not host or not port:
        return None
    der = await fetch_cert_unverified(host, int(port), min(max(remaining, 0.0), 5.0), policy)
    return tls_days_left(der, clock.now()) if der else None


def _fail(url: str, error: ErrorClass, detail: str, t0: float, status: int | None, size: int,
          redirects: list[str], final_url: str | None, tls_days: float | None, reason: str,
          scale: float = 1.0) -> ProbeResult:
    return ProbeResult(url, False, status, (time.perf_counter() - t0) * 1000.0 * scale, size, None, redirects,
                       final_url, tls_days, error, detail, reason)
