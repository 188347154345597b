"""Read-only queries behind the duty screen (值班与静默, /oncall): who is on duty now, the roster
window, handovers with the alerts they passed on, silences with their derived state, and the people
a form may offer.

Every function takes the session and (where time matters) ``now`` and writes nothing. Frames carry
plain values with times as aware UTC datetimes; layouts/oncall.py formats them in the wall's zone.
Scope: ``scope_code`` is the viewer's region (430000 sees the province and all 14 cities, a city
sees itself only, a county its own handovers, silences and alerts). Rosters are kept per city and for the
province (alerts.roster.recipients): a county has none of its own, so its duty panel lists nobody (its
alerts go to its city's roster, which is the city's and not shown to it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts import roster
from alerts.pipeline import EscalationPolicy
from alerts.silences import SilenceState, list_silences
from core.i18n.screens_oncall import SILENCE_STATE, TO
from core.region import is_county
from db.models import Node, NodeLevel
from db.models_alerts import Alert, DutyShift
from db.timestamps import aware
from security.auth import Action, Principal, can
from security.scope import PROVINCE_CODE, Owner, covers, scope_filter
from security.users import users_who_may

TIERS: tuple[int, ...] = tuple(range(1, EscalationPolicy().max_tier + 1))
DAYS_AHEAD = 7
HANDOVER_LIMIT = 20
PROVINCE_NAME = "省本级"

DUTY_COLUMNS = ["scope_code", "scope_name", "tier", "users", "until", "fallback"]
SHIFT_COLUMNS = ["id", "scope_code", "scope_name", "tier", "username", "starts_at", "ends_at", "status"]
HANDOVER_COLUMNS = ["id", "at", "scope_code", "scope_name", "from_user", "to_user", "note", "alert_ids",
                    "alerts_text"]
OPEN_ALERT_COLUMNS = ["id", "severity", "state", "city_name", "summary"]
SILENCE_COLUMNS = ["id", "kind", "state", "matchers", "starts_at", "ends_at", "created_by", "reason",
                   "scope_code", "scope_name"]


def scopes(session: Session, viewer_scope: str) -> list[tuple[str, str]]:
    """``(code, name)`` of the regions the viewer's forms and lists work in: the province then the cities by
    code, or its own city or county."""
    if scope_filter(viewer_scope) is None:
        cities = [(c, n) for c, n in session.execute(
            select(Node.code, Node.name).where(Node.level == NodeLevel.CITY).order_by(Node.code))]
        return [(PROVINCE_CODE, PROVINCE_NAME), *cities]
    name = session.scalar(select(Node.name).where(Node.code == viewer_scope,
                                                  Node.level.in_((NodeLevel.CITY, NodeLevel.COUNTY))))
    return [(viewer_scope, name or viewer_scope)]


def roster_scopes(session: Session, viewer_scope: str) -> list[tuple[str, str]]:
    """The rosters the viewer sees (:func:`scopes` less counties: a county has no roster of its own)."""
    return [(c, n) for c, n in scopes(session, viewer_scope) if not is_county(c)]


def _names(session: Session) -> dict[str, str]:
    return {PROVINCE_CODE: PROVINCE_NAME, **{c: n for c, n in session.execute(
        select(Node.code, Node.name).where(Node.level.in_((NodeLevel.CITY, NodeLevel.COUNTY))))}}


def on_duty_now(session: Session, now: datetime, *, scope_code: str) -> pd.DataFrame:
    """One row per visible scope and tier: who is on duty at ``now`` (``users`` sorted, "" when nobody),
    ``until`` the last of their shifts' ends, and ``fallback`` True when a city has nobody at that tier
    and the province's roster covers it (what :func:`alerts.roster.recipients` does)."""
    q = select(DutyShift).where(DutyShift.starts_at <= now, DutyShift.ends_at > now)
    current: dict[tuple[str, int], list[DutyShift]] = {}
    for sh in session.scalars(q):
        current.setdefault((sh.scope_code, sh.tier), []).append(sh)
    rows = []
    for code, name in roster_scopes(session, scope_code):
        for tier in TIERS:
            shifts = current.get((code, tier), [])
            users = sorted({sh.username for sh in shifts})
            until = max((aware(sh.ends_at) for sh in shifts), default=None)
            fallback = not users and code != PROVINCE_CODE and bool(current.get((PROVINCE_CODE, tier)))
            rows.append({"scope_code": code, "scope_name": name, "tier": tier, "users": "、".join(users),
                         "until": until, "fallback": fallback})
    return pd.DataFrame(rows, columns=DUTY_COLUMNS)


def _status(start: datetime, end: datetime, now: datetime) -> str:
    if end <= now:
        return "over"
    return "on" if start <= now else "upcoming"


def shifts(session: Session, now: datetime, *, scope_code: str, days_ahead: int = DAYS_AHEAD) -> pd.DataFrame:
    """Shifts from today's midnight (``now``'s zone) to ``days_ahead`` days ahead, by start; ``status`` is
    ``on`` (covers now), ``upcoming`` or ``over``."""
    names = _names(session)
    rows = []
    for sh in roster.list_shifts(session, now, scope_code=scope_code, days_ahead=days_ahead):
        start, end = aware(sh.starts_at), aware(sh.ends_at)
        assert start is not None and end is not None
        rows.append({"id": sh.id, "scope_code": sh.scope_code, "scope_name": names.get(sh.scope_code, sh.scope_code),
                     "tier": sh.tier, "username": sh.username, "starts_at": start, "ends_at": end,
                     "status": _status(start, end, now)})
    return pd.DataFrame(rows, columns=SHIFT_COLUMNS)


