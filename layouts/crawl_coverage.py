"""The site page's 全站覆盖 panel from a :class:`layouts.frames.CrawlCoverage`: pages known, pages checked
within the cycle and their share, the cycle, when the last crawl ran (its age computed at display time),
and one line saying where the cycle stands.

No crawl yet reads as such, never as 0 %; a cycle under way reads as progress (按周期推进), the crawl
reading a share of the pages each run by design; a crawl not run within its cycle is greyed with its age.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import html

from alerts.summary import span
from core.i18n.walls import TI, T
from layouts.frames import CrawlCoverage


def _days(days: float) -> str:
    return f"{days:g}"


def _ago(then: datetime, now: datetime) -> str:
    return TI.COV_AGO.format(span=span((now - then).total_seconds()))


def _last(c: CrawlCoverage, now: datetime) -> str:
    if c.last_crawl is None:
        return TI.COV_NEVER
    age = _ago(c.last_crawl, now)
    if not c.last_ok:
        return TI.COV_LAST_FAILED.format(age=age)
    return age if c.last_pages is None else TI.COV_LAST_READ.format(age=age, n=c.last_pages)


def state_line(c: CrawlCoverage, now: datetime) -> str:
    """Where the cycle stands, in one sentence (ages computed against ``now``)."""
    state = c.state
    if state == "none":
        if c.last_crawl is None:
            return TI.COV_NONE
        return TI.COV_NONE_PENDING if c.last_ok else TI.COV_NONE_FAILED
    if state == "stale":
        since = span((now - c.last_crawl).total_seconds()) if c.last_crawl is not None else T.DASH
        return TI.COV_STALE.format(span=since, days=_days(c.cycle_days))
    if state == "full":
        return TI.COV_FULL
    return TI.COV_PARTIAL_CUT if c.cut_short else TI.COV_PARTIAL.format(days=_days(c.cycle_days))


def _fact(label: str, value: Any, key: str) -> html.Div:
    return html.Div([html.Div(label, className="fact-label"), html.Div(value, className="fact-value")],
                    className=f"fact fact-{key}")


def coverage_children(c: CrawlCoverage | None, now: datetime) -> list[Any]:
    """The panel's body: four facts, the share as a bar (none without known pages) and the state line.
    ``None`` (the site left the registry) shows 暂无数据."""
    if c is None:
        return [html.Div(T.NO_DATA, className="coverage-state coverage-none")]
    pct = c.percent
    checked: Any = T.DASH
    if pct is not None:
        checked = [TI.COV_CHECKED_VALUE.format(n=c.checked, pct=pct),
                   html.Div(html.Div(className="coverage-fill", style={"width": f"{pct:.1f}%"}),
                            className="coverage-bar")]
    return [
        html.Div(className=f"facts facts-compact coverage-facts coverage-{c.state}", children=[
            _fact(TI.COV_KNOWN, T.DASH if c.known == 0 else TI.COV_PAGES.format(n=c.known), "known"),
            _fact(TI.COV_CHECKED, checked, "checked"),
            _fact(TI.COV_CYCLE, TI.COV_CYCLE_VALUE.format(days=_days(c.cycle_days)), "cycle"),
            _fact(TI.COV_LAST, _last(c, now), "last"),
        ]),
        html.Div(state_line(c, now), className=f"coverage-state coverage-{c.state}"),
    ]
