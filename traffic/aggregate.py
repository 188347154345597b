"""PV/UV of parsed log lines, per site and day (pure: no file, no database, no clock).

The rules (docs/traffic.md says them to users):

- a **page view** (PV) is a request by a person (not a bot) with method GET, status 2xx or 304, whose path
  (query string left out) is a page: no file extension, or one of :data:`PAGE_EXTENSIONS`. Everything else
  with an extension — style sheets, scripts, images, fonts, attachments (pdf, doc, xls, zip …) — is no PV;
- a **visitor** is a distinct (IP, user agent) pair among a day's page views; the day's UV is how many there
  are. A pair is kept as a 64-bit BLAKE2b hash, so several files of one day (and later runs) stay distinct;
- a **bot hit** is any request whose user agent is on the crawler list (traffic/bots.py); bot requests count
  for nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from hashlib import blake2b
from typing import Final

from traffic.bots import BotFilter
from traffic.parse import LogLine

PAGE_EXTENSIONS: Final = frozenset((b"html", b"htm", b"shtml", b"xhtml", b"jhtml", b"php", b"jsp", b"asp",
                                    b"aspx", b"do", b"action", b"cgi"))


def is_page(target: bytes) -> bool:
    """True when the request target names a page (see the module docstring)."""
    path = target.split(b"?", 1)[0].split(b"#", 1)[0]
    last = path.rsplit(b"/", 1)[-1]
    if b"." not in last:
        return True
    return last.rsplit(b".", 1)[1].lower() in PAGE_EXTENSIONS


def visitor_key(ip: bytes, ua: bytes | None) -> int:
    """The 64-bit key of an (IP, user agent) pair, the same in every process (BLAKE2b, not ``hash()``)."""
    return int.from_bytes(blake2b(ip + b"\0" + (ua or b""), digest_size=8).digest(), "little")


@dataclass
class DayTally:
    """One site's day so far: page views, bot hits, bad lines and the visitor keys."""

    pv: int = 0
    bot_hits: int = 0
    bad_lines: int = 0
    visitors: set[int] = field(default_factory=set)


SiteOf = Callable[[LogLine], str | None]


class Tally:
    """Per (site code, day) tallies of one file; ``site_of`` names the site of a line (None: no site of ours,
    the line is counted as unattributed)."""

    def __init__(self, site_of: SiteOf, bots: BotFilter) -> None:
        self.site_of = site_of
        self.bots = bots
        self.days: dict[tuple[str, date], DayTally] = {}
        self.unattributed = 0
        self.orphan_bad_lines = 0  # bad lines before any good line of the file had a site and day
        self._last: DayTally | None = None
        self._pages: dict[bytes, bool] = {}  # is_page memo: a site has far fewer URLs than requests

    def add(self, line: LogLine) -> None:
        site = self.site_of(line)
        if site is None:
            self.unattributed += 1
            return
        tally = self.days.get((site, line.day))
        if tally is None:
            tally = self.days[(site, line.day)] = DayTally()
        if self._last is None:  # bad lines that came before: they belong where the file starts
            tally.bad_lines += self.orphan_bad_lines
            self.orphan_bad_lines = 0
        self._last = tally
        if self.bots.is_bot(line.ua):
            tally.bot_hits += 1
        elif line.method == b"GET" and (200 <= line.status < 300 or line.status == 304) and self._is_page(line.target):
            tally.pv += 1
            tally.visitors.add(visitor_key(line.ip, line.ua))

    def _is_page(self, target: bytes) -> bool:
        try:
            return self._pages[target]
        except KeyError:
            pass
        if len(self._pages) >= 100_000:
            self._pages.clear()
        page = self._pages[target] = is_page(target)
        return page

    def add_bad(self) -> None:
        """A bad line: counted on the site and day of the line before it (or after it, at the file's start)."""
        if self._last is None:
            self.orphan_bad_lines += 1
        else:
            self._last.bad_lines += 1
