"""运维大屏: the index of the wall screens this viewer may open — one card per domain wall (全省总览 or the own
city's wall, 基础设施, 平台服务, 新媒体, 运营中心) and, for those who manage kiosk walls, the playlist editor.
The header has one link here instead of one per wall, so it keeps its width as domains are added (the
resource library wall will take a card too)."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from core.i18n.walls import SCREENS
from security.access import Access
from security.auth import Action, Principal, allowed_actions
from security.web import current_principal

dash.register_page(__name__, path="/screens", name=SCREENS["page"], title=f"{SCREENS['page']} · 运维指挥中心",
                   order=2, access=Access())  # lists only what the viewer may open; each wall judges its own

P = "screens"


def screen_cards(principal: Principal | None) -> list[tuple[str, str, str]]:
    """(title, href, what it shows) of every screen ``principal`` may open, in wall order."""
    province = principal is None or principal.is_province
    home = "/" if province or principal is None else f"/city/{principal.scope_code}"
    cards = [(SCREENS["overview"] if province else SCREENS["city"], home,
              SCREENS["overview_note"] if province else SCREENS["city_note"])]
    if province:
        cards.append((SCREENS["infra"], "/infra", SCREENS["infra_note"]))
    cards += [(SCREENS["services"], "/services", SCREENS["services_note"]),
              (SCREENS["media"], "/media", SCREENS["media_note"]),
              (SCREENS["ops"], "/ops", SCREENS["ops_note"])]
    if principal is not None and Action.MANAGE_KIOSK in allowed_actions(principal):
        cards.append((SCREENS["walls"], "/walls", SCREENS["walls_note"]))
    return cards


def layout(**_: Any) -> html.Div:
    return html.Div(className="page page-screens", children=[
        html.Div(className="page-head", children=[html.H2(SCREENS["page"], id=f"{P}-name", className="page-name")]),
        html.Div(id=f"{P}-cards", className="screen-cards", children=[
            dcc.Link(href=href, className="screen-card", children=[
                html.Div(title, className="screen-card-title"), html.Div(note, className="screen-card-note")])
            for title, href, note in screen_cards(current_principal())]),
    ])
