"""Components of the rules page (告警规则) from a rules snapshot and a rule frame (dashboard/rules_data.py).

Pure: no file or database access; times are shown in the zone passed in. Each rule's condition is
spelled out in Chinese with the raw keys beside it (metric, aggregation, window, comparison and
threshold; ``for`` and keep-firing), so an operator can match the page against the YAML file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

import pandas as pd
from dash import html

from alerts.evaluate import COLLECTOR_HEALTH, COLLECTOR_INTERVAL
from core.i18n.screens_rules import (
    AGG,
    FINDING_KIND,
    KIND,
    LABEL_NAME,
    MEDIA_CHECK,
    OP,
    SEVERITY,
    STATE_NOTE,
    SUMMARY_FACT,
    TR,
)
from inspection.catalog import CHECK_LABEL
from tsdb.catalogue import CATALOGUE

if TYPE_CHECKING:
    from alerts.rule_dir import FileVersion
    from layouts.frames import RuleFileView, RulesSnapshot

_PLACEHOLDER = re.compile(r"\{(?:labels|names)\[([A-Za-z0-9_]+)\]\}|\{value(?:[:!][^}]*)?\}"
                          r"|\{([a-z_]+)(?:[:!][^}]*)?\}")
BAD_STATES = ("kept", "rejected", "empty", "empty_kept")


def format_span(seconds: float) -> str:
    """``"7 天"``, ``"1 小时 30 分钟"``, ``"90 秒"`` → ``"1 分钟 30 秒"``; ``"—"`` for zero."""
    s = round(seconds)
    if s <= 0:
        return TR.NONE
    parts = []
    for size, unit in ((86400, TR.DAY), (3600, TR.HOUR), (60, TR.MINUTE), (1, TR.SECOND)):
        if s >= size:
            parts.append(f"{s // size} {unit}")
            s %= size
    return " ".join(parts)


def format_value(v: float) -> str:
    """A threshold without a needless ``.0``."""
    return f"{v:g}"


def metric_text(measurement: str, field: str) -> str:
    """``"首页加载耗时（site_probe.latency_ms）"`` from the collector's declaration when there is one."""
    spec = CATALOGUE.find(measurement, field)
    label = spec.label_zh if spec is not None else f"{CATALOGUE.measurement_label(measurement) or measurement} {field}"
    return TR.METRIC.format(label=label, key=f"{measurement}.{field}")


def _unit(measurement: str, field: str) -> str:
    spec = CATALOGUE.find(measurement, field)
    return f" {spec.unit}" if spec is not None and spec.unit and spec.unit not in ("B", "s") else ""


def _labelled(names: Any, labels: Mapping[str, str]) -> str:
    return TR.LIST_SEP.join(f"{labels.get(n, n)}（{n}）" if n in labels else str(n) for n in names)


def condition_text(row: Mapping[str, Any]) -> str:
    """The rule's condition in Chinese with the raw keys, e.g.
    ``首页加载耗时（site_probe.latency_ms）近 10 分钟平均值 大于（>）8000 ms``."""
    kind = row["kind"]
    if kind == "finding":
        parts = [TR.FINDING.format(checks=_labelled(row["checks"], {**MEDIA_CHECK, **dict(CHECK_LABEL)}))]
        if len(row["kinds"]):
            parts.append(TR.FINDING_KINDS.format(kinds=_labelled(row["kinds"], FINDING_KIND)))
        if row["min_severity"]:
            parts.append(TR.FINDING_MIN.format(severity=SEVERITY.get(row["min_severity"], row["min_severity"])))
        if row["deadline_days"] is not None and not pd.isna(row["deadline_days"]):
            parts.append(TR.FINDING_DEADLINE.format(days=int(row["deadline_days"])))
        return TR.SEP.join(parts)
    metric = metric_text(row["measurement"], row["field"])
    if kind == "absence":
        return absence_text(row, metric)
    if kind == "forecast":
        return forecast_text(row, metric)
    op, sym = OP.get(row["op"], row["op"]), row["op"]
    if kind == "ratio":
        value = f"{format_value(row['value'])}（{row['value']:.0%}）" if 0 <= row["value"] <= 1 else format_value(
            row["value"])
        return TR.RATIO.format(metric=metric, window=format_span(row["window_s"]), op=op, sym=sym, value=value,
                               what=TR.RATIO_INVERT if row["invert"] else TR.RATIO_PLAIN) + data_minimum_text(row)
    return TR.THRESHOLD.format(metric=metric, window=format_span(row["window_s"]), agg=AGG.get(row["agg"], row["agg"]),
                               op=op, sym=sym,
                               value=format_value(row["value"]) + _unit(row["measurement"], row["field"])
                               ) + data_minimum_text(row)


