"""A small registry for the verification tests: the province, two cities, a county, three sites, findings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from core.severity import Severity
from db.models import Finding, Node, NodeLevel, Site, SiteLevel
from inspection.findings import fingerprint
from operations.access import Actor

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
PROVINCE = Actor("sheng", "430000", "127.0.0.1")
CHANGSHA = Actor("changsha", "430100", "127.0.0.1")
ZHUZHOU = Actor("zhuzhou", "430200", "127.0.0.1")
FURONG = Actor("furong", "430102", "127.0.0.1")


def seed(session: Session) -> dict[str, int]:
    """Nodes and sites; returns site ids by code."""
    session.add_all([Node(code="430000", name="湖南省", level=NodeLevel.PROVINCE),
                     Node(code="430100", name="长沙市", level=NodeLevel.CITY, parent_code="430000"),
                     Node(code="430102", name="芙蓉区", level=NodeLevel.COUNTY, parent_code="430100"),
                     Node(code="430200", name="株洲市", level=NodeLevel.CITY, parent_code="430000")])
    session.flush()
    sites = [Site(code="4301000001", name="长沙市人民政府", url="http://127.0.0.1:1/", level=SiteLevel.CITY_PORTAL,
                  node_code="430100", organizer="长沙市人民政府办公厅"),
             Site(code="4301020001", name="芙蓉区人民政府", url="http://127.0.0.1:2/", level=SiteLevel.COUNTY_PORTAL,
                  node_code="430102", organizer="芙蓉区人民政府办公室"),
             Site(code="4302000001", name="株洲市人民政府", url="http://127.0.0.1:3/", level=SiteLevel.CITY_PORTAL,
                  node_code="430200", organizer=None)]
    session.add_all(sites)
    session.flush()
    return {s.code: s.id for s in sites}


def finding(session: Session, site_id: int, location: str, evidence: dict[str, Any] | None = None,
            kind: str = "column_stale", at: datetime = T0) -> Finding:
    f = Finding(site_id=site_id, check="column_freshness", kind=kind, location=location,
                fingerprint=fingerprint("column_freshness", kind, location), severity=Severity.MEDIUM,
                detail="栏目超期未更新", evidence=evidence or {"days": 20}, veto=False, first_seen=at, last_seen=at,
                reopen_count=0)
    session.add(f)
    session.flush()
    return f
