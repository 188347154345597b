"""Components of the yearly report screens (/annual, /annual/site/<code>) from plain rows: the region's table
of reports, and one report's sections with each field's value and origin (missing fields highlighted, hand
entries marked). Pure: no queries; the caller formats times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import dcc, html

from core.i18n.annual import S


def year_table(rows: Sequence[Any], year: int) -> list[html.Tr]:
    """Rows of /annual from dashboard.annual_data.YearRow; the site links to its report of ``year``."""
    if not rows:
        return [html.Tr(html.Td(S.NO_SITES, colSpan=len(S.COLUMNS), className="empty"))]
    out = []
    for r in rows:
        def n(v: int | None) -> str:
            return "—" if v is None else str(v)
        out.append(html.Tr(id=f"annual-row-{r.code}", className=f"annual-row annual-{r.state_key or 'none'}",
                           children=[
            html.Td(dcc.Link(f"{r.name}（{r.code}）", href=f"/annual/site/{r.code}?year={year}")),
            html.Td(r.site_type), html.Td(r.city), html.Td(r.state, className="annual-state"),
            html.Td(n(r.missing), className="annual-missing" if r.missing else ""), html.Td(n(r.auto)),
            html.Td(n(r.manual)), html.Td(r.updated or "—")]))
    return out


def field_sections(sections: Sequence[tuple[str, Sequence[Any]]]) -> html.Table:
    """One table of every section's fields (FieldView): label, value, origin; missing rows highlighted."""
    body: list[html.Tr] = []
    for label, fields in sections:
        body.append(html.Tr(html.Td(label, colSpan=3), className="annual-section"))
        for f in fields:
            body.append(html.Tr(id=f"annual-field-{f.key}", className=f"annual-field annual-{f.status}", children=[
                html.Td(f.label), html.Td(f.value, className="annual-value"), html.Td(f.origin)]))
    return html.Table(className="wall-table annual-table", children=[
        html.Thead(html.Tr([html.Th(h) for h in S.FIELD_COLUMNS])), html.Tbody(body, id="annual-site-fields")])


def head_block(lines: Sequence[str], reason: str, counts: str, notes: Sequence[str]) -> html.Div:
    """The report's state and workflow lines, the return reason and the counts."""
    children: list[Any] = [html.Div(line, className="annual-head-line") for line in lines]
    if reason:
        children.append(html.Div(S.RETURNED.format(reason=reason), className="annual-returned",
                                 id="annual-site-reason-shown"))
    children.append(html.Div(counts, className="annual-counts", id="annual-site-counts"))
    children += [html.Div(n, className="annual-warn") for n in notes]
    return html.Div(children, id="annual-site-head")
