"""Inspection reads behind the wall (uncached building blocks; dashboard/data.py memoizes them).

:func:`snapshot` reads, for the whole registry at once, the open findings plus those resolved in the
last :data:`RECENT` (one query), the newest run of each (site, check) (one query, via
inspection/findings.py ``latest_runs``) and the rules file, then judges every site's veto items with
inspection/veto.py ``judge_site``. Screens slice the result per site or city, so any number of walls
cost those two queries per cache window whatever they show.

Time is passed in (``now``, aware); day counts are China calendar days (``china_day``), as the checks
date their deadlines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from core.logging import get_logger
from core.severity import Severity
from db.models import Finding, RunStatus, Site
from inspection.findings import FindingView, latest_runs
from inspection.listpages import china_day
from inspection.rules import Rules, RulesError, VetoRules, load_rules, provisional_keys
from inspection.veto import AT_RISK, BREACHED, INSUFFICIENT, OK, SiteVerdict, judge_site

log = get_logger(__name__)

RECENT = timedelta(days=7)  # resolved findings stay on the site page (greyed) this long

FINDING_COLUMNS = ["id", "site_code", "check", "kind", "severity", "location", "detail", "evidence", "first_seen",
                   "last_seen", "deadline", "days_left", "veto", "resolved_at", "open"]
VETO_COLUMNS = ["site_code", "item_code", "status", "count", "threshold", "days_to_breach", "deadline",
                "provisional", "have", "need", "unit"]
SITE_COLUMNS = ["code", "judged", "status", "open_findings", "vetoed", "at_risk", "risk_items", "nearest_deadline",
                "days_left", "last_run", "insufficient", "insufficient_items"]

# The [veto] rule values each veto item's verdict rests on: (for a breach, for an early warning). An
# item is marked provisional (暂定) when its verdict rests on a provisional value
# (inspection/rules.py provisional_keys()); an unjudged item rests on nothing.
ITEM_RULE_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "unreachable": ((), ("unreachable_warning_ratio",)),
    "homepage_stale": (("undated_is_stale",), ("warn_days",)),
    "columns_stale": ((), ("warn_days",)),
    "columns_long_stale": (("long_stale_days",), ("warn_days",)),
    "columns_blank": ((), ()),
    "serious_errors": ((), ()),
    "poor_interaction": ((), ("warn_days",)),
    "services": ((), ()),
}


def item_provisional(item_code: str, status: str, provisional: set[str]) -> bool:
    """Whether the item's verdict rests on a provisional [veto] value (bare key names in ``provisional``):
    a breach on its breach keys; ``at_risk`` or ``ok`` also on its early-warning keys."""
    if status not in (BREACHED, AT_RISK, OK):
        return False
    breach, warn = ITEM_RULE_KEYS.get(item_code, ((), ()))
    keys = breach if status == BREACHED else (*breach, *warn)
    return any(k in provisional for k in keys)


@dataclass(frozen=True)
class InspectionSnapshot:
    """Everything the screens show about inspections at ``as_of`` (a China calendar day).

    ``findings``: ``FINDING_COLUMNS`` (open and recently resolved); ``veto``: ``VETO_COLUMNS``, one row
    per (site, veto item), ``have``/``need``/``unit`` its data sufficiency (None for items judged from
    one crawl); ``sites``: ``SITE_COLUMNS``, one row per given site. ``status`` is the worst open
    severity, ``clean`` (judged, nothing open) or ``unknown`` (never judged, nothing open).
    ``insufficient``: no item holds or is close and some item is still short of data (the site is
    neither vetoed nor fine); ``insufficient_items`` lists those items whatever the others say.
    ``provisional``: ``(key, value)`` of the provisional [veto] values in force; ``rules_error``: why the
    rules file could not be read (defaults are used then), else None.
    """

    as_of: date
    findings: pd.DataFrame
    veto: pd.DataFrame
    sites: pd.DataFrame
    provisional: tuple[tuple[str, Any], ...] = ()
    rules_error: str | None = None
    judged_sites: int = 0


def read_rules(path: Any) -> tuple[VetoRules, str | None]:
    """The [veto] rules of the rules file; defaults and the error text when it cannot be read."""
    try:
        rules: Rules = load_rules(path)
    except RulesError as exc:
        log.error("inspection rules unreadable, wall uses defaults", extra={"error": str(exc)})
        return VetoRules(), str(exc)
    return rules.veto, None


def provisional_values(veto: VetoRules, keys: Iterable[str]) -> tuple[tuple[str, Any], ...]:
    """``(key, value)`` of every ``veto.<key>`` among ``keys``, in the rules' field order."""
    wanted = {k.split(".", 1)[1] for k in keys if k.startswith("veto.")}
    return tuple((k, getattr(veto, k)) for k in veto.__dataclass_fields__ if k in wanted)


