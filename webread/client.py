"""The I/O half of the shared fetch policy: a guarded aiohttp connector and a bounded body reader.

- :class:`GuardedConnector` — a ``TCPConnector`` that checks every address it is about to connect
  to against an :class:`~webread.addresses.AddressPolicy`, after DNS resolution (or for the URL's IP
  literal) and on every connection, hence on every redirect hop; it connects only to the addresses
  the policy allowed (no check-then-connect race). Nothing allowed: :class:`AddressBlocked`.
- :data:`REQUEST_OPTIONS` — pass to every ``session.request``: aiohttp's own decoding off and
  ``Accept-Encoding`` limited to what :class:`~webread.body.Inflater` decodes within bounds.
- :func:`read_body` — stream a response body through the inflater and the meter.
- :func:`classify` — a client exception as an error class (``blocked`` for a refused address).
- :func:`open_checked` — a raw TCP/TLS connection under the same policy (certificate reads).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable, Sequence
from typing import Any, Literal

import aiohttp

from core.i18n.web import TEXT
from webread.addresses import AddressPolicy, Refusal, parse_address
from webread.body import ACCEPT_ENCODING, Body, BodyLimits, BodyMeter, CorruptEncoding, Inflater

CHUNK = 64 * 1024  # bytes read off the connection at a time
WIRE_STEP = 16 * 1024  # compressed bytes inflated at a time: the ratio is judged at this grain
NetError = Literal["blocked", "timeout", "dns", "refused", "reset", "tls", "other"]
REQUEST_OPTIONS: dict[str, Any] = {"auto_decompress": False}
REQUEST_HEADERS: dict[str, str] = {"Accept-Encoding": ACCEPT_ENCODING}


class AddressBlocked(aiohttp.ClientConnectionError):
    """Every address of ``host`` was refused by the policy; nothing was sent."""

    def __init__(self, host: str, port: int, refusal: Refusal) -> None:
        super().__init__(f"{host}:{port}: {refusal} address refused by policy")
        self.host, self.port, self.refusal = host, port, refusal

    @property
    def reason(self) -> str:
        """In Chinese, naming the host as written (never what it resolved to)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return TEXT[self.refusal].format(host=host)


class GuardedConnector(aiohttp.TCPConnector):
    """A ``TCPConnector`` under an :class:`AddressPolicy` (a strict one when none is given)."""

    def __init__(self, *args: Any, policy: AddressPolicy | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy if policy is not None else AddressPolicy()

    async def _resolve_host(self, host: str, port: int, traces: Sequence[Any] | None = None) -> list[Any]:
        infos = await super()._resolve_host(host, port, traces=traces)
        allowed, refused = [], None
        for info in infos:
            why = self.policy.refusal(host, info["host"])
            if why is None:
                allowed.append(info)
            elif refused != "metadata":
                refused = why
        if not allowed:
            raise AddressBlocked(host, port, refused or "internal")
        return allowed


def policy_of(session: aiohttp.ClientSession) -> AddressPolicy | None:
    """The policy guarding ``session``'s connector, None when it is not a :class:`GuardedConnector`."""
    return getattr(session.connector, "policy", None)


def classify(exc: BaseException) -> NetError:
    """A client exception as an error class: ``blocked``, ``timeout``, ``dns``, ``refused``, ``reset``,
    ``tls`` or ``other``."""
    if isinstance(exc, AddressBlocked):
        return "blocked"
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


async def read_body(resp: aiohttp.ClientResponse, limits: BodyLimits, *, keep: bool = True,
                    sink: Callable[[bytes], Any] | None = None) -> Body:
    """Read ``resp``'s body (requested with :data:`REQUEST_OPTIONS`) within ``limits``.

    Inflated pieces go to ``sink`` as they come and, with ``keep``, into ``Body.data`` (at most
    ``limits.max_bytes``). Stops early — the rest is never read nor inflated — at the size limit
    (``truncated``) or on a decompression bomb (``bomb``). A body that does not decode as its
    Content-Encoding says raises ``aiohttp.ClientPayloadError``; network errors propagate.
    """
    inflater = Inflater(resp.headers.get("Content-Encoding"))
    meter = BodyMeter(limits)
    parts: list[bytes] = []
    kept = 0

    def done(**flags: bool) -> Body:
        return Body(b"".join(parts), meter.inflated, meter.wire, inflater.encoding, limits, **flags)

    try:
        async for chunk in resp.content.iter_chunked(CHUNK):
            for at in range(0, len(chunk), WIRE_STEP):
                raw = chunk[at:at + WIRE_STEP]
                wire = meter.on_wire(len(raw))
                for piece in inflater.feed(raw):
                    verdict = meter.on_inflated(len(piece))
                    if verdict == "ratio":
                        parts.clear()
                        return done(bomb=True)
                    if keep and kept < limits.max_bytes:
                        piece_kept = piece[: limits.max_bytes - kept]
                        parts.append(piece_kept)
                        kept += len(piece_kept)
                    if sink is not None:
                        sink(piece)
                    if verdict == "cap":
                        return done(truncated=True)
                if wire == "cap":
                    return done(truncated=True)
    except CorruptEncoding as exc:
        raise aiohttp.ClientPayloadError(f"Can not decode content-encoding: {exc}") from exc
    return done()


async def open_checked(host: str, port: int, policy: AddressPolicy | None, **kwargs: Any
                       ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """``asyncio.open_connection`` to ``host:port`` under ``policy`` (None: unchecked): the name is resolved
    here and the connection made to the first address the policy allows. Raises :class:`AddressBlocked`
    or OSError."""
    if policy is None:
        return await asyncio.open_connection(host, port, **kwargs)
    ip = parse_address(host)
    if ip is not None:
        addresses = [str(ip)]
    else:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    refused: Refusal = "internal"
    for address in addresses:
        why = policy.refusal(host, address)
        if why is None:
            return await asyncio.open_connection(address, port, **kwargs)
        refused = why if refused != "metadata" else refused
    raise AddressBlocked(host, port, refused)
