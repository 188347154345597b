"""Whole-site coverage over time: a portal of 5,000+ pages, read by budget-limited runs that each continue
where the last stopped, until every page is covered and every dead link planted six clicks deep is found."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.clock import FixedClock
from db.models import CheckRun
from db.session import transaction
from inspection.checks.dead_links import Settings as DeadLinksSettings
from inspection.findings import open_findings
from tests.collectors.support import serve
from tests.inspection.frontier_support import HITS, NOW, html, memory_site, run_once, sqlite_db
from tests.inspection.support import seed_sites

__all__ = ["sqlite_db"]
pytestmark = pytest.mark.e2e  # about 12 s on two cores

PAGES = 5_000
FANOUT = 4  # page n links to 4n+1 … 4n+4: depth 6 at the bottom of the tree
DEAD = (1400, 2222, 3333, 4444, 4999)  # pages at depth 6, each linking to a missing page
BUDGET = 1_500


def depth(n: int) -> int:
    d = 0
    while n:
        n, d = (n - 1) // FANOUT, d + 1
    return d


def portal() -> dict[str, str]:
    pages = {}
    for n in range(PAGES):
        links = "".join(f'<a href="/p/{c}">栏目{c}</a>' for c in range(FANOUT * n + 1, FANOUT * n + FANOUT + 1)
                        if c < PAGES)
        if n in DEAD:
            links += f'<a href="/gone/{n}">已删除的文章</a>'
        pages["/" if n == 0 else f"/p/{n}"] = html(f'<a href="/">首页</a><img src="/logo.png">{links}')
    pages["/logo.png"] = "png"
    return pages


def test_budget_limited_runs_cover_the_whole_portal(sqlite_db: sessionmaker[Session]) -> None:
    assert all(depth(n) >= 6 for n in DEAD)
    sessions = sqlite_db
    app = memory_site(portal())
    settings = {"dead_links": DeadLinksSettings(page_budget=BUDGET, max_pages_per_run=BUDGET, per_host_rate=1e6,
                                                per_host_concurrency=16)}
    clock = FixedClock(NOW)

    async def main() -> list[dict[str, float]]:
        stats = []
        async with serve(app) as base:
            with transaction(sessions) as s:
                seed_sites(s, {"X1": base + "/"})
            for _ in range(5):
                outcomes = await run_once(sessions, clock, ["dead_links"], settings)
                assert [o.status for o in outcomes] == ["ok"]
                with sessions() as s:
                    run = s.scalars(select(CheckRun).order_by(CheckRun.id.desc())).first()
                    assert run is not None
                    stats.append(run.stats)
                clock.advance(86_400)
        return stats

    stats = asyncio.run(main())
    hits: Counter[tuple[str, int]] = app[HITS]
    # each run reads at most its budget; the frontier sends no page twice within the cycle (the homepage apart)
    assert all(s["pages_crawled"] <= BUDGET for s in stats)
    reads = Counter(path for (path, _status), n in hits.items() for _ in range(n) if path not in ("/", "/logo.png"))
    assert max(reads.values()) == 1
    assert len(reads) == PAGES - 1 + len(DEAD)
    # coverage grows run by run and reaches every page reachable from the homepage
    pct = [s["coverage_pct"] for s in stats]
    assert pct == sorted(pct) and pct[0] < 50 and pct[-1] == 100.0
    assert stats[-1]["coverage_known"] == PAGES + len(DEAD)
    with sessions() as s:
        found = {f.location.split("/", 3)[-1] for f in open_findings(s, checks=["dead_links"])}
    assert found == {f"gone/{n}" for n in DEAD}
