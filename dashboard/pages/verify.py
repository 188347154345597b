"""人工核验与整改 (/verify): the verification queue and the rectification notices of the viewer's region,
read-only — for those who verify (``verify_findings``: province and city admins). A city admin sees its own
sites' findings and notices, the province all (operations/verify_store.py and notice_store.py decide, with
the same scope as the command ``app.py verify``, which carries the actions until this page gets its forms).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import dash
from dash import html

from core.i18n.inspection import FINDING_KIND
from core.i18n.verification import (
    DECISION_STATUS,
    DISMISS_REASON,
    PAGE,
    PAGE_NOTICE_COLUMNS,
    PAGE_QUEUE_COLUMNS,
)
from dashboard.data import wall_data
from operations import notice_store, verify_store
from operations.access import Actor
from security.access import Access
from security.auth import Action
from security.web import current_principal

dash.register_page(__name__, path="/verify", name=PAGE["title"], title=f"{PAGE['title']} · 运维指挥中心", order=11,
                   access=Access(action=Action.VERIFY))

P = "verify"
SHOWN = 200  # rows per table; the rest are counted, not hidden silently


def _table(pid: str, columns: tuple[str, ...], rows: list[list[str]], empty: str, total: int) -> html.Div:
    if not rows:
        return html.Div(empty, id=f"{P}-{pid}-empty", className="verify-empty")
    children: list[Any] = [html.Table(id=f"{P}-{pid}", className="verify-table", children=[
        html.Thead(html.Tr([html.Th(c) for c in columns])),
        html.Tbody([html.Tr([html.Td(v) for v in r]) for r in rows])])]
    if total > len(rows):
        children.append(html.Div(PAGE["more"].format(n=total - len(rows), total=total), className="verify-more"))
    return html.Div(children)


def layout(**_: Any) -> html.Div:
    p = current_principal()
    if p is None:
        return html.Div(PAGE["no_viewer"], className="page page-verify")
    actor = Actor(p.actor, p.scope_code, None, p.role.value if p.role is not None else None)
    data = wall_data()
    now = data.clock.now()
    tz = now.tzinfo or UTC
    with data.sessions() as s:
        items = verify_store.queue(s, actor)
        notices = notice_store.list_notices(s, actor, now, tz=tz)
    # The last decision by its time and reason, not its author: a province inspector's name is not the city's.
    queue_rows = [[str(i.finding_id), f"{i.site_name}（{i.site_code}）",
                   f"{FINDING_KIND.get(i.kind, '问题')}：{i.detail}", i.location,
                   DECISION_STATUS[i.status.value],
                   "—" if i.decided_at is None else
                   i.decided_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
                   + (f"（{DISMISS_REASON[i.reason]}）" if i.reason in DISMISS_REASON else "")]
                  for i in items[:SHOWN]]
    notice_rows = [[str(n.id), f"{n.site_name}（{n.site_code}）", n.addressee, n.state_label, n.deadline.isoformat(),
                    f"{n.fixed}/{n.problems}", str(n.escalations)] for n in notices[:SHOWN]]
    return html.Div(className="page page-verify", children=[
        html.Div(className="page-head", children=[html.H2(PAGE["title"], id=f"{P}-name", className="page-name")]),
        html.P(PAGE["note"].format(scope=p.scope_code), id=f"{P}-note", className="verify-note"),
        html.H3(PAGE["queue"]),
        _table("queue", PAGE_QUEUE_COLUMNS, queue_rows, PAGE["queue_empty"], len(items)),
        html.H3(PAGE["notices"]),
        _table("notices", PAGE_NOTICE_COLUMNS, notice_rows, PAGE["notices_empty"], len(notices)),
    ])
