"""Read-only data of the 运营中心 wall (/ops): the stored score snapshots (``score run``) of the viewer's
region for one period, summarized per city, ranked and traced, built by pure functions from
:func:`operations.score_store.snapshots` (no scoring happens here; nothing is stored by reading).

Figures follow reports/model.py: pass rate = 合格 ÷ (合格 + 不合格), 无法判定 counted as neither; averages
only over scored sites (a vetoed site has no score: 不合格, never a 0). ``dashboard.data.WallData.ops`` caches
:func:`read_ops` per cache window.

Frames (columns as listed in the ``*_COLUMNS`` tuples):
- ``cities``: the 14 cities in code order (a city without snapshots has ``sites`` 0);
- ``city_rank``: the cities with scored sites by average (then pass rate), the others after, unranked;
- ``county_rank`` / ``dept_rank``: county portals / provincial departments — judged sites with a score by
  score, then 无法判定, then vetoed (no score) with 不合格; ``rank`` only for the first group;
- ``vetoes``: one row per veto item holding this period;
- ``trend``: per period of the same kind (quarter or half-year) with snapshots, oldest first;
- ``closest``: passed sites with an at-risk veto item first, then the lowest scores (≥ 60).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.i18n import ops as O
from db.models import Finding, Site
from operations import score_rows, score_store, sheets, verify_store
from operations.access import Actor
from operations.errors import VerifyError
from operations.periods import Period, PeriodKind, parse
from operations.score_rows import city_label, snapshot_row
from reports.model import CitySummary, SiteRow, summarize
from security.auth import Principal

CITY_COLUMNS = ("code", "name", "sites", "scored", "passed", "failed", "undetermined", "pass_rate", "average")
CITY_RANK_COLUMNS = ("rank", "code", "name", "sites", "pass_rate", "average")
SITE_RANK_COLUMNS = ("rank", "code", "name", "city_name", "score", "grade", "passed", "vetoes")
VETO_COLUMNS = ("code", "name", "city_name", "item", "reason")
TREND_COLUMNS = ("period", "label", "sites", "judged", "pass_rate", "average")
CLOSEST_COLUMNS = ("code", "name", "city_name", "score", "risk")
STALE_DAYS = 7  # an open period's scores older than this are said to be stale (the line shows any age in days)
CLOSEST_N = 10


@dataclass(frozen=True)
class OpsView:
    """What the wall shows for one period; ``period`` None: no snapshot at all in the viewer's region."""

    period: Period | None
    periods: tuple[str, ...]  # every period with snapshots in the region, oldest first
    computed_at: datetime | None  # the newest score run among the period's snapshots
    frozen: bool  # every snapshot of the period is frozen (the period is closed)
    total: CitySummary | None
    cities: pd.DataFrame = field(default_factory=lambda: _empty(CITY_COLUMNS))
    city_rank: pd.DataFrame = field(default_factory=lambda: _empty(CITY_RANK_COLUMNS))
    county_rank: pd.DataFrame = field(default_factory=lambda: _empty(SITE_RANK_COLUMNS))
    dept_rank: pd.DataFrame = field(default_factory=lambda: _empty(SITE_RANK_COLUMNS))
    vetoes: pd.DataFrame = field(default_factory=lambda: _empty(VETO_COLUMNS))
    trend: pd.DataFrame = field(default_factory=lambda: _empty(TREND_COLUMNS))
    closest: pd.DataFrame = field(default_factory=lambda: _empty(CLOSEST_COLUMNS))
    behind: int = 0  # sites whose snapshot predates ``computed_at`` (not rescored by the newest run)
    oldest_at: datetime | None = None  # the oldest snapshot's score run, when some are behind


