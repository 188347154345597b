"""One HTTP(S) homepage probe: status, full-load latency, size, content hash, redirects, TLS expiry.

:func:`probe` never raises for a network or HTTP problem; it returns a
:class:`ProbeResult` whose ``error`` is one of :data:`ERRORS`. A probe fails when
the whole page has not loaded within ``timeout`` (national inspection rule:
15 s), the answer's status is >= 400, or TLS fails. On a verification failure
the certificate is read a second time without verification so the operator
still sees how many days it has left.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
from cryptography import x509

from core.clock import Clock, SystemClock

ErrorClass = Literal["timeout", "dns", "refused", "reset", "tls", "http_status", "too_large", "other"]
ERRORS: tuple[str, ...] = ("timeout", "dns", "refused", "reset", "tls", "http_status", "too_large", "other")
MAX_REDIRECTS = 10
CHUNK = 64 * 1024


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
    detail: str = ""


def tls_days_left(der: bytes, now: datetime) -> float:
    """Days from ``now`` until the DER certificate's notAfter (negative once expired)."""
    cert = x509.load_der_x509_certificate(der)
    return (cert.not_valid_after_utc - now).total_seconds() / 86400.0


class ProbeConnector(aiohttp.TCPConnector):
    """A TCPConnector that remembers each TLS connection's peer certificate.

    aiohttp releases the connection as soon as a small body has arrived, so the
    certificate is captured when the connection is made; :func:`peer_der` reads it back.
    """

    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:
        proto = await super()._create_connection(req, traces, timeout)
        transport = getattr(proto, "transport", None)
        ssl_obj = transport.get_extra_info("ssl_object") if transport is not None else None
        if ssl_obj is not None:
            proto._govops_peer_der = ssl_obj.getpeercert(binary_form=True)
        return proto


def peer_der(resp: aiohttp.ClientResponse) -> bytes | None:
    """The DER peer certificate of the connection that answered ``resp`` (needs :class:`ProbeConnector`)."""
    return getattr(getattr(resp, "_protocol", None), "_govops_peer_der", None)


async def fetch_cert_unverified(host: str, port: int, timeout: float) -> bytes | None:
    """The peer certificate (DER) of ``host:port`` read without verification; None if unreachable."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    writer = None
    try:
        async with asyncio.timeout(max(timeout, 0.05)):
            _reader, writer = await asyncio.open_connection(host, port, ssl=ctx, server_hostname=host)
            ssl_obj = writer.get_extra_info("ssl_object")
            return ssl_obj.getpeercert(binary_form=True) if ssl_obj is not None else None
    except (OSError, TimeoutError, ssl.SSLError):
        return None
    finally:
        if writer is not None:
            writer.close()


def classify(exc: BaseException) -> ErrorClass:
    """Map a client exception to an error class."""
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "dns"
    if isinstance(exc, aiohttp.ClientSSLError | ssl.SSLError):
        return "tls"
    if isinstance(exc, aiohttp.ClientConnectorError):
        os_err = exc.os_error
        if isinstance(os_err, socket.gaierror):
            return "dns"
        if isinstance(os_err, ConnectionRefusedError):
            return "refused"
        if isinstance(os_err, ConnectionResetError):
            return "reset"
        if isinstance(os_err, ssl.SSLError):
            return "tls"
        return "other"
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError | ConnectionResetError):
        return "reset"
    if isinstance(exc, aiohttp.ClientOSError) and isinstance(exc.__cause__ or exc, ConnectionResetError):
        return "reset"
    if isinstance(exc, aiohttp.ClientOSError) and exc.errno in (104, 54):  # ECONNRESET on Linux / BSD
        return "reset"
    return "other"


def _detail(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:300]


async def probe(session: aiohttp.ClientSession, url: str, *, timeout: float, max_bytes: int,
                verify_tls: bool, ssl_context: ssl.SSLContext | None, clock: Clock | None = None) -> ProbeResult:
    """Load ``url`` fully (following redirects) within ``timeout`` seconds; never raises for network errors.

    The session's connector should be a :class:`ProbeConnector` (else ``tls_days`` stays None on
    success). ``ssl_context`` is used for verification when ``verify_tls`` (None = aiohttp's default
    context); ``verify_tls=False`` accepts any certificate. ``clock`` dates ``tls_days``.
    """
    clock = clock or SystemClock()
    ssl_arg: ssl.SSLContext | bool = (ssl_context if ssl_context is not None else True) if verify_tls else False
    t0 = time.perf_counter()
    status: int | None = None
    tls_days: float | None = None
    redirects: list[str] = []
    final_url: str | None = None
    size = 0
    try:
        async with asyncio.timeout(timeout):
            async with session.get(url, ssl=ssl_arg, allow_redirects=True, max_redirects=MAX_REDIRECTS) as resp:
                status = resp.status
                redirects = [str(h.url) for h in resp.history]
                final_url = str(resp.url)
                der = peer_der(resp)
                if der is not None:
                    tls_days = tls_days_left(der, clock.now())
                declared = resp.content_length
                if declared is not None and declared > max_bytes:
                    return _fail(url, "too_large", f"Content-Length {declared} > {max_bytes}", t0, status,
                                 0, redirects, final_url, tls_days)
                digest = hashlib.sha256()
                async for chunk in resp.content.iter_chunked(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        return _fail(url, "too_large", f"body exceeds {max_bytes} bytes", t0, status, size,
                                     redirects, final_url, tls_days)
                    digest.update(chunk)
    except aiohttp.TooManyRedirects as exc:
        return _fail(url, "other", f"more than {MAX_REDIRECTS} redirects", t0, status, size,
                     [str(h.url) for h in exc.history], final_url, tls_days)
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
        kind = classify(exc)
        detail = f"page not loaded within {timeout:g} s" if kind == "timeout" else _detail(exc)
        if kind == "tls" and tls_days is None:
            tls_days = await _days_unverified(exc, url, timeout - (time.perf_counter() - t0), clock)
        return _fail(url, kind, detail, t0, status, size, redirects, final_url, tls_days)
    latency = (time.perf_counter() - t0) * 1000.0
    if status >= 400:
        return ProbeResult(url, False, status, latency, size, digest.hexdigest(), redirects, final_url, tls_days,
                           "http_status", f"HTTP {status}")
    return ProbeResult(url, True, status, latency, size, digest.hexdigest(), redirects, final_url, tls_days)


async def _days_unverified(exc: BaseException, url: str, remaining: float, clock: Clock) -> float | None:
    host = getattr(exc, "host", None)
    port = getattr(exc, "port", None)
    if not host:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or 443
    if not host or not port:
        return None
    der = await fetch_cert_unverified(host, int(port), min(max(remaining, 0.0), 5.0))
    return tls_days_left(der, clock.now()) if der else None


def _fail(url: str, error: ErrorClass, detail: str, t0: float, status: int | None, size: int,
          redirects: list[str], final_url: str | None, tls_days: float | None) -> ProbeResult:
    return ProbeResult(url, False, status, (time.perf_counter() - t0) * 1000.0, size, None, redirects,
                       final_url, tls_days, error, detail)
