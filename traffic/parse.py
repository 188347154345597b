"""Access-log lines of nginx and Apache (pure): the "common", "combined" and Apache "vhost_combined" formats.

One compiled regular expression on bytes (no decoding per line; a second one with the leading virtual host)
reads every format; ``parse_line`` returns a :class:`LogLine` or a :class:`BadLine` reason, never raises.
The shape, as nginx and Apache write it::

    [vhost[:port] ]remote_addr ident user [time_local] "request" status bytes ["referer" "user_agent"][ extra…]

- ``common`` needs the part up to the bytes sent; referer and user agent, when present, are read too;
- ``combined`` needs referer and user agent (nginx's default ``log_format combined``); fields appended after
  them (``$request_time``, ``$http_x_forwarded_for``, …) are kept in ``extra``;
- ``vhost_combined`` is combined with Apache's leading ``%v:%p`` (the virtual host that served the request).

Quoted fields may hold Apache's ``\\"`` escapes; nginx escapes ``"`` as ``\\x22``, which needs nothing.
The day of a request is the date as written in ``time_local`` (the server's own zone, ``+0800`` in Hunan).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final, NamedTuple

FORMATS: Final = ("combined", "common", "vhost_combined")

_QUOTED = rb'(?:[^"\\]++|\\.)*+'  # possessive: a quoted field never backtracks
_BODY = (rb"(?P<ip>[^\s\"]+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] "
         rb'"(?P<request>' + _QUOTED + rb')" (?P<status>\d{3}) (?P<bytes>\d+|-)'
         rb'(?: "(?P<referer>' + _QUOTED + rb')" "(?P<ua>' + _QUOTED + rb')")?'
         rb"(?P<extra>(?: .*)?)\r?$")
_LINE = re.compile(_BODY, re.DOTALL)
_VHOST_LINE = re.compile(rb"(?P<vhost>[^\s\"\[]+) " + _BODY, re.DOTALL)  # Apache's %v:%p first
_MONTHS: Final = {m: i for i, m in enumerate(
    (b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"), 1)}

# Reasons a line is refused (keys of core/i18n/traffic.py's BAD_REASON).
NOT_A_LOG_LINE: Final = "shape"
NO_USER_AGENT: Final = "no_user_agent"
NO_VHOST: Final = "no_vhost"
BAD_TIME: Final = "time"


class LogLine(NamedTuple):  # a tuple: the cheapest record to build millions of times
    """One request: the bytes as logged (``ua``/``referer`` None when the line has none, ``vhost`` None
    outside ``vhost_combined``), ``day`` the date of ``time_local`` as written."""

    vhost: bytes | None
    ip: bytes
    day: date
    method: bytes
    target: bytes
    status: int
    referer: bytes | None
    ua: bytes | None
    extra: bytes


@dataclass(frozen=True, slots=True)
class BadLine:
    """Why a line was refused: one of the reason constants of this module."""

    reason: str


class DayCache:
    """``dd/Mon/yyyy`` → date, remembered: a log holds a handful of days among millions of lines."""

    __slots__ = ("_days",)

    def __init__(self) -> None:
        self._days: dict[bytes, date | None] = {}

    def day(self, time_local: bytes) -> date | None:
        key = time_local[:11]
        try:
            return self._days[key]
        except KeyError:
            pass
        value = _day(key)
        if len(self._days) < 100_000:  # a bound against a file of garbage dates
            self._days[key] = value
        return value


def _day(key: bytes) -> date | None:
    if len(key) != 11 or key[2:3] != b"/" or key[6:7] != b"/":
        return None
    month = _MONTHS.get(key[3:6])
    if month is None or not key[:2].isdigit() or not key[7:].isdigit():
        return None
    try:
        return date(int(key[7:]), month, int(key[:2]))
    except ValueError:
        return None


def parse_line(raw: bytes, fmt: str = "combined", days: DayCache | None = None) -> LogLine | BadLine:
    """The request of one log line (without its newline) in format ``fmt`` (one of :data:`FORMATS`), or why
    it is not one. Never raises on any input."""
    if fmt == "vhost_combined":
        m = _VHOST_LINE.match(raw)
        if m is None:
            return BadLine(NO_VHOST if _LINE.match(raw) else NOT_A_LOG_LINE)
        vhost: bytes | None = m["vhost"]
    else:
        m = _LINE.match(raw)
        if m is None:
            return BadLine(NOT_A_LOG_LINE)
        vhost = None
    ua = m["ua"]
    if ua is None and fmt != "common":
        return BadLine(NO_USER_AGENT)
    day = (days or DayCache()).day(m["time"])
    if day is None:
        return BadLine(BAD_TIME)
    parts = m["request"].split(b" ")
    method, target = (parts[0], parts[1]) if len(parts) >= 2 else (b"", b"")
    return LogLine(vhost, m["ip"], day, method, target, int(m["status"]), m["referer"], ua, m["extra"])


def loose_status(raw: bytes) -> tuple[int, bytes] | None:
    """(status, the fields appended after the format's own) of any common- or combined-shaped line, or None:
    what the nginx service collector's log tail needs (collectors/nginx_log.py)."""
    m = _LINE.match(raw)
    if m is None:
        return None
    return int(m["status"]), m["extra"]
