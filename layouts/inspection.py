"""Inspection components built from data: findings grouped by check, veto items, city and overview
tables, the veto tile and the provisional-values footnote (no queries).

Every table builder takes a frame of layouts/frames.py and raises ValueError on a missing column.
Times show in China Standard Time ("11-27 15:00"); deadlines as "11-30（剩 3 天）".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pandas as pd
from dash import dcc, html

from inspection.text import CHECK_LABEL, FINDING_KIND, VETO_STATUS
from layouts.components import KpiItem, missing, require_columns, table
from layouts.frames import VetoKpis
from layouts.text import EVIDENCE_LABEL, INSPECTION_STATUS, RULE_LABEL, TI, VETO_ITEM_SHORT, T

CST = timezone(timedelta(hours=8), "CST")
SEVERITY_ORDER = ("critical", "high", "medium", "low")
CHECK_ORDER = tuple(CHECK_LABEL)
EVIDENCE_MAX = 24  # characters of one evidence value (a context snippet is cut, not the summary)

FINDINGS_HEADERS = [TI.COL_SEVERITY, TI.COL_KIND, TI.COL_LOCATION, TI.COL_EVIDENCE, TI.COL_FIRST_SEEN, TI.COL_DEADLINE]
VETO_HEADERS = [TI.COL_ITEM, TI.COL_VETO_STATUS, TI.COL_MEASURE, TI.COL_DAYS_TO_BREACH]
CITY_INSPECTION_HEADERS = [T.COL_SITE, TI.COL_INSPECTION, TI.COL_VETO_RISK, TI.COL_NEAREST]
CLOSEST_HEADERS = [T.COL_RANK, T.COL_SITE, T.COL_CITY, TI.COL_ITEM, TI.COL_DEADLINE]
_FINDING_COLS = ("check", "kind", "severity", "location", "evidence", "first_seen", "deadline", "days_left", "open",
                 "resolved_at")


def inspection_badge(status: str) -> html.Span:
    """A severity (紧急/严重/一般/提示) or 无问题/未检查 on its colour; anything else reads 未检查."""
    known = status if status in INSPECTION_STATUS else "unknown"
    return html.Span(INSPECTION_STATUS[known], className=f"badge badge-sev-{known}")


def veto_badge(status: str) -> html.Span:
    """已触发 (red) / 临近触发 (amber) / 未触发 (green) / 未检查 (grey)."""
    known = status if status in VETO_STATUS else "unknown"
    return html.Span(VETO_STATUS[known], className=f"badge badge-veto-{known}")


def provisional_tag() -> html.Span:
    return html.Span(TI.PROVISIONAL, className="tag-provisional")


def format_time(t: Any) -> str:
    """"11-27 15:00" in China Standard Time; "—" when unknown (a naive time is read as UTC)."""
    if missing(t):
        return T.DASH
    ts = pd.Timestamp(t)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts
    return ts.tz_convert(CST).strftime("%m-%d %H:%M")


def format_days_left(days: Any) -> str:
    """"剩 3 天" / "今天到期" / "已超期 2 天"; "—" when unknown."""
    if missing(days):
        return T.DASH
    n = int(days)
    return TI.DAYS_LEFT.format(n=n) if n > 0 else TI.DUE_TODAY if n == 0 else TI.OVERDUE.format(n=-n)


def format_deadline(deadline: Any, days: Any) -> str:
    """"11-30（剩 3 天）"; "—" without a deadline."""
    if missing(deadline) or not isinstance(deadline, date | datetime):
        return T.DASH
    return f"{deadline:%m-%d}（{format_days_left(days)}）"


def _value(key: str, v: Any) -> str:
    if key == "ratio":
        return f"{float(v) * 100:.1f}%"
    if key in ("window_days", "days_left"):
        return f"{v} {T.UNIT_DAYS}"
    if key == "page_count":
        return f"{v} 页"
    text = " ".join(str(v).split())
    return text if len(text) <= EVIDENCE_MAX else text[:EVIDENCE_MAX - 1] + "…"


def evidence_summary(evidence: Mapping[str, Any] | None) -> str:
    """The evidence keys the wall shows (status, error, ratio, dates, matched text, snippet …) as
    "状态码 404；出现页面 3 页"; "—" when none is present."""
    if not evidence:
        return T.DASH
    parts = [f"{label} {_value(key, evidence[key])}" for key, label in EVIDENCE_LABEL.items()
             if key in evidence and evidence[key] not in (None, "", [])]
    return "；".join(parts) if parts else T.DASH


def location_text(url: str, site_url: str | None = None) -> str:
    """A finding's location as shown: the path on the site's own host ("首页" for its homepage), else
    host and path of the other site (a broken external link)."""
    rest = url.split("://", 1)[-1]
    if site_url:
        home = site_url.split("://", 1)[-1].split("/", 1)[0]
        host, _, path = rest.partition("/")
        if host == home:
            return TI.HOMEPAGE if path in ("", "index.html", "index.htm") else f"/{path}"
    return rest


def _evidence_cell(evidence: Mapping[str, Any] | None) -> html.Td:
    # Up to two lines (CSS line clamp): the summary matters more than a uniform row height.
    return html.Td(html.Div(evidence_summary(evidence), className="evidence"))


def _finding_row(r: Any, site_url: str | None) -> html.Tr:
    loc = html.Span(location_text(r.location, site_url), className="link-text", title=r.location)
    if r.open:
        return html.Tr(className=f"row-sev-{r.severity}", children=[
            html.Td(inspection_badge(r.severity)), html.Td(FINDING_KIND.get(r.kind, r.kind)),
            html.Td(loc), _evidence_cell(r.evidence), html.Td(format_time(r.first_seen)),
            html.Td(format_deadline(r.deadline, r.days_left))])
    return html.Tr(className="row-resolved", children=[
        html.Td(html.Span(TI.RESOLVED, className="badge badge-resolved")), html.Td(FINDING_KIND.get(r.kind, r.kind)),
        html.Td(loc), _evidence_cell(r.evidence), html.Td(format_time(r.first_seen)),
        html.Td(f"{TI.RESOLVED} {format_time(r.resolved_at)}")])


def _group_row(label: str, n: int, cls: str = "") -> html.Tr:
    return html.Tr(className=f"group-row {cls}".strip(), children=html.Td(
        [html.Span(label, className="group-label"), html.Span(TI.COUNT.format(n=n), className="group-count")],
        colSpan=len(FINDINGS_HEADERS)))


def _more_row(n: int) -> html.Tr:
    return html.Tr(className="more-row", children=html.Td(TI.MORE.format(n=n), colSpan=len(FINDINGS_HEADERS)))


def findings_rows(df: pd.DataFrame, site_url: str | None = None, per_check: int = 3, resolved_max: int = 3,
                  judged: bool = True) -> list[html.Tr]:
    """Open findings grouped by check (the group with the worst finding first; inside, the frame's
    order), at most ``per_check`` rows each plus a "另有 N 项" row; then up to ``resolved_max`` recently
    resolved ones, greyed. No open finding: "未发现问题" (or "尚未巡检" when ``judged`` is False).
    Locations on ``site_url``'s host show as paths."""
    require_columns(df, _FINDING_COLS, "site findings")
    opened = df[df["open"].astype(bool)]
    resolved = df[~df["open"].astype(bool)]
    rows: list[html.Tr] = []
    if opened.empty:
        rows.append(html.Tr(html.Td(TI.NO_FINDINGS if judged else TI.NOT_INSPECTED, colSpan=len(FINDINGS_HEADERS),
                                    className="empty")))
    groups = []
    for check, g in opened.groupby("check", sort=False):
        worst = min(SEVERITY_ORDER.index(s) if s in SEVERITY_ORDER else 9 for s in g["severity"])
        order = CHECK_ORDER.index(check) if check in CHECK_ORDER else len(CHECK_ORDER)
        groups.append((worst, order, str(check), g))
    for _w, _o, check, g in sorted(groups, key=lambda x: x[:3]):
        rows.append(_group_row(CHECK_LABEL.get(check, check), len(g)))
        rows += [_finding_row(r, site_url) for r in g.head(per_check).itertuples(index=False)]
        if len(g) > per_check:
            rows.append(_more_row(len(g) - per_check))
    if not resolved.empty and resolved_max > 0:
        rows.append(_group_row(TI.RESOLVED_GROUP, len(resolved), "group-resolved"))
        rows += [_finding_row(r, site_url) for r in resolved.head(resolved_max).itertuples(index=False)]
    return rows


