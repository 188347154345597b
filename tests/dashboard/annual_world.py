"""A yearly report world for the /annual tests: reports filled for some of the seeded sites."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from annual.fill import Figure
from annual.workflow import fill_report
from dashboard.annual_data import template
from db.models import Site
from db.session import transaction
from tests.dashboard.world import NOW, World


def fill_all(world: World, codes: tuple[str, ...] = ("C0100",), year: int = 2026) -> None:
    """Fill the reports of ``codes`` for ``year`` (registry name and PV automatic, the rest missing)."""
    t = template()
    with transaction(world.sessions) as s:
        for code in codes:
            site = s.scalars(select(Site).where(Site.code == code)).one()
            site.organizer = "长沙市人民政府办公厅"
            figures = {src.text: Figure(None, "未读取栏目") for src in t.sources}
            figures |= {"registry.name": Figure(site.name, "网站登记信息：网站名称"),
                        "traffic.pv": Figure(4321, "访问日志：300/365 天有日志数据", "300/365")}
            fill_report(s, site, year, t, figures, "system", NOW - timedelta(days=1))
