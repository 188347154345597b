"""The HTTP client every check shares: bounded, decoding Chinese pages right, failing clearly.

``Fetcher.get`` returns a :class:`Page` whose ``text`` is decoded by the HTTP charset, else the
page's ``<meta charset>``, else detection (GBK pages without any charset are common on older
government CMSs). Network and protocol failures raise :class:`FetchError` with a ``kind`` among
``timeout, dns, refused, reset, tls, redirect_loop, too_large, blocked, other``; HTTP error statuses are
not exceptions (the page comes back with its status).

Reading follows the shared fetch policy (``webread``): bodies are counted in inflated bytes and cut
at ``max_bytes`` (``truncated``); a decompression bomb raises ``too_large`` (页面解压后过大…); an
address the :class:`~webread.addresses.AddressPolicy` refuses — on the first request or any redirect
hop — raises ``blocked`` (指向内网地址，未访问…) before anything is sent to it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from charset_normalizer import from_bytes

from webread.addresses import AddressPolicy
from webread.body import BodyLimits
from webread.client import REQUEST_HEADERS, REQUEST_OPTIONS, AddressBlocked, GuardedConnector, classify, read_body
from webread.tls import make_ssl_context

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
# Browsers read these labels as supersets; decoding with the superset never loses characters.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "iso-8859-1": "cp1252",
              "ascii": "utf-8", "us-ascii": "utf-8"}


class FetchError(Exception):
    """Fetching ``url`` failed before an HTTP answer was complete."""

    def __init__(self, url: str, kind: str, detail: str) -> None:
        super().__init__(f"{url}: {kind}: {detail}")
        self.url, self.kind, self.detail = url, kind, detail


@dataclass(frozen=True)
class Page:
    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    text: str
    encoding: str
    elapsed_ms: float
    redirects: tuple[str, ...] = ()
    truncated: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml", "") and not self.truncated


def decode(body: bytes, header_charset: str | None) -> tuple[str, str]:
    """(text, encoding) by HTTP charset, then meta charset, then detection; never raises."""
    candidates: list[str] = []
    if header_charset:
        candidates.append(header_charset)
    m = _META_CHARSET.search(body[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", "replace"))
    for enc in candidates:
        enc = _SUPERSETS.get(enc.lower(), enc.lower())
        try:
            return body.decode(enc), enc
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(body[:200_000]).best()
    enc = _SUPERSETS.get(best.encoding, best.encoding) if best else "gb18030"
    return body.decode(enc, errors="replace"), enc


class Fetcher:
    """One aiohttp session with per-host connection limits; call :meth:`aclose` when done.

    ``policy``: the addresses it may reach (see :mod:`webread.addresses`); without one, no internal
    address at all. The owner keeps the policy's registered sites current (the runner does).
    """

    def __init__(self, *, timeout: float = 15.0, max_bytes: int = 10 * 1024 * 1024, ca_file: str = "",
                 resolve_path: Any = None, verify_tls: bool = True, user_agent: str = "GovOps-Inspector/1.0",
                 per_host: int = 4, total: int = 64, max_redirects: int = 10,
                 policy: AddressPolicy | None = None) -> None:
        self.timeout, self.max_bytes, self.max_redirects = timeout, max_bytes, max_redirects
        self.policy = policy if policy is not None else AddressPolicy()
        self._ssl = make_ssl_context(ca_file, resolve_path or (lambda p: p)) if verify_tls else False
        self._ua, self._per_host, self._total = user_agent, per_host, total
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = GuardedConnector(limit=self._total, limit_per_host=self._per_host, ssl=self._ssl,
                                         policy=self.policy)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self._ua},
                                                  auto_decompress=True)
        return self._session

    async def get(self, url: str, *, timeout: float | None = None, method: str = "GET",
                  max_bytes: int | None = None) -> Page:
        """Fetch ``url`` following redirects; a body over ``max_bytes`` (inflated) is cut and marked
        ``truncated``. Raises :class:`FetchError` (see the module docstring)."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        t0 = time.monotonic()
        try:
            async with asyncio.timeout(timeout or self.timeout):
                async with self.session().request(method, url, allow_redirects=True, max_redirects=self.max_redirects,
                                                  headers=REQUEST_HEADERS, **REQUEST_OPTIONS) as resp:
                    body, truncated = b"", False
                    if method != "HEAD":
                        read = await read_body(resp, BodyLimits(limit))
                        if read.bomb:
                            raise FetchError(url, "too_large", read.reason())
                        body, truncated = read.data, read.truncated
                    text, enc = decode(body, resp.charset) if method != "HEAD" else ("", "")
                    return Page(url=url, final_url=str(resp.url), status=resp.status,
                                headers={k: v for k, v in resp.headers.items()}, body=body, text=text,
                                encoding=enc, elapsed_ms=(time.monotonic() - t0) * 1000,
                                redirects=tuple(str(h.url) for h in resp.history), truncated=truncated)
        except aiohttp.TooManyRedirects as exc:
            raise FetchError(url, "redirect_loop", f"超过 {self.max_redirects} 次跳转") from exc
        except AddressBlocked as exc:
            raise FetchError(url, "blocked", exc.reason) from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise FetchError(url, classify(exc), (str(exc) or type(exc).__name__)[:300]) from exc

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