def _empty(cols: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


def period_order(code: str) -> tuple[Any, ...]:
    """Sort key of a period code: by its last day, then its first (2026Q4 after 2026H2), then the code."""
    try:
        p = parse(code)
    except VerifyError:
        return (0, code)
    return (1, p.end, p.start, code)


def parse_period(text: str | None) -> Period | None:
    """The URL's ``?period=``; None when absent; raises :class:`VerifyError` (Chinese) when malformed."""
    if text is None or not str(text).strip():
        return None
    return parse(str(text))


def row_of(v: score_store.SnapshotView, city_names: Mapping[str, str]) -> SiteRow:
    """A snapshot as a report row: :func:`operations.score_rows.snapshot_row`, the same row the bulletin lists."""
    return snapshot_row(v, city_names)


def _pct(f: Any) -> float | None:
    return None if f is None else round(float(f) * 100, 1)


def city_frame(rows: Sequence[SiteRow], cities: pd.DataFrame) -> pd.DataFrame:
    """``CITY_COLUMNS`` for every city of ``cities`` (``code, name``); sites of 省本级 are not a city's."""
    per_city, _ = summarize(rows)
    by_code = {c.city_code: c for c in per_city}
    out = []
    for code, name in zip(cities["code"], cities["name"], strict=True):
        c = by_code.get(str(code))
        out.append({"code": str(code), "name": name, "sites": c.sites if c else 0, "scored": c.scored if c else 0,
                    "passed": c.passed if c else 0, "failed": c.failed if c else 0,
                    "undetermined": c.undetermined if c else 0, "pass_rate": _pct(c.pass_rate) if c else None,
                    "average": c.average if c else None})
    return pd.DataFrame(out, columns=list(CITY_COLUMNS))


def city_ranking(cities: pd.DataFrame) -> pd.DataFrame:
    """Cities with sites: by average (highest first), then pass rate; cities without an average after,
    unranked (rank None)."""
    df = cities[cities["sites"] > 0]
    has = df[df["average"].notna()].sort_values(["average", "pass_rate", "code"], ascending=[False, False, True],
                                                 kind="stable", na_position="last")
    rest = df[df["average"].isna()].sort_values("code", kind="stable")
    ranked = [{"rank": i, **r} for i, r in enumerate(has.to_dict("records"), 1)]
    ranked += [{"rank": None, **r} for r in rest.to_dict("records")]
    return pd.DataFrame(ranked, columns=list(CITY_RANK_COLUMNS)) if ranked else _empty(CITY_RANK_COLUMNS)


def site_ranking(rows: Iterable[SiteRow]) -> pd.DataFrame:
    """``SITE_RANK_COLUMNS``: judged sites with a score by score (rank 1…, equal scores share a rank), then
    无法判定 (score kept, unranked), then vetoed sites (no score, 不合格) — never ranked as a 0."""
    rows = list(rows)
    judged = sorted((r for r in rows if r.passed is not None and r.score is not None),
                    key=lambda r: (-(r.score or 0), r.code))
    undetermined = sorted((r for r in rows if r.passed is None), key=lambda r: (r.score is None, -(r.score or 0),
                                                                                   r.code))
    vetoed = sorted((r for r in rows if r.passed is False and r.score is None), key=lambda r: r.code)
    out: list[dict[str, Any]] = []
    rank, last = 0, None
    for i, r in enumerate(judged, 1):
        if r.score != last:
            rank, last = i, r.score
        out.append(_site(r, rank))
    out += [_site(r, None) for r in undetermined + vetoed]
    return pd.DataFrame(out, columns=list(SITE_RANK_COLUMNS)) if out else _empty(SITE_RANK_COLUMNS)


def _site(r: SiteRow, rank: int | None) -> dict[str, Any]:
    return {"rank": rank, "code": r.code, "name": r.name, "city_name": r.city, "score": r.score, "grade": r.grade,
            "passed": r.passed, "vetoes": "、".join(name for name, _ in r.vetoes)}


def veto_frame(rows: Iterable[SiteRow]) -> pd.DataFrame:
    out = [{"code": r.code, "name": r.name, "city_name": r.city, "item": item, "reason": reason}
           for r in sorted(rows, key=lambda r: (r.city_code, r.code)) for item, reason in r.vetoes]
    return pd.DataFrame(out, columns=list(VETO_COLUMNS)) if out else _empty(VETO_COLUMNS)


def closest_frame(views: Iterable[score_store.SnapshotView], rows: Mapping[str, SiteRow],
                  n: int = CLOSEST_N) -> pd.DataFrame:
    """Passed sites nearest to failing: those with a veto item at risk first, then by lowest score."""
    out = []
    for v in views:
        r = rows[v.site_code]
        if r.passed is not True or r.score is None:
            continue
        risk = [i.get("name", i["item"]) for i in v.result.get("veto_items", ()) if i.get("status") == "at_risk"]
        out.append({"code": r.code, "name": r.name, "city_name": r.city, "score": r.score, "risk": "、".join(risk)})
    out.sort(key=lambda d: (not d["risk"], d["score"], d["code"]))
    return pd.DataFrame(out[:n], columns=list(CLOSEST_COLUMNS)) if out else _empty(CLOSEST_COLUMNS)


def trend_frame(views: Iterable[score_store.SnapshotView], kind: PeriodKind,
                city_names: Mapping[str, str]) -> pd.DataFrame:
    """Per period of ``kind`` with snapshots (oldest first): sites, judged, pass rate %, average."""
    by_period: dict[str, list[SiteRow]] = {}
    for v in views:
        try:
            p = parse(v.period)
        except VerifyError:
            continue
        if p.kind is kind:
            by_period.setdefault(p.code, []).append(row_of(v, city_names))
    out = []
    for code in sorted(by_period, key=period_order):
        _, total = summarize(by_period[code])
        out.append({"period": code, "label": parse(code).label, "sites": total.sites,
                    "judged": total.passed + total.failed, "pass_rate": _pct(total.pass_rate),
                    "average": total.average})
    return pd.DataFrame(out, columns=list(TREND_COLUMNS)) if out else _empty(TREND_COLUMNS)


def build_view(views: Sequence[score_store.SnapshotView], period: Period | None, cities: pd.DataFrame) -> OpsView:
    """The wall's view of ``views`` (current revisions, every period) for ``period`` (None: the latest with
    snapshots). Pure."""
    periods = tuple(sorted({v.period for v in views}, key=period_order))
    if period is None and periods:
        try:
            period = parse(periods[-1])
        except VerifyError:
            period = None
    if period is None:
        return OpsView(None, periods, None, False, None)
    names = dict(zip(cities["code"].astype(str), cities["name"], strict=True))
    shown = [v for v in views if v.period == period.code]
    if not shown:
        return OpsView(period, periods, None, False, None)
    rows = {v.site_code: row_of(v, names) for v in shown}
    _, total = summarize(rows.values())
    city_df = city_frame(list(rows.values()), cities)
    level = {v.site_code: v.level for v in shown}
    newest = max(v.computed_at for v in shown)
    behind = [v.computed_at for v in shown if v.computed_at < newest]
    return OpsView(
        period, periods, newest, all(v.frozen for v in shown), total, city_df,
        city_ranking(city_df),
        site_ranking(r for c, r in rows.items() if level[c] == "county_portal"),
        site_ranking(r for c, r in rows.items() if level[c] == "provincial_department"),
        veto_frame(rows.values()), trend_frame(views, period.kind, names), closest_frame(shown, rows),
        behind=len(behind), oldest_at=min(behind, default=None))


def read_ops(sessions: sessionmaker[Session], scope_code: str, period: Period | None,
             cities: pd.DataFrame) -> OpsView:
    """The :class:`OpsView` of the sites ``scope_code`` covers (every period's current revisions read once)."""
    with sessions() as s:
        views = score_store.snapshots(s, Actor("wall", scope_code))
    return build_view(views, period, cities)


def stale_days(view: OpsView, now: datetime) -> int | None:
    """Whole days since the period's newest score run when the period is open and that is over
    :data:`STALE_DAYS`, else None (a frozen period's scores do not age)."""
    if view.computed_at is None or view.frozen:
        return None
    days = int((now - view.computed_at).total_seconds() // 86400)
    return days if days > STALE_DAYS else None


# ---- the score sheet -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetView:
    """One site's sheet: the shown snapshot (None: none for that period), every revision, the details of
    the findings and manual entries its lines cite, and the sign-off state."""

    site_code: str
    site_name: str
    city_name: str
    level: str
    snapshot: score_store.SnapshotView | None
    history: tuple[score_store.SnapshotView, ...]  # every revision, oldest period first
    findings: Mapping[int, tuple[str, str, str]]  # id → (check, detail, location)
    entries: Mapping[int, tuple[str, str, bool]]  # id → (by, note, withdrawn)
    signoff: Any = None  # operations.sheets.SheetStatus
    pending: tuple[Any, ...] = ()  # operations.sheets.Change: decisions / entries after the shown snapshot


def cited(result: Mapping[str, Any], prefix: str) -> set[int]:
    """The ids a result's lines cite as ``prefix:ID`` (``finding`` or ``entry``). Pure."""
    out: set[int] = set()
    lines = [ln for i in result.get("indicators", ()) for ln in i.get("lines", ())] + list(result.get("bonus", ()))
    sources = [str(ln.get("source", "")) for ln in lines]
    sources += [str(e) for v in result.get("vetoes", ()) for e in v.get("evidence", ())]
    for src in sources:
        for part in src.replace(",", " ").split():
            if part.startswith(f"{prefix}:") and part[len(prefix) + 1:].isdigit():
                out.add(int(part[len(prefix) + 1:]))
    return out


def read_sheet(sessions: sessionmaker[Session], scope_code: str, site_code: str, period: Period | None,
               city_names: Mapping[str, str]) -> SheetView | None:
    """The sheet of ``site_code`` as ``scope_code`` may see it; None when the site has no snapshot at all
    (or is not the viewer's)."""
    actor = Actor("wall", scope_code)
    with sessions() as s:
        history = score_store.snapshots(s, actor, site_code=site_code, history=True)
        if not history:
            return None
        history = sorted(history, key=lambda v: (period_order(v.period), v.revision))
        current = [v for v in history if v.current]
        code = period.code if period is not None else current[-1].period
        shown = next((v for v in current if v.period == code), None)
        findings: dict[int, tuple[str, str, str]] = {}
        entries: dict[int, tuple[str, str, bool]] = {}
        signoff = None
        pending: tuple[Any, ...] = ()
        if shown is not None:
            ids = cited(shown.result, "finding")
            if ids:
                for f in s.scalars(select(Finding).where(Finding.id.in_(ids))):
                    findings[f.id] = (f.check, f.detail, f.location)
            for e in verify_store.list_entries(s, actor, site_code, code):
                entries[e.id] = (e.created_by, e.note, e.withdrawn_at is not None)
            signoff = verify_store.sheet_status(s, actor, site_code, code)
            site_id = s.scalar(select(Site.id).where(Site.code == shown.site_code))
            pending = tuple(sheets.changes_after(shown.computed_at, verify_store.sheet_changes(s, site_id, code))
                            if site_id is not None else ())
    first = history[-1]
    return SheetView(first.site_code, first.site_name, city_label(first.city_code, city_names), first.level, shown,
                     tuple(history), findings, entries, signoff, pending)


# ---- the 检查情况通报 download ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulletinFile:
    """A download of the wall: ``content`` None when refused or empty (``message`` says why)."""

    message: str
    content: bytes | None = None
    filename: str = ""


def export_bulletin(sessions: sessionmaker[Session], principal: Principal | None, period: Period | None,
                    now: datetime, remote_addr: str | None = None) -> BulletinFile:
    """The viewer's region's 检查情况通报 of ``period`` (None: the latest period with snapshots) as the CLI's
    ``score export`` writes it (operations.score_rows.export_bulletin, audited). Only for a logged-in person:
    a kiosk wall (or nobody) gets a message and no file."""
    if principal is None or principal.kiosk or principal.role is None:
        return BulletinFile(O.EXPORT_DENIED)
    actor = Actor(principal.actor, principal.scope_code, remote_addr, principal.role.value)
    with sessions() as s:
        if period is None:
            periods = sorted({v.period for v in score_store.snapshots(s, actor)}, key=period_order)
            if not periods:
                return BulletinFile(O.EXPORT_NO_PERIOD)
            period = parse(periods[-1])
        out = score_rows.export_bulletin(s, actor, period, now)
    if out is None:
        return BulletinFile(O.EXPORT_NONE.format(period=period.code))
    content, n = out
    return BulletinFile(O.EXPORT_DONE.format(period=period.code, n=n), content,
                        O.EXPORT_FILE.format(period=period.code, scope=principal.scope_code))
