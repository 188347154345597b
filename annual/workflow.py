"""The report's life: filled (draft) → submitted → reviewed or returned → published. Guarded, versioned and
audited transitions (the model: alerts/oncall.py); the caller's session commits the change with its audit entry.

Rules: a report is (re)filled and edited only as a draft or when returned; it is submitted only when no field
is missing (each missing one is entered by hand first); the reviewer is not the one who submitted; a return
says why; only a reviewed report is published. Published reports are final.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from annual.fill import Figure, ManualEntry, fill, stored_figures
from annual.template import Template, parse_value
from core.i18n import annual as T
from db.models import Site
from db.models_annual import AnnualReport, ReportState
from db.models_security import AuditEntry
from security import audit

EDITABLE = frozenset({ReportState.DRAFT, ReportState.RETURNED})


class TransitionError(ValueError):
    """A move the report's state does not allow; the message is Chinese."""


@dataclass(frozen=True)
class Move:
    action: str
    allowed: frozenset[ReportState]
    to: ReportState


MOVES: Mapping[str, Move] = {
    "submit": Move("submit", EDITABLE, ReportState.SUBMITTED),
    "review": Move("review", frozenset({ReportState.SUBMITTED}), ReportState.REVIEWED),
    "return": Move("return", frozenset({ReportState.SUBMITTED, ReportState.REVIEWED}), ReportState.RETURNED),
    "publish": Move("publish", frozenset({ReportState.REVIEWED}), ReportState.PUBLISHED),
}


def _refuse(report: AnnualReport, action: str) -> TransitionError:
    return TransitionError(T.BAD_TRANSITION.format(state=T.STATE[report.state.value], action=T.ACTION[action]))


def find(s: Session, site_id: int, year: int) -> AnnualReport | None:
    return s.scalars(select(AnnualReport).where(AnnualReport.site_id == site_id, AnnualReport.year == year)
                     ).one_or_none()


def _manual(report: AnnualReport | None) -> dict[str, ManualEntry]:
    if report is None:
        return {}
    return {k: ManualEntry(v["value"], v["by"], v["at"]) for k, v in (report.manual or {}).items()}


def _save(s: Session, report: AnnualReport, values: dict[str, Any], actor: str, action: str, now: datetime,
          site: Site, summary: str, detail: Mapping[str, Any] | None = None) -> None:
    """Write ``values`` onto the report if its version is still the one read; audit the change."""
    version = report.version
    res = s.execute(update(AnnualReport).where(AnnualReport.id == report.id, AnnualReport.version == version)
                    .values(**values, version=version + 1, updated_at=now)
                    .execution_options(synchronize_session=False))
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise TransitionError(T.BAD_TRANSITION.format(state="已被他人修改", action=T.ACTION[action]))
    audit.record(s, actor, f"annual_report.{action}", "annual_report", report.id, at=now,
                 scope_code=site.node.city_code, summary=summary, detail={"version": version, **(detail or {})})
    s.refresh(report)


def fill_report(s: Session, site: Site, year: int, template: Template, figures: Mapping[str, Figure],
                actor: str, now: datetime) -> AnnualReport:
    """Create or re-fill the site's report of ``year`` (hand-entered fields kept). TransitionError when the
    report is no longer editable."""
    report = find(s, site.id, year)
    if report is not None and report.state not in EDITABLE:
        raise _refuse(report, "fill")
    values = fill(template, figures, _manual(report))
    summary = f"{site.name}（{site.code}）{year} 年年度报表自动填报"
    if report is None:
        report = AnnualReport(site_id=site.id, year=year, template_version=template.version, values=values,
                              manual={}, state=ReportState.DRAFT, version=1, filled_at=now, created_at=now,
                              updated_at=now)
        s.add(report)
        s.flush()
        audit.record(s, actor, "annual_report.fill", "annual_report", report.id, at=now,
                     scope_code=site.node.city_code, summary=summary, detail={"version": 0})
        return report
    _save(s, report, {"values": values, "template_version": template.version, "filled_at": now}, actor, "fill",
          now, site, summary)
    return report


def set_field(s: Session, report: AnnualReport, site: Site, template: Template, key: str, text: str, actor: str,
              now: datetime) -> Any:
    """Enter one field by hand (validated by its type); the value stored. ValueError (Chinese) for an unknown
    field or a value of the wrong type, TransitionError when the report is not editable."""
    if report.state not in EDITABLE:
        raise _refuse(report, "set")
    if report.template_version != template.version:
        raise ValueError(T.TEMPLATE_CHANGED.format(old=report.template_version, new=template.version))
    try:
        f = template.field(key)
    except KeyError:
        raise ValueError(T.V_UNKNOWN_FIELD.format(version=template.version, key=key)) from None
    value = parse_value(f, text)
    manual = {**(report.manual or {}), key: {"value": value, "by": actor, "at": now.isoformat(timespec="seconds")}}
    entries = {k: ManualEntry(v["value"], v["by"], v["at"]) for k, v in manual.items()}
    values = fill(template, stored_figures(report.values or {}), entries)
    _save(s, report, {"values": values, "manual": manual}, actor, "set", now, site,
          f"{site.name}（{site.code}）{report.year} 年年度报表手工填报 {f.label}", {"field": key, "value": value})
    return value


def missing_fields(report: AnnualReport, template: Template) -> list[str]:
    return [template.field(k).label for k, v in (report.values or {}).items() if v["value"] is None]


def move(s: Session, report: AnnualReport, site: Site, action: str, actor: str, now: datetime,
         template: Template, reason: str = "") -> AnnualReport:
    """submit | review | return | publish; TransitionError (Chinese) when the state or a rule forbids it."""
    m = MOVES[action]
    if report.state not in m.allowed:
        raise _refuse(report, action)
    values: dict[str, Any] = {"state": m.to}
    if action == "submit":
        missing = missing_fields(report, template)
        if missing:
            raise TransitionError(T.MISSING_REQUIRED.format(fields="、".join(missing)))
        values.update(submitted_by=actor, submitted_at=now, return_reason=None)
    elif action == "review":
        if actor == report.submitted_by:
            raise TransitionError(T.SELF_REVIEW)
        values.update(reviewer=actor, reviewed_at=now)
    elif action == "return":
        if not reason.strip():
            raise TransitionError(T.RETURN_REASON)
        values.update(return_reason=reason.strip(), reviewer=actor, reviewed_at=now)
    elif action == "publish":
        values.update(published_at=now)
    _save(s, report, values, actor, action, now, site,
          T.MOVED.format(name=site.name, code=site.code, year=report.year, old=T.STATE[report.state.value],
                         new=T.STATE[m.to.value]), {"from": report.state.value, "to": m.to.value,
                                                    **({"reason": reason} if reason else {})})
    return report


def allowed_actions(state: ReportState) -> Collection[str]:
    return [a for a, m in MOVES.items() if state in m.allowed]


def published_by(s: Session, report: AnnualReport) -> str | None:
    """Who published the report (the actor of its last audited publication), None while unpublished."""
    if report.state is not ReportState.PUBLISHED:
        return None
    return s.scalar(select(AuditEntry.actor).where(
        AuditEntry.action == "annual_report.publish", AuditEntry.object_type == "annual_report",
        AuditEntry.object_id == str(report.id)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(1))
