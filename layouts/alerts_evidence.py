"""The evidence behind a finding-rule alert, for the console's detail: pure builders from a findings frame.

A defacement or content alert is judged by what the inspection found, so its detail shows the findings
(kind, severity, location, first and last seen) with their evidence — the snippet, the offending element,
the domain — rather than an unrelated metric chart. The evidence is worded by inspection/evidence.py, the
same words the site page uses, times in the zone of ``now`` (web.timezone); this module only lays it out.
It knows nothing about where the frame came from (dashboard/alert_data.py ``alert_findings``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
from dash import html

from core.i18n.screens_alerts import FINDING_KIND, SEVERITY, TA
from inspection.evidence import evidence_full, evidence_lines

FINDING_COLUMNS = ["id", "check", "kind", "severity", "location", "detail", "evidence", "first_seen", "last_seen",
                   "resolved_at"]


def _time(t: Any, now: datetime) -> str:
    if t is None or (not isinstance(t, datetime) and pd.isna(t)):
        return TA.NONE
    return pd.Timestamp(t).tz_convert(now.tzinfo).strftime("%m-%d %H:%M")


def _location(url: str) -> html.Span | html.A:
    """A finding's location: a link when it is a web address, else plain text (it is page content)."""
    if url.startswith(("http://", "https://")):
        return html.A(url, href=url, target="_blank", rel="noopener noreferrer", className="alert-finding-location")
    return html.Span(url, className="alert-finding-location")


def findings_panel(findings: pd.DataFrame, now: datetime) -> html.Div:
    """One block per finding: kind and severity, location, what was found, its evidence (inspection/evidence.py,
    the short form, the whole of it on hover), when seen."""
    lost = [c for c in FINDING_COLUMNS if c not in findings.columns]
    if lost:
        raise ValueError(f"findings_panel: frame lacks column(s) {', '.join(lost)}")
    if findings.empty:
        return html.Div(TA.FINDINGS_NONE, className="muted alert-findings-empty")
    blocks = []
    for f in findings.to_dict("records"):
        sev = str(f["severity"])
        evidence = f["evidence"] if isinstance(f["evidence"], dict) else None
        tz = now.tzinfo or UTC
        lines = evidence_lines(evidence, tz=tz, full=False)
        pairs = [x for ln in lines for x in (html.Dt(ln.label), html.Dd(ln.text, className="evidence-value"))]
        state = TA.FINDING_OPEN if f["resolved_at"] is None or pd.isna(f["resolved_at"]) else \
            TA.FINDING_RESOLVED.format(at=_time(f["resolved_at"], now))
        blocks.append(html.Div(className="alert-finding", children=[
            html.Div(className="alert-finding-head", children=[
                html.Span(SEVERITY.get(sev, sev), className=f"badge badge-sev-{sev}"),
                html.B(FINDING_KIND.get(str(f["kind"]), str(f["kind"])), className="alert-finding-kind"),
                html.Span(state, className="alert-finding-state")]),
            html.Div(str(f["detail"]), className="alert-finding-detail"),
            html.Div([html.Span(TA.FINDING_LOCATION, className="fact-label"), _location(str(f["location"]))],
                     className="alert-finding-line"),
            html.Dl(pairs, className="alert-evidence", title=evidence_full(evidence, tz=tz) or None),
            html.Div(TA.FINDING_SEEN.format(first=_time(f["first_seen"], now), last=_time(f["last_seen"], now)),
                     className="alert-finding-seen muted")]))
    return html.Div(blocks, className="alert-findings")
