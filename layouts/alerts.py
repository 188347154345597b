"""Alert components from frames (dashboard/alert_data.py): the wall ticker and city counts, the
console's table, detail, metric chart and MTTA/MTTR table. Pure: no queries, ``now`` passed in.

Severity colours follow the inspection badges (紧急 red, 严重 orange, 一般 amber, 提示 blue); a
firing (unacknowledged) critical alert carries ``alert-hot``, which pulses a red border.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from alerts import summary as S
from alerts.forecast import evidence_text
from alerts.labels import LabelNames
from alerts.summary import Timing
from core.i18n.screens_alerts import (
    ALERT_STATE,
    DELIVERY,
    EVENT_KIND,
    EVENT_NOTE,
    METRIC_AGG,
    NOTIFIER_KIND,
    SEVERITY,
    TA,
)
from core.i18n.security import action_label, actor_label
from layouts import theme
from layouts.charts import add_live, split_live
from layouts.components import format_age, missing
from layouts.impact import affected_sites_fact
from tsdb.catalogue import CATALOGUE

SEVERITY_COLORS = {"critical": theme.RED, "high": "#fb923c", "medium": theme.AMBER, "low": theme.ACCENT}
LIST_REQUIRED = ("id", "severity", "state", "city_name", "site_name", "summary", "fired_at", "assigned_to",
                 "acknowledged_by")


def _require(df: pd.DataFrame, cols: tuple[str, ...] | list[str], what: str) -> None:
    lost = [c for c in cols if c not in df.columns]
    if lost:
        raise ValueError(f"{what}: frame lacks column(s) {', '.join(lost)}")


def is_hot(severity: str, state: str) -> bool:
    """An unacknowledged critical alert: the wall makes it stand out."""
    return severity == "critical" and state == "firing"


def severity_badge(severity: str) -> html.Span:
    known = severity if severity in SEVERITY else "unknown"
    return html.Span(SEVERITY.get(severity, TA.NONE), className=f"badge badge-sev-{known}")


def state_badge(state: str) -> html.Span:
    return html.Span(ALERT_STATE.get(state, state), className=f"badge badge-alert-{state}")


def _time(t: Any) -> datetime | None:
    return None if t is None or missing(t) or pd.isna(t) else pd.Timestamp(t).to_pydatetime()


def timing(row: Mapping[str, Any]) -> Timing:
    """The alert's timing from a :data:`dashboard.alert_data.ALERT_COLUMNS` row (a dict or a named tuple)."""
    get = row.get if isinstance(row, Mapping) else (lambda k, d=None: getattr(row, k, d))
    value = get("value")
    return Timing(str(get("state", "")), _time(get("started_at")), _time(get("fired_at")), _time(get("resolved_at")),
                  _time(get("last_eval_at")), None if value is None or pd.isna(value) else float(value))


def summary_at(row: Any, now: datetime) -> str:
    """The alert's text at ``now``: computed placeholders (durations, days left) from its own timestamps."""
    get = row.get if isinstance(row, Mapping) else (lambda k, d=None: getattr(row, k, d))
    facts = get("facts")
    return S.shown(str(get("summary", "") or ""), facts if isinstance(facts, Mapping) else None, timing(row), now)


def _says_duration(row: Any) -> bool:
    """The alert's own text already tells how long (its template has ``{duration}``)."""
    facts = row.get("facts") if isinstance(row, Mapping) else getattr(row, "facts", None)
    return isinstance(facts, Mapping) and "{duration}" in str(facts.get("template", ""))


def elapsed_text(row: Any, now: datetime) -> str:
    """How long the alert's condition has held (``15 分钟``, ``2 分钟（待触发）``), computed at ``now``."""
    return S.elapsed(timing(row), now)


def fmt_time(t: Any, now: datetime) -> str:
    """``MM-DD HH:MM:SS`` in the zone of ``now`` (the wall's), "—" when missing."""
    if t is None or missing(t) or pd.isna(t):
        return format_age(None)
    return pd.Timestamp(t).tz_convert(now.tzinfo).strftime("%m-%d %H:%M:%S")


