"""Crawl coverage behind the site page (uncached building block; dashboard/data.py memoizes it).

Counted at ``now`` from the site's crawl frontier (``crawl_page``, inspection/frontier.py), not copied
from the last run's stats: a page fetched six days ago counts toward a seven-day cycle today and no longer
tomorrow. The newest ``dead_links`` run (the check whose stats carry the crawl's coverage) says when the
crawl last ran, whether it could read the site, how many pages it read, whether it ran out of time and
the cycle it worked to; without one, the newest fetch in the frontier dates the crawl and the rules
file's ``[dead_links] cycle_days`` gives the cycle. Two reads, both indexed by site.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import CheckRun, CrawlPage, RunStatus, Site
from db.timestamps import aware
from inspection.rules import RulesError, load_rules
from layouts.frames import CrawlCoverage
from webread.crawler import CrawlSettings

CRAWL_CHECK = "dead_links"  # its runs carry the shared crawl's stats (inspection/checks/dead_links.py)


def _newest_run(s: Session, site_id: int) -> tuple[datetime, RunStatus, dict[str, Any]] | None:
    row = s.execute(select(CheckRun.finished_at, CheckRun.status, CheckRun.stats)
                    .where(CheckRun.site_id == site_id, CheckRun.check == CRAWL_CHECK)
                    .order_by(CheckRun.started_at.desc(), CheckRun.id.desc()).limit(1)).first()
    if row is None:
        return None
    finished = aware(row.finished_at)
    assert finished is not None
    return finished, RunStatus(row.status), dict(row.stats or {})


def default_cycle_days(rules_path: Any) -> float:
    """The rules file's ``[dead_links] cycle_days`` (as ``app.py inspect`` reports it); the crawl's default
    when the file cannot be read (the wall's veto panel reports that error)."""
    try:
        return float(load_rules(rules_path).settings_for(CRAWL_CHECK).cycle_days)
    except RulesError:
        return float(CrawlSettings.cycle_days)


def site_coverage(sessions: sessionmaker[Session], site_code: str, now: datetime,
                  default_cycle_days: float) -> CrawlCoverage | None:
    """The crawl coverage of the site ``site_code`` at ``now`` (aware); None for a code not in the
    registry. ``default_cycle_days``: the cycle when no run says which one it worked to."""
    with sessions() as s:
        site_id = s.scalar(select(Site.id).where(Site.code == site_code))
        if site_id is None:
            return None
        run = _newest_run(s, site_id)
        stats = run[2] if run is not None else {}
        cycle_days = float(stats.get("coverage_cycle_days") or default_cycle_days)
        since = now - timedelta(days=cycle_days)
        known, checked, newest = s.execute(
            select(func.count(CrawlPage.id),
                   func.count(CrawlPage.id).filter(CrawlPage.last_checked > since),
                   func.max(CrawlPage.last_checked))
            .where(CrawlPage.site_id == site_id)).one()
    pages = stats.get("pages_crawled")
    return CrawlCoverage(
        as_of=now, known=int(known or 0), checked=int(checked or 0), cycle_days=cycle_days,
        last_crawl=run[0] if run is not None else aware(newest),
        last_ok=run is None or run[1] is RunStatus.OK,
        last_pages=None if run is None or pages is None else int(pages),
        cut_short=bool(stats.get("partial")))
