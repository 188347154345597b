"""Who may do what where: the role → action matrix and the scope check. Pure.

Other packages call :func:`require` before any action; it raises :class:`PermissionDenied` with a
Chinese message naming the action or the region. Kiosk sessions may only view.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.i18n.security import ACTION_LABELS
from db.models_security import Role, User
from security.scope import PROVINCE_CODE, can_see


class Action(enum.StrEnum):
    VIEW = "view"  # screens, alert lists, drill-down
    ACK = "ack"  # acknowledge / un-acknowledge alerts
    ASSIGN = "assign"
    SILENCE = "silence"  # silences and maintenance windows
    RESOLVE = "resolve"  # close an alert manually, change its severity
    MANAGE_ROSTER = "manage_roster"  # duty roster: add and remove shifts
    HANDOVER = "handover"  # shift handover (交接班): the person on duty passes on the open alerts
    MANAGE_USERS = "manage_users"
    MANAGE_KIOSK = "manage_kiosk"
    VIEW_AUDIT = "view_audit"
    MANAGE_RULES = "manage_rules"  # alert rule files and receivers
    EDIT_CONTENT = "edit_content"
    REVIEW_CONTENT = "review_content"
    VERIFY = "verify_findings"  # 人工核验: decide on findings, manual entries, sign-off, draft and issue 整改 notices
    ANSWER_RECTIFICATION = "answer_rectification"  # answer a 整改 notice for one's own sites


_ONCALL = {Action.VIEW, Action.ACK, Action.ASSIGN, Action.SILENCE, Action.RESOLVE, Action.HANDOVER}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.PROVINCE_ADMIN: frozenset(Action),
    Role.CITY_ADMIN: frozenset(_ONCALL | {Action.MANAGE_ROSTER, Action.MANAGE_USERS, Action.MANAGE_KIOSK,
                                          Action.VIEW_AUDIT, Action.VERIFY, Action.ANSWER_RECTIFICATION}),
    Role.ONCALL: frozenset(_ONCALL),
    Role.MANAGER: frozenset({Action.VIEW}),
    Role.SECURITY: frozenset({Action.VIEW, Action.ACK, Action.VIEW_AUDIT}),
    Role.EDITOR: frozenset({Action.VIEW, Action.EDIT_CONTENT, Action.ANSWER_RECTIFICATION}),
    Role.REVIEWER: frozenset({Action.VIEW, Action.REVIEW_CONTENT}),
}
KIOSK_ACTIONS: frozenset[Action] = frozenset({Action.VIEW})


class PermissionDenied(PermissionError):
    """The principal may not perform the action (or not in that region). The message is Chinese."""


@dataclass(frozen=True)
class Principal:
    """Whoever makes a request: a logged-in user (``role`` set) or a kiosk wall (``kiosk`` True)."""

    actor: str  # audit actor: the user name, or "kiosk:<name>"
    scope_code: str
    role: Role | None = None
    user_id: int | None = None
    kiosk: bool = False

    @classmethod
    def of_user(cls, user: User) -> Principal:
        return cls(actor=user.username, scope_code=user.scope_code, role=user.role, user_id=user.id)

    @classmethod
    def of_kiosk(cls, name: str, scope_code: str) -> Principal:
        return cls(actor=f"kiosk:{name}", scope_code=scope_code, kiosk=True)

    @property
    def is_province(self) -> bool:
        return self.scope_code == PROVINCE_CODE


def allowed_actions(principal: Principal) -> frozenset[Action]:
    """The actions the principal's role (or kiosk) grants, regardless of region."""
    if principal.kiosk or principal.role is None:
        return KIOSK_ACTIONS if principal.kiosk else frozenset()
    return PERMISSIONS[principal.role]


def can(principal: Principal | User, action: Action | str, city_code: str = PROVINCE_CODE,
        node_code: str | None = None) -> bool:
    """Whether ``principal`` may perform ``action`` on an object owned by ``city_code`` (filed under
    ``node_code`` when known: a county's alert is its county's, security.scope.can_see)."""
    p = principal if isinstance(principal, Principal) else Principal.of_user(principal)
    return Action(action) in allowed_actions(p) and can_see(p.scope_code, city_code, node_code)


def require(principal: Principal | User | None, action: Action | str, city_code: str = PROVINCE_CODE,
            node_code: str | None = None) -> Principal:
    """Return the principal when it may perform ``action`` on ``city_code``'s object; else raise.

    ``city_code`` is the owning city (430000 for province-wide objects such as rule files), ``node_code``
    the object's node when known (a county sees only objects of its own node).
    Raises :class:`PermissionDenied` (also for ``None``, an anonymous request) and ``ValueError``
    for an unknown action name.
    """
    from core.i18n.security import S

    act = Action(action)
    if principal is None:
        raise PermissionDenied(S.FORBIDDEN.format(what=ACTION_LABELS[act]))
    p = principal if isinstance(principal, Principal) else Principal.of_user(principal)
    if act not in allowed_actions(p):
        raise PermissionDenied(S.KIOSK_READ_ONLY if p.kiosk else S.FORBIDDEN.format(what=ACTION_LABELS[act]))
    if not can_see(p.scope_code, city_code, node_code):
        raise PermissionDenied(S.FORBIDDEN_SCOPE.format(code=city_code))
    return p