def ticker_items(alerts: pd.DataFrame, now: datetime) -> list[Any]:
    """One item per alert (severity word, place, summary, age), each a link to it in the on-call console
    (/alerts?alert=N), so an operator at the wall gets to acknowledge in one click; a "no alerts" item when
    empty."""
    _require(alerts, LIST_REQUIRED, "ticker_items")
    if alerts.empty:
        return [html.Span(TA.TICKER_EMPTY, className="ticker-item ticker-empty")]
    out = []
    for r in alerts.itertuples(index=False):
        hot = " alert-hot" if is_hot(r.severity, r.state) else ""
        place = r.site_name or r.city_name
        out.append(dcc.Link(href=f"/alerts?alert={int(r.id)}", className=f"ticker-item sev-{r.severity}{hot}",
                            children=[
            html.B(SEVERITY.get(r.severity, r.severity), className="ticker-sev"),
            html.Span(place, className="ticker-place"), html.Span(summary_at(r, now), className="ticker-summary"),
            *([] if _says_duration(r) else [html.Span(TA.TICKER_ELAPSED.format(span=elapsed_text(r, now)),
                                                      className="ticker-age")]),
            *([html.Span(TA.UNACKED, className="ticker-unacked")] if hot else [])]))
    return out


def ticker_class(alerts: pd.DataFrame) -> str:
    """The ticker strip's class: ``alert-strip-hot`` while any critical alert is unacknowledged."""
    hot = any(is_hot(s, st) for s, st in zip(alerts.get("severity", []), alerts.get("state", []), strict=True))
    return "alert-strip alert-strip-hot" if hot else "alert-strip"


def city_count_rows(counts: pd.DataFrame, limit: int = 8) -> list[html.Div]:
    """The map's alert panel: one row per city with open alerts (worst first), coloured by worst severity."""
    _require(counts, ["city_code", "city_name", "total", "critical", "unacked_critical", "worst"], "city_count_rows")
    if counts.empty:
        return [html.Div(TA.COUNTS_EMPTY, className="alert-count-empty")]
    rows = []
    for r in counts.head(limit).itertuples(index=False):
        hot = " alert-hot" if r.unacked_critical else ""
        rows.append(html.Div(className=f"alert-count sev-{r.worst}{hot}", children=[
            html.Span(r.city_name, className="alert-count-city"),
            html.Span(str(r.total), className="alert-count-total"),
            html.Span(f"{SEVERITY['critical']} {r.critical}" if r.critical else "", className="alert-count-crit")]))
    return rows


def alert_rows(alerts: pd.DataFrame, now: datetime, selected: int | None = None) -> list[html.Tr]:
    """The console table body; each row is clickable (id ``{"type": "alerts-row", "id": n}``)."""
    _require(alerts, LIST_REQUIRED, "alert_rows")
    if alerts.empty:
        return [html.Tr(html.Td(TA.LIST_EMPTY, colSpan=len(TA.LIST_COLUMNS), className="empty"))]
    out = []
    for r in alerts.itertuples(index=False):
        source = source_id(r)
        cls = "alert-row" + (" alert-hot-row" if is_hot(r.severity, r.state) and source is None else "") + (
            " alert-dependant" if source is not None else "") + (" selected" if selected == r.id else "")
        who = r.assigned_to or r.acknowledged_by or TA.NONE
        text = summary_at(r, now)
        summary_cell: list[Any] = [text]
        if source is not None:
            summary_cell.insert(0, html.Span(TA.DEPENDANT_OF.format(id=source), className="alert-dependant-tag"))
        listed = getattr(r, "dependants", ())
        deps = len(listed) if isinstance(listed, tuple | list) else 0
        if deps:
            summary_cell.append(html.Span(TA.HAS_DEPENDANTS.format(n=deps), className="alert-dependants-tag"))
        out.append(html.Tr(id={"type": "alerts-row", "id": int(r.id)}, className=cls, n_clicks=0, children=[
            html.Td(f"#{r.id}"), html.Td(severity_badge(r.severity)), html.Td(state_badge(r.state)),
            html.Td(r.city_name), html.Td(r.site_name or TA.NONE), html.Td(summary_cell, title=text),
            html.Td(elapsed_text(r, now), className="alert-elapsed"), html.Td(who)]))
    return out


