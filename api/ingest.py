"""What a write request's body becomes before it reaches the store. Pure: no I/O, the owner of a site or host
tag is looked up by a function the caller passes, time comes in as an argument.

- :func:`decode_body` bounds the body, compressed and decompressed (a gzip bomb stops at the limit), and
  decodes UTF-8 naming the line of a bad byte.
- :func:`points_of` parses the line protocol (all or nothing, the line named), bounds the point count,
  refuses text field values and places every point in the token's region (:func:`place`).

Region rule (docs/api.md): a point's region is its ``node`` tag, else its ``city`` tag, else the token's
node. A missing ``node`` is set (the token's node when the token lies inside the given city, the city
otherwise), a missing ``city`` is set to the node's city, and a ``city`` that is not the node's city is
refused. The node must lie in the token's scope (security.scope.covers: the province covers all, a city
itself and its counties, a county itself), and a ``site`` or ``host`` tag naming a registered site or host
must name one of the scope too. One refused point refuses the whole request.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Collection, Mapping

from api.errors import forbidden, invalid, too_large
from core.i18n import api as text
from core.region import PROVINCE_CODE, city_of, is_division_code
from security.access import Kind
from security.scope import Owner, covers
from tsdb.lineprotocol import LineProtocolError, parse_numbered
from tsdb.point import Point

OwnerLookup = Callable[[Kind, str], Owner | None]
# the owners of many codes of one kind at once (security.owners.owners_of): one query instead of one per code
OwnersLookup = Callable[[Kind, Collection[str]], Mapping[str, Owner | None]]
OWNED_TAGS: tuple[tuple[str, Kind], ...] = (("site", Kind.SITE), ("host", Kind.HOST))


def decode_body(raw: bytes, encoding: str, limit: int) -> str:
    """The text of a body read up to ``limit + 1`` bytes; ``encoding`` is the Content-Encoding header.

    Raises :class:`ApiError` 413 past ``limit`` bytes before or after decompression, 400 for an unknown
    encoding, broken gzip or a byte that is not UTF-8 (naming its line)."""
    if len(raw) > limit:
        raise too_large(text.BODY_TOO_LARGE.format(limit=limit, what=text.WHAT_COMPRESSED))
    enc = encoding.strip().lower()
    if enc == "gzip":
        raw = gunzip(raw, limit)
    elif enc not in ("", "identity"):
        raise invalid(text.BAD_ENCODING.format(value=encoding[:40]))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid(text.NOT_UTF8.format(line=raw[:exc.start].count(b"\n") + 1)) from None


def gunzip(raw: bytes, limit: int) -> bytes:
    """Every gzip member of ``raw`` decompressed, never more than ``limit`` bytes of output held: 413 past it,
    400 for data that is not gzip or ends early."""
    out = bytearray()
    data = raw
    try:
        while data:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += d.decompress(data, limit + 1 - len(out))
            if len(out) > limit or d.unconsumed_tail:
                raise too_large(text.BODY_TOO_LARGE.format(limit=limit, what=text.WHAT_DECOMPRESSED))
            if not d.eof:
                raise invalid(text.BAD_GZIP)
            data = d.unused_data
    except zlib.error:
        raise invalid(text.BAD_GZIP) from None
    return bytes(out)


def place(line: int, tags: dict[str, str], scope: str, owner_of: OwnerLookup) -> dict[str, str]:
    """``tags`` with ``node`` and ``city`` set per the region rule (module docstring); raises :class:`ApiError`
    400 for a malformed or inconsistent region tag, 403 for one outside ``scope``, naming ``line``."""
    node, city = tags.get("node"), tags.get("city")
    for key, value in (("node", node), ("city", city)):
        if value is not None and not is_division_code(value):
            raise invalid(text.TAG_NOT_REGION.format(line=line, key=key, value=value[:40]))
    if node is None:
        inside = city is not None and scope != PROVINCE_CODE and city_of(scope) == city
        node = scope if city is None or inside else city
    expected = city_of(node)
    if city is None:
        city = expected
    elif city != expected:
        raise invalid(text.TAG_MISMATCH.format(line=line, city=city, node=node, expected=expected))
    if not covers(scope, Owner(expected, node)):
        key, value = ("node", node) if "node" in tags else ("city", city)
        raise forbidden(text.FORBIDDEN_TAG.format(line=line, key=key, value=value, scope=scope))
    for key, kind in OWNED_TAGS:
        value = tags.get(key)
        owner = owner_of(kind, value) if value else None
        if owner is not None and not covers(scope, owner):  # unregistered names: filed under the node above
            raise forbidden(text.FORBIDDEN_TAG.format(line=line, key=key, value=value[:80] if value else "",
                                                      scope=scope))
    return {**tags, "node": node, "city": city}


def points_of(body: str, precision: str, now_ns: int, scope: str, owner_of: OwnerLookup,
              max_lines: int, owners_of: OwnersLookup | None = None) -> list[Point]:
    """The points of ``body``, placed in ``scope``'s region, or :class:`ApiError` for the first line at fault
    (nothing is returned then). Lines without a timestamp get ``now_ns``. With ``owners_of`` the owners of
    every ``site`` and ``host`` tag of the body are looked up together first (same answers as ``owner_of``)."""
    try:
        numbered = parse_numbered(body, precision, default_time_ns=now_ns)
    except LineProtocolError as exc:
        raise invalid(text.LINE_ERROR.format(line=exc.line, column=exc.column, reason=exc.reason)) from None
    if len(numbered) > max_lines:
        raise too_large(text.TOO_MANY_LINES.format(count=len(numbered), limit=max_lines))
    cache: dict[tuple[Kind, str], Owner | None] = {}
    if owners_of is not None:
        for key, kind in OWNED_TAGS:
            codes = {v for _, p in numbered if (v := p.tags.get(key))}
            if codes:
                cache.update(((kind, code), owner) for code, owner in owners_of(kind, codes).items())

    def cached(kind: Kind, code: str) -> Owner | None:
        if (kind, code) not in cache:
            cache[kind, code] = owner_of(kind, code)
        return cache[kind, code]

    out: list[Point] = []
    for line, p in numbered:
        for key, value in p.fields.items():
            if isinstance(value, str):
                raise invalid(text.TEXT_FIELD.format(line=line, key=key[:80]))
        out.append(Point(p.measurement, p.fields, p.time_ns, place(line, dict(p.tags), scope, cached)))
    return out

