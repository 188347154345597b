"""Inspection components built from data: findings grouped by check, veto items, city and overview
tables, the veto tile and the provisional-values footnote (no queries).

Every table builder takes a frame of layouts/frames.py and raises ValueError on a missing column.
Times show in the zone passed in (``tz``: the screens' web.timezone, China Standard Time by default,
"11-27 15:00"); deadlines as "11-30（剩 3 天）".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

import pandas as pd
from dash import dcc, html

from core.i18n.inspection import FINDING_KIND, VETO_STATUS, sufficiency_text
from core.i18n.walls import INSPECTION_STATUS, RULE_LABEL, TI, VETO_ITEM_SHORT, T
from inspection import evidence as evidence_text
from inspection.catalog import check_label, screen_order
from layouts.components import KpiItem, missing, require_columns, table
from layouts.frames import VetoKpis

CST = timezone(timedelta(hours=8), "CST")
SEVERITY_ORDER = ("critical", "high", "medium", "low")
EVIDENCE_MAX = 32  # characters of one evidence value in a cell (the hover title has it whole)
EVIDENCE_ITEMS = 4  # evidence values in a cell

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
    """已触发 (red) / 临近触发 (amber) / 未触发 (green) / 数据不足 (grey) / 未检查 (grey)."""
    known = status if status in VETO_STATUS else "unknown"
    return html.Span(VETO_STATUS[known], className=f"badge badge-veto-{known}")


def sufficiency_label(have: Any, need: Any, unit: Any) -> str:
    """"已有 5/140 次监测"; "" when the item has no window of its own."""
    if missing(have) or missing(need):
        return ""
    return sufficiency_text(int(have), int(need), str(unit or ""))


def provisional_tag() -> html.Span:
    return html.Span(TI.PROVISIONAL, className="tag-provisional")


def format_time(t: Any, tz: tzinfo = CST) -> str:
    """"11-27 15:00" in ``tz``; "—" when unknown (a naive time is read as UTC)."""
    if missing(t):
        return T.DASH
    ts = pd.Timestamp(t)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts
    return ts.tz_convert(tz).strftime("%m-%d %H:%M")


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


def evidence_summary(evidence: Mapping[str, Any] | None, tz: tzinfo = CST) -> str:
    """The short evidence of a finding, e.g. "域名 bet.example；隐藏方式 left:-9999px；锚文本 …" (inspection/
    evidence.py: every key labelled in Chinese, values cut to ``EVIDENCE_MAX``, times in ``tz``); "—" when
    there is none."""
    return evidence_text.evidence_summary(evidence, tz=tz, max_items=EVIDENCE_ITEMS, value_max=EVIDENCE_MAX) or T.DASH


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


def evidence_cell(evidence: Mapping[str, Any] | None, tz: tzinfo = CST) -> html.Td:
    """The evidence cell: the summary (up to two lines, CSS line clamp), the whole evidence as its hover
    title, times in ``tz``. Evidence is page content, so it goes in as text only (Dash escapes text
    children and attribute values; never Markdown or raw HTML)."""
    full = evidence_text.evidence_full(evidence, tz=tz)
    return html.Td(html.Div(evidence_summary(evidence, tz), className="evidence", title=full or None))


def _finding_row(r: Any, site_url: str | None, tz: tzinfo) -> html.Tr:
    loc = html.Span(location_text(r.location, site_url), className="link-text", title=r.location)
    if r.open:
        return html.Tr(className=f"row-sev-{r.severity}", children=[
            html.Td(inspection_badge(r.severity)), html.Td(FINDING_KIND.get(r.kind, r.kind)),
            html.Td(loc), evidence_cell(r.evidence, tz), html.Td(format_time(r.first_seen, tz)),
            html.Td(format_deadline(r.deadline, r.days_left))])
    return html.Tr(className="row-resolved", children=[
        html.Td(html.Span(TI.RESOLVED, className="badge badge-resolved")), html.Td(FINDING_KIND.get(r.kind, r.kind)),
        html.Td(loc), evidence_cell(r.evidence, tz), html.Td(format_time(r.first_seen, tz)),
        html.Td(f"{TI.RESOLVED} {format_time(r.resolved_at, tz)}")])


def _group_row(label: str, n: int, cls: str = "") -> html.Tr:
    return html.Tr(className=f"group-row {cls}".strip(), children=html.Td(
        [html.Span(label, className="group-label"), html.Span(TI.COUNT.format(n=n), className="group-count")],
        colSpan=len(FINDINGS_HEADERS)))


def _more_row(n: int) -> html.Tr:
    return html.Tr(className="more-row", children=html.Td(TI.MORE.format(n=n), colSpan=len(FINDINGS_HEADERS)))


def findings_rows(df: pd.DataFrame, site_url: str | None = None, per_check: int = 3, resolved_max: int = 3,
                  judged: bool = True, tz: tzinfo = CST) -> list[html.Tr]:
    """Open findings grouped by check (the group with the worst finding first; inside, the frame's
    order), at most ``per_check`` rows each plus a "另有 N 项" row; then up to ``resolved_max`` recently
    resolved ones, greyed. No open finding: "未发现问题" (or "尚未巡检" when ``judged`` is False).
    Locations on ``site_url``'s host show as paths; times (seen, evidence) in ``tz``."""
    require_columns(df, _FINDING_COLS, "site findings")
    opened = df[df["open"].astype(bool)]
    resolved = df[~df["open"].astype(bool)]
    rows: list[html.Tr] = []
    if opened.empty:
        rows.append(html.Tr(html.Td(TI.NO_FINDINGS if judged else TI.NOT_INSPECTED, colSpan=len(FINDINGS_HEADERS),
                                    className="empty")))
    groups = []
    check_order = screen_order()  # the checks' declared order
    for check, g in opened.groupby("check", sort=False):
        worst = min(SEVERITY_ORDER.index(s) if s in SEVERITY_ORDER else 9 for s in g["severity"])
        order = check_order.index(check) if check in check_order else len(check_order)
        groups.append((worst, order, str(check), g))
    for _w, _o, check, g in sorted(groups, key=lambda x: x[:3]):
        rows.append(_group_row(check_label(str(check)), len(g)))
        rows += [_finding_row(r, site_url, tz) for r in g.head(per_check).itertuples(index=False)]
        if len(g) > per_check:
            rows.append(_more_row(len(g) - per_check))
    if not resolved.empty and resolved_max > 0:
        rows.append(_group_row(TI.RESOLVED_GROUP, len(resolved), "group-resolved"))
        rows += [_finding_row(r, site_url, tz) for r in resolved.head(resolved_max).itertuples(index=False)]
    return rows


