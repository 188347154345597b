"""Reading what the demo fleet's pages show, shared by the fleet's test modules."""

from __future__ import annotations

import re
from datetime import date

DATE_RE = re.compile(r'class="date">(?:(\d{4})[-/年](\d{2})[-/月](\d{2})日?|\[(\d{2})-(\d{2})\])</span>')


def list_dates(html: str, as_of: date) -> list[date]:
    """Dates in a list page, whatever format the site uses; [MM-DD] takes the latest year not in the future."""
    out = []
    for y, m, d, mm, dd in DATE_RE.findall(html):
        if y:
            out.append(date(int(y), int(m), int(d)))
        else:
            guess = date(as_of.year, int(mm), int(dd))
            out.append(guess if guess <= as_of else guess.replace(year=as_of.year - 1))
    return out