def forecast_text(row: Mapping[str, Any], metric: str) -> str:
    """A forecast rule: the trend window, the limit (a number with its unit or a field) and the data minimum."""
    field = row.get("limit_field") or ""
    limit = TR.FORECAST_LIMIT_FIELD.format(field=field) if field else \
        format_value(row["limit"]) + _unit(row["measurement"], row["field"])
    reach = TR.FORECAST_DOWN if row.get("direction") == "down" else TR.FORECAST_UP
    return TR.FORECAST.format(metric=metric, window=format_span(row["window_s"]), within=format_span(row["within_s"]),
                              reach=reach, limit=limit) + TR.SEP + TR.FORECAST_DATA.format(
        n=int(row["min_points"]), span=format_span(row["min_span_s"]))


def data_minimum_text(row: Mapping[str, Any]) -> str:
    """``；数据要求：近 7 天 每 1 天 至少 20 次监测`` for a window rule with a data minimum, else ``""``."""
    n = row.get("min_samples") or 0
    if not n or pd.isna(n):
        return ""
    per = row.get("min_samples_per_s") or 0
    if per and per < row["window_s"]:
        return TR.SEP + TR.DATA_MIN_PER.format(window=format_span(row["window_s"]), per=format_span(per), n=int(n))
    return TR.SEP + TR.DATA_MIN.format(n=int(n))


def coverage_text(stats: Any) -> str:
    """The data a window rule has now (``dashboard.rules_data.CoverageStats``): 监测中 with how many series
    may be judged and how far the others are; ``""`` for a rule without a data minimum."""
    if stats is None or (isinstance(stats, float) and pd.isna(stats)):
        return ""
    if not stats.sufficient and not stats.short:
        return TR.COVERAGE_NONE
    if not stats.short:
        return TR.COVERAGE_ALL.format(n=stats.sufficient)
    best = stats.best_short.progress() if stats.best_short is not None else TR.NONE
    return TR.COVERAGE_SOME.format(ok=stats.sufficient, short=stats.short, best=best)


def absence_text(row: Mapping[str, Any], metric: str) -> str:
    """A fixed limit, or so many of each series' own intervals with the floor and where the interval comes from."""
    if not row.get("absent_intervals"):
        return TR.ABSENCE.format(metric=metric, span=format_span(row["absent_for_s"]))
    if row.get("interval_field"):
        source = TR.INTERVAL_FIELD.format(metric=metric_text(row["measurement"], row["interval_field"]))
    else:
        source = TR.INTERVAL_OF.format(collector=row["interval_of"],
                                       metric=metric_text(COLLECTOR_HEALTH, COLLECTOR_INTERVAL))
    return TR.ABSENCE_INTERVALS.format(metric=metric, n=format_value(row["absent_intervals"]),
                                       span=format_span(row["absent_for_s"]), source=source)


def inhibit_text(rule: Any) -> str:
    """An inhibit rule (alerts.inhibition.InhibitRule) in Chinese with its matchers as written."""
    return TR.INHIBIT.format(source=TR.AND.join(map(str, rule.source)), target=TR.AND.join(map(str, rule.target)),
                             equal=_labelled(rule.equal, LABEL_NAME))


def timing_text(row: Mapping[str, Any]) -> str:
    """``for`` and keep-firing: ``"持续 3 分钟 后触发；恢复后保持 2 分钟"``."""
    first = TR.FOR.format(span=format_span(row["for_s"])) if row["for_s"] > 0 else TR.FOR_NONE
    second = TR.KEEP.format(span=format_span(row["keep_firing_s"])) if row["keep_firing_s"] > 0 else TR.KEEP_NONE
    return f"{first}{TR.SEP}{second}"


def summary_text(template: str, measurement: str = "") -> str:
    """The summary template with its placeholders as readable marks (``〈网站〉``, ``〈值〉``; a detail field of
    ``measurement`` by its declared label, ``〈故障原因〉``)."""
    def mark(m: re.Match[str]) -> str:
        if m.group(1):
            return f"〈{LABEL_NAME.get(m.group(1), m.group(1))}〉"
        if m.group(2):
            label = CATALOGUE.label(measurement, m.group(2))  # a detail may be a field or a text fact
            return SUMMARY_FACT.get(m.group(2)) or (f"〈{label}〉" if label is not None else m.group(0))
        return TR.SUMMARY_VALUE

    return _PLACEHOLDER.sub(mark, template)


def _open_cell(n: int) -> html.Td:
    return html.Td(str(n), className="rules-open val-bad" if n else "rules-open muted")


