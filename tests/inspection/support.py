"""Helpers for the inspection core tests: a tiny registry and finding drafts."""

from __future__ import annotations

from typing import Any

from db.models import Column, ColumnKind, Node, NodeLevel, Site, SiteLevel
from inspection.base import FindingDraft, Severity


def seed_sites(session: Any, urls: dict[str, str]) -> dict[str, int]:
    """Province, 长沙市 and 芙蓉区 with one site per code (city portal), each with a news column; returns ids."""
    session.add_all([
        Node(code="430000", name="湖南省", level=NodeLevel.PROVINCE),
        Node(code="430100", name="长沙市", level=NodeLevel.CITY, parent_code="430000"),
        Node(code="430102", name="芙蓉区", level=NodeLevel.COUNTY, parent_code="430100"),
    ])
    session.flush()
    ids = {}
    for code, url in urls.items():
        site = Site(code=code, name=f"测试网站{code}", url=url, level=SiteLevel.COUNTY_PORTAL, node_code="430102")
        site.columns.append(Column(name="工作动态", kind=ColumnKind.NEWS, url=url + "news/"))
        session.add(site)
        session.flush()
        ids[code] = site.id
    return ids


def draft(kind: str, location: str, severity: Severity = Severity.HIGH, check: str = "availability",
          **kw: Any) -> FindingDraft:
    return FindingDraft(check=check, kind=kind, location=location, severity=severity, detail=f"{kind} 测试", **kw)