def _views(session: Session, since: datetime) -> list[FindingView]:
    rows = session.execute(
        select(Finding, Site.code, Site.name, Site.node_code).join(Site, Site.id == Finding.site_id)
        .where(or_(Finding.resolved_at.is_(None), Finding.resolved_at >= since))).all()
    out = []
    for f, code, name, node in rows:
        out.append(FindingView(
            id=f.id, site_code=code, site_name=name, node_code=node, city_code="", check=f.check, kind=f.kind,
            location=f.location, severity=Severity(f.severity), detail=f.detail, evidence=f.evidence or {},
            deadline=f.deadline, veto=bool(f.veto), first_seen=_aware(f.first_seen), last_seen=_aware(f.last_seen),
            resolved_at=_aware(f.resolved_at), reopen_count=f.reopen_count or 0))
    return out


def _aware(t: Any) -> Any:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return pd.Timestamp(t).tz_localize("UTC").to_pydatetime() if t is not None and t.tzinfo is None else t


def finding_frame(views: Sequence[FindingView], today: date) -> pd.DataFrame:
    """``FINDING_COLUMNS``: open findings worst first, then resolved ones (newest resolution first)."""
    rows: list[dict[str, Any]] = [
        {"id": v.id, "site_code": v.site_code, "check": v.check, "kind": v.kind, "severity": v.severity.value,
         "location": v.location, "detail": v.detail, "evidence": dict(v.evidence), "first_seen": v.first_seen,
         "last_seen": v.last_seen, "deadline": v.deadline,
         "days_left": None if v.deadline is None else (v.deadline - today).days, "veto": v.veto,
         "resolved_at": v.resolved_at, "open": v.resolved_at is None} for v in views]
    rows.sort(key=lambda r: (not r["open"], Severity(r["severity"]).rank if r["open"] else 0,
                             -(r["resolved_at"].timestamp()) if r["resolved_at"] else 0,
                             r["site_code"], r["check"], r["kind"], r["location"]))
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def veto_frame(verdicts: Iterable[SiteVerdict], provisional: Iterable[str]) -> pd.DataFrame:
    """``VETO_COLUMNS``, one row per (site, item) in the verdicts' item order."""
    prov = {k.split(".", 1)[1] for k in provisional if k.startswith("veto.")}
    rows = [{"site_code": v.site_code, "item_code": i.item_code, "status": i.status, "count": i.count,
             "threshold": i.threshold, "days_to_breach": i.days_to_breach, "deadline": i.deadline,
             "provisional": item_provisional(i.item_code, i.status, prov),
             "have": i.sufficiency.have if i.sufficiency else None,
             "need": i.sufficiency.need if i.sufficiency else None,
             "unit": i.sufficiency.unit if i.sufficiency else None}
            for v in verdicts for i in v.items]
    return pd.DataFrame(rows, columns=VETO_COLUMNS)


def site_status(open_severities: Sequence[str], judged: bool) -> str:
    """The worst open severity; ``clean`` when judged with nothing open, ``unknown`` when never judged."""
    if open_severities:
        return min((Severity(s) for s in open_severities), key=lambda s: s.rank).value
    return "clean" if judged else "unknown"


