"""Score snapshots for the wall world (tests/dashboard/world.py), written the way ``score run`` writes them
(operations/score_store.py): 2026Q3 closed and frozen, 2026Q4 open, with a manual deduction and a sign-off
followed by a change on 长沙's sheet, and a provincial
department's site added. Every check has a successful run, so sites are judged."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from db.models import CheckRun, RunStatus, Site, SiteLevel
from db.session import transaction
from inspection.indicators import DEFAULT_FILE, load_indicators
from inspection.rules import load_rules
from newmedia.rules import MediaRules
from operations import score_store, verify_store
from operations.access import Actor
from operations.periods import parse
from tests.dashboard.world import NOW, World

PROVINCE = Actor("sheng", "430000", "127.0.0.1")
CHECKS = ("site_functions", "availability", "homepage_update", "column_freshness", "content_errors", "defacement",
          "page_tampering", "interaction", "service_guides")
DEPARTMENT = "D0001"  # a provincial department, for the departments' ranking
Q3_AT = datetime(2026, 9, 10, 2, tzinfo=NOW.tzinfo)


def seed_scores(world: World, now: datetime = NOW) -> dict[str, int]:
    """Write the snapshots; returns the manual entry ids (``first``, ``later``)."""
    table = load_indicators()
    rules = load_rules(DEFAULT_FILE.parent / "rules.toml").veto
    with transaction(world.sessions) as s:
        s.add(Site(code=DEPARTMENT, name="湖南省发展和改革委员会", url="https://d0001.example.gov.cn/",
                   level=SiteLevel.PROVINCIAL_DEPARTMENT, node_code="430000"))
        s.flush()
        sites = list(s.scalars(select(Site)))
        for site in sites:
            for check in CHECKS:
                for at in (Q3_AT, now - timedelta(hours=3)):
                    s.add(CheckRun(site_id=site.id, check=check, as_of=at, started_at=at, finished_at=at,
                                   status=RunStatus.OK, findings=0))
    with world.sessions() as s:
        score_store.run_period(s, PROVINCE, parse("2026Q3"), now, table, rules, MediaRules())
        first = verify_store.add_entry(s, PROVINCE, now - timedelta(hours=2), "C0100", "2026Q4", "deduction",
                                       "news", 1.5, "要闻栏目错别字")
        verify_store.sign_off(s, PROVINCE, now - timedelta(hours=1), "C0100", "2026Q4", "已核")
        later = verify_store.add_entry(s, PROVINCE, now - timedelta(minutes=30), "C0100", "2026Q4", "deduction",
                                       "news", 0.5, "要闻标题错字")
        score_store.run_period(s, PROVINCE, parse("2026Q4"), now, table, rules, MediaRules())
        return {"first": first.id, "later": later.id}