def source_id(row: Any) -> int | None:
    """The top-level alert a row is a dependant of (``inhibited_by``), or None."""
    v = row.get("inhibited_by") if isinstance(row, Mapping) else getattr(row, "inhibited_by", None)
    return None if v is None or missing(v) or pd.isna(v) else int(v)


def alert_table(rows: list[html.Tr], body_id: str) -> html.Table:
    return html.Table(className="wall-table alerts-table", children=[
        html.Thead(html.Tr([html.Th(h) for h in TA.LIST_COLUMNS])), html.Tbody(rows, id=body_id)])


def assignee_options(users: pd.DataFrame) -> list[dict[str, str]]:
    """The assign picker's options, "姓名（用户名）· 角色" → user name, in the frame's order."""
    _require(users, ["username", "display_name", "role_label"], "assignee_options")
    return [{"label": TA.ASSIGNEE_OPTION.format(name=r.display_name, user=r.username, role=r.role_label),
             "value": r.username} for r in users.itertuples(index=False)]


def read_only_note(role_label: str | None) -> str:
    """Why the console is read-only: the user's role when logged in (``role_label``), else the login hint."""
    return TA.READ_ONLY_ROLE.format(role=role_label) if role_label else TA.READ_ONLY


def _fact(label: str, value: Any) -> html.Div:
    return html.Div([html.Span(label, className="fact-label"), html.Span(value, className="fact-value")],
                    className="fact")


def _alert_ref(a: Mapping[str, Any]) -> dcc.Link:
    """Another alert by its number and text (never its rule's code), a link to it."""
    return dcc.Link(TA.ALERT_REF.format(id=a["id"], summary=a["summary"]), href=f"/alerts?alert={int(a['id'])}",
                    className="alert-ref")


def rule_title(row: Any, now: datetime) -> str:
    """The alert's rule by its Chinese title (kept in the alert's facts at evaluation); the alert's text when
    the rule has none (an older alert, a rule without ``title``)."""
    get = row.get if isinstance(row, Mapping) else (lambda k, d=None: getattr(row, k, d))
    facts = get("facts")
    title = facts.get("title") if isinstance(facts, Mapping) else None
    return str(title) if title else summary_at(row, now)


def label_text(labels: Mapping[str, str], names: LabelNames | None = None) -> str:
    """The alert's labels in Chinese, "网站 芙蓉区人民政府门户网站，检查项 网页篡改与暗链"; "暂无" when none."""
    items = (names or LabelNames()).items(labels)
    return TA.LABEL_SEP.join(TA.LABEL_ITEM.format(key=k, value=v) for k, v in items) or TA.NONE