def _alerts_by_id(session: Session, ids: Sequence[int]) -> dict[int, Alert]:
    if not ids:
        return {}
    return {a.id: a for a in session.scalars(select(Alert).where(Alert.id.in_(list(ids))))}


def _alert_line(a: Alert | None, aid: int) -> str:
    return f"#{aid} {a.summary}" if a is not None else f"#{aid}"


def handovers(session: Session, *, scope_code: str, limit: int = HANDOVER_LIMIT) -> pd.DataFrame:
    """The newest handovers in scope; ``alert_ids`` the open alerts passed on, ``alerts_text`` their
    ids and summaries ("#12 site_down 告警；#15 …")."""
    names = _names(session)
    rows = roster.recent_handovers(session, scope_code=scope_code, limit=limit)
    known = _alerts_by_id(session, sorted({i for h in rows for i in (h.open_alert_ids or [])}))
    out = []
    for h in rows:
        ids = [int(i) for i in (h.open_alert_ids or [])]
        out.append({"id": h.id, "at": aware(h.at), "scope_code": h.scope_code,
                    "scope_name": names.get(h.scope_code, h.scope_code), "from_user": h.from_user,
                    "to_user": h.to_user, "note": h.note or "", "alert_ids": ids,
                    "alerts_text": "；".join(_alert_line(known.get(i), i) for i in ids)})
    return pd.DataFrame(out, columns=HANDOVER_COLUMNS)


def open_alerts(session: Session, *, scope_code: str) -> pd.DataFrame:
    """The open alerts a handover in ``scope_code`` would pass on (the same set :func:`alerts.roster.handover`
    records), by id."""
    names = _names(session)
    found = _alerts_by_id(session, roster.open_alert_ids(session, scope_code))
    rows = [{"id": a.id, "severity": a.severity.value, "state": a.state.value,
             "city_name": names.get(a.city_code, a.city_code), "summary": a.summary}
            for _, a in sorted(found.items())]
    return pd.DataFrame(rows, columns=OPEN_ALERT_COLUMNS)


def matchers_text(raw: Sequence[dict[str, str]]) -> str:
    """Stored matchers as typed on the screen: ``name=value, name=~"re"``. Pure."""
    return ", ".join(f'{m["name"]}{m["op"]}"{m["value"]}"' for m in raw)


class SilenceFilterError(ValueError):
    """A silence-state filter value that is none of the states; the message is Chinese."""


def silence_state(value: object) -> SilenceState | None:
    """The state a filter value asks for (None: every state, for "" or None). Pure; raises
    :class:`SilenceFilterError` for anything else — a value comes from the browser, so it may be anything."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value in {s.value for s in SilenceState}:
        return SilenceState(value)
    shown = str(value)[:40]
    raise SilenceFilterError(TO.SILENCE_STATE_UNKNOWN.format(value=shown, choices="、".join(SILENCE_STATE.values())))


def silences(session: Session, now: datetime, *, scope_code: str, state: str | None = "") -> pd.DataFrame:
    """Silences and maintenance windows in scope, newest first, with ``state`` derived from ``now``
    (pending / active / expired); ``ends_at`` is the effective end (an early expiry when there is one).
    Raises :class:`SilenceFilterError` for an unknown ``state``."""
    wanted = silence_state(state)
    names = _names(session)
    rows = []
    for s, st in list_silences(session, now, state=wanted, scope_code=scope_code):
        end = aware(s.ends_at)
        early = aware(s.expired_early_at)
        if early is not None and end is not None:
            end = min(end, early)
        rows.append({"id": s.id, "kind": s.kind.value, "state": st.value, "matchers": matchers_text(s.matchers),
                     "starts_at": aware(s.starts_at), "ends_at": end, "created_by": s.created_by,
                     "reason": s.reason, "scope_code": s.scope_code,
                     "scope_name": names.get(s.scope_code, s.scope_code)})
    return pd.DataFrame(rows, columns=SILENCE_COLUMNS)


def people(session: Session, scope_code: str, action: Action = Action.HANDOVER) -> list[tuple[str, str]]:
    """``(username, display name)`` of active users who may take ``action`` in ``scope_code``: who may hold a
    shift at that scope or receive a handover (what the actions accept; pickers show :func:`choices`)."""
    return [(u.username, u.display_name or u.username) for u in users_who_may(session, action, scope_code)]


def choices(session: Session, principal: Principal | None, scope_code: str, need: Action,
            action: Action = Action.HANDOVER) -> list[tuple[str, str]]:
    """The people a picker offers ``principal`` for ``scope_code``: those of :func:`people` whose own scope
    lies within the principal's (a picker never names someone of another region, the province's staff
    included for a city), and nobody when the principal may not ``need`` there (a wall, a manager, another
    region's staff, an anonymous viewer)."""
    if principal is None or not can(principal, need, scope_code):
        return []
    return [(u.username, u.display_name or u.username) for u in users_who_may(session, action, scope_code)
            if covers(principal.scope_code, Owner.of_scope(u.scope_code))]