def rule_rows(df: pd.DataFrame) -> list[html.Tr]:
    """One table row per rule of a rule frame."""
    out = []
    for r in df.to_dict("records"):
        sev = r["severity"]
        out.append(html.Tr(className=f"rules-row rules-sev-{sev}", children=[
            html.Td([html.Div(r["name"], className="rules-name"),
                     *([html.Div(r["title"], className="rules-title")] if r.get("title") else []),
                     html.Div(summary_text(r["summary"], r["measurement"]), className="rules-summary")]),
            html.Td(KIND.get(r["kind"], r["kind"]), className=f"rules-kind rules-kind-{r['kind']}"),
            html.Td(html.Span(SEVERITY.get(sev, sev), className=f"badge badge-sev-{sev}")),
            html.Td([condition_text(r), *([html.Div(cov, className="rules-coverage")]
                                          if (cov := coverage_text(r.get("coverage"))) else [])],
                    className="rules-condition"),
            html.Td(timing_text(r), className="rules-timing"),
            html.Td(" ".join(f"{k}={v}" for k, v in r["labels"].items()) or TR.NONE, className="rules-labels"),
            html.Td(_labelled(r["group_by"], LABEL_NAME) or TR.NONE, className="rules-group"),
            _open_cell(int(r["open"]))]))
    return out


def fmt_time(t: datetime | None, tz: tzinfo | None) -> str:
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if t is not None else TR.FILE_UNREADABLE


def _version(v: FileVersion | None, tz: tzinfo | None) -> list[Any]:
    if v is None:
        return [html.Span(TR.FILE_REMOVED, className="rules-file-removed")]
    return [html.Span(f"{TR.FILE_MTIME} {fmt_time(v.mtime, tz)}", className="rules-mtime"),
            html.Span([f"{TR.FILE_SHA} ", html.Code(v.sha or TR.FILE_UNREADABLE, className="rules-sha")])]


def file_section(view: RuleFileView, rows: pd.DataFrame, tz: tzinfo | None, *, filtered: bool) -> html.Section:
    """One file: name, version, state, its ``FILE:LINE: reason`` errors in red, and its rules in force."""
    broken = bool(view.errors)
    tag = (html.Span(TR.FILE_BROKEN, className="badge rules-tag-broken") if broken
           else html.Span(TR.FILE_IN_FORCE, className="badge rules-tag-ok"))
    head = html.Div(className="rules-file-head", children=[
        html.H2(view.name, className="panel-title rules-file-name"), tag,
        html.Span(className="rules-file-meta", children=[*_version(view.disk, tz),
                                                        html.Span(TR.FILE_RULES.format(n=len(view.rules))),
                                                        *([html.Span(TR.FILE_INHIBITS.format(n=len(view.inhibits)))]
                                                          if view.inhibits else [])])])
    children: list[Any] = [head]
    if view.changed and view.loaded is not None:
        children.append(html.Div(TR.FILE_LOADED.format(mtime=fmt_time(view.loaded.mtime, tz), sha=view.loaded.sha),
                                 className="rules-file-loaded"))
    if broken:
        children.append(html.Ul(className="rules-file-errors", children=[
            html.Li(f"{view.path}:{line}: {reason}", className="rules-file-error") for line, reason in view.errors]))
        if not view.rules:
            children.append(html.Div(TR.FILE_NOT_LOADED, className="muted rules-file-note"))
    if view.rules:
        body = rule_rows(rows) or [html.Tr(html.Td(TR.NO_MATCH if filtered else TR.NO_RULES,
                                                   colSpan=len(TR.COLUMNS), className="empty"))]
        children.append(html.Table(className="wall-table rules-table", children=[
            html.Thead(html.Tr([html.Th(h) for h in TR.COLUMNS])), html.Tbody(body)]))
    if view.inhibits:
        children.append(html.Div(className="rules-inhibits", children=[
            html.H3(TR.INHIBIT_TITLE, className="rules-inhibits-title"),
            html.Ul([html.Li([html.Span(ir.name, className="rules-name"), "：", inhibit_text(ir)],
                             className="rules-inhibit") for ir in view.inhibits])]))
    cls = "panel rules-file" + (" rules-file-broken" if broken else "")
    return html.Section(className=cls, id={"type": "rules-file", "name": view.name}, children=children)


def status_banner(snap: RulesSnapshot) -> html.Div:
    """What the engine does with the files: all loaded, broken (rules kept or none running), or none found."""
    note = STATE_NOTE[snap.state].format(rules=len(snap.in_force), files=len(snap.in_force.files),
                                         directory=snap.directory)
    bad = snap.state in BAD_STATES
    return html.Div(note, id="rules-status", role="alert" if bad else "status",
                    className=f"rules-status rules-status-{snap.state}" + (" rules-status-bad" if bad else ""))


def rules_body(snap: RulesSnapshot, shown: pd.DataFrame, total: int, tz: tzinfo | None, *, filtered: bool,
               scope_note: str) -> list[Any]:
    """The page body: the status banner, the count line and one section per file."""
    sections = [file_section(v, shown[shown["file"] == v.path], tz, filtered=filtered) for v in snap.files]
    return [status_banner(snap),
            html.Div([html.Span(TR.SHOWN.format(shown=len(shown), total=total), id="rules-shown"),
                      html.Span(scope_note, className="muted")], className="rules-countline"),
            *sections,
            html.Div([html.Div(TR.READ_ONLY), html.Div(TR.VERSION_NOTE)], className="footnote rules-footnote")]