def detail_facts(row: Mapping[str, Any], labels: Mapping[str, str], now: datetime, resolve_reason: str = "",
                 source: Mapping[str, Any] | None = None, dependants: Sequence[Mapping[str, Any]] = (),
                 names: LabelNames | None = None, affected: Sequence[tuple[str, str]] | None = None) -> html.Div:
    """The selected alert's facts: rule (its Chinese title), severity, state, place, times, who, labels (in
    Chinese, ``names``), and how it belongs to a problem: the alert it depends on (被 #N 抑制) or the alerts
    listed under it. A forecast rule's alert says what its forecast stood on; a host or service alert lists
    ``affected`` (site code, name): the sites its fault affects, computed when shown (None: not such an alert)."""
    facts = [_fact(TA.F_RULE, rule_title(row, now)), _fact(TA.F_SEVERITY, severity_badge(row["severity"])),
             _fact(TA.F_STATE, state_badge(row["state"])), _fact(TA.F_CITY, row["city_name"]),
             _fact(TA.F_SITE, row["site_name"] or TA.NONE),
             _fact(TA.F_STARTED, fmt_time(row.get("started_at"), now)),
             _fact(TA.F_FIRED, TA.NOT_YET if _time(row.get("fired_at")) is None else fmt_time(row["fired_at"], now)),
             _fact(TA.F_DURATION, S.duration(timing(row), now)),
             _fact(TA.F_ACK, row["acknowledged_by"] or TA.NONE), _fact(TA.F_ASSIGNEE, row["assigned_to"] or TA.NONE),
             _fact(TA.F_LABELS, label_text(labels, names))]
    raw_facts = row.get("facts")
    kept: Mapping[str, Any] = raw_facts if isinstance(raw_facts, Mapping) else {}
    if kept.get("coverage"):  # a window rule: how much data its verdict rests on
        coverage = str(kept["coverage"])
        if kept.get("undecided") and row["state"] in S.OPEN:  # too little data now: the last verdict is kept
            coverage = TA.COVERAGE_UNDECIDED.format(coverage=coverage,
                                                    state=ALERT_STATE.get(row["state"], row["state"]))
        facts.append(_fact(TA.F_COVERAGE, coverage))
    if kept.get("limit_s") is not None:  # an absence rule: the silence allowed for this series
        facts.append(_fact(TA.F_LIMIT, S.span(float(kept["limit_s"]))))
    if kept.get("forecast"):  # a forecast rule: the trend it extrapolated, or how much data it still lacks
        basis = evidence_text(kept)
        if kept.get("undecided") and row["state"] in S.OPEN:  # too little data now: the last verdict is kept
            basis = TA.COVERAGE_UNDECIDED.format(coverage=basis, state=ALERT_STATE.get(row["state"], row["state"]))
        facts.append(_fact(TA.F_FORECAST, basis))
    if affected is not None:
        facts.append(affected_sites_fact(affected))
    if resolve_reason:
        facts.append(_fact(TA.F_REASON, resolve_reason))
    if source is not None:
        facts.append(_fact(TA.F_SOURCE, [TA.SOURCE_NOTE, _alert_ref(source)]))
    if dependants:
        facts.append(_fact(TA.F_DEPENDANTS.format(n=len(dependants)),
                           html.Ul([html.Li(_alert_ref(d)) for d in dependants], className="alert-dependants")))
    return html.Div([html.Div(summary_at(row, now), className="alert-summary"), html.Div(facts, className="facts")])


def _small_table(cls: str, headers: tuple[str, ...], rows: list[list[Any]]) -> html.Table:
    body = [html.Tr([html.Td(c) for c in r]) for r in rows] or [
        html.Tr(html.Td(TA.NONE, colSpan=len(headers), className="empty"))]
    return html.Table(className=f"wall-table small-table {cls}", children=[
        html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(body)])


def events_table(events: pd.DataFrame, now: datetime) -> html.Table:
    """处置记录: the engine's reasons (``for_elapsed`` …) and the actor ``system`` in Chinese; an operator's
    note as written."""
    _require(events, ["at", "kind", "actor", "from_state", "to_state", "note"], "events_table")
    rows = [[fmt_time(e.at, now), EVENT_KIND.get(e.kind, e.kind), actor_label(e.actor),
             f"{ALERT_STATE.get(e.from_state, e.from_state)} → {ALERT_STATE.get(e.to_state, e.to_state)}"
             if e.from_state != e.to_state else ALERT_STATE.get(e.to_state, e.to_state),
             EVENT_NOTE.get(e.note, e.note) if e.kind == "state" else e.note]
            for e in events.itertuples(index=False)]
    return _small_table("events-table", TA.EVENTS_COLUMNS, rows)


def notifications_table(notes: pd.DataFrame, now: datetime) -> html.Table:
    _require(notes, ["created_at", "receiver", "notifier", "recipient", "status", "attempts", "detail"],
             "notifications_table")
    rows = [[fmt_time(n.created_at, now), n.receiver, NOTIFIER_KIND.get(n.notifier, n.notifier),
             n.recipient or TA.NONE,
             html.Span(DELIVERY.get(n.status, n.status), className=f"delivery delivery-{n.status}"),
             str(n.attempts), n.detail] for n in notes.itertuples(index=False)]
    return _small_table("notify-table", TA.NOTIFY_COLUMNS, rows)


