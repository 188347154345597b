"""Read-only queries behind the yearly report screens (/annual, /annual/site/<code>): the region's reports of a
year with their counts, and one site's report field by field with its provenance. Scoped like operations/: a
city sees its own sites and its counties', a county its own, the province all. Pure apart from the session."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from annual.export import FOOTER
from annual.fill import counts
from annual.pdf import ReportHead, head_of, origin, value_text
from annual.template import Template, load_template
from annual.workflow import EDITABLE, allowed_actions, find, published_by
from core.i18n import annual as T
from core.i18n.annual import S
from db.models import Node, Site
from db.models_annual import AnnualReport
from operations.access import Actor, region_clause, visible
from security.auth import Principal

TIME = "%Y-%m-%d %H:%M"
NO_REPORT = "未生成"


def actor(p: Principal) -> Actor:
    """The viewer as the scoped reads know it."""
    return Actor(p.actor, p.scope_code, None, p.role.value if p.role is not None else None)


def refusal(p: Principal | None) -> str | None:
    """Why the viewer may not use the yearly report screens (Chinese), or None: kiosk walls may not."""
    if p is None:
        return S.NO_VIEWER
    return S.KIOSK if p.kiosk else None


@lru_cache(maxsize=1)
def template() -> Template:
    """The report template in force (data/report/annual_report.toml), read once per process."""
    return load_template()


def when(tz: tzinfo) -> Callable[[datetime | None], str]:
    """A formatter of stored times in ``tz`` (naive = UTC), empty for None."""
    from datetime import UTC

    def fmt(t: datetime | None) -> str:
        if t is None:
            return ""
        return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(tz).strftime(TIME)
    return fmt


@dataclass(frozen=True)
class YearRow:
    """One site's line on /annual. ``state`` is the Chinese state, 未生成 without a report; the counts are
    None without one."""

    code: str
    name: str
    site_type: str
    city: str
    state: str
    state_key: str  # a ReportState value, or "" without a report
    missing: int | None
    auto: int | None
    manual: int | None
    updated: str


def _sites(session: Session, actor: Actor) -> list[Site]:
    q = (select(Site).join(Node, Node.code == Site.node_code).options(joinedload(Site.node))
         .where(region_clause(actor), Site.enabled.is_(True)).order_by(Site.code))
    return [s for s in session.scalars(q) if visible(actor, s)]


def _city_names(session: Session) -> dict[str, str]:
    return {code: name for code, name in session.execute(select(Node.code, Node.name))}


def years(session: Session, actor: Actor, current: int) -> list[int]:
    """The years the picker offers: every year with a report of the actor's sites, and ``current``; newest first."""
    ids = [s.id for s in _sites(session, actor)]
    found = set(session.scalars(select(AnnualReport.year).where(AnnualReport.site_id.in_(ids)).distinct())) if ids \
        else set()
    return sorted(found | {current}, reverse=True)


def default_year(session: Session, actor: Actor, current: int) -> int:
    """The newest year with a report in the actor's region, else ``current``."""
    return years(session, actor, current)[0]


def year_rows(session: Session, actor: Actor, year: int, tz: tzinfo) -> list[YearRow]:
    """Every enabled site of the actor's region, by code, with its report of ``year`` (or 未生成)."""
    sites = _sites(session, actor)
    reports = {r.site_id: r for r in session.scalars(select(AnnualReport).where(
        AnnualReport.year == year, AnnualReport.site_id.in_([s.id for s in sites])))} if sites else {}
    cities = _city_names(session)
    fmt = when(tz)
    out = []
    for s in sites:
        r = reports.get(s.id)
        city = cities.get(s.node.city_code, s.node.city_code)
        kind = T.LEVEL_TYPE.get(s.level.value, s.level.value)
        if r is None:
            out.append(YearRow(s.code, s.name, kind, city, NO_REPORT, "", None, None, None, ""))
            continue
        c = counts(r.values or {})
        out.append(YearRow(s.code, s.name, kind, city, T.STATE[r.state.value], r.state.value, c["missing"],
                           c["auto"], c["manual"], fmt(r.updated_at)))
    return out


@dataclass(frozen=True)
class FieldView:
    key: str
    label: str  # with its unit
    type: str
    choices: tuple[str, ...]
    status: str  # auto | manual | missing
    value: str  # as shown: 未填报 when missing, 【手工】 when entered by hand
    origin: str  # 自动：… / 手工：who，when / 未能取得：why


@dataclass(frozen=True)
class ReportView:
    """One site's report of a year as the screen shows it."""

    code: str
    name: str
    year: int
    head: ReportHead
    sections: list[tuple[str, list[FieldView]]]
    counts: Mapping[str, int]
    editable: bool
    actions: list[str]  # the moves the state allows (workflow.MOVES keys)
    return_reason: str
    version: int
    stale_template: bool  # filled with another template version than the one in force


def site_report(session: Session, actor: Actor, code: str, year: int, tz: tzinfo,
                tpl: Template | None = None) -> tuple[Site, ReportView | None] | None:
    """(the site, its report of ``year`` or None when there is none yet); None for a site the actor may not
    see or that is not registered."""
    site = session.scalar(select(Site).options(joinedload(Site.node)).where(Site.code == code))
    if site is None or not visible(actor, site):
        return None
    report = find(session, site.id, year)
    if report is None:
        return site, None
    t = tpl or template()
    fmt = when(tz)
    values = report.values or {}
    sections = []
    for sec in t.sections:
        rows = []
        for f in t.in_section(sec.key):
            v = values.get(f.key) or {"status": "missing", "value": None, "note": ""}
            label = f"{f.label}（{f.unit}）" if f.unit and sec.key != FOOTER else f.label
            rows.append(FieldView(f.key, label, f.type, f.choices, v["status"] if v.get("value") is not None
                                  else "missing", value_text(v), origin(v, fmt)))
        sections.append((sec.label, rows))
    head = head_of(site.name, site.code, site.organizer or site.name, report, published_by(session, report), fmt)
    return site, ReportView(site.code, site.name, year, head, sections, counts(values),
                            report.state in EDITABLE, list(allowed_actions(report.state)),
                            report.return_reason or "", report.version, report.template_version != t.version)