def findings_table(df: pd.DataFrame, body_id: str, site_url: str | None = None, judged: bool = True) -> html.Table:
    return table(FINDINGS_HEADERS, findings_rows(df, site_url, judged=judged), body_id, "findings-table")


def veto_measure(item_code: str, count: Any, threshold: Any, status: str = "ok") -> str:
    """The count against the threshold: "3 / 5", "失败12次 / 5%", "1 条 / 超 90 天"; "—" without a threshold
    or for an item not judged (``status`` unknown)."""
    if missing(threshold) or status not in ("breached", "at_risk", "ok"):
        return T.DASH
    t, n = float(threshold), int(count)
    if t < 1:
        return TI.RATIO_MEASURE.format(count=n, pct=f"{t * 100:g}%")
    if item_code == "poor_interaction":
        return TI.DAYS_MEASURE.format(count=n, days=f"{t:g}")
    return f"{n} / {t:g}"


def veto_rows(df: pd.DataFrame) -> list[html.Tr]:
    """One row per veto item: short label (with a 暂定 tag when it rests on a provisional value),
    status badge, count/threshold and days to breach (at-risk items only)."""
    require_columns(df, ("item_code", "status", "count", "threshold", "days_to_breach", "deadline", "provisional"),
                    "site veto items")
    if df.empty:
        return [html.Tr(html.Td(T.NO_DATA, colSpan=len(VETO_HEADERS), className="empty"))]
    rows = []
    for r in df.itertuples(index=False):
        label: list[Any] = [VETO_ITEM_SHORT.get(r.item_code, r.item_code)]
        if r.provisional:
            label.append(provisional_tag())
        due = format_days_left(r.days_to_breach) if r.status == "at_risk" else T.DASH
        rows.append(html.Tr(className=f"row-veto-{r.status}", children=[
            html.Td(label), html.Td(veto_badge(r.status)),
            html.Td(veto_measure(r.item_code, r.count, r.threshold, r.status)), html.Td(due)]))
    return rows


