"""Reading a response body within bounds: streaming inflation and the accounting that stops it. Pure.

Every HTTP body the probes and checks read is counted in **inflated** bytes — what ends up in
memory — not in what the ``Content-Length`` header or the wire says. :class:`Inflater` decodes
``Content-Encoding: gzip`` / ``deflate`` itself (the client asks for nothing else and turns
aiohttp's decoding off), a bounded piece at a time, so the caller can stop after any piece;
:class:`BodyMeter` says when to stop: the inflated size passed ``max_bytes`` (the body is cut),
or the inflated/compressed ratio passed ``max_ratio`` once ``ratio_grace`` bytes came out (a
decompression bomb: the body is refused).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from core.i18n.web import TEXT, size_text

ACCEPT_ENCODING = "gzip, deflate"  # what we can inflate within bounds; sent with every request
PIECE = 64 * 1024  # most inflated bytes one step produces
DEFAULT_MAX_RATIO = 100.0  # real pages compress 3–15×; gzip of one repeated byte reaches ~1000×
RATIO_GRACE = 1024 * 1024  # the ratio is judged once this many inflated bytes came out
_GZIP = {"gzip", "x-gzip"}
_DEFLATE = {"deflate"}

Verdict = Literal["ok", "cap", "ratio"]


class CorruptEncoding(ValueError):
    """The body does not decode as its Content-Encoding says."""


@dataclass(frozen=True)
class BodyLimits:
    """How much of one body may be read: ``max_bytes`` inflated, at most ``max_ratio`` inflated per
    compressed byte once ``ratio_grace`` inflated bytes came out."""

    max_bytes: int
    max_ratio: float = DEFAULT_MAX_RATIO
    ratio_grace: int = RATIO_GRACE


@dataclass(frozen=True)
class Body:
    """What was read. ``data`` holds at most ``limits.max_bytes`` inflated bytes (empty when the
    caller did not keep them); ``size`` counts every inflated byte seen (it may pass the limit by
    one piece); ``truncated``: reading stopped at the limit; ``bomb``: reading stopped because the
    ratio passed the limit (``data`` is then not to be used)."""

    data: bytes
    size: int
    wire_bytes: int
    encoding: str  # the Content-Encoding inflated ("" for none)
    limits: BodyLimits
    truncated: bool = False
    bomb: bool = False

    @property
    def ratio(self) -> float:
        return self.size / self.wire_bytes if self.wire_bytes else 0.0

    def reason(self) -> str:
        """Why reading stopped, in Chinese (页面解压后过大…); "" when the whole body was read."""
        if self.bomb:
            return TEXT["bomb"].format(ratio=self.limits.max_ratio)
        if self.truncated:
            key = "inflated_too_large" if self.encoding else "too_large"
            return TEXT[key].format(size=size_text(self.limits.max_bytes))
        return ""


class BodyMeter:
    """Counts wire and inflated bytes of one body against its :class:`BodyLimits`."""

    def __init__(self, limits: BodyLimits) -> None:
        self.limits = limits
        self.wire = 0
        self.inflated = 0

    def on_wire(self, n: int) -> Verdict:
        """Count ``n`` more bytes off the connection; ``cap`` once past ``max_bytes`` (bytes that inflate to
        nothing, e.g. after the end of a gzip stream, are bounded too)."""
        self.wire += n
        return "cap" if self.wire > self.limits.max_bytes else "ok"

    def on_inflated(self, n: int) -> Verdict:
        """Count ``n`` more inflated bytes; ``cap`` once past ``max_bytes``, ``ratio`` for a bomb."""
        self.inflated += n
        lim = self.limits
        if self.inflated >= lim.ratio_grace and self.inflated > lim.max_ratio * max(self.wire, 1):
            return "ratio"
        if self.inflated > lim.max_bytes:
            return "cap"
        return "ok"


def coding_of(content_encoding: str | None) -> str:
    """The one coding :class:`Inflater` will undo: ``gzip``, ``deflate`` or "" (identity, and anything
    it does not know, which is passed through as it came — and counted the same)."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if len(codings) != 1:
        return ""  # none, or stacked codings we never asked for
    c = codings[0]
    return "gzip" if c in _GZIP else "deflate" if c in _DEFLATE else ""


class Inflater:
    """Streaming decoder of one body; :meth:`feed` yields inflated pieces of at most ``piece`` bytes.

    The generator does no work ahead of its consumer: stop iterating and no more is inflated.
    Raises :class:`CorruptEncoding` on data that does not decode.
    """

    def __init__(self, content_encoding: str | None, piece: int = PIECE) -> None:
        self.encoding = coding_of(content_encoding)
        self.piece = piece
        self._d: zlib._Decompress | None = None
        self._done = False  # the stream ended (trailing bytes are ignored, as browsers do)

    def _start(self, first: bytes) -> zlib._Decompress:
        if self.encoding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" is meant as zlib-wrapped (RFC 1950) but many servers send raw deflate
        return zlib.decompressobj(zlib.MAX_WBITS if first[0] & 0x0F == 8 else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self.encoding:
            for i in range(0, len(data), self.piece):
                yield data[i:i + self.piece]
            return
        buf = data
        while buf and not self._done:
            if self._d is None:
                self._d = self._start(buf)
            d = self._d
            try:
                while True:
                    out = d.decompress(buf, self.piece)
                    buf = d.unconsumed_tail
                    if out:
                        yield out
                    if d.eof or (not buf and not out):
                        break
            except zlib.error as exc:
                raise CorruptEncoding(f"{self.encoding}: {exc}") from None
            if d.eof:
                rest = d.unused_data
                if self.encoding == "gzip" and rest[:2] == b"\x1f\x8b":
                    self._d, buf = None, rest  # another gzip member follows
                else:
                    self._done, buf = True, b""
