"""The 平台服务 wall's components built from the service frame (no queries): per-kind cards, tiles and the table.

The frame is dashboard/service_data.py's (columns in layouts/frames.py). A service without fresh data reads
未知 in grey with its age, never 正常; a figure is shown only when the data layer passed a value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from dash import html

from core.i18n.services import KIND_LABELS, SERVICE_STATUS, W
from layouts.components import KpiItem, format_age, missing, require_columns, table
from layouts.hosts import format_bytes

SERVICE_KINDS_ORDER = ("postgresql", "mysql", "redis", "nginx", "http", "tcp")
HEADERS = [W["col_name"], W["col_kind"], W["col_node"], W["col_status"], W["col_figures"], W["col_last"]]
_COLUMNS = ("name", "kind", "node_name", "city_name", "status", "last_seen", "reason", "figures", "origin_name")
_BADGE = {"up": "up", "down": "down", "stale": "stale", "unknown": "unknown"}


def _age_s(last: Any, now: datetime | None) -> float | None:
    if now is None or last is None or pd.isna(last):  # NaT is a datetime too
        return None
    return (now - pd.Timestamp(last).to_pydatetime()).total_seconds()


def format_figure(label: str, value: float | None, unit: str) -> str:
    """"连接数占上限比例 12.5%" / "已用内存 1.2 GB" / "应答耗时 35 ms"; the value "—" when not known."""
    if missing(value):
        return f"{label} —"
    v = float(value)  # type: ignore[arg-type]
    if unit == "B":
        return f"{label} {format_bytes(v)}"
    if unit == "%":
        return f"{label} {v:.1f}%"
    text = f"{v:.0f}" if v.is_integer() or abs(v) >= 100 else f"{v:.2f}".rstrip("0").rstrip(".")
    return f"{label} {text}{' ' + unit if unit else ''}"


def status_badge(status: str, note: str | None = None) -> html.Span:
    known = status if status in SERVICE_STATUS else "unknown"
    text = f"{SERVICE_STATUS[known]}（{note}）" if note else SERVICE_STATUS[known]
    return html.Span(text, className=f"badge badge-{_BADGE[known]}")


def _note(status: str, reason: Any, age_s: float | None) -> str | None:
    if status == "down" and isinstance(reason, str) and reason:
        return reason
    if status == "stale":
        return W["stale_note"].format(age=format_age(age_s))
    if status == "unknown":
        return W["never"]
    return None


def service_rows(df: pd.DataFrame, now: datetime | None = None) -> list[html.Tr]:
    """One row per service, in the frame's order (problems first)."""
    require_columns(df, _COLUMNS, "services")
    if df.empty:
        return [html.Tr(html.Td(W["no_services"], colSpan=len(HEADERS), className="empty"))]
    rows = []
    for r in df.itertuples(index=False):
        age = _age_s(r.last_seen, now)
        node: list[Any] = [r.node_name if r.node_name == r.city_name else f"{r.city_name} · {r.node_name}"]
        if isinstance(r.origin_name, str) and r.origin_name:  # collected by a federated city's node
            node.append(html.Span(W["origin"].format(node=r.origin_name), className="service-origin"))
        figures = [html.Span(format_figure(*f), className="service-figure") for f in (r.figures or [])]
        rows.append(html.Tr(className=f"row-{r.status}", children=[
            html.Td(r.name, className="service-name"), html.Td(KIND_LABELS.get(r.kind, r.kind)), html.Td(node),
            html.Td(status_badge(r.status, _note(r.status, r.reason, age))),
            html.Td(figures, className="service-figures"), html.Td(format_age(age)),
        ]))
    return rows


def services_table(df: pd.DataFrame, body_id: str, now: datetime | None = None) -> html.Table:
    return table(HEADERS, service_rows(df, now), body_id, "services-table")


def kind_counts(df: pd.DataFrame) -> dict[str, dict[str, int]]:
    """kind → counts of up / down / unknown (stale or never reported) services."""
    require_columns(df, ("kind", "status"), "services")
    out: dict[str, dict[str, int]] = {}
    for kind in SERVICE_KINDS_ORDER:
        part = df[df["kind"] == kind]
        out[kind] = {"total": len(part), "up": int((part["status"] == "up").sum()),
                     "down": int((part["status"] == "down").sum()),
                     "unknown": int(part["status"].isin(["stale", "unknown"]).sum())}
    return out


def kind_cards(df: pd.DataFrame, prefix: str) -> list[html.Div]:
    """One card per service kind: how many are registered and how they are (red when any is down)."""
    cards = []
    for kind, c in kind_counts(df).items():
        status = ("unknown" if c["total"] == 0 else "down" if c["down"] else
                  "stale" if c["unknown"] == c["total"] else "degraded" if c["unknown"] else "up")
        detail = W["card_none"] if c["total"] == 0 else W["card_counts"].format(**c)
        cards.append(html.Div(className=f"service-card kpi kpi-{status}", id={"type": f"{prefix}-card", "key": kind},
                              children=[html.Div(KIND_LABELS[kind], className="kpi-label"),
                                        html.Div([html.Span(f"{c['up']}/{c['total']}", className="kpi-value"),
                                                  html.Span(W["suffix"], className="kpi-unit")],
                                                 className="kpi-body"),
                                        html.Div(detail, className="service-card-detail")]))
    return cards


def service_kpi_items(df: pd.DataFrame) -> list[KpiItem]:
    """Tiles: services up/total, down, unknown. "0 异常" is good news only when some service has fresh data."""
    require_columns(df, ("status",), "services")
    total = len(df)
    up = int((df["status"] == "up").sum())
    down = int((df["status"] == "down").sum())
    unknown = int(df["status"].isin(["stale", "unknown"]).sum())
    fresh = up + down
    up_status = "unknown" if total == 0 else "stale" if fresh == 0 else "up" if up == total else \
        "degraded" if down == 0 else "down"
    return [
        KpiItem("up", W["kpi_up"], f"{up}/{total}", W["suffix"], up_status),
        KpiItem("down", W["kpi_down"], str(down), W["suffix"], "down" if down else "up" if fresh else "stale"),
        KpiItem("unknown", W["kpi_unknown"], str(unknown), W["suffix"], "up" if unknown == 0 else "stale"),
    ]
