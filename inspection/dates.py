"""Chinese date extraction for government pages. Pure: no I/O, the reference date is passed in.

Recognised forms (full-width digits and punctuation are read as their ASCII twins):

* full dates ``2026-11-27``, ``2026/11/27``, ``2026.11.27``, ``2026年11月27日``, ``2026-11-27 09:30``
* month dates ``2026年11月`` / ``2026-11`` (precision ``month``: the date is the 1st)
* short dates ``11-27``, ``[11-27]``, ``11/27``, ``11月27日`` whose year comes from ``year_hint`` (a year
  heading) or is inferred from ``as_of``: never in the future, so a month-day after ``as_of`` belongs
  to the previous year.
* dates inside article URLs (``/202611/t20261127_123.html``) via :func:`date_from_url`.

Not dates: phone numbers (``0731-88888888``), document numbers (``湘政发〔2026〕12号``), version
strings (``v2.11.27``, ``2026.11.27.1``), long digit runs and IDs. Short forms in running text
are only taken when bracketed or when the text is nothing but the date (a list's date cell),
unless ``loose`` is set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space, mapped one-to-one so offsets hold.
_WIDE = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
MIN_YEAR = 1990

_TIME = r"(?:[ T\u00a0]*(?P<hh>[01]?\d|2[0-3])[:：](?P<mi>[0-5]\d)(?::[0-5]\d)?)?"
# Guards: no digit, letter, dot or dash glued to the left (IDs, versions, phone prefixes).
_L = r"(?<![A-Za-z0-9_.\-/])"
_FULL = re.compile(
    _L + r"(?P<y>(?:19|20)\d{2})\s*(?:(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})(?![\d.\-/]*\d)"
    r"|年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*[日号]?(?!\d))" + _TIME)
_MONTH = re.compile(_L + r"(?P<y>(?:19|20)\d{2})\s*(?:年\s*(?P<m>\d{1,2})\s*月(?!\s*\d)|-(?P<m2>\d{1,2})(?![\d\-/.]))")
_SHORT = re.compile(
    r"(?P<open>[\[(【（])?\s*(?<![A-Za-z0-9_.\-/:])(?P<m>\d{1,2})\s*"
    r"(?:(?P<sep>[-/.])\s*(?P<d>\d{1,2})(?![\d\-/.:]*\d)"
    r"|月\s*(?P<d2>\d{1,2})\s*[日号])" + _TIME + r"\s*(?P<close>[\])】）])?")
_URL = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_/]?(0[1-9]|1[0-2])[-_/]?(0[1-9]|[12]\d|3[01])(?!\d)")
_URL_MONTH_DIR = re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])/")
_YEAR_HEADING = re.compile(r"^\s*((?:19|20)\d{2})\s*年?\s*$")


@dataclass(frozen=True)
class DateHit:
    """A date found at ``text[start:end]``; ``precision`` is day or month; ``inferred`` when the year
    was not written; ``at`` carries the time of day when one was written."""

    day: date
    start: int
    end: int
    precision: str = "day"
    inferred: bool = False
    at: time | None = None


def normalize(text: str) -> str:
    """Full-width ASCII to half-width, same length (so hit offsets point into the original)."""
    return text.translate(_WIDE)


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d) if y >= MIN_YEAR else None
    except ValueError:
        return None


def _time(mo: re.Match[str]) -> time | None:
    return time(int(mo["hh"]), int(mo["mi"])) if mo["hh"] is not None else None


def infer_year(month: int, day: int, as_of: date, year_hint: int | None = None) -> date | None:
    """The month-day in ``year_hint`` if given, else the latest occurrence not after ``as_of``."""
    if year_hint is not None:
        return _make(year_hint, month, day)
    for year in range(as_of.year, as_of.year - 8, -1):  # 29 February may need a few years back
        d = _make(year, month, day)
        if d is not None and d <= as_of:
            return d
    return None


def find_dates(text: str, as_of: date, *, year_hint: int | None = None, loose: bool = False,
               max_future_days: int = 0) -> list[DateHit]:
    """Every date in ``text`` in reading order.

    Full dates later than ``as_of`` + ``max_future_days`` are dropped (a publish date is never in
    the future; deadlines named in titles are not publish dates). Short forms need brackets or a
    bare cell unless ``loose``.
    """
    s = normalize(text)
    limit = as_of + timedelta(days=max_future_days)
    hits: list[DateHit] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    for mo in _FULL.finditer(s):
        d = _make(int(mo["y"]), int(mo["m"] or mo["m2"]), int(mo["d"] or mo["d2"]))
        if d is not None and d <= limit:
            hits.append(DateHit(d, mo.start(), mo.end(), at=_time(mo)))
        taken.append(mo.span())
    for mo in _MONTH.finditer(s):
        if not free(*mo.span()):
            continue
        d = _make(int(mo["y"]), int(mo["m"] or mo["m2"]), 1)
        if d is not None and d <= limit:
            hits.append(DateHit(d, mo.start(), mo.end(), precision="month"))
        taken.append(mo.span())
    bare = s.strip()
    for mo in _SHORT.finditer(s):
        a, b = mo.start("m"), mo.end()
        if not free(a, b):
            continue
        bracketed = bool(mo["open"]) and bool(mo["close"])
        cell = mo.group(0).strip() == bare
        chinese = mo["d2"] is not None
        if not (loose or bracketed or cell or chinese):
            continue
        if mo["sep"] == "." and not (bracketed or cell):
            continue  # "3.15" in running text is a number, not a date
        d = infer_year(int(mo["m"]), int(mo["d"] or mo["d2"]), as_of, year_hint)
        if d is not None:
            hits.append(DateHit(d, a, b, inferred=year_hint is None, at=_time(mo)))
            taken.append((a, b))
    hits.sort(key=lambda h: h.start)
    return hits


def first_date(text: str, as_of: date, **kw: object) -> DateHit | None:
    """The first date of ``text`` (see :func:`find_dates`), or None."""
    hits = find_dates(text, as_of, **kw)  # type: ignore[arg-type]
    return hits[0] if hits else None


def parse_date(text: str, as_of: date, **kw: object) -> date | None:
    """The first date's day, or None."""
    hit = first_date(text, as_of, **kw)
    return hit.day if hit else None


def date_from_url(url: str) -> date | None:
    """A publish date encoded in an article URL (``t20261127_1.html``, ``/2026-11-27/``), or None."""
    path = url.split("?", 1)[0]
    for mo in reversed(list(_URL.finditer(path))):
        d = _make(int(mo[1]), int(mo[2]), int(mo[3]))
        if d is not None:
            return d
    return None


def month_from_url(url: str) -> tuple[int, int] | None:
    """(year, month) of a TRS-style ``/YYYYMM/`` directory in ``url``, or None."""
    mo = _URL_MONTH_DIR.search(url)
    return (int(mo[1]), int(mo[2])) if mo else None


def year_heading(text: str) -> int | None:
    """The year of a heading such as ``2025年`` or ``2025``, or None."""
    mo = _YEAR_HEADING.match(normalize(text))
    return int(mo[1]) if mo else None


def to_datetime(hit: DateHit) -> datetime:
    """The hit as a naive datetime (midnight when no time was written)."""
    return datetime.combine(hit.day, hit.at or time())
