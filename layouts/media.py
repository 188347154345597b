"""New-media wall components built from data (no queries): KPI tiles, per-platform tiles, the issue table.

Frames (dashboard/media_data.py): ``accounts`` — key, platform, platform_label, name, organizer, node_code,
city_code, verdict (ok/veto/not_judged/not_collected), days_left (soonest early warning, None), age_s (seconds
since the account's data was collected, None: never), stale (bool); ``issues`` — key, platform_label, name,
organizer, rule, status (veto/warning/not_judged/not_collected), detail, days_left, age_s, stale, since_s
(seconds since the veto or warning was first recorded as a finding; None: not recorded yet, or not one).
A stale row is greyed with its age; an account never collected is 未采集, never 合格.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from core.i18n import media as M
from core.i18n.common import PLATFORM
from core.i18n.walls import T
from layouts.components import KpiItem, missing, require_columns, table

ACCOUNT_NEEDS = ("platform", "verdict", "days_left")
ISSUE_NEEDS = ("platform_label", "name", "organizer", "rule", "status", "detail", "days_left", "age_s", "stale")
ISSUE_HEADERS = [M.WALL_COLUMNS[k]
                 for k in ("platform", "name", "organizer", "rule", "verdict", "days_left", "since", "age")]
STATUS_ORDER = {"veto": 0, "warning": 1, "not_judged": 2, "not_collected": 3}
STATUS_TEXT = {"veto": M.VERDICT["veto"], "warning": M.VERDICT["warning"], "not_judged": M.WALL_NOT_JUDGED,
               "not_collected": M.VERDICT["not_collected"]}
BADGE = {"veto": "down", "warning": "slow", "not_judged": "stale", "not_collected": "unknown"}


def media_age(seconds: Any) -> str:
    """"3 分钟前" / "5 小时前" / "2 天前"; "—" when never collected."""
    if missing(seconds):
        return T.DASH
    s = max(0.0, float(seconds))
    if s < 120:
        return M.AGE_SECONDS.format(n=f"{s:.0f}")
    if s < 7200:
        return M.AGE_MINUTES.format(n=f"{s / 60:.0f}")
    if s < 48 * 3600:
        return M.AGE_HOURS.format(n=f"{s / 3600:.0f}")
    return M.AGE_DAYS.format(n=f"{s / 86400:.0f}")


def held_for(seconds: Any) -> str:
    """How long a veto or warning has held: "40 分钟" / "5 小时" / "3 天"; "—" when not recorded."""
    if missing(seconds):
        return T.DASH
    s = max(0.0, float(seconds))
    if s < 3600:
        return M.HELD_MINUTES.format(n=f"{s // 60:.0f}")
    if s < 48 * 3600:
        return M.HELD_HOURS.format(n=f"{s // 3600:.0f}")
    return M.HELD_DAYS.format(n=f"{s // 86400:.0f}")


def media_kpi_items(accounts: pd.DataFrame) -> list[KpiItem]:
    """登记账号, 单项否决, 即将否决 (an early warning, no veto yet), 未采集 — counts of accounts."""
    require_columns(accounts, ACCOUNT_NEEDS, "media accounts")
    total = len(accounts)
    vetoes = int((accounts["verdict"] == "veto").sum())
    at_risk = int(((accounts["verdict"] != "veto") & accounts["days_left"].notna()).sum())
    uncollected = int((accounts["verdict"] == "not_collected").sum())
    calm = "up" if total else "unknown"
    return [
        KpiItem("accounts", M.WALL_ACCOUNTS, str(total), M.WALL_UNIT, calm),
        KpiItem("vetoes", M.WALL_VETOES, str(vetoes), M.WALL_UNIT, "down" if vetoes else calm),
        KpiItem("at_risk", M.WALL_AT_RISK, str(at_risk), M.WALL_UNIT, "slow" if at_risk else calm),
        KpiItem("uncollected", M.WALL_NOT_COLLECTED, str(uncollected), M.WALL_UNIT, "stale" if uncollected else "up"),
    ]


def platform_tiles(accounts: pd.DataFrame) -> html.Div:
    """One tile per platform (in the registry's order): its account count and, in red, its vetoes."""
    require_columns(accounts, ACCOUNT_NEEDS, "media accounts")
    tiles = []
    for platform, label in PLATFORM.items():
        mine = accounts[accounts["platform"] == platform]
        if mine.empty:
            continue
        vetoes = int((mine["verdict"] == "veto").sum())
        tiles.append(html.Div(className="media-platform", id={"type": "media-platform", "key": platform}, children=[
            html.Div(label, className="media-platform-label"),
            html.Div([html.Span(str(len(mine)), className="media-platform-count"),
                      html.Span(M.WALL_UNIT, className="media-platform-unit")]),
            html.Div(f"{M.WALL_VETOES} {vetoes}", className="media-platform-veto" + (" has-veto" if vetoes else "")),
        ]))
    return html.Div(tiles, className="media-platforms", id="media-platforms")


def issue_rows(issues: pd.DataFrame) -> list[html.Tr]:
    """Vetoes first, then early warnings by days left, then what cannot be judged; stale rows greyed with age."""
    require_columns(issues, ISSUE_NEEDS, "media issues")
    if issues.empty:
        return [html.Tr(html.Td(M.WALL_NO_RISK, colSpan=len(ISSUE_HEADERS), className="empty"))]
    ordered = issues.assign(_o=issues["status"].map(STATUS_ORDER), _d=issues["days_left"].fillna(10**6))
    rows = []
    for r in ordered.sort_values(["_o", "_d", "name"]).itertuples(index=False):
        stale = bool(r.stale)
        age = media_age(r.age_s)
        rows.append(html.Tr(className="row-stale" if stale else f"row-{r.status}", title=str(r.detail), children=[
            html.Td(r.platform_label), html.Td(r.name), html.Td(r.organizer or T.DASH),
            html.Td(M.RULE.get(r.rule, T.DASH)),
            html.Td(html.Span(STATUS_TEXT[r.status], className=f"badge badge-{BADGE[r.status]}")),
            html.Td(T.DASH if missing(r.days_left) else M.WALL_DAYS_LEFT.format(days=int(r.days_left)),
                    className="media-days"),
            html.Td(held_for(getattr(r, "since_s", None)), className="media-since"),
            html.Td(M.WALL_STALE.format(age=age.removesuffix("前")) if stale else age),  # 数据已 3 天 未更新
        ]))
    return rows


def issues_table(issues: pd.DataFrame, body_id: str) -> html.Table:
    return table(ISSUE_HEADERS, issue_rows(issues), body_id, "media-issues")