def veto_table(df: pd.DataFrame, body_id: str) -> html.Table:
    return table(VETO_HEADERS, veto_rows(df), body_id, "veto-table")


def provisional_note(values: Sequence[tuple[str, Any]], rules_error: str | None = None) -> html.Div:
    """The footnote naming the provisional rule values in force (and a rules-file error, if any)."""
    def show(v: Any) -> str:
        if isinstance(v, bool):
            return TI.YES if v else TI.NO
        if isinstance(v, float) and v < 1:
            return f"{v * 100:g}%"
        return f"{v:g}" if isinstance(v, float) else str(v)

    parts: list[Any] = []
    if values:
        parts += [provisional_tag(), TI.PROVISIONAL_NOTE,
                  "；".join(f"{RULE_LABEL.get(k, k)} {show(v)}" for k, v in values)]
    if rules_error:
        parts.append(html.Span(f" {TI.RULES_ERROR}{rules_error}", className="rules-error"))
    return html.Div(parts, className="footnote")


def _risk_cell(vetoed: Any, at_risk: Any, items: Iterable[str]) -> html.Td:
    codes = list(items or [])
    if not (vetoed or at_risk) or not codes:
        return html.Td(TI.RISK_NONE, className="muted")
    text = VETO_ITEM_SHORT.get(codes[0], codes[0]) + (TI.MORE_ITEMS.format(n=len(codes)) if len(codes) > 1 else "")
    return html.Td([veto_badge("breached" if vetoed else "at_risk"), html.Span(text, className="risk-items")])


def city_inspection_rows(df: pd.DataFrame) -> list[html.Tr]:
    """One row per site of a city, in the frame's (riskiest-first) order."""
    require_columns(df, ("code", "name", "status", "vetoed", "at_risk", "risk_items", "nearest_deadline",
                         "days_left"), "city inspection")
    if df.empty:
        return [html.Tr(html.Td(T.NO_DATA, colSpan=len(CITY_INSPECTION_HEADERS), className="empty"))]
    return [html.Tr(className="row-vetoed" if r.vetoed else "row-at-risk" if r.at_risk else "", children=[
        html.Td(dcc.Link(r.name, href=f"/site/{r.code}")),
        html.Td(inspection_badge(r.status if isinstance(r.status, str) else "unknown")),
        _risk_cell(r.vetoed, r.at_risk, r.risk_items if isinstance(r.risk_items, list) else []),
        html.Td(format_deadline(r.nearest_deadline, r.days_left)),
    ]) for r in df.itertuples(index=False)]


def city_inspection_table(df: pd.DataFrame, body_id: str) -> html.Table:
    return table(CITY_INSPECTION_HEADERS, city_inspection_rows(df), body_id, "inspection-table")


def closest_rows(df: pd.DataFrame) -> list[html.Tr]:
    """Ranked rows: breached sites say 已触发, at-risk ones their deadline and days left."""
    require_columns(df, ("code", "name", "city_name", "state", "item_code", "deadline", "days_left"),
                    "closest to breach")
    if df.empty:
        return [html.Tr(html.Td(TI.NO_RISK, colSpan=len(CLOSEST_HEADERS), className="empty"))]
    return [html.Tr(className="row-vetoed" if r.state == "breached" else "row-at-risk", children=[
        html.Td(str(i)), html.Td(dcc.Link(r.name, href=f"/site/{r.code}")), html.Td(r.city_name),
        html.Td(VETO_ITEM_SHORT.get(r.item_code, r.item_code)),
        html.Td(veto_badge("breached") if r.state == "breached" else format_deadline(r.deadline, r.days_left)),
    ]) for i, r in enumerate(df.itertuples(index=False), 1)]


def closest_table(df: pd.DataFrame, body_id: str) -> html.Table:
    return table(CLOSEST_HEADERS, closest_rows(df), body_id, "closest-table")


def veto_kpi_item(k: VetoKpis) -> KpiItem:
    """The 否决风险网站 tile: "breached/at risk"; red when any breach, amber when any risk, green when
    some site was judged and none is at risk, grey when no site was ever inspected."""
    status = "unknown" if k.sites_judged == 0 else "down" if k.vetoed else "degraded" if k.at_risk else "up"
    return KpiItem("veto", TI.KPI_VETO, f"{k.vetoed}/{k.at_risk}", TI.KPI_VETO_UNIT, status,
                   note=TI.PROVISIONAL if k.provisional else None)
