"""Components of the audit log page (审计日志, /audit) from :class:`layouts.frames.AuditRow` rows. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dash import html

from core.i18n.screens_audit import TAU

if TYPE_CHECKING:
    from layouts.frames import AuditRow


def header_row(zone: str) -> html.Tr:
    return html.Tr([html.Th(TAU.TIME_HEADER.format(zone=zone) if i == 0 else h) for i, h in enumerate(TAU.COLUMNS)])


def body_rows(rows: Sequence[AuditRow]) -> list[html.Tr]:
    """One row per entry; the action's code only in the hover title (operators may grep for it)."""
    if not rows:
        return [html.Tr(html.Td(TAU.EMPTY, colSpan=len(TAU.COLUMNS), className="empty"))]
    return [html.Tr(className="audit-row", children=[
        html.Td(r.at, className="audit-at"),
        html.Td(r.actor, className="audit-actor"),
        html.Td(r.action, className="audit-action", title=r.action_code),
        html.Td(TAU.OBJECT.format(type=r.object_type, id=r.object_id), className="audit-object"),
        html.Td(r.region, className="audit-region"),
        html.Td(r.remote_addr, className="audit-remote"),
        html.Td(r.summary, className="audit-summary", title=r.summary)]) for r in rows]


def count_text(total: int, page: int, pages: int) -> tuple[str, str]:
    """(``共 N 条``, ``第 p / P 页``)."""
    return TAU.COUNT.format(total=total), TAU.PAGE_OF.format(page=page, pages=pages)
