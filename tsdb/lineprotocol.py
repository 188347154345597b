"""InfluxDB line protocol: parse text into :class:`Point` objects and format them back.

Syntax per line: ``measurement[,tag=value...] field=value[,field=value...] [timestamp]``.

Escaping: in the measurement ``,`` and space are escaped with a backslash; in tag keys,
tag values and field keys ``,``, ``=`` and space are. ``\\\\`` is one literal backslash;
a backslash before any other character is kept literally. String field values are
double-quoted, with ``\\"`` and ``\\\\`` escaped; they may span lines, as in InfluxDB.

Field values: float (``1``, ``-1.5e3``), integer (``12i``), unsigned (``12u``), boolean
(``t T true True TRUE f F false False FALSE``), string (``"..."``). Blank lines and lines
starting with ``#`` are skipped. Pure logic: no I/O, no clock. String values parse, as the format has
them, but a metric store keeps numbers only and refuses them (:mod:`tsdb.store`): text goes in tags.

Limits (each refusal is a :class:`LineProtocolError` with line and column): timestamps must fit a
signed 64-bit count of nanoseconds after scaling (the store keeps them as SQLite integers), integers
their 64-bit range, floats must be finite; names are at most :data:`MAX_NAME` characters, tag values
:data:`MAX_TAG_VALUE`, string field values :data:`MAX_STRING` (InfluxDB's 64 KiB), and a line carries
at most :data:`MAX_TAGS` tags and :data:`MAX_FIELDS` fields.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable

from core.i18n import store as text
from tsdb.point import FieldValue, Point

PRECISION_FACTOR: dict[str, int] = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
UINT64_MAX = 2**64 - 1
MAX_NAME = 256  # measurement, tag key, field key
MAX_TAG_VALUE = 1024
MAX_STRING = 64 * 1024
MAX_TAGS = 256
MAX_FIELDS = 1024
_MAX_DIGITS = 20  # more digits than any 64-bit integer has (int() of thousands of digits is refused)

_FLOAT_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_INT_RE = re.compile(r"[+-]?\d+[iu]\Z")
_TS_RE = re.compile(r"-?\d+\Z")
_TRUE = frozenset(("t", "T", "true", "True", "TRUE"))
_FALSE = frozenset(("f", "F", "false", "False", "FALSE"))
_SPECIAL = frozenset(", =\\")
# the next character that ends (or escapes within) an identifier, per set of stop characters: an identifier
# without a backslash is then one slice, not a loop over its characters
_NAME_END = {stops: re.compile("[\\\\\n" + re.escape(stops) + "]") for stops in (", ", ",= ")}
_VALUE_END = re.compile("[, \n]")


class LineProtocolError(ValueError):
    """Malformed line protocol; ``line`` and ``column`` are 1-based, ``reason`` is for operators."""

    def __init__(self, line: int, column: int, reason: str) -> None:
        super().__init__(text.LP_LOCATION.format(line=line, column=column, reason=reason))
        self.line = line
        self.column = column
        self.reason = reason


class _Scanner:
    """Cursor over the whole text; positions map back to (line, column) for errors."""

    def __init__(self, data: str) -> None:
        self.s = data
        self.n = len(data)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", data)]

    def error(self, pos: int, reason: str) -> LineProtocolError:
        idx = bisect.bisect_right(self.line_starts, pos) - 1
        return LineProtocolError(idx + 1, pos - self.line_starts[idx] + 1, reason)

    def name(self, pos: int, stops: str) -> tuple[str, int]:
        """Read an escaped identifier up to an unescaped char in ``stops`` or end of line."""
        s, n = self.s, self.n
        rx = _NAME_END.get(stops)
        m = None if rx is None else rx.search(s, pos)
        if rx is not None and m is None:
            return s[pos:], n
        if m is not None and s[m.start()] != "\\":
            return s[pos:m.start()], m.start()
        out: list[str] = []
        i = pos
        while i < n:
            ch = s[i]
            if ch == "\\" and i + 1 < n and s[i + 1] != "\n":
                nxt = s[i + 1]
                if nxt in _SPECIAL:
                    out.append(nxt)
                else:
                    out.append("\\" + nxt)
                i += 2
                continue
            if ch == "\n" or ch in stops:
                break
            out.append(ch)
            i += 1
        return "".join(out), i


def _unescape_string(raw: str) -> str:
    return re.sub(r'\\(["\\])', r"\1", raw)


def _parse_value(sc: _Scanner, pos: int) -> tuple[FieldValue, int]:
    s = sc.s
    value: FieldValue
    if pos < sc.n and s[pos] == '"':
        i = pos + 1
        while i < sc.n:
            ch = s[i]
            if ch == "\\" and i + 1 < sc.n:
                i += 2
                continue
            if ch == '"':
                value = _unescape_string(s[pos + 1:i])
                if len(value) > MAX_STRING:
                    raise sc.error(pos, text.LP_TOO_LONG.format(what=text.LP_WHAT_STRING, length=len(value),
                                                                limit=MAX_STRING))
                return value, i + 1
            i += 1
        raise sc.error(pos, text.LP_UNTERMINATED_STRING)
    m = _VALUE_END.search(s, pos)
    end = sc.n if m is None else m.start()
    token = s[pos:end].rstrip("\r") if end == sc.n or s[end] == "\n" else s[pos:end]
    if _FLOAT_RE.match(token):
        value = float(token)
        if not math.isfinite(value):
            raise sc.error(pos, text.LP_BAD_FIELD_VALUE.format(value=token))
    elif _INT_RE.match(token):
        if len(token.lstrip("+-")) > _MAX_DIGITS + 1:
            raise sc.error(pos, text.LP_INT_RANGE.format(value=_cut(token)))
        value = int(token[:-1])
        lo, hi = (INT64_MIN, INT64_MAX) if token[-1] == "i" else (0, UINT64_MAX)
        if not lo <= value <= hi:
            raise sc.error(pos, text.LP_INT_RANGE.format(value=token))
    elif token in _TRUE:
        value = True
    elif token in _FALSE:
        value = False
    else:
        raise sc.error(pos, text.LP_BAD_FIELD_VALUE.format(value=_cut(token) or "（空）"))
    return value, end


def _cut(token: str, limit: int = 40) -> str:
    """A token as shown in an error: never more than ``limit`` characters."""
    return token if len(token) <= limit else token[:limit] + "…"


def _check_len(sc: _Scanner, pos: int, value: str, what: str, limit: int) -> None:
    if len(value) > limit:
        raise sc.error(pos, text.LP_TOO_LONG.format(what=what, length=len(value), limit=limit))


def _parse_line(sc: _Scanner, pos: int, factor: int, default_time_ns: int | None) -> tuple[Point, int]:
    s, n = sc.s, sc.n
    measurement, i = sc.name(pos, ", ")
    if not measurement:
        raise sc.error(pos, text.LP_EMPTY_MEASUREMENT)
    _check_len(sc, pos, measurement, text.LP_WHAT_MEASUREMENT, MAX_NAME)
    tags: dict[str, str] = {}
    while i < n and s[i] == ",":
        key, j = sc.name(i + 1, ",= ")
        if not key:
            raise sc.error(i + 1, text.LP_EMPTY_TAG_KEY)
        _check_len(sc, i + 1, key, text.LP_WHAT_TAG_KEY, MAX_NAME)
        if j >= n or s[j] != "=":
            raise sc.error(j, text.LP_EXPECTED_EQUALS)
        value, k = sc.name(j + 1, ",= ")
        if not value:
            raise sc.error(j + 1, text.LP_EMPTY_TAG_VALUE.format(key=key))
        _check_len(sc, j + 1, value, text.LP_WHAT_TAG_VALUE, MAX_TAG_VALUE)
        if key in tags:
            raise sc.error(i + 1, text.LP_DUPLICATE_TAG.format(key=key))
        if len(tags) >= MAX_TAGS:
            raise sc.error(i + 1, text.LP_TOO_MANY.format(what=text.LP_WHAT_TAGS, limit=MAX_TAGS))
        tags[key] = value
        i = k
    if i >= n or s[i] != " ":
        raise sc.error(i, text.LP_NO_FIELDS if i >= n or s[i] in "\r\n" else text.LP_EXPECTED_SPACE)
    i += 1
    fields: dict[str, FieldValue] = {}
    while True:
        if i >= n or s[i] in "\r\n":
            raise sc.error(i, text.LP_NO_FIELDS)
        key, j = sc.name(i, ",= ")
        if not key:
            raise sc.error(i, text.LP_EMPTY_FIELD_KEY)
        _check_len(sc, i, key, text.LP_WHAT_FIELD_KEY, MAX_NAME)
        if j >= n or s[j] != "=":
            raise sc.error(j, text.LP_EXPECTED_EQUALS)
        if key in fields:
            raise sc.error(i, text.LP_DUPLICATE_FIELD.format(key=key))
        if len(fields) >= MAX_FIELDS:
            raise sc.error(i, text.LP_TOO_MANY.format(what=text.LP_WHAT_FIELDS, limit=MAX_FIELDS))
        fields[key], i = _parse_value(sc, j + 1)
        if i < n and s[i] == ",":
            i += 1
            continue
        break
    # optional timestamp, then only trailing spaces up to the end of the line
    while i < n and s[i] == " ":
        i += 1
    end = s.find("\n", i)
    end = n if end < 0 else end
    rest = s[i:end].rstrip(" \r")
    if rest:
        token = rest.split(" ", 1)[0]
        if len(token) < len(rest):
            extra = rest[len(token):].strip()
            raise sc.error(i + len(token) + 1, text.LP_TRAILING.format(value=_cut(extra)))
        if not _TS_RE.match(token):
            raise sc.error(i, text.LP_BAD_TIMESTAMP.format(value=_cut(token)))
        time_ns = int(token) * factor if len(token.lstrip("-")) <= _MAX_DIGITS else INT64_MAX + 1
        if not INT64_MIN <= time_ns <= INT64_MAX:
            raise sc.error(i, text.LP_TIMESTAMP_RANGE.format(value=_cut(token)))
    elif default_time_ns is not None:
        time_ns = default_time_ns
    else:
        raise sc.error(i, text.LP_MISSING_TIMESTAMP)
    return Point(measurement, fields, time_ns, tags), end + 1


def parse_lines(data: str, precision: str = "ns", default_time_ns: int | None = None) -> list[Point]:
    """Every point in ``data``, all or nothing.

    ``precision`` (ns/us/ms/s) scales the timestamps; lines without one get
    ``default_time_ns``. Raises :class:`LineProtocolError` at the first malformed line
    (nothing is returned then) and ``ValueError`` for an unknown precision.
    """
    return [p for _, p in parse_numbered(data, precision, default_time_ns)]


def parse_numbered(data: str, precision: str = "ns", default_time_ns: int | None = None) -> list[tuple[int, Point]]:
    """:func:`parse_lines` with the 1-based line each point starts on, so a later check (a store's refusal,
    a scope) can name the line too. Raises as :func:`parse_lines` does."""
    try:
        factor = PRECISION_FACTOR[precision]
    except KeyError:
        raise ValueError(f"unknown precision {precision!r}; expected one of "
                         f"{', '.join(PRECISION_FACTOR)}") from None
    sc = _Scanner(data)
    points: list[tuple[int, Point]] = []
    i = 0
    while i < sc.n:
        # skip leading blanks; a blank or comment line is skipped whole
        while i < sc.n and data[i] in " \t\r":
            i += 1
        if i >= sc.n:
            break
        if data[i] == "\n":
            i += 1
            continue
        if data[i] == "#":
            nl = data.find("\n", i)
            i = sc.n if nl < 0 else nl + 1
            continue
        line = bisect.bisect_right(sc.line_starts, i)
        point, i = _parse_line(sc, i, factor, default_time_ns)
        points.append((line, point))
    return points


def _escape_name(value: str, specials: str, what: str) -> str:
    if not value:
        raise ValueError(f"line protocol cannot carry an empty {what}")
    if "\n" in value:
        raise ValueError(f"line protocol cannot carry a newline in {what} {value!r}")
    out = value.replace("\\", "\\\\")
    for ch in specials:
        out = out.replace(ch, "\\" + ch)
    return out


def _format_value(key: str, value: FieldValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if INT64_MIN <= value <= INT64_MAX:
            return f"{value}i"
        if 0 <= value <= UINT64_MAX:
            return f"{value}u"
        raise ValueError(f"field {key!r}: integer {value} does not fit in 64 bits")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"field {key!r}: line protocol cannot carry {value}")
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise ValueError(f"field {key!r}: unsupported value type {type(value).__name__}")


def format_point(p: Point) -> str:
    """One line (no newline); tags sorted by key. Raises ValueError for unrepresentable values."""
    if p.measurement.startswith("#"):
        raise ValueError(f"measurement {p.measurement!r} would read as a comment")
    parts = [_escape_name(p.measurement, ", ", "measurement")]
    for k in sorted(p.tags):
        parts.append("," + _escape_name(k, ",= ", "tag key") + "="
                     + _escape_name(p.tags[k], ",= ", f"value of tag {k!r}"))
    fields = ",".join(_escape_name(k, ",= ", "field key") + "=" + _format_value(k, v)
                      for k, v in p.fields.items())
    return f"{''.join(parts)} {fields} {p.time_ns}"


def format_points(points: Iterable[Point]) -> str:
    """Line protocol text, one line per point, each ending in a newline; timestamps in ns."""
    return "".join(format_point(p) + "\n" for p in points)