def findings_table(df: pd.DataFrame, body_id: str, site_url: str | None = None, judged: bool = True,
                   tz: tzinfo = CST) -> html.Table:
    return table(FINDINGS_HEADERS, findings_rows(df, site_url, judged=judged, tz=tz), body_id, "findings-table")


def veto_measure(item_code: str, count: Any, threshold: Any, status: str = "ok") -> str:
    """The count against the threshold: "3 / 5", "失败12次 / 5%", "1 条 / 超 90 天"; for an item short of
    data only the evidence so far ("目前失败5次", no threshold to compare with); "—" without a threshold,
    for an item not judged (``status`` unknown) or one short of data with nothing so far."""
    if status == "insufficient":
        if missing(count) or int(count) <= 0:
            return T.DASH
        ratio = not missing(threshold) and float(threshold) < 1
        return (TI.SO_FAR_RATIO if ratio else TI.SO_FAR).format(count=int(count))
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
    status badge, count/threshold and days to breach (at-risk items only). An item short of data reads
    "数据不足 | 已有 5/140 次监测" in grey (the failures so far as the cell's hover title)."""
    require_columns(df, ("item_code", "status", "count", "threshold", "days_to_breach", "deadline", "provisional",
                         "have", "need", "unit"), "site veto items")
    if df.empty:
        return [html.Tr(html.Td(T.NO_DATA, colSpan=len(VETO_HEADERS), className="empty"))]
    rows = []
    for r in df.itertuples(index=False):
        label: list[Any] = [VETO_ITEM_SHORT.get(r.item_code, r.item_code)]
        if r.provisional:
            label.append(provisional_tag())
        due = format_days_left(r.days_to_breach) if r.status == "at_risk" else T.DASH
        measure = veto_measure(r.item_code, r.count, r.threshold, r.status)
        if r.status == "insufficient":  # how much data there is; the evidence so far on hover
            have = sufficiency_label(r.have, r.need, r.unit)
            cell = html.Td(have or T.DASH, className="sufficiency", title=measure if measure != T.DASH else None)
        else:
            cell = html.Td(measure)
        rows.append(html.Tr(className=f"row-veto-{r.status}", children=[
            html.Td(label), html.Td(veto_badge(r.status)), cell, html.Td(due)]))
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


def _true(v: Any) -> bool:
    return not missing(v) and bool(v)


def _items_text(codes: list[str]) -> str:
    return VETO_ITEM_SHORT.get(codes[0], codes[0]) + (TI.MORE_ITEMS.format(n=len(codes)) if len(codes) > 1 else "")


def _risk_cell(vetoed: Any, at_risk: Any, items: Iterable[str], insufficient: Any = False,
               short_items: Iterable[str] = ()) -> html.Td:
    codes, short = list(items or []), list(short_items or [])
    if (vetoed or at_risk) and codes:
        return html.Td([veto_badge("breached" if vetoed else "at_risk"),
                        html.Span(_items_text(codes), className="risk-items")])
    if _true(insufficient) and short:  # no verdict yet: never "无"
        return html.Td([veto_badge("insufficient"), html.Span(_items_text(short), className="risk-items")])
    return html.Td(TI.RISK_NONE, className="muted")


def city_inspection_rows(df: pd.DataFrame) -> list[html.Tr]:
    """One row per site of a city, in the frame's (riskiest-first) order; a site whose verdict waits for
    data reads 数据不足 and the item, not 无."""
    require_columns(df, ("code", "name", "status", "vetoed", "at_risk", "risk_items", "nearest_deadline",
                         "days_left", "insufficient", "insufficient_items"), "city inspection")
    if df.empty:
        return [html.Tr(html.Td(T.NO_DATA, colSpan=len(CITY_INSPECTION_HEADERS), className="empty"))]

    def cls(r: Any) -> str:
        return "row-vetoed" if r.vetoed else "row-at-risk" if r.at_risk else \
            "row-insufficient" if _true(r.insufficient) else ""

    return [html.Tr(className=cls(r), children=[
        html.Td(dcc.Link(r.name, href=f"/site/{r.code}")),
        html.Td(inspection_badge(r.status if isinstance(r.status, str) else "unknown")),
        _risk_cell(r.vetoed, r.at_risk, r.risk_items if isinstance(r.risk_items, list) else [],
                   r.insufficient, r.insufficient_items if isinstance(r.insufficient_items, list) else []),
        html.Td(format_deadline(r.nearest_deadline, r.days_left)),
    ]) for r in df.itertuples(index=False)]


def city_inspection_table(df: pd.DataFrame, body_id: str) -> html.Table:
    return table(CITY_INSPECTION_HEADERS, city_inspection_rows(df), body_id, "inspection-table")


def closest_rows(df: pd.DataFrame) -> list[html.Tr]:
    """Ranked rows: breached sites say 已触发, at-risk ones their deadline and days left, sites whose
    verdict waits for data "数据不足 已有 5/140 次监测" in grey."""
    require_columns(df, ("code", "name", "city_name", "state", "item_code", "deadline", "days_left", "have", "need",
                         "unit"), "closest to breach")
    if df.empty:
        return [html.Tr(html.Td(TI.NO_RISK, colSpan=len(CLOSEST_HEADERS), className="empty"))]

    def last(r: Any) -> Any:
        if r.state == "breached":
            return veto_badge("breached")
        if r.state == "insufficient":
            return [veto_badge("insufficient"), html.Span(sufficiency_label(r.have, r.need, r.unit),
                                                          className="sufficiency")]
        return format_deadline(r.deadline, r.days_left)

    cls = {"breached": "row-vetoed", "at_risk": "row-at-risk", "insufficient": "row-insufficient"}
    return [html.Tr(className=cls.get(r.state, ""), children=[
        html.Td(str(i)), html.Td(dcc.Link(r.name, href=f"/site/{r.code}")), html.Td(r.city_name),
        html.Td(VETO_ITEM_SHORT.get(r.item_code, r.item_code)), html.Td(last(r)),
    ]) for i, r in enumerate(df.itertuples(index=False), 1)]


def closest_table(df: pd.DataFrame, body_id: str) -> html.Table:
    return table(CLOSEST_HEADERS, closest_rows(df), body_id, "closest-table")


def veto_kpi_item(k: VetoKpis) -> KpiItem:
    """The 否决风险网站 tile: "breached/at risk/short of data"; red when any breach, amber when any risk,
    grey when no site was ever inspected or some site's verdict waits for data (never green then),
    green when some site was judged and every verdict is in and clear."""
    status = ("down" if k.vetoed else "degraded" if k.at_risk else
              "unknown" if k.sites_judged == 0 or k.insufficient else "up")
    return KpiItem("veto", TI.KPI_VETO, f"{k.vetoed}/{k.at_risk}/{k.insufficient}", TI.KPI_VETO_UNIT, status,
                   note=TI.PROVISIONAL if k.provisional else None)
