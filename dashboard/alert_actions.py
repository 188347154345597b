"""The console's state changes, one function between a Dash callback and alerts/oncall.py / silences.py.

:func:`perform` checks the principal's permission (security.auth.require), runs the action in
its own session through the on-call functions (never a raw update: they guard the state, lock
optimistically and audit), and returns an :class:`Outcome` whose message is Chinese. Nothing
raises to the caller for an expected refusal: no login, a kiosk wall, another city, a stale
version (已被他人处理，请刷新), a wrong state or bad input.

Assigning is checked here too, whatever the console's picker offered: the assignee must exist, be
active and be allowed to handle alerts of the alert's city (:func:`assign_refusal`).
:func:`assignees` is the picker's reader: the users an alert may be given to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts import oncall, silences
from alerts.errors import ConflictError, ScopeError, TransitionError
from alerts.matchers import MatcherError
from core.i18n.screens_alerts import ACTION_OK, TA
from core.i18n.security import ROLE_LABELS
from dashboard import inputs
from db.models_alerts import Alert
from db.models_security import User
from security.auth import Action, PermissionDenied, Principal, allowed_actions, can, require
from security.scope import PROVINCE_CODE, Owner, can_see, covers, node_of
from security.users import users_who_may

ACTIONS: dict[str, Action] = {"ack": Action.ACK, "unack": Action.ACK, "assign": Action.ASSIGN,
                              "severity": Action.RESOLVE, "close": Action.RESOLVE, "silence": Action.SILENCE,
                              "note": Action.ACK}
MAX_SILENCE_HOURS = 24 * 7
HANDLE = Action.ACK  # what an assignee must be allowed on the alert's city: to handle it at all
ASSIGNEE_COLUMNS = ["username", "display_name", "role_label"]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str  # Chinese, shown under the action buttons


def silence_matchers(labels: dict[str, str], rule: str) -> list[dict[str, str]]:
    """Equality matchers on the alert's rule and labels (so the silence mutes exactly this instance). Pure."""
    return [{"name": "alertname", "op": "=", "value": rule},
            *({"name": k, "op": "=", "value": str(v)} for k, v in sorted(labels.items()))]


def assignees(session: Session, principal: Principal | None, alert_id: int) -> pd.DataFrame:
    """The users alert ``alert_id`` may be assigned to (active, allowed to handle its city's alerts),
    by user name; columns :data:`ASSIGNEE_COLUMNS`. Empty when the alert is gone or the principal may
    not assign it (a wall or a manager learns no user names)."""
    alert = session.get(Alert, alert_id)
    node = node_of(alert.labels) if alert is not None else None
    if alert is None or principal is None or not can(principal, Action.ASSIGN, alert.city_code, node):
        return pd.DataFrame(columns=ASSIGNEE_COLUMNS)
    rows = [(u.username, u.display_name, ROLE_LABELS[u.role])
            for u in users_who_may(session, HANDLE, alert.city_code, node)
            if covers(principal.scope_code, Owner.of_scope(u.scope_code))]  # never a name of another region
    return pd.DataFrame(rows, columns=ASSIGNEE_COLUMNS)


