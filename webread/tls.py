"""TLS as the web readers see it: trust, the peer certificate, its expiry, and what is wrong with it.

- :func:`make_ssl_context` — the system CAs plus a configured PEM file (``collectors.probe_ca_file``);
- :class:`ProbeConnector` / :func:`peer_der` — a guarded connector that keeps each TLS connection's peer
  certificate, and reading it back from a response;
- :func:`fetch_cert_unverified` — the certificate read without verification (under the address policy),
  so an operator still sees how many days an invalid certificate has left;
- :func:`tls_days_left` — days until a certificate's notAfter;
- :func:`cert_problem` — a verification failure as a Chinese phrase (证书已过期, 证书与域名不符 …).

Used by the homepage probe (``webread.probe``), the inspection fetcher (``webread.fetch``), the crawler and
the identity check alike.
"""

from __future__ import annotations

import asyncio
import ssl
from datetime import datetime
from typing import Any

import aiohttp
from cryptography import x509

from core.config import ConfigError
from core.i18n.web import CERT_PROBLEMS, CERT_TEXTS
from webread.addresses import AddressPolicy
from webread.client import AddressBlocked, GuardedConnector, open_checked

__all__ = ["ProbeConnector", "cert_problem", "fetch_cert_unverified", "make_ssl_context", "peer_der",
           "tls_days_left"]


def make_ssl_context(ca_file: str, resolve: Any) -> ssl.SSLContext | None:
    """System CAs plus ``ca_file`` (PEM) when set; None (aiohttp's default) when not."""
    if not ca_file:
        return None
    path = resolve(ca_file)
    if not path.is_file():
        raise ConfigError(f"配置项 collectors.probe_ca_file：文件 {path} 不存在", ("collectors", "probe_ca_file"))
    ctx = ssl.create_default_context()
    try:
        ctx.load_verify_locations(cafile=str(path))
    except (ssl.SSLError, ValueError):
        raise ConfigError(f"配置项 collectors.probe_ca_file：{path} 不是 PEM 格式的证书文件",
                          ("collectors", "probe_ca_file")) from None
    return ctx


def tls_days_left(der: bytes, now: datetime) -> float:
    """Days from ``now`` until the DER certificate's notAfter (negative once expired)."""
    cert = x509.load_der_x509_certificate(der)
    return (cert.not_valid_after_utc - now).total_seconds() / 86400.0


class ProbeConnector(GuardedConnector):
    """A guarded connector (``policy=``, see :class:`webread.client.GuardedConnector`) that remembers
    each TLS connection's peer certificate.

    aiohttp releases the connection as soon as a small body has arrived, so the
    certificate is captured when the connection is made; :func:`peer_der` reads it back.
    """

    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:
        # Any: the protocol object gets an attribute of ours, which aiohttp's ResponseHandler does not declare
        proto: Any = await super()._create_connection(req, traces, timeout)
        transport = getattr(proto, "transport", None)
        ssl_obj = transport.get_extra_info("ssl_object") if transport is not None else None
        if ssl_obj is not None:
            proto._govops_peer_der = ssl_obj.getpeercert(binary_form=True)
        return proto


def peer_der(resp: aiohttp.ClientResponse) -> bytes | None:
    """The DER peer certificate of the connection that answered ``resp`` (needs :class:`ProbeConnector`)."""
    return getattr(getattr(resp, "_protocol", None), "_govops_peer_der", None)


async def fetch_cert_unverified(host: str, port: int, timeout: float,
                                policy: AddressPolicy | None = None) -> bytes | None:
    """The peer certificate (DER) of ``host:port`` read without verification; None if unreachable or,
    with a ``policy``, if the policy refuses every address of ``host``."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    writer = None
    try:
        async with asyncio.timeout(max(timeout, 0.05)):
            _reader, writer = await open_checked(host, port, policy, ssl=ctx, server_hostname=host)
            ssl_obj = writer.get_extra_info("ssl_object")
            return ssl_obj.getpeercert(binary_form=True) if ssl_obj is not None else None
    except (OSError, TimeoutError, ssl.SSLError, AddressBlocked):
        return None
    finally:
        if writer is not None:
            writer.close()


def _ssl_error(exc: BaseException | None) -> ssl.SSLError | None:
    """The ssl error inside an aiohttp or OS error (certificate_error, os_error, cause, context)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        inner = getattr(exc, "certificate_error", None) or getattr(exc, "os_error", None)
        if isinstance(exc, ssl.SSLError) and (inner is None or inner is exc):  # aiohttp's wrappers are SSLErrors
            return exc
        exc = inner if inner is not None and inner is not exc else (exc.__cause__ or exc.__context__)
    return None


def cert_problem(exc: BaseException | None = None, text: str = "") -> str | None:
    """What is wrong with the certificate, in Chinese, from an exception or a stored raw text; None when
    it is not a certificate verification failure."""
    err = _ssl_error(exc)
    code = getattr(err, "verify_code", None)
    if code in CERT_PROBLEMS:
        return CERT_PROBLEMS[code]
    raw = (getattr(err, "verify_message", "") or "") + " " + str(err or "") + " " + text
    low = raw.lower()
    for needle, problem in CERT_TEXTS:
        if needle in low:
            return problem
    if isinstance(err, ssl.SSLCertVerificationError) or "certificate verify failed" in low:
        return "证书无效"
    return None