def site_frame(codes: Sequence[str], views: Sequence[FindingView], verdicts: Mapping[str, SiteVerdict],
               judged: Mapping[str, set[str]], last_run: Mapping[str, datetime], today: date) -> pd.DataFrame:
    """``SITE_COLUMNS`` for ``codes`` (in that order). ``risk_items``: breached item codes, then at-risk ones.
    ``nearest_deadline``: the earliest deadline not yet past among the site's open findings."""
    open_by: dict[str, list[FindingView]] = {}
    for v in views:
        if v.is_open:
            open_by.setdefault(v.site_code, []).append(v)
    rows = []
    for code in codes:
        fs = open_by.get(code, [])
        verdict = verdicts.get(code)
        items = verdict.items if verdict else ()
        breached = [i.item_code for i in items if i.status == BREACHED]
        risky = sorted((i for i in items if i.status == AT_RISK),
                       key=lambda i: (i.deadline is None, i.deadline or today, i.item_code))
        dates = [f.deadline for f in fs if f.deadline is not None and f.deadline >= today]
        nearest = min(dates) if dates else None
        rows.append({"code": code, "judged": bool(judged.get(code)),
                     "status": site_status([f.severity.value for f in fs], bool(judged.get(code))),
                     "open_findings": len(fs), "vetoed": bool(breached), "at_risk": bool(risky) and not breached,
                     "risk_items": breached + [i.item_code for i in risky], "nearest_deadline": nearest,
                     "days_left": None if nearest is None else (nearest - today).days,
                     "last_run": last_run.get(code),
                     "insufficient": bool(verdict and verdict.insufficient and not verdict.veto_risk),
                     "insufficient_items": [i.item_code for i in items if i.status == INSUFFICIENT]})
    return pd.DataFrame(rows, columns=SITE_COLUMNS)


def breach_candidates(snap: InspectionSnapshot) -> list[tuple[dict[str, Any], int]]:
    """The sites "closest to a breach" lists, unsorted, each with its number of holding items: vetoed
    and at-risk sites (their first risk item), and sites short of data on an item whose findings so far
    reach the warning line (count > 0: e.g. failed probes at ≥ 4 % of the few there are). Rows:
    ``code, state, item_code, deadline, days_left, have, need, unit``."""
    veto = snap.veto
    out: list[tuple[dict[str, Any], int]] = []
    for r in snap.sites.itertuples(index=False):
        if r.vetoed or r.at_risk:
            code, state, n_items = r.risk_items[0], "breached" if r.vetoed else "at_risk", len(r.risk_items)
        else:
            items = veto[(veto["site_code"] == r.code) & (veto["status"] == INSUFFICIENT) & (veto["count"] > 0)]
            if items.empty:
                continue
            code, state, n_items = items.iloc[0]["item_code"], INSUFFICIENT, 0
        rows = veto[(veto["site_code"] == r.code) & (veto["item_code"] == code)]
        item = rows.iloc[0] if not rows.empty else None
        deadline = None if state != "at_risk" or item is None else item["deadline"]
        out.append(({"code": r.code, "state": state, "item_code": code, "deadline": deadline,
                     "days_left": None if deadline is None or item is None else item["days_to_breach"],
                     "have": None if item is None else item["have"], "need": None if item is None else item["need"],
                     "unit": None if item is None else item["unit"]}, n_items))
    return out


def snapshot(sessions: sessionmaker[Session], site_codes: Sequence[str], city_of: Mapping[str, str],
             rules_path: Any, now: datetime) -> InspectionSnapshot:
    """Read findings and runs and judge the veto items of ``site_codes`` (enabled registry sites) at ``now``."""
    today = china_day(now)
    veto_rules, error = read_rules(rules_path)
    keys = provisional_keys()
    with sessions() as s:
        views = _views(s, now - RECENT)
        runs = latest_runs(s)
    judged: dict[str, set[str]] = {}
    last_run: dict[str, datetime] = {}
    for r in runs:
        if r.status is RunStatus.OK:
            judged.setdefault(r.site_code, set()).add(r.check)
        if r.site_code not in last_run or r.finished_at > last_run[r.site_code]:
            last_run[r.site_code] = r.finished_at
    open_by: dict[str, list[FindingView]] = {}
    for v in views:
        if v.is_open:
            open_by.setdefault(v.site_code, []).append(v)
    # A site never run at all has every item unknown (judged_checks empty), not "ok".
    verdicts = {code: judge_site(code, open_by.get(code, []), veto_rules, today, city_code=city_of.get(code, ""),
                                 judged_checks=judged.get(code, set()))
                for code in site_codes}
    wanted = set(site_codes)
    views = [v for v in views if v.site_code in wanted]
    return InspectionSnapshot(
        as_of=today, findings=finding_frame(views, today), veto=veto_frame(verdicts.values(), keys),
        sites=site_frame(site_codes, views, verdicts, judged, last_run, today),
        provisional=provisional_values(veto_rules, keys), rules_error=error,
        judged_sites=sum(1 for c in site_codes if judged.get(c)))