def assign_refusal(session: Session, username: str, city_code: str, viewer_scope: str = PROVINCE_CODE,
                   node_code: str | None = None) -> str | None:
    """Why ``username`` may not be given an alert of ``city_code`` (filed under ``node_code``: a county's alert
    may go to that county's staff too) (Chinese), or None when they may.

    A user outside ``viewer_scope`` (the assigning principal's) who may not take the alert reads as unknown:
    the refusal never tells another region's accounts, roles or scopes apart from missing ones."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or (not covers(viewer_scope, Owner.of_scope(user.scope_code))
                        and not (user.active and can(user, HANDLE, city_code, node_code))):
        return TA.ERR_ASSIGNEE_UNKNOWN.format(user=username)
    if not user.active:
        return TA.ERR_ASSIGNEE_DISABLED.format(user=username)
    if HANDLE not in allowed_actions(Principal.of_user(user)):
        return TA.ERR_ASSIGNEE_ROLE.format(user=username, role=ROLE_LABELS[user.role])
    if not can_see(user.scope_code, city_code, node_code):
        return TA.ERR_ASSIGNEE_SCOPE.format(user=username, scope=user.scope_code, city=city_code)
    return None


def perform(sessions: sessionmaker[Session], principal: Principal | None, action: str, alert_id: int,
            version: int, now: datetime, *, note: str = "", user: str = "", severity: str = "",
            hours: float = 0.0, remote_addr: str | None = None) -> Outcome:
    """Run ``action`` (ack, unack, assign, severity, close, silence, note) on alert ``alert_id`` read at ``version``.

    The other values are taken as the browser sent them (dashboard.inputs): an id or version that is not
    an integer reads as a gone alert or a stale version, a note that is not text as no note."""
    if action not in ACTIONS:
        raise ValueError(f"unknown console action {action!r}; expected one of {', '.join(ACTIONS)}")
    ident, seen = inputs.integer(alert_id), inputs.integer(version)
    if ident is None:
        return Outcome(False, TA.ERR_GONE)
    if seen is None:
        return Outcome(False, TA.ERR_CONFLICT)
    alert_id, version = ident, seen
    note, user, severity = inputs.text(note), inputs.text(user, limit=128), inputs.text(severity, limit=32)
    hours = inputs.number(hours) or 0.0
    with sessions() as s:
        alert = s.get(Alert, alert_id)
        if alert is None:
            return Outcome(False, TA.ERR_GONE)
        try:
            p = require(principal, ACTIONS[action], alert.city_code, node_of(alert.labels))
        except PermissionDenied as exc:
            return Outcome(False, str(exc) if principal is not None else TA.ERR_LOGIN)
        actor = oncall.Actor(p.actor, p.scope_code, remote_addr)
        try:
            return _run(s, actor, action, alert, version, now, note=note.strip(), user=user.strip(),
                        severity=severity, hours=hours)
        except ConflictError:
            return Outcome(False, TA.ERR_CONFLICT)
        except ScopeError:
            return Outcome(False, TA.ERR_SCOPE)
        except TransitionError:
            s.rollback()
            return Outcome(False, TA.ERR_STATE)
        except (ValueError, MatcherError) as exc:
            s.rollback()
            return Outcome(False, TA.ERR_INPUT.format(detail=exc))


def _run(s: Session, actor: oncall.Actor, action: str, alert: Alert, version: int, now: datetime, *,
         note: str, user: str, severity: str, hours: float) -> Outcome:
    aid = alert.id
    if alert.origin_node and action not in oncall.MIRROR_ACTIONS:
        return Outcome(False, TA.ERR_MIRRORED.format(node=alert.origin_node))
    if action == "ack":
        oncall.acknowledge(s, aid, version, actor, now, note=note)
    elif action == "unack":
        oncall.unacknowledge(s, aid, version, actor, now, note=note)
    elif action == "assign":
        if not user:
            return Outcome(False, TA.ERR_NEED_USER)
        why = assign_refusal(s, user, alert.city_code, actor.scope_code, node_of(alert.labels))
        if why:
            return Outcome(False, why)
        oncall.assign(s, aid, version, actor, now, user, note=note)
    elif action == "severity":
        if not severity:
            return Outcome(False, TA.ERR_NEED_SEVERITY)
        oncall.change_severity(s, aid, version, actor, now, severity, note=note)
    elif action == "close":
        if not note:
            return Outcome(False, TA.ERR_NEED_REASON)
        oncall.close(s, aid, version, actor, now, note)
    elif action == "note":
        if not note:
            return Outcome(False, TA.ERR_NEED_NOTE)
        oncall.add_note(s, aid, actor, now, note)
    else:  # silence
        if not 0 < hours <= MAX_SILENCE_HOURS:
            return Outcome(False, TA.ERR_HOURS.format(max=MAX_SILENCE_HOURS))
        if not note:
            return Outcome(False, TA.ERR_NEED_REASON)
        sil = silences.create(s, silence_matchers(dict(alert.labels or {}), alert.rule), now,
                              now + timedelta(hours=hours), actor.username, note, scope_code=actor.scope_code,
                              now=now, remote_addr=actor.remote_addr)
        s.commit()
        return Outcome(True, TA.OK_SILENCE.format(id=sil.id, hours=f"{hours:g}"))
    return Outcome(True, ACTION_OK[action].format(id=aid))