def audit_table(audit: pd.DataFrame, now: datetime) -> html.Table:
    """审计记录: actions and actors by their Chinese names (core/i18n/security.py), as the audit page shows them."""
    _require(audit, ["at", "actor", "action", "summary", "remote_addr"], "audit_table")
    rows = [[fmt_time(a.at, now), actor_label(a.actor), action_label(a.action), a.summary, a.remote_addr or TA.NONE]
            for a in audit.itertuples(index=False)]
    return _small_table("audit-table", TA.AUDIT_COLUMNS, rows)


def metric_title(measurement: str, field: str, agg: str, every: timedelta = timedelta(minutes=5)) -> str:
    """The chart's Chinese title from the metric's declaration (tsdb.catalogue) and its bucket, e.g.
    ``首页加载耗时（每 5 分钟平均，ms）``, ``网站可用（每 1 天平均）``; never the raw ``site_probe.up``."""
    spec = CATALOGUE.find(measurement, field)
    label = spec.label_zh if spec is not None else CATALOGUE.measurement_label(measurement) or TA.METRIC_UNKNOWN
    unit = spec.unit if spec is not None and spec.unit else ""
    return METRIC_AGG.get(agg, METRIC_AGG["avg"]).format(label=label, unit=f"，{unit}" if unit else "",
                                                         every=S.span(every.total_seconds()))


def metric_figure(series: pd.DataFrame, fired_at: datetime | None, title: str, now: datetime) -> go.Figure:
    """The metric line around the firing time with a vertical marker at it; an annotation when empty.
    ``partial`` rows (the running bucket) are drawn apart as 统计中."""
    _require(series, ["time", "value"], "metric_figure")
    fig = go.Figure(layout=theme.base_layout(margin={"l": 72, "r": 16, "t": 28, "b": 36},
                                             xaxis=dict(theme.AXIS),
                                             yaxis=dict(theme.AXIS, title={"text": title, "font": {"size": 14}})))
    if series.empty:
        fig.add_annotation(text=TA.CHART_NONE, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                           font={"size": 20, "color": theme.MUTED})
        fig.update_xaxes(visible=False)  # bare -1..6 axes would read as data
        fig.update_yaxes(visible=False)
        return fig
    series = series.assign(time=pd.to_datetime(series["time"], utc=True).dt.tz_convert(now.tzinfo))
    done, live = split_live(series)
    fig.add_trace(go.Scatter(x=done["time"], y=done["value"], mode="lines+markers", line={"color": theme.ACCENT},
                             marker={"size": 5}, name=title))
    add_live(fig, done, live, "value", theme.ACCENT, ".4g")
    if fired_at is not None:
        x = pd.Timestamp(fired_at).tz_convert(now.tzinfo)
        fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", line={"color": theme.RED, "dash": "dot"})
        fig.add_annotation(x=x, y=1, yref="paper", text=TA.CHART_FIRED, showarrow=False, yanchor="bottom",
                           font={"color": theme.RED, "size": 14})
    return fig


def format_span(seconds: float | None) -> str:
    """"12 分钟" / "3.5 小时" / "—"."""
    if seconds is None or missing(seconds):
        return format_age(None)
    if seconds < 3600:
        return f"{seconds / 60:.0f} 分钟"
    return f"{seconds / 3600:.1f} 小时"


def history_rows(stats: pd.DataFrame) -> list[html.Tr]:
    """The MTTA/MTTR table body from :func:`dashboard.alert_data.mtta_mttr`."""
    _require(stats, ["city_name", "fired", "acked", "resolved", "mtta_s", "mttr_s"], "history_rows")
    if stats.empty:
        return [html.Tr(html.Td(TA.HISTORY_EMPTY, colSpan=len(TA.HISTORY_COLUMNS), className="empty"))]
    return [html.Tr([html.Td(r.city_name), html.Td(str(r.fired)), html.Td(str(r.acked)), html.Td(str(r.resolved)),
                     html.Td(format_span(r.mtta_s)), html.Td(format_span(r.mttr_s))])
            for r in stats.itertuples(index=False)]
