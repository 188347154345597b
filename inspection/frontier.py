"""A site's crawl frontier in the database (``crawl_page``): loaded before the site's shared crawl, saved
after it, so that each run continues where the last stopped and every page reachable from the homepage is
read within the cycle (``cycle_days``). The crawl itself is pure of our database (webread.crawler with
webread.frontier.PageState); this module is the I/O around it.

Saving is one transaction of batched inserts and updates: a failure writes nothing. A page no run has
reached for two cycles (and never fetched since) is dropped after a complete crawl: it is no longer linked.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from db.models import CrawlPage
from webread.crawler import CrawlReport
from webread.frontier import PageState

URL_MAX = 2048  # crawl_page.url; longer addresses are crawled but not remembered
BATCH = 1000  # rows per statement
PRUNE_AFTER_CYCLES = 2


def load_frontier(session: Session, site_id: int) -> dict[str, PageState]:
    """url -> state of every page of the site's frontier ({} for a site never crawled with one)."""
    rows = session.execute(select(CrawlPage.url, CrawlPage.depth, CrawlPage.etag, CrawlPage.last_modified,
                                  CrawlPage.content_hash, CrawlPage.last_checked, CrawlPage.links,
                                  CrawlPage.status, CrawlPage.last_changed, CrawlPage.signature)
                           .where(CrawlPage.site_id == site_id)).all()
    return {r.url: PageState(r.depth, r.etag, r.last_modified, r.content_hash, r.last_checked, r.links, r.status,
                             r.last_changed, r.signature or "") for r in rows}


def _values(state: PageState) -> dict[str, Any]:
    return {"depth": state.depth, "etag": (state.etag or "")[:512] or None,
            "last_modified": (state.last_modified or "")[:128] or None, "content_hash": state.content_hash,
            "last_checked": state.last_checked, "links": state.links, "status": state.status,
            "last_changed": state.last_changed, "signature": state.signature[:64]}


def _chunks(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(rows), BATCH):
        yield rows[i:i + BATCH]


def save_frontier(session: Session, site_id: int, report: CrawlReport, now: datetime,
                  cycle_s: float) -> tuple[int, int]:
    """Write the crawl's outcome into the site's frontier (in the caller's transaction): the new state of
    every page fetched, the pages discovered; after a complete crawl, drop the pages not reached for two
    cycles. Returns (rows written, rows dropped)."""
    existing: dict[str, tuple[int, datetime | None, datetime]] = {
        r.url: (r.id, r.last_checked, r.first_seen)
        for r in session.execute(select(CrawlPage.url, CrawlPage.id, CrawlPage.last_checked, CrawlPage.first_seen)
                                 .where(CrawlPage.site_id == site_id)).all()}
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for url, state in report.states.items():
        if len(url) > URL_MAX:
            continue
        if url in existing:
            updates.append({"id": existing[url][0], **_values(state)})
        else:
            inserts.append({"site_id": site_id, "url": url, "first_seen": now, **_values(state)})
    for url, depth in report.discovered.items():
        if url not in report.states and url not in existing and len(url) <= URL_MAX:
            inserts.append({"site_id": site_id, "url": url, "depth": depth, "first_seen": now, "signature": ""})
    for chunk in _chunks(updates):
        session.execute(update(CrawlPage), chunk)
    for chunk in _chunks(inserts):
        session.execute(insert(CrawlPage), chunk)
    dropped: list[int] = []
    if report.complete and report.homepage_error is None and report.reached:
        horizon = now - timedelta(seconds=PRUNE_AFTER_CYCLES * cycle_s)
        dropped = [row_id for url, (row_id, checked, first) in existing.items()
                   if url not in report.reached and url not in report.states and (checked or first) < horizon]
        for i in range(0, len(dropped), BATCH):
            session.execute(delete(CrawlPage).where(CrawlPage.id.in_(dropped[i:i + BATCH])))
    return len(updates) + len(inserts), len(dropped)
