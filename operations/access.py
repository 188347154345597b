"""Who acts and on which site: the actor, the region check every store runs, and the audit of refusals.

A city user sees and manages its own sites (and its counties'), a county user its own, the province all
(security/scope.py decides). A refused action is audited and raises :class:`VerifyScopeError`; the caller's
unsaved work is rolled back first, so a refusal never saves half of anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session, joinedload

from core.i18n.security import ACTION_LABELS, ROLE_LABELS
from core.i18n.verification import TV
from core.region import PROVINCE_CODE, ScopeLevel, scope_level
from db.models import Node, Site
from db.models_security import Role, User
from operations.errors import VerifyError, VerifyScopeError
from security import audit
from security.auth import PERMISSIONS, Action
from security.scope import Owner, covers

CLI_ORIGIN = "本机命令行"


@dataclass(frozen=True)
class Actor:
    """Who acts: user name, region scope (430000 = the province) and where the request came from."""

    username: str
    scope_code: str
    remote_addr: str | None = None
    role: str | None = None  # a user's role (security.auth.PERMISSIONS); None: the local command line or the system


def actor_of_user(session: Session, username: str, remote_addr: str | None = None) -> Actor:
    """The actor of a registered, active user (their scope); raises VerifyError when there is none."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise VerifyError(TV.NO_USER.format(name=username))
    return Actor(user.username, user.scope_code, remote_addr, user.role.value)


def owner_of_site(site: Site) -> Owner:
    return Owner(site.node.city_code, site.node_code)


def load_site(session: Session, code: str) -> Site:
    site = session.scalar(select(Site).options(joinedload(Site.node)).where(Site.code == code.strip()))
    if site is None:
        raise VerifyError(TV.NO_SITE.format(code=code))
    return site


def role_allows(actor: Actor, permission: Action) -> bool:
    """Whether the actor's role grants ``permission``; an actor without a role (the command line run by the
    machine's administrator, the system) is not limited by role."""
    return actor.role is None or permission in PERMISSIONS[Role(actor.role)]


def guard_site(session: Session, actor: Actor, site: Site, action: str, object_type: str, object_id: str | int,
               now: datetime, what: str, permission: Action | None = Action.VERIFY) -> None:
    """Raise VerifyScopeError (after rolling back and auditing the refusal) unless ``actor`` covers ``site``
    and, when ``permission`` is given, the actor's role grants it."""
    role_ok = permission is None or role_allows(actor, permission)
    if role_ok and covers(actor.scope_code, owner_of_site(site)):
        return
    if not role_ok:
        assert permission is not None and actor.role is not None
        session.rollback()
        audit.record(session, actor.username, f"{action}.denied", object_type, object_id, at=now,
                     scope_code=actor.scope_code, remote_addr=actor.remote_addr,
                     summary=TV.AUDIT_ROLE_DENIED.format(what=what, role=ROLE_LABELS[actor.role]))
        session.commit()
        raise VerifyScopeError(TV.ROLE_FORBIDDEN.format(role=ROLE_LABELS[actor.role],
                                                        what=ACTION_LABELS[permission.value]))
    code = site.code
    session.rollback()
    audit.record(session, actor.username, f"{action}.denied", object_type, object_id, at=now,
                 scope_code=actor.scope_code, remote_addr=actor.remote_addr,
                 summary=TV.AUDIT_DENIED.format(what=what, site=code, scope=actor.scope_code))
    session.commit()
    raise VerifyScopeError(TV.OUT_OF_SCOPE.format(site=code, scope=actor.scope_code))


def region_clause(actor: Actor, region: str | None = None) -> ColumnElement[bool]:
    """A where-clause on :class:`Node` (joined to the site) narrowing to the actor's scope and, when given,
    to ``region`` (a city or county code the actor's scope must cover). Rows are judged with
    :func:`security.scope.covers` afterwards all the same."""
    code = actor.scope_code
    if region:
        region = region.strip()
        if not covers(actor.scope_code, Owner.of_city(region)):
            raise VerifyScopeError(TV.REGION_OUT_OF_SCOPE.format(region=region, scope=actor.scope_code))
        code = region
    if code == PROVINCE_CODE:
        return true()
    try:
        level = scope_level(code)
    except ValueError:
        return Node.code == code  # malformed: matches nothing real
    if level is ScopeLevel.COUNTY:
        return Node.code == code
    return or_(Node.code == code, Node.parent_code == code)


def visible(actor: Actor, site: Site) -> bool:
    return covers(actor.scope_code, owner_of_site(site))
